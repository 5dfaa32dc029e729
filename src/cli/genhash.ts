// `lvsd genhash`: keepalived's genhash, the MD5 digest of a URL's body to
// paste into an HTTP_GET / SSL_GET `digest`. Same options; a failure is an
// error exit rather than a message with status 0.
import { genhash } from '../check/genhash';
import type { HttpProtocol } from '../check/types';
import { parseToolArgs } from './tool-args';

const USAGE = `usage: lvsd genhash [-S] [-I] -s ADDRESS -p PORT -u URL [-V VIRTUALHOST] [-P 1.0|1.0c|1.1] [-t SECONDS] [-v]
  -S, --use-ssl          connect with TLS
  -I, --use-sni          send the virtualhost as TLS server name
  -s, --server ADDRESS   real server address
  -p, --port PORT        real server port
  -u, --url URL          path to fetch, e.g. /index.html
  -V, --use-virtualhost  Host header to send
  -P, --protocol         HTTP protocol: 1.0, 1.0c (1.0 with Connection: close) or 1.1
  -t, --timeout SECONDS  give up after this long (default 5)
  -v, --verbose          also print the status and the body size
`;

const PROTOCOLS: Record<string, HttpProtocol> = { '1.0': '1.0', '1.0c': '1.0C', '1.0C': '1.0C', '1.1': '1.1' };

export async function genhashMain(argv: string[]): Promise<number> {
  const parsed = parseToolArgs('genhash', USAGE, argv, {
    'use-ssl': { type: 'boolean', short: 'S', default: false },
    'use-sni': { type: 'boolean', short: 'I', default: false },
    server: { type: 'string', short: 's' },
    port: { type: 'string', short: 'p' },
    url: { type: 'string', short: 'u' },
    'use-virtualhost': { type: 'string', short: 'V' },
    protocol: { type: 'string', short: 'P' },
    timeout: { type: 'string', short: 't' },
    verbose: { type: 'boolean', short: 'v', default: false },
  });
  if ('exit' in parsed) return parsed.exit;
  const { values } = parsed;
  const port = Number(values.port);
  const timeout = values.timeout === undefined ? 5 : Number(values.timeout);
  const protocol = values.protocol === undefined ? undefined : PROTOCOLS[values.protocol];
  const problem = !values.server ? '-s ADDRESS is required'
    : !values.url ? '-u URL is required'
      : !Number.isInteger(port) || port < 1 || port > 65535 ? `-p needs a port 1-65535, got ${JSON.stringify(values.port ?? '')}`
        : !(timeout > 0) ? `-t needs a number of seconds > 0, got ${JSON.stringify(values.timeout)}`
          : values.protocol !== undefined && !protocol ? `-P must be 1.0, 1.0c or 1.1, got ${JSON.stringify(values.protocol)}` : undefined;
  if (problem) {
    process.stderr.write(`lvsd genhash: ${problem}\n${USAGE}`);
    return 2;
  }
  try {
    const r = await genhash({
      server: values.server!, port, path: values.url!, ssl: values['use-ssl'], sni: values['use-sni'],
      virtualhost: values['use-virtualhost'], timeoutMs: timeout * 1000, ...(protocol ? { protocol } : {}),
    });
    if (values.verbose) process.stdout.write(`status ${r.status}, ${r.bodyBytes} bytes\n`);
    process.stdout.write(`${r.digest}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`lvsd genhash: ${(err as Error).message}\n`);
    return 1;
  }
}
