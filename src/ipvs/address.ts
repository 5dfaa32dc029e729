// IP addresses as IPVS carries them: a 16-byte nf_inet_addr, IPv4 in the
// first 4 bytes. Text form is ipaddr.js's canonical toString().
import { AF_INET, AF_INET6, type AddressFamily } from './types';
import { ADDR_LEN } from './constants';

type IpAddr = typeof import('ipaddr.js');
let ipaddrModule: IpAddr | undefined;
/** IPv6 needs ipaddr.js; it is loaded on first use, so IPv4-only commands start faster. */
function ipaddr(): IpAddr {
  return ipaddrModule ??= require('ipaddr.js') as IpAddr;
}

/**
 * A dotted quad as an unsigned 32-bit number, or -1 unless the text is
 * exactly four decimal octets without leading zeros: inet_pton(AF_INET)'s
 * rule, and what ipaddr.js calls a valid four-part decimal. A plain scan:
 * listings and restores parse every address.
 */
export function dottedQuadNumber(text: string): number {
  let value = 0;
  let part = 0;
  let octet = 0;
  let digits = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) {
      if (digits > 0 && octet === 0) return -1;
      octet = octet * 10 + (c - 0x30);
      if (octet > 255) return -1;
      digits++;
    } else if (c === 0x2e && digits > 0 && part < 3) {
      value = value * 256 + octet;
      part++;
      octet = 0;
      digits = 0;
    } else {
      return -1;
    }
  }
  if (digits === 0 || part !== 3) return -1;
  return value * 256 + octet;
}

/** Writes the 16-byte form of an address of the given family at out[off]; false when it is not one. */
export function writeAddress(family: AddressFamily, text: string, out: Uint8Array, off: number): boolean {
  if (typeof text !== 'string') return false;
  if (family === AF_INET) {
    const n = dottedQuadNumber(text);
    if (n < 0) return false;
    out.fill(0, off, off + ADDR_LEN);
    out[off] = n >>> 24;
    out[off + 1] = (n >>> 16) & 0xff;
    out[off + 2] = (n >>> 8) & 0xff;
    out[off + 3] = n & 0xff;
    return true;
  }
  if (family === AF_INET6) {
    if (text.includes('%') || !ipaddr().IPv6.isValid(text)) return false;
    out.set(ipaddr().IPv6.parse(text).toByteArray(), off);
    return true;
  }
  return false;
}

/** Parses an address of the given family; undefined when it is not one. */
export function addressBytes(family: AddressFamily, text: string): Buffer | undefined {
  const out = Buffer.alloc(ADDR_LEN);
  return writeAddress(family, text, out, 0) ? out : undefined;
}

export function addressText(family: AddressFamily, bytes: Uint8Array): string {
  if (family === AF_INET) return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
  return ipaddr().fromByteArray([...bytes.subarray(0, 16)]).toString();
}

/** Canonical text of an address, or undefined when it is not valid for the family. */
export function canonicalAddress(family: AddressFamily, text: string): string | undefined {
  const bytes = addressBytes(family, text);
  return bytes && addressText(family, bytes);
}

export function familyOf(text: string): AddressFamily | undefined {
  if (addressBytes(AF_INET, text)) return AF_INET;
  if (addressBytes(AF_INET6, text)) return AF_INET6;
  return undefined;
}

/** "10.0.0.1:80" or "[2001:db8::1]:80". */
export function endpointText(family: AddressFamily, address: string, port: number): string {
  return family === AF_INET6 ? `[${address}]:${port}` : `${address}:${port}`;
}
