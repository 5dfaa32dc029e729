// A real server for lab tests: answers every HTTP request with its name.
// Usage: node http-server.js NAME PORT [ADDRESS]
import { createServer } from 'node:http';

const [name = 'server', port = '80', address = '0.0.0.0'] = process.argv.slice(2);
const server = createServer((_req, res) => {
  res.setHeader('connection', 'close');
  res.end(name);
});
server.listen(Number(port), address, () => process.stdout.write(`listening ${name} ${address}:${port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
