// Ethernet frames that announce an address moving to this host: gratuitous
// ARP (RFC 5227 announcement) and unsolicited neighbour advertisement
// (RFC 4861 section 7.2.6). Built whole so the sender MAC can be a VRRP
// virtual MAC rather than the link's own.

const ETHERTYPE_ARP = 0x0806;
const ETHERTYPE_IPV6 = 0x86dd;
const BROADCAST = Buffer.from('ffffffffffff', 'hex');
/** ff02::1 and its Ethernet group 33:33:00:00:00:01. */
const ALL_NODES = Buffer.from('ff020000000000000000000000000001', 'hex');
const ALL_NODES_MAC = Buffer.from('333300000001', 'hex');
const NEXT_HEADER_ICMPV6 = 58;
const ICMPV6_NEIGHBOR_ADVERTISEMENT = 136;
const NA_FLAG_ROUTER = 0x80;
const NA_FLAG_OVERRIDE = 0x20;
const OPTION_TARGET_LINK_ADDRESS = 2;
/** Shortest Ethernet frame without its FCS; shorter ones are padded with zeros. */
const MIN_FRAME = 60;

function ethernet(destination: Buffer, source: Buffer, type: number, body: Buffer): Buffer {
  const frame = Buffer.alloc(Math.max(MIN_FRAME, 14 + body.length));
  destination.copy(frame, 0);
  source.copy(frame, 6);
  frame.writeUInt16BE(type, 12);
  body.copy(frame, 14);
  return frame;
}

/** ARP request with sender = target = address, broadcast from mac. */
export function gratuitousArpFrame(address: Buffer, mac: Buffer): Buffer {
  const arp = Buffer.alloc(28);
  arp.writeUInt16BE(1, 0); // Ethernet
  arp.writeUInt16BE(0x0800, 2); // IPv4
  arp.writeUInt8(6, 4);
  arp.writeUInt8(4, 5);
  arp.writeUInt16BE(1, 6); // request
  mac.copy(arp, 8);
  address.copy(arp, 14);
  // Target hardware address stays zero: unknown, as in an announcement.
  address.copy(arp, 24);
  return ethernet(BROADCAST, mac, ETHERTYPE_ARP, arp);
}

/** The Internet checksum of ICMPv6 over the IPv6 pseudo-header (RFC 8200 section 8.1). */
export function icmpv6Checksum(source: Buffer, destination: Buffer, message: Buffer): number {
  const pseudo = Buffer.alloc(40);
  source.copy(pseudo, 0);
  destination.copy(pseudo, 16);
  pseudo.writeUInt32BE(message.length, 32);
  pseudo.writeUInt8(NEXT_HEADER_ICMPV6, 39);
  let sum = 0;
  for (const part of [pseudo, message]) {
    for (let i = 0; i < part.length; i += 2) {
      sum += (part[i]! << 8) + (i + 1 < part.length ? part[i + 1]! : 0);
    }
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/**
 * Unsolicited neighbour advertisement for address, to all nodes, hop limit
 * 255, override flag set, target link-layer option = mac. The address is also
 * the source: it is assigned to the sending interface, as RFC 4861 requires.
 */
export function unsolicitedNaFrame(address: Buffer, mac: Buffer, router = false): Buffer {
  const icmp = Buffer.alloc(32);
  icmp.writeUInt8(ICMPV6_NEIGHBOR_ADVERTISEMENT, 0);
  icmp.writeUInt8(NA_FLAG_OVERRIDE | (router ? NA_FLAG_ROUTER : 0), 4);
  address.copy(icmp, 8);
  icmp.writeUInt8(OPTION_TARGET_LINK_ADDRESS, 24);
  icmp.writeUInt8(1, 25); // length in units of 8 bytes
  mac.copy(icmp, 26);
  icmp.writeUInt16BE(icmpv6Checksum(address, ALL_NODES, icmp), 2);

  const ipv6 = Buffer.alloc(40);
  ipv6.writeUInt32BE(0x60000000, 0);
  ipv6.writeUInt16BE(icmp.length, 4);
  ipv6.writeUInt8(NEXT_HEADER_ICMPV6, 6);
  ipv6.writeUInt8(255, 7);
  address.copy(ipv6, 8);
  ALL_NODES.copy(ipv6, 24);
  return ethernet(ALL_NODES_MAC, mac, ETHERTYPE_IPV6, Buffer.concat([ipv6, icmp]));
}
