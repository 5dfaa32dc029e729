// Netlink attribute (TLV) building and strict parsing. Integers without a
// stated byte order are in host order, as netlink defines them.
import { endianness } from 'node:os';
import { NLA_HDRLEN, NLA_TYPE_MASK } from './constants';
import { IpvsProtocolError } from './errors';

const LITTLE = endianness() === 'LE';
const NLA_F_NESTED = 0x8000;

export const align4 = (n: number): number => (n + 3) & ~3;

export function writeU16h(buf: Buffer, v: number, off: number): void {
  if (LITTLE) buf.writeUInt16LE(v, off); else buf.writeUInt16BE(v, off);
}
export function writeU32h(buf: Buffer, v: number, off: number): void {
  if (LITTLE) buf.writeUInt32LE(v, off); else buf.writeUInt32BE(v, off);
}
// Reads are byte arithmetic, not Buffer methods: a dump decodes tens of
// thousands of these, mostly before the optimizing compiler has inlined
// anything. Callers check lengths first (a read past the end is a bug).
export function readU16h(buf: Buffer, off: number): number {
  return LITTLE ? buf[off]! | (buf[off + 1]! << 8) : (buf[off]! << 8) | buf[off + 1]!;
}
export function readU32h(buf: Buffer, off: number): number {
  return (LITTLE
    ? buf[off]! | (buf[off + 1]! << 8) | (buf[off + 2]! << 16) | (buf[off + 3]! << 24)
    : (buf[off]! << 24) | (buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!) >>> 0;
}
export function readS32h(buf: Buffer, off: number): number {
  return LITTLE ? buf.readInt32LE(off) : buf.readInt32BE(off);
}

/** Largest request we build (a daemon with every option is under 200 bytes). */
const MAX_REQUEST_BYTES = 4096;
/** Shared by every AttrWriter: requests are built one at a time, synchronously. */
const scratch = Buffer.alloc(MAX_REQUEST_BYTES);

/**
 * Builds one generic netlink payload (header, then attributes) in a scratch
 * area and hands out an exact-size copy. A bulk restore encodes thousands of
 * requests; a Buffer per attribute was most of its garbage. Starting a new
 * writer abandons whatever an earlier one left unfinished.
 */
export class AttrWriter {
  private off = 0;

  constructor(command: number, version: number) {
    scratch[0] = command;
    scratch[1] = version;
    scratch[2] = 0;
    scratch[3] = 0;
    this.off = 4;
  }

  private header(type: number, payloadBytes: number): number {
    const at = this.off;
    if (at + align4(NLA_HDRLEN + payloadBytes) > MAX_REQUEST_BYTES) throw new RangeError(`request over ${MAX_REQUEST_BYTES} bytes`);
    writeU16h(scratch, NLA_HDRLEN + payloadBytes, at);
    writeU16h(scratch, type, at + 2);
    const end = at + align4(NLA_HDRLEN + payloadBytes);
    scratch.fill(0, at + NLA_HDRLEN + payloadBytes, end);
    this.off = end;
    return at + NLA_HDRLEN;
  }

  u8(type: number, v: number): void { scratch[this.header(type, 1)] = v; }
  u16(type: number, v: number): void { writeU16h(scratch, v, this.header(type, 2)); }
  be16(type: number, v: number): void { scratch.writeUInt16BE(v, this.header(type, 2)); }
  u32(type: number, v: number): void { writeU32h(scratch, v, this.header(type, 4)); }
  be32(type: number, v: number): void { scratch.writeUInt32BE(v, this.header(type, 4)); }

  /** An attribute whose payload the caller fills: write(out, offset). */
  fill(type: number, bytes: number, write: (out: Buffer, off: number) => void): void {
    write(scratch, this.header(type, bytes));
  }

  string(type: number, s: string): void {
    const at = this.header(type, s.length + 1);
    scratch.write(s, at, 'latin1');
    scratch[at + s.length] = 0;
  }

  /** Opens a nested attribute; end() closes it. The kernel's IPVS parser does not need NLA_F_NESTED, libnl sets it, so do we. */
  begin(type: number): number {
    return this.header(type | NLA_F_NESTED, 0) - NLA_HDRLEN;
  }

  end(nest: number): void {
    writeU16h(scratch, this.off - nest, nest);
  }

  finish(): Buffer {
    const out = Buffer.allocUnsafe(this.off);
    scratch.copy(out, 0, 0, this.off);
    return out;
  }
}

/** Attribute types an Attrs indexes; higher ones (no IPVS, nlctrl or extended ack attribute we read) are skipped. */
const MAX_TYPE = 31;

/**
 * Attributes of one level, by type (flag bits removed); later duplicates win,
 * as in the kernel. Values are read in place from the received datagram, and
 * a decoder may reuse one Attrs per nesting level (load()) for every entry of
 * a dump: thousands of real servers then cost no Buffer view or table each.
 */
export class Attrs {
  private buf: Buffer = Buffer.alloc(0);
  /** Payload start and end offsets in buf, by type; -1 when absent. */
  private readonly starts = new Int32Array(MAX_TYPE + 1);
  private readonly ends = new Int32Array(MAX_TYPE + 1);
  where = '';
  /** The parent's place and the name this table was last nested as, and the text made of them (see nestedInto). */
  private nestedIn = '';
  private nestedAs = '';
  private nestedWhere = '';

  static parse(buf: Buffer, where: string): Attrs {
    return new Attrs().load(buf, 0, buf.length, where);
  }

  /** The attributes in buf[start, end). */
  static parseRange(buf: Buffer, start: number, end: number, where: string): Attrs {
    return new Attrs().load(buf, start, end, where);
  }

  /** Indexes the attributes in buf[start, end), forgetting what this table held. */
  load(buf: Buffer, start: number, end: number, where: string): this {
    this.buf = buf;
    this.where = where;
    const starts = this.starts;
    const ends = this.ends;
    starts.fill(-1);
    let off = start;
    // Runs for every attribute of every dumped entry, mostly before any code is
    // optimized (a listing by lvsadm never is): the header reads are written out here.
    while (off < end) {
      if (end - off < NLA_HDRLEN) {
        throw new IpvsProtocolError(where, `${end - off} stray bytes after the last attribute`);
      }
      const len = LITTLE ? buf[off]! | (buf[off + 1]! << 8) : (buf[off]! << 8) | buf[off + 1]!;
      const type = (LITTLE ? buf[off + 2]! | (buf[off + 3]! << 8) : (buf[off + 2]! << 8) | buf[off + 3]!) & NLA_TYPE_MASK;
      if (len < NLA_HDRLEN) throw new IpvsProtocolError(where, `attribute ${type} has length ${len}`);
      if (off + len > end) {
        throw new IpvsProtocolError(where, `attribute ${type} is truncated (${len} bytes announced, ${end - off} left)`);
      }
      if (type <= MAX_TYPE) {
        starts[type] = off + NLA_HDRLEN;
        ends[type] = off + len;
      }
      off += (len + 3) & ~3;
    }
    return this;
  }

  /** Types beyond MAX_TYPE read as undefined here, which is not >= 0: absent. */
  has(type: number): boolean { return this.starts[type]! >= 0; }

  /** Payload offset of a present attribute. */
  private at(type: number, name: string): number {
    const off = this.starts[type]!;
    if (off >= 0) return off;
    throw new IpvsProtocolError(this.where, `missing ${name}`);
  }

  /** Payload offset of an attribute that must have exactly `size` bytes; one call, as every accessor makes one. */
  private sized(type: number, name: string, size: number): number {
    const off = this.starts[type]!;
    if (off >= 0 && this.ends[type]! - off === size) return off;
    if (!(off >= 0)) throw new IpvsProtocolError(this.where, `missing ${name}`);
    throw new IpvsProtocolError(this.where, `${name} has ${this.ends[type]! - off} bytes, expected ${size}`);
  }

  raw(type: number, name: string): Buffer {
    return this.buf.subarray(this.at(type, name), this.ends[type]);
  }

  /** Payload length of an attribute. */
  size(type: number, name: string): number {
    return this.ends[type]! - this.at(type, name);
  }

  u8(type: number, name: string): number { return this.buf[this.sized(type, name, 1)]!; }
  u16(type: number, name: string): number { return readU16h(this.buf, this.sized(type, name, 2)); }
  be16(type: number, name: string): number { return this.buf.readUInt16BE(this.sized(type, name, 2)); }
  u32(type: number, name: string): number { return readU32h(this.buf, this.sized(type, name, 4)); }
  be32(type: number, name: string): number { return this.buf.readUInt32BE(this.sized(type, name, 4)); }

  /** A counter sent either as u32 or u64. */
  counter(type: number, name: string): bigint {
    const off = this.at(type, name);
    const len = this.ends[type]! - off;
    if (len === 4) {
      const v = readU32h(this.buf, off);
      return v === 0 ? 0n : BigInt(v);
    }
    if (len !== 8) throw new IpvsProtocolError(this.where, `${name} has ${len} bytes, expected 4 or 8`);
    const lo = readU32h(this.buf, LITTLE ? off : off + 4);
    const hi = readU32h(this.buf, LITTLE ? off + 4 : off);
    // Most counters are small: skip the BigInt arithmetic (and its garbage) then.
    if (hi === 0) return lo === 0 ? 0n : BigInt(lo);
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** NUL-terminated string (the text before the first NUL). */
  string(type: number, name: string): string {
    const start = this.at(type, name);
    const end = this.ends[type]!;
    const nul = this.buf.indexOf(0, start);
    return this.buf.toString('latin1', start, nul < 0 || nul > end ? end : nul);
  }

  /** IPv4 dotted quad from the first 4 payload bytes (the caller checked the size). */
  dottedQuad(type: number, name: string): string {
    const b = this.buf;
    const off = this.at(type, name);
    return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
  }

  nested(type: number, name: string): Attrs {
    return this.nestedInto(new Attrs(), type, name);
  }

  /** Like nested(), into a table the caller reuses. */
  nestedInto(into: Attrs, type: number, name: string): Attrs {
    const start = this.at(type, name);
    // A reused table usually gets the same place again: keep its text rather than build one per entry.
    if (into.nestedIn !== this.where || into.nestedAs !== name) {
      into.nestedIn = this.where;
      into.nestedAs = name;
      into.nestedWhere = `${this.where} > ${name}`;
    }
    return into.load(this.buf, start, this.ends[type]!, into.nestedWhere);
  }

  optional<T>(type: number, read: (type: number) => T): T | undefined {
    return this.has(type) ? read(type) : undefined;
  }
}
