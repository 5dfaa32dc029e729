// IP addresses as IPVS carries them: a 16-byte nf_inet_addr, IPv4 in the
// first 4 bytes. Text form is ipaddr.js's canonical toString().
import ipaddr from 'ipaddr.js';
import { AF_INET, AF_INET6, type AddressFamily } from './types';
import { ADDR_LEN } from './constants';

/** Parses an address of the given family; undefined when it is not one. */
export function addressBytes(family: AddressFamily, text: string): Buffer | undefined {
  if (typeof text !== 'string') return undefined;
  const out = Buffer.alloc(ADDR_LEN);
  if (family === AF_INET) {
    if (!ipaddr.IPv4.isValidFourPartDecimal(text)) return undefined;
    Buffer.from(ipaddr.IPv4.parse(text).toByteArray()).copy(out);
    return out;
  }
  if (family === AF_INET6) {
    if (text.includes('%') || !ipaddr.IPv6.isValid(text)) return undefined;
    Buffer.from(ipaddr.IPv6.parse(text).toByteArray()).copy(out);
    return out;
  }
  return undefined;
}

export function addressText(family: AddressFamily, bytes: Buffer): string {
  if (family === AF_INET) return ipaddr.fromByteArray([...bytes.subarray(0, 4)]).toString();
  return ipaddr.fromByteArray([...bytes.subarray(0, 16)]).toString();
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
