// IP addresses as the kernel wants them on rtnetlink (family + raw bytes), and
// the prefix arithmetic that broadcast and route specs need.
import ipaddr from 'ipaddr.js';
import { AF_INET, AF_INET6, type AddressFamily } from '../ipvs/types';

export interface IpAddress {
  family: AddressFamily;
  /** Canonical text form (IPv6 compressed). */
  text: string;
  bytes: Buffer;
}

export interface IpPrefix {
  address: IpAddress;
  prefixLength: number;
}

export function familyName(family: AddressFamily): 'inet' | 'inet6' {
  return family === AF_INET ? 'inet' : 'inet6';
}

export function maxPrefix(family: AddressFamily): number {
  return family === AF_INET ? 32 : 128;
}

/** Parses a literal IPv4 (dotted quad only) or IPv6 address; undefined when it is neither. */
export function tryParseIp(text: string): IpAddress | undefined {
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) {
    const v4 = ipaddr.IPv4.parse(text);
    return { family: AF_INET, text: v4.toString(), bytes: Buffer.from(v4.toByteArray()) };
  }
  if (text.includes(':') && ipaddr.IPv6.isValid(text) && !text.includes('%')) {
    const v6 = ipaddr.IPv6.parse(text);
    return { family: AF_INET6, text: v6.toString(), bytes: Buffer.from(v6.toByteArray()) };
  }
  return undefined;
}

export function parseIp(text: string, what = 'address'): IpAddress {
  const ip = tryParseIp(text);
  if (!ip) throw new Error(`invalid ${what} ${JSON.stringify(text)}: expected an IPv4 or IPv6 address`);
  return ip;
}

/** Parses ADDR or ADDR/LEN; without a length the prefix is a single host (/32 or /128). */
export function parsePrefix(text: string, what = 'address'): IpPrefix {
  const slash = text.indexOf('/');
  const address = parseIp(slash < 0 ? text : text.slice(0, slash), what);
  if (slash < 0) return { address, prefixLength: maxPrefix(address.family) };
  const lenText = text.slice(slash + 1);
  const max = maxPrefix(address.family);
  if (!/^\d{1,3}$/.test(lenText) || Number(lenText) > max) {
    throw new Error(`invalid prefix length in ${what} ${JSON.stringify(text)}: expected 0..${max}`);
  }
  return { address, prefixLength: Number(lenText) };
}

export function ipFromBytes(bytes: Uint8Array): IpAddress {
  if (bytes.length === 4) {
    const v4 = ipaddr.fromByteArray(Array.from(bytes));
    return { family: AF_INET, text: v4.toString(), bytes: Buffer.from(bytes) };
  }
  if (bytes.length === 16) {
    const v6 = ipaddr.fromByteArray(Array.from(bytes));
    return { family: AF_INET6, text: v6.toString(), bytes: Buffer.from(bytes) };
  }
  throw new Error(`unexpected address length ${bytes.length} from the kernel`);
}

/** The address with every host bit set (fill=1, `brd +`) or cleared (fill=0, `brd -`, the network). */
export function fillHostBits(prefix: IpPrefix, fill: 0 | 1): IpAddress {
  const out = Buffer.from(prefix.address.bytes);
  for (let bit = prefix.prefixLength; bit < out.length * 8; bit++) {
    const mask = 0x80 >> (bit % 8);
    const i = Math.floor(bit / 8);
    out[i] = fill ? (out[i]! | mask) : (out[i]! & ~mask);
  }
  return ipFromBytes(out);
}

export function prefixText(prefix: IpPrefix): string {
  return `${prefix.address.text}/${prefix.prefixLength}`;
}
