// Real servers of the lab health-check benchmark: one process listening on
// COUNT consecutive ports of ADDRESS, counting accepted connections.
//   node dist/scripts/bench-check-listener.js ADDRESS FIRST_PORT COUNT
// It prints "ready" once every port listens, then answers one line per command
// read on stdin:
//   count       -> "count N"              connections accepted so far
//   close PORT  -> "closed PORT MS"       stops listening; MS = Date.now() right after
//   open PORT   -> "opened PORT"          listens again
import { createServer, type Server } from 'node:net';
import { createInterface } from 'node:readline';

const MAX_PORTS = 20_000;

let accepted = 0;
const servers = new Map<number, Server>();

function parseArgs(argv: string[]): { address: string; first: number; count: number } {
  const [address, firstText, countText] = argv;
  const first = Number(firstText);
  const count = Number(countText);
  if (!address || !Number.isInteger(first) || !Number.isInteger(count) || count < 1 || count > MAX_PORTS || first < 1 || first + count > 65536) {
    throw new Error(`usage: bench-check-listener ADDRESS FIRST_PORT COUNT (COUNT <= ${MAX_PORTS}), got ${argv.join(' ')}`);
  }
  return { address, first, count };
}

function listen(address: string, port: number): Promise<void> {
  // Closing at once keeps the listener's own work per check small.
  const server = createServer((socket) => { accepted++; socket.destroy(); });
  servers.set(port, server);
  return new Promise((resolve, reject) => {
    server.once('error', (err) => reject(new Error(`listen ${address}:${port}: ${(err as NodeJS.ErrnoException).code ?? err.message}`)));
    server.listen({ host: address, port, backlog: 1024 }, () => resolve());
  });
}

function command(line: string, address: string): string {
  const [verb, arg] = line.trim().split(/\s+/);
  const port = Number(arg);
  switch (verb) {
    case 'count':
      return `count ${accepted}`;
    case 'close': {
      const server = servers.get(port);
      if (!server) return `error: port ${arg} is not listening`;
      servers.delete(port);
      server.close();
      return `closed ${port} ${Date.now()}`;
    }
    case 'open':
      if (servers.has(port)) return `error: port ${arg} already listens`;
      void listen(address, port).then(() => console.log(`opened ${port}`), (err: Error) => console.log(`error: ${err.message}`));
      return '';
    default:
      return `error: unknown command ${JSON.stringify(line)}`;
  }
}

async function main(): Promise<void> {
  const { address, first, count } = parseArgs(process.argv.slice(2));
  for (let port = first; port < first + count; port++) await listen(address, port);
  console.log('ready');
  const input = createInterface({ input: process.stdin });
  input.on('line', (line) => {
    const reply = command(line, address);
    if (reply) console.log(reply);
  });
  input.on('close', () => process.exit(0));
}

main().catch((err: unknown) => {
  console.error(`bench-check-listener: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
