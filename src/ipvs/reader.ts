// Reading the IPVS table with blocking calls, for one-shot commands: the same
// requests and decoders as IpvsClient, over a BlockingTransport. Every entry
// is decoded while its datagram is in the receive buffer.
import { BlockingTransport, type BlockingRequest } from './blocking';
import {
  decodeDaemon, decodeInfo, decodeRealServerAt, decodeService, decodeServiceAt, decodeTimeouts, plainRequest, serviceKeyRequest,
  type IpvsRequest,
} from './codec';
import { IpvsError } from './errors';
import { accessError, decodeFamilyId, familyError, familyRequest, single } from './family';
import type { IpvsInfo, ReadOptions, RealServerStatus, ServiceKey, ServiceStatus, SyncDaemon, Timeouts } from './types';

export class IpvsReader {
  private constructor(private readonly transport: BlockingTransport, private readonly family: number) {}

  /**
   * Resolves the IPVS family and proves access with GET_INFO, as IpvsClient.open does.
   * @param netns read the table of the network namespace /run/netns/NAME
   * @throws IpvsUnavailableError when the kernel has no IPVS or we lack CAP_NET_ADMIN
   */
  static open(netns?: string): IpvsReader {
    let transport: BlockingTransport;
    try {
      transport = BlockingTransport.open(netns);
    } catch (e) {
      throw accessError(e);
    }
    try {
      let family: number;
      try {
        family = decodeFamilyId(collect(transport, familyRequest()));
      } catch (e) {
        throw familyError(e);
      }
      const reader = new IpvsReader(transport, family);
      reader.getInfo();
      return reader;
    } catch (e) {
      transport.close();
      throw e instanceof IpvsError ? accessError(e) : e;
    }
  }

  close(): void {
    this.transport.close();
  }

  getInfo(): IpvsInfo {
    return this.one(plainRequest('GET_INFO', 'info'), decodeInfo);
  }

  getTimeouts(): Timeouts {
    return this.one(plainRequest('GET_CONFIG', 'timeouts'), decodeTimeouts);
  }

  /** @param opts.counters false: leave the counters unread (COUNTERS_NOT_READ), for listings that do not show them */
  listServices(opts: ReadOptions = {}): ServiceStatus[] {
    const counters = opts.counters !== false;
    return this.each(plainRequest('GET_SERVICE', 'all services', true), (buf, start, end) => decodeServiceAt(buf, start, end, counters));
  }

  getService(key: ServiceKey): ServiceStatus {
    return this.one(serviceKeyRequest('GET_SERVICE', key), decodeService);
  }

  /**
   * Real servers of a service; empty when the service does not exist (the kernel's dump says nothing more).
   * @param opts.counters as for listServices
   */
  listRealServers(key: ServiceKey, opts: ReadOptions = {}): RealServerStatus[] {
    const family = key.family;
    const counters = opts.counters !== false;
    return this.each(serviceKeyRequest('GET_DEST', key), (buf, start, end) => decodeRealServerAt(buf, start, end, family, counters));
  }

  listDaemons(): SyncDaemon[] {
    return this.each(plainRequest('GET_DAEMON', 'sync daemons', true), (buf, start, end) => decodeDaemon(buf.subarray(start, end)));
  }

  private ipvs(req: IpvsRequest): BlockingRequest {
    return { command: req.command, target: req.target, type: this.family, payload: req.payload, dump: req.dump === true };
  }

  private each<T>(req: IpvsRequest, decode: (buf: Buffer, start: number, end: number) => T): T[] {
    const out: T[] = [];
    this.transport.request(this.ipvs(req), (buf, start, end) => { out.push(decode(buf, start, end)); });
    return out;
  }

  /** A request answered by exactly one message. */
  private one<T>(req: IpvsRequest, decode: (part: Buffer) => T): T {
    return decode(single(collect(this.transport, this.ipvs(req)), req.command));
  }
}

/** Every part of a request's answer, copied out of the receive buffer. */
function collect(transport: BlockingTransport, req: BlockingRequest): Buffer[] {
  const parts: Buffer[] = [];
  transport.request(req, (buf, start, end) => { parts.push(Buffer.from(buf.subarray(start, end))); });
  return parts;
}
