// One long-lived TCP connection for lab tests.
//   node tcp-echo.js server PORT          echoes every connection back; prints "listening"
//   node tcp-echo.js client HOST PORT MS  one connection, a numbered line every MS ms; prints
//                                         {"n":N,"at":ms} per echoed line, {"closed":reason} at the end
// The client never reconnects: its lines prove that one connection lived on.
import { connect, createServer } from 'node:net';

const [mode, ...args] = process.argv.slice(2);

if (mode === 'server') {
  const server = createServer((socket) => {
    socket.on('error', () => socket.destroy());
    socket.pipe(socket);
  });
  server.listen(Number(args[0]), () => process.stdout.write('listening\n'));
} else if (mode === 'client') {
  const [host = '', port = '0', every = '100'] = args;
  const socket = connect(Number(port), host);
  let sent = 0;
  let pending = '';
  let timer: NodeJS.Timeout | undefined;
  const end = (reason: string): void => {
    clearInterval(timer);
    process.stdout.write(`${JSON.stringify({ closed: reason })}\n`);
    process.exit(0);
  };
  socket.setEncoding('utf8');
  socket.on('connect', () => {
    timer = setInterval(() => socket.write(`${++sent}\n`), Number(every));
  });
  socket.on('data', (d: string) => {
    pending += d;
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      process.stdout.write(`${JSON.stringify({ n: Number(pending.slice(0, nl)), at: Date.now() })}\n`);
      pending = pending.slice(nl + 1);
    }
  });
  socket.on('error', (e) => end(e.message));
  socket.on('close', () => end('closed'));
  process.on('SIGTERM', () => end('stopped'));
} else {
  process.stderr.write('usage: tcp-echo.js server PORT | client HOST PORT INTERVAL_MS\n');
  process.exit(2);
}
