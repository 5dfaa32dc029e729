// The IPVS client: typed operations on the kernel's IPVS table of one network
// namespace, over a pipelined generic netlink socket.
import { constants as osConstants } from 'node:os';
import {
  daemonRequest, daemonStopRequest, decodeDaemon, decodeInfo, decodeRealServerAt, decodeService, decodeServiceAt, decodeTimeouts,
  genlPayload, plainRequest, realServerKeyRequest, realServerRequest, serviceKeyRequest, serviceRequest,
  timeoutsRequest, type IpvsRequest,
} from './codec';
import { IpvsError } from './errors';
import { accessError, decodeFamilyId, familyError, familyRequest, single } from './family';
import { Transport } from './transport';
import type {
  IpvsInfo, ReadOptions, RealServer, RealServerKey, RealServerStatus, Service, ServiceKey, ServiceStatus, SyncDaemon,
  SyncDaemonState, Timeouts,
} from './types';

export type IpvsOp =
  | { op: 'addService'; service: Service }
  | { op: 'editService'; service: Service }
  | { op: 'deleteService'; key: ServiceKey }
  | { op: 'addRealServer'; key: ServiceKey; server: RealServer }
  | { op: 'editRealServer'; key: ServiceKey; server: RealServer }
  | { op: 'deleteRealServer'; key: ServiceKey; server: RealServerKey }
  | { op: 'zero'; key?: ServiceKey }
  | { op: 'flush' }
  | { op: 'setTimeouts'; timeouts: Timeouts }
  | { op: 'startDaemon'; daemon: SyncDaemon }
  | { op: 'stopDaemon'; state: SyncDaemonState };

export type IpvsOpResult = { ok: true } | { ok: false; error: IpvsError };

export interface IpvsClientOptions {
  /** Requests awaiting a reply at once (default 256; capped so that their replies fit the socket's receive buffer). */
  window?: number;
  /** Open the socket inside /run/netns/NAME: this client then drives that namespace's table. */
  netns?: string;
}

const DEFAULT_WINDOW = 256;
/** Every success of a bulk apply shares one result. */
const OK: IpvsOpResult = Object.freeze({ ok: true as const });
/** Asked for; the kernel caps it at net.core.rmem_max. */
const RECV_BUFFER_BYTES = 8 * 1024 * 1024;

/** The request an operation sends; throws IpvsInputError for bad input. */
export function opRequest(op: IpvsOp): IpvsRequest {
  switch (op.op) {
    case 'addService': return serviceRequest('NEW_SERVICE', op.service);
    case 'editService': return serviceRequest('SET_SERVICE', op.service);
    case 'deleteService': return serviceKeyRequest('DEL_SERVICE', op.key);
    case 'addRealServer': return realServerRequest('NEW_DEST', op.key, op.server);
    case 'editRealServer': return realServerRequest('SET_DEST', op.key, op.server);
    case 'deleteRealServer': return realServerKeyRequest(op.key, op.server);
    case 'zero': return op.key ? serviceKeyRequest('ZERO', op.key) : plainRequest('ZERO', 'all counters');
    case 'flush': return plainRequest('FLUSH', 'all services');
    case 'setTimeouts': return timeoutsRequest(op.timeouts);
    case 'startDaemon': return daemonRequest(op.daemon);
    case 'stopDaemon': return daemonStopRequest(op.state);
    default: throw new IpvsError({ errno: osConstants.errno.EINVAL, command: 'apply', target: JSON.stringify(op), reason: 'unknown operation' });
  }
}

function asIpvsError(e: unknown, req: { command: string; target: string; missing?: string }): IpvsError {
  if (e instanceof IpvsError) return explained(e, req);
  const reason = e instanceof Error ? e.message : String(e);
  return new IpvsError({ errno: osConstants.errno.EPROTO, command: req.command, target: req.target, reason });
}

/** The kernel's refusal in the request's own words, where it has some: the errno stays for lvsadm. */
export function explained(e: IpvsError, req: { missing?: string }): IpvsError {
  if (e.errno !== osConstants.errno.ENOENT || req.missing === undefined) return e;
  return new IpvsError({
    errno: e.errno, command: e.command, target: e.target, reason: req.missing,
    ...(e.kernelMessage !== undefined ? { kernelMessage: e.kernelMessage } : {}),
  });
}

export class IpvsClient {
  private constructor(private readonly transport: Transport, private readonly family: number) {}

  /**
   * Resolves the IPVS family and proves access with GET_INFO.
   * @throws IpvsUnavailableError when the kernel has no IPVS or we lack CAP_NET_ADMIN
   */
  static async open(opts: IpvsClientOptions = {}): Promise<IpvsClient> {
    let transport: Transport;
    try {
      transport = Transport.open({
        window: opts.window ?? DEFAULT_WINDOW, recvBufferBytes: RECV_BUFFER_BYTES,
        ...(opts.netns !== undefined ? { netns: opts.netns } : {}),
      });
    } catch (e) {
      throw accessError(e);
    }
    try {
      const client = new IpvsClient(transport, await resolveFamily(transport));
      await client.getInfo();
      return client;
    } catch (e) {
      transport.close();
      throw e instanceof IpvsError ? accessError(e) : e;
    }
  }

  close(): void {
    this.transport.close();
  }

  async getInfo(): Promise<IpvsInfo> {
    return decodeInfo(single(await this.send(plainRequest('GET_INFO', 'info')), 'GET_INFO'));
  }

  async getTimeouts(): Promise<Timeouts> {
    return decodeTimeouts(single(await this.send(plainRequest('GET_CONFIG', 'timeouts')), 'GET_CONFIG'));
  }

  async setTimeouts(t: Timeouts): Promise<void> {
    await this.send(timeoutsRequest(t));
  }

  /** @param opts.counters false: leave the counters unread, for a reader that does not show them */
  async listServices(opts: ReadOptions = {}): Promise<ServiceStatus[]> {
    const counters = opts.counters !== false;
    return (await this.send(plainRequest('GET_SERVICE', 'all services', true))).map((p) => decodeServiceAt(p, 0, p.length, counters));
  }

  async getService(key: ServiceKey): Promise<ServiceStatus> {
    return decodeService(single(await this.send(serviceKeyRequest('GET_SERVICE', key)), 'GET_SERVICE'));
  }

  async addService(s: Service): Promise<void> { await this.send(serviceRequest('NEW_SERVICE', s)); }
  async editService(s: Service): Promise<void> { await this.send(serviceRequest('SET_SERVICE', s)); }
  async deleteService(key: ServiceKey): Promise<void> { await this.send(serviceKeyRequest('DEL_SERVICE', key)); }

  /**
   * Real servers of a service; empty when the service does not exist (the kernel's dump says nothing more).
   * @param opts.counters as for listServices
   */
  async listRealServers(key: ServiceKey, opts: ReadOptions = {}): Promise<RealServerStatus[]> {
    const counters = opts.counters !== false;
    const parts = await this.send(serviceKeyRequest('GET_DEST', key));
    return parts.map((p) => decodeRealServerAt(p, 0, p.length, key.family, counters));
  }

  async addRealServer(key: ServiceKey, rs: RealServer): Promise<void> { await this.send(realServerRequest('NEW_DEST', key, rs)); }
  async editRealServer(key: ServiceKey, rs: RealServer): Promise<void> { await this.send(realServerRequest('SET_DEST', key, rs)); }
  async deleteRealServer(key: ServiceKey, rs: RealServerKey): Promise<void> { await this.send(realServerKeyRequest(key, rs)); }

  async zero(key?: ServiceKey): Promise<void> {
    await this.send(key ? serviceKeyRequest('ZERO', key) : plainRequest('ZERO', 'all counters'));
  }

  async flush(): Promise<void> { await this.send(plainRequest('FLUSH', 'all services')); }

  async listDaemons(): Promise<SyncDaemon[]> {
    return (await this.send(plainRequest('GET_DAEMON', 'sync daemons', true))).map(decodeDaemon);
  }

  async startDaemon(d: SyncDaemon): Promise<void> { await this.send(daemonRequest(d)); }
  async stopDaemon(state: SyncDaemonState): Promise<void> { await this.send(daemonStopRequest(state)); }

  /**
   * Pipelined bulk apply: up to `window` requests in flight, several per
   * sendmsg; results come back in the order of `ops`.
   * By default every op is tried and each failure reported. With stopOnError,
   * invalid input anywhere means nothing is sent; otherwise nothing more is
   * sent once a failure is seen, and the unsent ops report ECANCELED (ops
   * already in flight with the failing one still took effect).
   */
  async apply(ops: IpvsOp[], opts: { stopOnError?: boolean } = {}): Promise<IpvsOpResult[]> {
    const stop = opts.stopOnError === true;
    const results: (IpvsOpResult | undefined)[] = new Array<IpvsOpResult | undefined>(ops.length);
    const requests: (IpvsRequest | undefined)[] = ops.map((op, i) => {
      try {
        return opRequest(op);
      } catch (e) {
        results[i] = { ok: false, error: asIpvsError(e, { command: op?.op ?? 'apply', target: 'operation' }) };
        return undefined;
      }
    });
    const cancelled = (req: { command: string; target: string }): IpvsOpResult => ({ ok: false, error: cancelledError(req) });
    if (stop && results.some((r) => r !== undefined)) {
      return requests.map((req, i) => results[i] ?? cancelled(req!));
    }
    const ours = new Set<number>();
    let stopped = false;
    const stopSending = (): void => {
      if (stopped) return;
      stopped = true;
      this.transport.cancelUnsent(ours, cancelledError);
    };
    // One promise for the whole batch, callbacks per request: thousands of promises were a large part of a restore.
    await new Promise<void>((allDone) => {
      let waiting = 1;
      const settled = (): void => { if (--waiting === 0) allDone(); };
      requests.forEach((req, i) => {
        if (!req) return;
        waiting++;
        const seq = this.transport.enqueueWith({
          command: req.command, target: req.target, type: this.family, payload: genlPayload(req), dump: false, ackless: true,
          ...(stop ? { onError: stopSending } : {}),
        }, () => {
          results[i] = OK;
          settled();
        }, (e: unknown) => {
          results[i] = { ok: false, error: asIpvsError(e, req) };
          settled();
        });
        ours.add(seq);
      });
      settled();
    });
    return results.map((r, i) => r ?? cancelled(requests[i]!));
  }

  private async send(req: IpvsRequest): Promise<Buffer[]> {
    try {
      return await this.transport.request({ ...req, type: this.family, payload: genlPayload(req), dump: req.dump === true });
    } catch (e) {
      throw e instanceof IpvsError ? explained(e, req) : e;
    }
  }
}

function cancelledError(req: { command: string; target: string }): IpvsError {
  return new IpvsError({ errno: osConstants.errno.ECANCELED, command: req.command, target: req.target, reason: 'not sent: an earlier operation failed' });
}

async function resolveFamily(transport: Transport): Promise<number> {
  try {
    return decodeFamilyId(await transport.request(familyRequest()));
  } catch (e) {
    throw familyError(e);
  }
}
