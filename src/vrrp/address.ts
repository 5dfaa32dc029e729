// IP addresses as VRRP carries them: raw network-order bytes, plus the
// comparison used to break priority ties (numerically higher address wins).
import ipaddr from 'ipaddr.js';

export type Family = 'ipv4' | 'ipv6';

export const ADDRESS_LENGTH: Record<Family, number> = { ipv4: 4, ipv6: 16 };

/** Parses an IPv4/IPv6 address (an IPv6 zone such as %eth0 is dropped); throws with the offending text. */
export function addressBytes(text: string, family?: Family): Buffer {
  const bare = text.replace(/%.*$/, '');
  if (!ipaddr.isValid(bare)) throw new Error(`invalid IP address ${JSON.stringify(text)}`);
  const parsed = ipaddr.parse(bare);
  if (family !== undefined && parsed.kind() !== family) {
    throw new Error(`address ${text} is not ${family === 'ipv4' ? 'IPv4' : 'IPv6'}`);
  }
  return Buffer.from(parsed.toByteArray());
}

export function addressFamily(text: string): Family | undefined {
  const bare = text.replace(/%.*$/, '');
  return ipaddr.isValid(bare) ? ipaddr.parse(bare).kind() : undefined;
}

/** Canonical text form of raw address bytes (4 or 16 of them). */
export function formatAddress(bytes: Uint8Array): string {
  return ipaddr.fromByteArray(Array.from(bytes)).toString();
}

/** Canonical text form of an address given as text, so equal addresses compare equal as strings. */
export function normalizeAddress(text: string): string {
  return formatAddress(addressBytes(text));
}

/** Sign of (a - b) as unsigned big-endian numbers; both in the same family. */
export function compareAddresses(a: string, b: string): number {
  return Math.sign(Buffer.compare(addressBytes(a), addressBytes(b)));
}
