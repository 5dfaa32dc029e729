// Every reason an incoming VRRP packet can be dropped: a closed set, so each
// one has its own counter in an instance's statistics.
export const DROP_REASONS = [
  // The IPv4 header around it could not be read (src/native/ipv4-datagram.ts).
  'malformed-ip',
  // The packet on its own (packet.ts).
  'too-short',
  'bad-version',
  'bad-type',
  'length-mismatch',
  'auth-type-invalid',
  'auth-ah-unsupported',
  'bad-advert-interval',
  'bad-envelope',
  'bad-checksum',
  // The packet against the instance that receives it (receive-check.ts).
  'unknown-vrid',
  'wrong-ttl',
  'version-mismatch',
  'auth-type-mismatch',
  'auth-failure',
  'advert-interval-mismatch',
  'address-count-mismatch',
  'unexpected-multicast',
  'unexpected-unicast',
  'address-list-mismatch',
  'not-unicast-peer',
] as const;

export type DropReason = (typeof DROP_REASONS)[number];

export type DropCounters = Record<DropReason, number>;

export function emptyDropCounters(): DropCounters {
  return Object.fromEntries(DROP_REASONS.map((r) => [r, 0])) as DropCounters;
}
