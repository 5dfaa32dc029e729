// The REST API's listening socket, bound before lvsd changes the kernel: an
// address that is taken, or not this host's, refuses the start while it has
// changed nothing (found only at the first listen, the start had already
// loaded the table). Until the API is ready, every request is answered 503.
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';

function starting(_req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(503, { 'content-type': 'application/json; charset=utf-8', 'retry-after': '1' });
  res.end(JSON.stringify({ error: 'lvsd is starting' }));
}

function cannotListen(where: string, err: NodeJS.ErrnoException): Error {
  const why = err.code === 'EADDRINUSE' ? 'the address and port are already in use (another lvsd or program listens there); stop it or choose another --api'
    : err.code === 'EADDRNOTAVAIL' ? 'no interface of this host has that address'
    : err.code === 'EACCES' ? 'no permission to listen there (a port below 1024 needs root or CAP_NET_BIND_SERVICE)'
    : err.message;
  return new Error(`--api ${where}: ${why}`);
}

export class ApiListener {
  private handler: RequestListener = starting;
  private next: RequestListener | undefined;

  private constructor(readonly server: Server, readonly address: string) {}

  /** Listens on host:port; refused with a sentence naming them when that cannot be. */
  static open(host: string, port: number): Promise<ApiListener> {
    const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    const server = createServer();
    const listener = new ApiListener(server, address);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => listener.handler(req, res));
    return new Promise((resolve, reject) => {
      const failed = (err: NodeJS.ErrnoException): void => reject(cannotListen(address, err));
      server.once('error', failed);
      server.listen({ host, port }, () => {
        server.removeListener('error', failed);
        resolve(listener);
      });
    });
  }

  /**
   * Fastify's serverFactory: the API takes this server, with the timeouts
   * Fastify gives its own servers; requests reach it once serve() is called.
   */
  readonly serverFactory = (handler: RequestListener, opts: Record<string, unknown>): Server => {
    this.server.keepAliveTimeout = opts.keepAliveTimeout as number;
    this.server.requestTimeout = opts.requestTimeout as number;
    this.server.setTimeout(opts.connectionTimeout as number);
    this.next = handler;
    return this.server;
  };

  /** From now on requests go to the API given to serverFactory (call once it is ready). */
  serve(): void {
    if (this.next) this.handler = this.next;
  }

  /** Stops listening; requests in progress finish, idle connections are closed. */
  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
