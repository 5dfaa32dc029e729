// A generic netlink socket with many requests in flight. Requests queue in
// order and leave in batches (several messages per sendmsg) while at most
// `window` await their replies, so the kernel's acks always fit the receive
// buffer. A dump runs alone: the kernel continues it as we read, and acks
// of other requests would otherwise interleave with its parts.
//
// Bulk requests may go "ackless": the kernel then answers only when one
// fails, and each batch ends with an acked NLMSG_NOOP barrier. The kernel
// handles a batch in order, so the barrier's ack proves every earlier
// ackless request without an error reply succeeded. This saves one reply
// (and one or two recvmsg calls) per request.
//
// Requests enqueued in one synchronous run leave together: sending waits for
// the next microtask, so a bulk apply makes a few large sendmsg calls rather
// than one per request (the frames go as an I/O vector, without a copy).
// Only the raw socket module: the package's index also loads every protocol it knows.
import { RawNetlinkSocket, type ErrnoException } from 'netlink/dist/raw';
import { constants as osConstants } from 'node:os';
import { inNetns } from '../net/netns';
import { outsideNative } from '../net/outside-native';
import { NETLINK_GENERIC, NlmFlag, NlmsgType } from './constants';
import { IpvsError, IpvsProtocolError } from './errors';
import { frame, parseMessages, type NetlinkMessage } from './message';
import { replyStep } from './reply';

export interface TransportRequest {
  /** Netlink message type: the generic netlink family id. */
  type: number;
  /** Generic netlink header + attributes. */
  payload: Buffer;
  dump: boolean;
  command: string;
  target: string;
  /** Reply only on failure; success is learnt from the batch's barrier. */
  ackless?: boolean;
  /** Called synchronously on failure, before anything more is sent. */
  onError?: () => void;
}

interface Pending extends TransportRequest {
  seq: number;
  frame: Buffer;
  parts: Buffer[];
  resolve: (parts: Buffer[]) => void;
  reject: (err: Error) => void;
  /** On a barrier: the ackless requests it vouches for. */
  vouches?: Pending[];
}

export interface TransportOptions {
  netns?: string;
  window: number;
  recvBufferBytes: number;
}

/** Kernel memory one queued reply takes from our receive buffer, with margin (acks measured ~770 bytes). */
const REPLY_TRUESIZE = 1024;
/** Upper bound of one sendmsg; well below the default socket send buffer. */
const MAX_BATCH_BYTES = 64 * 1024;
/** A batch leaves as one sendmsg with a buffer per message; the kernel takes at most UIO_MAXIOV of them. */
const MAX_BATCH_MESSAGES = 1024;
/**
 * One recvmsg reads a whole datagram into a fresh buffer this large, without
 * first peeking at its size (which costs a second system call per datagram).
 * The kernel sizes dump parts by our reads but caps them below 32 KiB; other
 * replies are smaller. No larger: every byte of it is touched (zeroed) per
 * datagram, and fresh pages are costly.
 */
const DATAGRAM_BYTES = 32 * 1024;

export class Transport {
  /** Requests in order; slots before head were sent and are cleared, so replies (large dumps) are not kept alive here. */
  private readonly queue: (Pending | undefined)[] = [];
  private head = 0;
  private readonly inflight = new Map<number, Pending>();
  private dumpActive = false;
  private closed = false;
  private pumpScheduled = false;
  private seq = 1;

  private constructor(private readonly socket: RawNetlinkSocket, private readonly window: number) {
    // Deferred, so a datagram read before close() may come after it: dropped.
    socket.on('message', outsideNative((buf: Buffer, rinfo: { port: number }) => { if (!this.closed && rinfo.port === 0) this.receive(buf); }));
    socket.on('truncatedMessage', outsideNative((buf: Buffer, rinfo: { port: number; truncated?: number }) => {
      if (!this.closed && rinfo.port === 0) this.truncated(buf.length, rinfo.truncated ?? 0);
    }));
    socket.on('error', outsideNative((err: ErrnoException) => { if (!this.closed) this.socketError(err); }));
    socket.unref();
  }

  /** @throws ErrnoException when the socket cannot be created (the caller words it) */
  static open(opts: TransportOptions): Transport {
    const socket = inNetns(opts.netns, () => new RawNetlinkSocket(NETLINK_GENERIC, {
      recvBufferSize: opts.recvBufferBytes, sendBufferSize: 0, messagePeeking: false, msgBufferSize: DATAGRAM_BYTES,
    }));
    // Overflowing the receive buffer loses replies, so the window never exceeds what it holds.
    const fits = Math.floor(socket.getRecvBufferSize() / REPLY_TRUESIZE);
    return new Transport(socket, Math.max(2, Math.min(Math.floor(opts.window), fits)));
  }

  /** Bytes the kernel really granted for replies. */
  recvBufferBytes(): number {
    return this.socket.getRecvBufferSize();
  }

  request(req: TransportRequest): Promise<Buffer[]> {
    return this.enqueue(req).promise;
  }

  enqueue(req: TransportRequest): { seq: number; promise: Promise<Buffer[]> } {
    let resolve!: (parts: Buffer[]) => void;
    let reject!: (err: Error) => void;
    const promise = new Promise<Buffer[]>((res, rej) => { resolve = res; reject = rej; });
    return { seq: this.enqueueWith(req, resolve, reject), promise };
  }

  /**
   * Like enqueue(), with callbacks instead of a promise (a bulk apply queues
   * thousands of requests). Either may be called before this returns.
   * @returns the request's sequence number
   */
  enqueueWith(req: TransportRequest, resolve: (parts: Buffer[]) => void, reject: (err: Error) => void): number {
    const seq = this.nextSeq();
    const flags = NlmFlag.REQUEST | (req.dump ? NlmFlag.DUMP : req.ackless ? 0 : NlmFlag.ACK);
    const pending = this.pending(req, seq, flags, resolve, reject);
    if (this.closed) pending.reject(this.closedError(req));
    else {
      this.queue.push(pending);
      this.schedulePump();
    }
    return seq;
  }

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    queueMicrotask(() => {
      this.pumpScheduled = false;
      if (!this.closed) this.pump();
    });
  }

  private pending(
    req: TransportRequest, seq: number, flags: number, resolve: (parts: Buffer[]) => void, reject: (err: Error) => void,
  ): Pending {
    // Built field by field: a bulk apply makes one per request.
    return {
      type: req.type, payload: req.payload, dump: req.dump, command: req.command, target: req.target,
      ackless: req.ackless, onError: req.onError, seq, frame: frame(req.type, flags, seq, req.payload), parts: [], resolve, reject,
    };
  }

  private barrier(vouches: Pending[]): Pending {
    const req = { type: NlmsgType.NOOP, payload: Buffer.alloc(0), dump: false, command: 'NOOP', target: 'barrier' };
    // Its outcome is carried by the requests it vouches for.
    const ignore = (): void => undefined;
    const pending = this.pending(req, this.nextSeq(), NlmFlag.REQUEST | NlmFlag.ACK, ignore, ignore);
    pending.vouches = vouches;
    this.inflight.set(pending.seq, pending);
    return pending;
  }

  /** Withdraws requests not yet sent; each is rejected with the error the caller makes for it. */
  cancelUnsent(seqs: Set<number>, error: (req: TransportRequest) => Error): void {
    const kept: Pending[] = [];
    for (let i = this.head; i < this.queue.length; i++) {
      const p = this.queue[i]!;
      if (seqs.has(p.seq)) p.reject(error(p)); else kept.push(p);
    }
    this.queue.length = 0;
    this.head = 0;
    this.queue.push(...kept);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.close();
    this.failAll((p) => this.closedError(p));
  }

  private nextSeq(): number {
    const s = this.seq;
    this.seq = this.seq >= 0xffffffff ? 1 : this.seq + 1;
    return s;
  }

  private closedError(req: TransportRequest): IpvsError {
    return new IpvsError({ errno: osConstants.errno.ECANCELED, command: req.command, target: req.target, reason: 'the IPVS client is closed' });
  }

  private pump(): void {
    while (!this.closed && !this.dumpActive && this.head < this.queue.length) {
      const first = this.queue[this.head]!;
      if (first.dump) {
        if (this.inflight.size > 0) break;
        this.dumpActive = true;
        this.sendBatch([this.takeNext()]);
        break;
      }
      const batch: Pending[] = [];
      let bytes = 0;
      // One slot stays free for the barrier.
      while (this.head < this.queue.length && this.inflight.size + 1 < this.window) {
        const next = this.queue[this.head]!;
        if (next.dump || (batch.length > 0 && bytes + next.frame.length > MAX_BATCH_BYTES)) break;
        // The barrier takes the last place.
        if (batch.length + 1 >= MAX_BATCH_MESSAGES) break;
        bytes += next.frame.length;
        batch.push(this.takeNext());
      }
      if (batch.length === 0) break;
      const ackless = batch.filter((p) => p.ackless);
      if (ackless.length > 0) batch.push(this.barrier(ackless));
      this.sendBatch(batch);
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    if (this.inflight.size > 0) this.socket.ref(); else this.socket.unref();
  }

  private takeNext(): Pending {
    const p = this.queue[this.head]!;
    this.queue[this.head] = undefined;
    this.head++;
    this.inflight.set(p.seq, p);
    return p;
  }

  private sendBatch(batch: Pending[]): void {
    // Only a failure has work to move out of the package's callback (outside-native.ts).
    this.socket.send(batch.map((p) => p.frame), { port: 0 }, (err) => {
      if (err) setImmediate(() => this.sendFailed(batch, err));
    });
  }

  private sendFailed(batch: Pending[], err: ErrnoException): void {
    if (this.closed) return;
    for (const p of batch) {
      if (this.inflight.get(p.seq) !== p) continue;
      this.settle(p, new IpvsError({ errno: err.errno, command: p.command, target: p.target, reason: `sending to the kernel failed: ${err.message}` }));
    }
    this.pump();
  }

  private receive(buf: Buffer): void {
    let messages: NetlinkMessage[];
    try {
      messages = parseMessages(buf);
    } catch (e) {
      this.failAll(() => e as IpvsProtocolError);
      return;
    }
    for (const msg of messages) {
      const p = this.inflight.get(msg.seq);
      if (p) this.handle(p, msg);
    }
    this.pump();
  }

  /** A datagram larger than our read buffer lost its tail: nobody can tell which replies it held. */
  private truncated(kept: number, size: number): void {
    this.failAll((p) => new IpvsProtocolError(p.command, `a ${size}-byte reply was cut to ${kept} bytes; the outcome is unknown`));
  }

  private handle(p: Pending, msg: NetlinkMessage): void {
    try {
      const step = replyStep(msg, p.type, p.command, p.target);
      if (step === 'part') p.parts.push(msg.data);
      else if (step === 'done') this.settle(p);
    } catch (e) {
      this.settle(p, e as Error);
    }
  }

  private settle(p: Pending, err?: Error): void {
    this.inflight.delete(p.seq);
    if (p.dump) this.dumpActive = false;
    if (err) {
      p.reject(err);
      p.onError?.();
    } else {
      p.resolve(p.parts);
    }
    for (const v of p.vouches ?? []) {
      if (this.inflight.get(v.seq) !== v) continue;
      this.settle(v, err && new IpvsError({
        errno: osConstants.errno.EIO, command: v.command, target: v.target,
        reason: `the outcome is unknown: ${err.message}`,
      }));
    }
  }

  private socketError(err: ErrnoException): void {
    if (err.errno === osConstants.errno.ENOBUFS) {
      // Replies were dropped: nobody can tell which requests took effect.
      for (const p of [...this.inflight.values()]) {
        if (this.inflight.get(p.seq) !== p) continue;
        this.settle(p, new IpvsError({
          errno: err.errno, command: p.command, target: p.target,
          reason: 'the kernel dropped replies (netlink receive buffer overflow); the outcome is unknown',
        }));
      }
      this.pump();
      return;
    }
    this.closed = true;
    this.failAll((p) => new IpvsError({ errno: err.errno, command: p.command, target: p.target, reason: `netlink socket failed: ${err.message}` }));
  }

  private failAll(error: (p: Pending) => Error): void {
    const all = [...this.inflight.values(), ...this.queue.slice(this.head) as Pending[]];
    this.inflight.clear();
    this.queue.length = 0;
    this.head = 0;
    this.dumpActive = false;
    for (const p of all) p.reject(error(p));
    if (!this.closed) this.socket.unref();
  }
}
