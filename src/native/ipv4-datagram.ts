// Raw IPv4 sockets hand up the IP header in front of the payload. The header
// comes from the network, so every length in it is checked before use.
import { VRRP_PROTOCOL } from './vrrp-constants';

export interface Ipv4Datagram { ttl: number; source: string; destination: string; payload: Buffer }

export type Ipv4Parse = { ok: true; datagram: Ipv4Datagram } | { ok: false; reason: string };

function dotted(data: Buffer, at: number): string {
  return `${data[at]}.${data[at + 1]}.${data[at + 2]}.${data[at + 3]}`;
}

export function parseIpv4Datagram(data: Buffer): Ipv4Parse {
  if (data.length < 20) return { ok: false, reason: `datagram of ${data.length} bytes is shorter than an IPv4 header` };
  const version = data[0]! >> 4;
  if (version !== 4) return { ok: false, reason: `IP version ${version}, expected 4` };
  const headerLength = (data[0]! & 0x0f) * 4;
  if (headerLength < 20) return { ok: false, reason: `IPv4 header length ${headerLength} is below 20` };
  if (headerLength > data.length) {
    return { ok: false, reason: `IPv4 header length ${headerLength} exceeds the ${data.length} bytes received` };
  }
  const totalLength = data.readUInt16BE(2);
  if (totalLength < headerLength || totalLength > data.length) {
    return { ok: false, reason: `IPv4 total length ${totalLength} does not fit header ${headerLength} and ${data.length} bytes received` };
  }
  const fragment = data.readUInt16BE(6);
  if ((fragment & 0x3fff) !== 0) return { ok: false, reason: 'IPv4 fragment' };
  const protocol = data[9]!;
  if (protocol !== VRRP_PROTOCOL) return { ok: false, reason: `IP protocol ${protocol}, expected ${VRRP_PROTOCOL}` };
  return {
    ok: true,
    datagram: {
      ttl: data[8]!,
      source: dotted(data, 12),
      destination: dotted(data, 16),
      payload: data.subarray(headerLength, totalLength),
    },
  };
}
