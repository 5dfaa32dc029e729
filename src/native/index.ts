// Typed access to the native addon built by `npm ci` (build/Release/lvsd_native.node).
import { join } from 'node:path';

export interface NativeInterfaceInfo {
  index: number;
  mac: string;
  up: boolean;
  /** ARPHRD_ETHER: frames can be sent on it with sendFrame(). */
  ethernet: boolean;
}

/**
 * One received datagram. hopLimit is -1 for IPv4, whose TTL is in the IP
 * header that raw IPv4 sockets hand up in front of the payload. receivedAtUs:
 * when the kernel took it, on process.hrtime()'s clock, in microseconds.
 */
export type NativePacketHandler = (
  data: Buffer, hopLimit: number, source: string, destination: string, ifindex: number, receivedAtUs: number,
) => void;

export interface NativeVrrpSocket {
  send(payload: Buffer, destination: string): void;
  close(): void;
}

export interface NativeVrrpSocketConstructor {
  new (
    family: 4 | 6, ifname: string, sourceAddress: string | undefined, multicast: boolean,
    onPacket: NativePacketHandler, onError: (err: Error) => void,
    /** Receive only, over a packet socket: VRRP the interface received, with no group joined. */
    linkListener?: boolean,
    /** The source address is not on this interface (a VMAC's base has it): IP(V6)_FREEBIND. */
    foreignSource?: boolean,
  ): NativeVrrpSocket;
}

export interface NativeFrameSender {
  send(frame: Buffer): void;
  close(): void;
}

export interface NativeDeadlineTimer {
  /** Fires once at deadlineUs on process.hrtime()'s clock (µs); replaces an earlier deadline. */
  arm(deadlineUs: number): void;
  cancel(): void;
  close(): void;
}

/** Errors thrown by system calls in the addon. */
export interface NativeSystemError extends Error {
  code: string;
  errno: number;
  syscall: string;
  interface?: string;
  address?: string;
}

export interface NativeAddon {
  enterNetns(path: string): number;
  leaveNetns(fd: number): void;
  /** The cookie of this thread's network namespace (decimal), undefined before Linux 5.14. */
  netnsCookie(): string | undefined;
  interfaceInfo(ifname: string): NativeInterfaceInfo;
  /** Sends a complete Ethernet frame, header included, without blocking. */
  sendFrame(ifname: string, frame: Buffer): void;
  /** A packet socket kept open on one interface for sending whole frames. */
  FrameSender: new (ifname: string) => NativeFrameSender;
  VrrpSocket: NativeVrrpSocketConstructor;
  DeadlineTimer: new (onFire: () => void) => NativeDeadlineTimer;
  /** A blocking netlink socket in the calling thread's namespace; receives give up after timeoutMs. */
  netlinkOpen(protocol: number, timeoutMs: number): number;
  /** Sends request as one datagram to the kernel. */
  netlinkSend(fd: number, request: Buffer): void;
  /** Reads the kernel's next datagram into `into`; returns its full size (more than into.length: the tail was cut). */
  netlinkReceive(fd: number, into: Buffer): number;
  /** Takes an exclusive flock() on fd without waiting; false while another open file holds one. */
  lockExclusive(fd: number): boolean;
  /** Makes a FIFO; false when something is at `path` already. */
  makeFifo(path: string, mode: number): boolean;
}

let cached: NativeAddon | undefined;

export function native(): NativeAddon {
  if (!cached) {
    // dist/src/native -> repository root
    const root = join(__dirname, '..', '..', '..');
    cached = require(join(root, 'build', 'Release', 'lvsd_native.node')) as NativeAddon;
  }
  return cached;
}
