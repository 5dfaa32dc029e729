// The Internet checksum (RFC 1071) and the pseudo-headers VRRPv3 folds into it.
import { addressBytes, type Family } from './address';

export const IPPROTO_VRRP = 112;

/** One's-complement sum of 16-bit big-endian words, not yet folded or inverted. */
function sum16(data: Uint8Array, start = 0): number {
  let sum = start;
  const even = data.length & ~1;
  for (let i = 0; i < even; i += 2) sum += (data[i]! << 8) | data[i + 1]!;
  if (data.length & 1) sum += data[data.length - 1]! << 8;
  return sum;
}

function fold(sum: number): number {
  let s = sum;
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return s;
}

/** Checksum of the given chunks, as stored in a header (inverted, big-endian value). */
export function internetChecksum(...chunks: Uint8Array[]): number {
  let sum = 0;
  for (const chunk of chunks) {
    // Chunks other than the last must be even-sized for word alignment; ours are.
    sum = fold(sum16(chunk, sum));
  }
  return ~fold(sum) & 0xffff;
}

/** The pseudo-header of RFC 768 (IPv4) or RFC 8200 section 8.1 (IPv6) for a VRRP message of `length` bytes. */
export function pseudoHeader(family: Family, source: string, destination: string, length: number): Buffer {
  const src = addressBytes(source, family);
  const dst = addressBytes(destination, family);
  if (family === 'ipv4') {
    const tail = Buffer.alloc(4);
    tail.writeUInt8(0, 0);
    tail.writeUInt8(IPPROTO_VRRP, 1);
    tail.writeUInt16BE(length, 2);
    return Buffer.concat([src, dst, tail]);
  }
  const tail = Buffer.alloc(8);
  tail.writeUInt32BE(length, 0);
  tail.writeUInt8(IPPROTO_VRRP, 7);
  return Buffer.concat([src, dst, tail]);
}
