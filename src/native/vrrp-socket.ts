// A VRRP socket on one interface: raw IP protocol 112, TTL / hop limit 255,
// multicast loop off, polled by the event loop. Checksums are the caller's
// job in both directions.
//
// An open socket keeps itself (and the process) alive, like a dgram socket:
// close() it when done. Open it inside inNetns() to use another namespace.
import { EventEmitter } from 'node:events';
import { native, type NativeVrrpSocket } from './index';
import { parseIpv4Datagram } from './ipv4-datagram';
import { parseIpv6Datagram } from './ipv6-datagram';
import { addressBytes, checkInterfaceName } from './validate';

export { interfaceInfo, sendGratuitousArp, sendUnsolicitedNa } from './announce';
export { VRRP_GROUP_IPV4, VRRP_GROUP_IPV6 } from './vrrp-constants';

export interface VrrpSocketOptions {
  family: 4 | 6;
  interface: string;
  /** Source of every packet sent; in unicast mode also the only destination received. */
  sourceAddress?: string;
  /** Join 224.0.0.18 / ff02::12 on the interface. */
  multicast: boolean;
}

export interface ReceivedVrrp {
  payload: Buffer;
  ttl: number;
  source: string;
  destination: string;
  ifindex: number;
  /** When the kernel received it, on process.hrtime()'s clock (µs). */
  receivedAtUs: number;
}

/** A datagram that reached the socket but cannot be a VRRP packet (e.g. a garbled IPv4 header). */
export interface MalformedVrrp { reason: string; source: string; length: number }

export interface VrrpSocket {
  on(event: 'packet', listener: (packet: ReceivedVrrp) => void): this;
  on(event: 'malformed', listener: (packet: MalformedVrrp) => void): this;
  on(event: 'error', listener: (err: Error) => void): this;
  once(event: 'packet', listener: (packet: ReceivedVrrp) => void): this;
  once(event: 'malformed', listener: (packet: MalformedVrrp) => void): this;
  once(event: 'error', listener: (err: Error) => void): this;
}

function checkOptions(opts: unknown): VrrpSocketOptions {
  if (typeof opts !== 'object' || opts === null) throw new TypeError('VrrpSocket.open: options object required');
  const o = opts as Partial<Record<keyof VrrpSocketOptions, unknown>>;
  if (o.family !== 4 && o.family !== 6) throw new TypeError(`VrrpSocket.open: family must be 4 or 6, got ${String(o.family)}`);
  checkInterfaceName(o.interface);
  if (typeof o.multicast !== 'boolean') throw new TypeError('VrrpSocket.open: multicast must be true or false');
  if (o.sourceAddress !== undefined) {
    const source = addressBytes(o.family, o.sourceAddress, 'source address');
    if (o.family === 4 ? source[0]! >= 224 : source[0] === 0xff) {
      throw new TypeError(`source address ${String(o.sourceAddress)} is not unicast`);
    }
  }
  return o as VrrpSocketOptions;
}

export class VrrpSocket extends EventEmitter {
  private handle: NativeVrrpSocket | undefined;

  private constructor(readonly options: Readonly<VrrpSocketOptions>, private readonly linkListener: boolean) {
    super();
  }

  static open(opts: VrrpSocketOptions): VrrpSocket {
    return VrrpSocket.create({ ...checkOptions(opts) }, false, false);
  }

  /**
   * Sends from a VMAC with its base interface's address as source, which is
   * not on the VMAC (an IPv6 link-local address is the base's alone), and
   * joins no group there.
   */
  static openVmacSender(family: 4 | 6, ifname: string, sourceAddress: string): VrrpSocket {
    return VrrpSocket.create(checkOptions({ family, interface: ifname, sourceAddress, multicast: false }), false, true);
  }

  /**
   * Receives the VRRP packets of `family` that `ifname` itself receives,
   * without joining the group there (so without IGMP or MLD reports from
   * it), and sends nothing. For a VMAC: a peer advertising from its own VMAC
   * sends our VMAC's MAC, and the kernel delivers such frames to our macvlan
   * only, not to its base.
   */
  static openLinkListener(ifname: string, family: 4 | 6 = 4): VrrpSocket {
    return VrrpSocket.create(checkOptions({ family, interface: ifname, multicast: false }), true, false);
  }

  private static create(options: VrrpSocketOptions, linkListener: boolean, foreignSource: boolean): VrrpSocket {
    const socket = new VrrpSocket(options, linkListener);
    socket.handle = new (native().VrrpSocket)(
      options.family, options.interface, options.sourceAddress, options.multicast,
      (data, hopLimit, source, destination, ifindex, receivedAtUs) => socket.received(data, hopLimit, source, destination, ifindex, receivedAtUs),
      (err) => socket.emit('error', err),
      linkListener,
      foreignSource,
    );
    return socket;
  }

  get closed(): boolean {
    return this.handle === undefined;
  }

  /**
   * Sends one VRRP packet (checksum already filled in). Never blocks: a full
   * send buffer throws (code ENOBUFS on raw sockets, or EAGAIN).
   */
  send(payload: Buffer, destination: string): void {
    if (!Buffer.isBuffer(payload) || payload.length === 0) throw new TypeError('VrrpSocket.send: payload must be a non-empty Buffer');
    addressBytes(this.options.family, destination, 'destination');
    if (!this.handle) throw new Error(`VrrpSocket.send to ${destination} on ${this.options.interface}: socket is closed`);
    this.handle.send(payload, destination);
  }

  close(): void {
    this.handle?.close();
    this.handle = undefined;
  }

  private received(data: Buffer, hopLimit: number, source: string, destination: string, ifindex: number, receivedAtUs: number): void {
    if (this.options.family === 6 && !this.linkListener) {
      this.emit('packet', { payload: data, ttl: hopLimit, source, destination, ifindex, receivedAtUs } satisfies ReceivedVrrp);
      return;
    }
    // A packet socket hands up the IP header too, as a raw IPv4 socket does.
    const parsed = this.options.family === 4 ? parseIpv4Datagram(data) : parseIpv6Datagram(data);
    if (!parsed.ok) {
      this.emit('malformed', { reason: parsed.reason, source, length: data.length } satisfies MalformedVrrp);
      return;
    }
    const { ttl, source: from, destination: to, payload } = parsed.datagram;
    this.emit('packet', { payload, ttl, source: from, destination: to, ifindex, receivedAtUs } satisfies ReceivedVrrp);
  }
}
