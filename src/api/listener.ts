// The REST API's listening sockets, bound before lvsd changes the kernel: an
// address that is taken, or not this host's, refuses the start while it has
// changed nothing (found only at the first listen, the start had already
// loaded the table). Until the API is ready, every request is answered 503.
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { isIP, type AddressInfo } from 'node:net';
import { listenText, resolveListenName } from '../common/listen';

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

/** Every address a listen name stands for (resolveListenName; tests give their own). */
export type ResolveAll = (host: string) => Promise<string[]>;

/** Errors that mean this host has no such family or address: such an address of a name is skipped if another is bound. */
const UNAVAILABLE = new Set(['EADDRNOTAVAIL', 'EAFNOSUPPORT']);

function bind(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
}

export class ApiListener {
  private handler: RequestListener = starting;
  private next: RequestListener | undefined;

  /** What was asked for, and the addresses bound when they differ from it: for logs. */
  private label = '';

  /** `server` is the first of `servers`, the one the API is built on; the others pass their requests to it. */
  private constructor(readonly servers: Server[]) {}

  get server(): Server {
    return this.servers[0]!;
  }

  get address(): string {
    return this.label;
  }

  /**
   * Listens on host:port. A name (localhost) is listened on at every address
   * it resolves to, as an operator reading it expects: one of a family this
   * host lacks is skipped when another is bound. Refused with a sentence
   * naming the address when that cannot be; nothing stays bound then.
   */
  static async open(host: string, port: number, resolve: ResolveAll = resolveListenName): Promise<ApiListener> {
    const where = listenText(host, port);
    let addresses: string[];
    if (isIP(host)) {
      addresses = [host];
    } else {
      try {
        addresses = [...new Set(await resolve(host))];
      } catch (err) {
        throw new Error(`--api ${where}: the name does not resolve to an address (${(err as Error).message})`);
      }
      if (addresses.length === 0) throw new Error(`--api ${where}: the name does not resolve to an address`);
    }
    const servers: Server[] = [];
    const bound: string[] = [];
    const listener = new ApiListener(servers);
    let skipped: NodeJS.ErrnoException | undefined;
    for (const address of addresses) {
      const server = createServer();
      server.on('request', (req: IncomingMessage, res: ServerResponse) => listener.handler(req, res));
      try {
        // Port 0 (tests): every address gets the port the first was given.
        await bind(server, address, servers.length > 0 ? (servers[0]!.address() as AddressInfo).port : port);
        servers.push(server);
        bound.push(address);
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        if (addresses.length > 1 && UNAVAILABLE.has(e.code ?? '')) {
          skipped ??= e;
          continue;
        }
        await new ApiListener(servers).close();
        const at = listenText(address, port);
        throw cannotListen(at === where ? where : `${where} (${at})`, e);
      }
    }
    if (servers.length === 0) throw cannotListen(where, skipped!);
    listener.label = bound.length === 1 && bound[0] === host ? where : `${where} (${bound.join(', ')})`;
    return listener;
  }

  /**
   * Fastify's serverFactory: the API takes this server, with the timeouts
   * Fastify gives its own servers; requests reach it once serve() is called.
   */
  readonly serverFactory = (handler: RequestListener, opts: Record<string, unknown>): Server => {
    for (const server of this.servers) {
      server.keepAliveTimeout = opts.keepAliveTimeout as number;
      server.requestTimeout = opts.requestTimeout as number;
      server.setTimeout(opts.connectionTimeout as number);
    }
    this.next = handler;
    return this.server;
  };

  /** From now on requests go to the API given to serverFactory (call once it is ready). */
  serve(): void {
    if (this.next) this.handler = this.next;
  }

  /** Stops listening; requests in progress finish, idle connections are closed. */
  async close(): Promise<void> {
    await Promise.all(this.servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }
}
