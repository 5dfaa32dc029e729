// A link listener on an IPv6 VMAC hands up the IPv6 header in front of the
// payload (a raw IPv6 socket never does). The header comes from the network,
// so its length field is checked before use.
import ipaddr from 'ipaddr.js';
import type { Ipv4Datagram } from './ipv4-datagram';
import { VRRP_PROTOCOL } from './vrrp-constants';

/** Its hop limit is the ttl. */
export type Ipv6Datagram = Ipv4Datagram;

export type Ipv6Parse = { ok: true; datagram: Ipv6Datagram } | { ok: false; reason: string };

const text = (bytes: Buffer): string => ipaddr.fromByteArray([...bytes]).toString();

const HEADER = 40;

/** Hop limit (as ttl), addresses and payload of a VRRP datagram over IPv6. */
export function parseIpv6Datagram(data: Buffer): Ipv6Parse {
  if (data.length < HEADER) return { ok: false, reason: `datagram of ${data.length} bytes is shorter than an IPv6 header` };
  const version = data[0]! >> 4;
  if (version !== 6) return { ok: false, reason: `IP version ${version}, expected 6` };
  const payloadLength = data.readUInt16BE(4);
  if (HEADER + payloadLength > data.length) {
    return { ok: false, reason: `IPv6 payload length ${payloadLength} exceeds the ${data.length - HEADER} bytes received after the header` };
  }
  const next = data[6]!;
  if (next !== VRRP_PROTOCOL) return { ok: false, reason: `IPv6 next header ${next}, expected ${VRRP_PROTOCOL}` };
  const datagram: Ipv6Datagram = {
    ttl: data[7]!,
    source: text(data.subarray(8, 24)),
    destination: text(data.subarray(24, 40)),
    payload: data.subarray(HEADER, HEADER + payloadLength),
  };
  return { ok: true, datagram };
}
