// The few netlink attributes the `netlink` package leaves as raw bytes
// (IFLA_LINKINFO and the tunnel parameters nested in it): TLV in, TLV out.

const NLA_HDRLEN = 4;
const NLA_F_NESTED = 0x8000;
const NLA_TYPE_MASK = 0x3fff;

function align4(n: number): number {
  return (n + 3) & ~3;
}

/** One attribute: 16-bit length (header + payload), 16-bit type, payload padded to 4 bytes. */
export function nlattr(type: number, payload: Buffer, nested = false): Buffer {
  const out = Buffer.alloc(align4(NLA_HDRLEN + payload.length));
  out.writeUInt16LE(NLA_HDRLEN + payload.length, 0);
  out.writeUInt16LE(type | (nested ? NLA_F_NESTED : 0), 2);
  payload.copy(out, NLA_HDRLEN);
  return out;
}

export function nlString(type: number, text: string): Buffer {
  return nlattr(type, Buffer.from(`${text}\0`, 'utf8'));
}

export function nlU8(type: number, value: number): Buffer {
  return nlattr(type, Buffer.from([value]));
}

/** Payload bytes by attribute type; the last occurrence wins. */
export function parseNlattrs(buf: Buffer): Map<number, Buffer> {
  const out = new Map<number, Buffer>();
  let off = 0;
  while (off + NLA_HDRLEN <= buf.length) {
    const len = buf.readUInt16LE(off);
    if (len < NLA_HDRLEN || off + len > buf.length) {
      throw new Error(`malformed netlink attribute at byte ${off}: length ${len} of ${buf.length - off} left`);
    }
    out.set(buf.readUInt16LE(off + 2) & NLA_TYPE_MASK, buf.subarray(off + NLA_HDRLEN, off + len));
    off += align4(len);
  }
  return out;
}

export function nlStringValue(payload: Buffer | undefined): string | undefined {
  if (!payload) return undefined;
  const nul = payload.indexOf(0);
  return payload.subarray(0, nul < 0 ? payload.length : nul).toString('utf8');
}
