// Generic netlink for one-shot commands (lvsadm): one request at a time,
// each reply read synchronously into one receive buffer that is reused for
// every datagram. A listing of thousands of real servers then costs no fresh
// memory per datagram, which is what dominated it; blocking costs nothing in a
// process that has nothing else to do meanwhile.
import { closeSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { native } from '../native';
import { inNetns } from '../net/netns';
import { NETLINK_GENERIC, NlmFlag } from './constants';
import { IpvsError, IpvsProtocolError } from './errors';
import { eachMessage, frame } from './message';
import { replyStep } from './reply';

export interface BlockingRequest {
  /** Netlink message type: the generic netlink family id. */
  type: number;
  /** Generic netlink header + attributes. */
  payload: Buffer;
  dump: boolean;
  command: string;
  target: string;
}

/**
 * The kernel sizes a dump's datagrams by our reads but keeps them under
 * 32 KiB; other replies are smaller. Twice that: no reply is ever cut.
 */
const RECEIVE_BYTES = 64 * 1024;
/** The kernel answers at once; silence this long means it never will. */
const REPLY_TIMEOUT_MS = 10_000;

export class BlockingTransport {
  private readonly buffer = Buffer.allocUnsafe(RECEIVE_BYTES);
  private seq = 1;
  private closed = false;

  private constructor(private readonly fd: number) {}

  /** @throws the system error of socket(2) or bind(2) (the caller words it) */
  static open(netns?: string): BlockingTransport {
    return new BlockingTransport(inNetns(netns, () => native().netlinkOpen(NETLINK_GENERIC, REPLY_TIMEOUT_MS)));
  }

  /**
   * Sends one request and hands each message of its answer to onPart, in
   * order, as the place of its payload in the receive buffer: valid only
   * during the call, decode it there.
   * @throws IpvsError when the kernel refuses the request or the socket fails, IpvsProtocolError on a malformed reply
   */
  request(req: BlockingRequest, onPart: (buf: Buffer, start: number, end: number) => void): void {
    const fail = (errno: number, reason: string): IpvsError => new IpvsError({ errno, command: req.command, target: req.target, reason });
    if (this.closed) throw fail(osConstants.errno.ECANCELED, 'the IPVS client is closed');
    const seq = this.seq;
    this.seq = seq >= 0xffffffff ? 1 : seq + 1;
    const addon = native();
    try {
      addon.netlinkSend(this.fd, frame(req.type, NlmFlag.REQUEST | (req.dump ? NlmFlag.DUMP : NlmFlag.ACK), seq, req.payload));
    } catch (e) {
      throw fail(errnoOf(e), `sending to the kernel failed: ${(e as Error).message}`);
    }
    for (;;) {
      let size: number;
      try {
        size = addon.netlinkReceive(this.fd, this.buffer);
      } catch (e) {
        const errno = errnoOf(e);
        if (errno === osConstants.errno.EAGAIN) throw fail(errno, `no reply from the kernel within ${REPLY_TIMEOUT_MS / 1000} s`);
        if (errno === osConstants.errno.ENOBUFS) throw fail(errno, 'the kernel dropped replies (netlink receive buffer overflow)');
        throw fail(errno, `receiving from the kernel failed: ${(e as Error).message}`);
      }
      if (size > this.buffer.length) {
        throw new IpvsProtocolError(req.command, `a ${size}-byte reply was cut to ${this.buffer.length} bytes; the outcome is unknown`);
      }
      let done = false;
      const buf = this.buffer;
      eachMessage(buf, size, (type, flags, msgSeq, port, start, end) => {
        // Other sequence numbers are left over from a request that failed part way (the rest of its dump).
        if (done || msgSeq !== seq) return;
        // The answer's own parts, the bulk of a dump, go straight to the decoder: replyStep would call
        // them parts too (a family id is never one of the control types, all below 16).
        if (type === req.type) onPart(buf, start, end);
        else done = replyStep({ type, flags, seq: msgSeq, port, data: buf.subarray(start, end) }, req.type, req.command, req.target) === 'done';
      });
      if (done) return;
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}

function errnoOf(e: unknown): number {
  const n = (e as { errno?: unknown }).errno;
  return typeof n === 'number' ? Math.abs(n) : osConstants.errno.EIO;
}
