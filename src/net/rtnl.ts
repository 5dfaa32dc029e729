// An rtnetlink socket, optionally opened inside a named network namespace
// (the socket keeps that namespace for its whole life), whose requests fail
// with the object's name and the kernel's errno instead of a bare code.
import { getSystemErrorName } from 'node:util';
import {
  createNetlink, parseError, FlagsGet, MessageType as NlMessageType, Protocol,
  type NetlinkMessage, type NetlinkSocket,
} from 'netlink';
import { inNetns } from './netns';
import { leaveNativeCallback } from './outside-native';

export { FlagsNew, FlagsGet } from 'netlink';

export class NetlinkError extends Error {
  constructor(
    readonly operation: string,
    readonly object: string,
    /** Positive errno, e.g. 17 for EEXIST. */
    readonly errno: number,
    readonly code: string,
    readonly netns: string | undefined,
  ) {
    super(`${operation} ${object}${netns ? ` in netns ${netns}` : ''} failed: ${code} (errno ${errno})`);
    this.name = 'NetlinkError';
  }
}

export function errnoName(errno: number): string {
  try {
    return getSystemErrorName(-errno);
  } catch {
    return `errno ${errno}`;
  }
}

/** True when err is a NetlinkError with one of the given codes (e.g. 'EEXIST'). */
export function isNetlinkError(err: unknown, ...codes: string[]): err is NetlinkError {
  return err instanceof NetlinkError && (codes.length === 0 || codes.includes(err.code));
}

export interface RequestContext {
  /** What is being done, e.g. "add address". */
  operation: string;
  /** Which object, in the operator's words, e.g. "10.0.0.1/24 dev eth0". */
  object: string;
}

export class Rtnl {
  private constructor(readonly socket: NetlinkSocket, readonly netns: string | undefined) {}

  /**
   * Opens a socket in the current namespace, or inside /run/netns/NAME. With
   * ref the socket keeps the process alive until closed (for notifications).
   */
  static open(opts: { netns?: string; ref?: boolean } = {}): Rtnl {
    // The package's typings mark the buffer sizes as required; its code treats them as optional.
    const options = { ref: opts.ref === true } as Parameters<typeof createNetlink>[1];
    const socket = inNetns(opts.netns, () => createNetlink(Protocol.ROUTE, options));
    return new Rtnl(socket, opts.netns);
  }

  /**
   * Sends one request and returns the kernel's reply messages (none for a
   * plain acknowledgement). An error reply becomes a NetlinkError.
   */
  async request(type: number, body: Uint8Array[], flags: number, ctx: RequestContext): Promise<NetlinkMessage[]> {
    let reply: NetlinkMessage[];
    try {
      [reply] = await this.socket.request(type, body, { flags, checkError: false });
    } catch (e) {
      const err = e as { errno?: number; code?: string; message: string };
      const errno = typeof err.errno === 'number' ? Math.abs(err.errno) : 0;
      throw new NetlinkError(ctx.operation, ctx.object, errno, err.code ?? err.message, this.netns);
    } finally {
      // Either way, the caller goes on outside the package's callback.
      await leaveNativeCallback();
    }
    const first = reply[0];
    if (first && first.type === NlMessageType.ERROR) {
      const errno = -parseError(first.data, first.flags).errno;
      if (errno !== 0) throw new NetlinkError(ctx.operation, ctx.object, errno, errnoName(errno), this.netns);
      return [];
    }
    return reply;
  }

  dump(type: number, body: Uint8Array[], ctx: RequestContext): Promise<NetlinkMessage[]> {
    return this.request(type, body, FlagsGet.DUMP, ctx);
  }

  close(): void {
    this.socket.close();
  }
}

/** Opens a socket for the duration of work and always closes it. */
export async function withRtnl<T>(netns: string | undefined, work: (nl: Rtnl) => Promise<T>): Promise<T> {
  const nl = Rtnl.open(netns === undefined ? {} : { netns });
  try {
    return await work(nl);
  } finally {
    nl.close();
  }
}
