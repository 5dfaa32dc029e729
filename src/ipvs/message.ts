// Netlink message framing: the 16-byte header around each request, the
// split of a received datagram into messages, and NLMSG_ERROR payloads
// (errno, and the extended ack text when the kernel adds one).
import { Attrs, readS32h, readU16h, readU32h, writeU16h, writeU32h, align4 } from './attrs';
import { NLMSG_HDRLEN, NlmFlag, NlmsgerrAttr } from './constants';
import { IpvsProtocolError } from './errors';

export interface NetlinkMessage {
  type: number;
  flags: number;
  seq: number;
  port: number;
  /** Everything after the netlink header. */
  data: Buffer;
}

export function frame(type: number, flags: number, seq: number, payload: Buffer): Buffer {
  // From the shared pool: a bulk apply frames thousands of small requests.
  const out = Buffer.allocUnsafe(NLMSG_HDRLEN + align4(payload.length));
  writeU32h(out, NLMSG_HDRLEN + payload.length, 0);
  writeU16h(out, type, 4);
  writeU16h(out, flags, 6);
  writeU32h(out, seq, 8);
  writeU32h(out, 0, 12);
  payload.copy(out, NLMSG_HDRLEN);
  out.fill(0, NLMSG_HDRLEN + payload.length);
  return out;
}

export function parseMessages(buf: Buffer): NetlinkMessage[] {
  const out: NetlinkMessage[] = [];
  eachMessage(buf, buf.length, (type, flags, seq, port, start, end) => {
    out.push({ type, flags, seq, port, data: buf.subarray(start, end) });
  });
  return out;
}

/**
 * Checks the framing of the datagram in buf[0, length) and calls visit for
 * each message with its header fields and where its data lies in buf: no
 * object or view per message, for readers of thousands of them.
 */
export function eachMessage(
  buf: Buffer, length: number, visit: (type: number, flags: number, seq: number, port: number, start: number, end: number) => void,
): void {
  let off = 0;
  while (off < length) {
    if (length - off < NLMSG_HDRLEN) {
      throw new IpvsProtocolError('netlink header', `${length - off} bytes left, a header needs ${NLMSG_HDRLEN}`);
    }
    const len = readU32h(buf, off);
    if (len < NLMSG_HDRLEN || off + len > length) {
      throw new IpvsProtocolError('netlink header', `message length ${len} at offset ${off} does not fit the ${length}-byte datagram`);
    }
    visit(readU16h(buf, off + 4), readU16h(buf, off + 6), readU32h(buf, off + 8), readU32h(buf, off + 12), off + NLMSG_HDRLEN, off + len);
    off += align4(len);
  }
}

export interface NetlinkAck {
  /** Positive errno; 0 for a plain acknowledgement. */
  errno: number;
  kernelMessage?: string;
}

/** Decodes an NLMSG_ERROR payload: struct nlmsgerr, then (with ACK_TLVS) extended ack attributes. */
export function parseAck(msg: NetlinkMessage): NetlinkAck {
  const { data, flags } = msg;
  if (data.length < 4 + NLMSG_HDRLEN) {
    throw new IpvsProtocolError('netlink error message', `${data.length} bytes, expected at least ${4 + NLMSG_HDRLEN}`);
  }
  const error = readS32h(data, 0);
  if (error > 0) throw new IpvsProtocolError('netlink error message', `positive error field ${error}`);
  const ack: NetlinkAck = { errno: error === 0 ? 0 : -error };
  if (flags & NlmFlag.ACK_TLVS) {
    const echoed = flags & NlmFlag.CAPPED ? NLMSG_HDRLEN : align4(readU32h(data, 4));
    const start = 4 + echoed;
    if (start > data.length) throw new IpvsProtocolError('netlink error message', 'echoed request overruns the message');
    const tlvs = Attrs.parse(data.subarray(start), 'extended ack');
    const text = tlvs.optional(NlmsgerrAttr.MSG, (t) => tlvs.string(t, 'MSG'));
    if (text) ack.kernelMessage = text;
  }
  return ack;
}
