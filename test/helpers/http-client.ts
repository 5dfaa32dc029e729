// A client for lab tests: requests URL every INTERVAL ms, one fresh TCP
// connection each, and prints one JSON line per request: {ok, body|error, at}.
// Usage: node http-client.js URL INTERVAL_MS
import { get } from 'node:http';

const [url = '', interval = '50'] = process.argv.slice(2);

function once(): void {
  const at = Date.now();
  const req = get(url, { agent: false, timeout: 2000 }, (res) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (d: string) => { body += d; });
    res.on('end', () => report({ ok: res.statusCode === 200, body, at }));
    res.on('error', (e) => report({ ok: false, error: e.message, at }));
  });
  req.on('timeout', () => req.destroy(new Error('timeout')));
  req.on('error', (e) => report({ ok: false, error: e.message, at }));
}

let done = false;
function report(r: object): void {
  process.stdout.write(`${JSON.stringify(r)}\n`);
  if (!done) setTimeout(once, Number(interval));
}
process.on('SIGTERM', () => { done = true; process.exit(0); });
once();
