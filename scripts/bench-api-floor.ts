// The floor for scripts/bench-api.sh: an HTTP server that answers each
// request at once (201 and its body back), doing nothing else. Run by the
// same client in the same lab boot, it shows how much of the measured
// latency is the lab's own (HTTP on loopback, scheduling), not lvsd's.
// Usage: node bench-api-floor.js PORT
import { createServer } from 'node:http';

const port = Number(process.argv[2] ?? '7081');
createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8').on('data', (d: string) => { body += d; });
  req.on('end', () => {
    res.writeHead(201, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
}).listen(port, '127.0.0.1');
