// Netlink attribute (TLV) building and strict parsing. Integers without a
// stated byte order are in host order, as netlink defines them.
import { endianness } from 'node:os';
import { NLA_HDRLEN, NLA_TYPE_MASK } from './constants';
import { IpvsProtocolError } from './errors';

const LITTLE = endianness() === 'LE';
const NLA_F_NESTED = 0x8000;

export const align4 = (n: number): number => (n + 3) & ~3;

export function attr(type: number, payload: Buffer): Buffer {
  const len = NLA_HDRLEN + payload.length;
  const out = Buffer.alloc(align4(len));
  writeU16h(out, len, 0);
  writeU16h(out, type, 2);
  payload.copy(out, NLA_HDRLEN);
  return out;
}

/** Nested attribute; the kernel's IPVS parser does not need NLA_F_NESTED, libnl sets it, so do we. */
export function nested(type: number, children: Buffer[]): Buffer {
  return attr(type | NLA_F_NESTED, Buffer.concat(children));
}

export function writeU16h(buf: Buffer, v: number, off: number): void {
  if (LITTLE) buf.writeUInt16LE(v, off); else buf.writeUInt16BE(v, off);
}
export function writeU32h(buf: Buffer, v: number, off: number): void {
  if (LITTLE) buf.writeUInt32LE(v, off); else buf.writeUInt32BE(v, off);
}
export function readU16h(buf: Buffer, off: number): number {
  return LITTLE ? buf.readUInt16LE(off) : buf.readUInt16BE(off);
}
export function readU32h(buf: Buffer, off: number): number {
  return LITTLE ? buf.readUInt32LE(off) : buf.readUInt32BE(off);
}
export function readS32h(buf: Buffer, off: number): number {
  return LITTLE ? buf.readInt32LE(off) : buf.readInt32BE(off);
}

export const u8Attr = (type: number, v: number): Buffer => attr(type, Buffer.from([v]));
export function u16Attr(type: number, v: number): Buffer {
  const b = Buffer.alloc(2); writeU16h(b, v, 0); return attr(type, b);
}
export function be16Attr(type: number, v: number): Buffer {
  const b = Buffer.alloc(2); b.writeUInt16BE(v, 0); return attr(type, b);
}
export function u32Attr(type: number, v: number): Buffer {
  const b = Buffer.alloc(4); writeU32h(b, v, 0); return attr(type, b);
}
export function be32Attr(type: number, v: number): Buffer {
  const b = Buffer.alloc(4); b.writeUInt32BE(v, 0); return attr(type, b);
}
export const stringAttr = (type: number, s: string): Buffer => attr(type, Buffer.from(`${s}\0`, 'latin1'));

/** Attributes of one level, by type (flag bits removed); later duplicates win, as in the kernel. */
export class Attrs {
  private constructor(private readonly map: Map<number, Buffer>, readonly where: string) {}

  static parse(buf: Buffer, where: string): Attrs {
    const map = new Map<number, Buffer>();
    let off = 0;
    while (off < buf.length) {
      if (buf.length - off < NLA_HDRLEN) {
        throw new IpvsProtocolError(where, `${buf.length - off} stray bytes after the last attribute`);
      }
      const len = readU16h(buf, off);
      const type = readU16h(buf, off + 2) & NLA_TYPE_MASK;
      if (len < NLA_HDRLEN) throw new IpvsProtocolError(where, `attribute ${type} has length ${len}`);
      if (off + len > buf.length) {
        throw new IpvsProtocolError(where, `attribute ${type} is truncated (${len} bytes announced, ${buf.length - off} left)`);
      }
      map.set(type, buf.subarray(off + NLA_HDRLEN, off + len));
      off += align4(len);
    }
    return new Attrs(map, where);
  }

  has(type: number): boolean { return this.map.has(type); }

  raw(type: number, name: string): Buffer {
    const v = this.map.get(type);
    if (v === undefined) throw new IpvsProtocolError(this.where, `missing ${name}`);
    return v;
  }

  private sized(type: number, name: string, size: number): Buffer {
    const v = this.raw(type, name);
    if (v.length !== size) throw new IpvsProtocolError(this.where, `${name} has ${v.length} bytes, expected ${size}`);
    return v;
  }

  u8(type: number, name: string): number { return this.sized(type, name, 1).readUInt8(0); }
  u16(type: number, name: string): number { return readU16h(this.sized(type, name, 2), 0); }
  be16(type: number, name: string): number { return this.sized(type, name, 2).readUInt16BE(0); }
  u32(type: number, name: string): number { return readU32h(this.sized(type, name, 4), 0); }
  be32(type: number, name: string): number { return this.sized(type, name, 4).readUInt32BE(0); }

  /** A counter sent either as u32 or u64. */
  counter(type: number, name: string): bigint {
    const v = this.raw(type, name);
    if (v.length === 4) return BigInt(readU32h(v, 0));
    if (v.length === 8) return LITTLE ? v.readBigUInt64LE(0) : v.readBigUInt64BE(0);
    throw new IpvsProtocolError(this.where, `${name} has ${v.length} bytes, expected 4 or 8`);
  }

  /** NUL-terminated string (the text before the first NUL). */
  string(type: number, name: string): string {
    const v = this.raw(type, name);
    const end = v.indexOf(0);
    return v.toString('latin1', 0, end < 0 ? v.length : end);
  }

  nested(type: number, name: string): Attrs {
    return Attrs.parse(this.raw(type, name), `${this.where} > ${name}`);
  }

  optional<T>(type: number, read: (type: number) => T): T | undefined {
    return this.map.has(type) ? read(type) : undefined;
  }
}
