// The rtnetlink requests built for links, addresses and routes, checked
// byte by byte where we encode them ourselves and through the netlink
// package's parser where it encodes them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rt, AttrStream } from 'netlink';
import { nlattr, nlString, parseNlattrs, nlStringValue } from '../../src/net/attrs';
import { linkInfoFor, macBytes, validateLinkName } from '../../src/net/links';
import { addressMessage } from '../../src/net/addresses';
import { parseAddressSpec } from '../../src/net/address-spec';
import { routeMessage } from '../../src/net/routes';
import { parseRouteSpec } from '../../src/net/route-spec';
import { fillHostBits, parsePrefix, ipFromBytes } from '../../src/net/ip';

test('attributes are length-type-payload, padded to 4 bytes', () => {
  assert.deepEqual([...nlattr(3, Buffer.from([1, 2, 3, 4, 5]))], [9, 0, 3, 0, 1, 2, 3, 4, 5, 0, 0, 0]);
  assert.deepEqual([...nlString(1, 'gre')], [8, 0, 1, 0, 0x67, 0x72, 0x65, 0]);
  assert.deepEqual([...nlattr(2, Buffer.alloc(0), true)], [4, 0, 2, 0x80]);
  const parsed = parseNlattrs(Buffer.concat([nlString(1, 'dummy'), nlattr(2, Buffer.from([7]), true)]));
  assert.equal(nlStringValue(parsed.get(1)), 'dummy');
  assert.deepEqual([...parsed.get(2)!], [7], 'the nested bit is not part of the type');
  assert.throws(() => parseNlattrs(Buffer.from([40, 0, 1, 0])), /malformed netlink attribute at byte 0: length 40 of 4 left/);
});

test('link info for dummy, ipip and gre tunnels, and a private macvlan', () => {
  assert.deepEqual(linkInfoFor({ kind: 'dummy', name: 'd0' }), nlString(1, 'dummy'));
  const ipip = parseNlattrs(linkInfoFor({ kind: 'ipip', name: 't1', local: '10.0.0.1', remote: '10.0.0.2', ttl: 64 }));
  assert.equal(nlStringValue(ipip.get(1)), 'ipip');
  const data = parseNlattrs(ipip.get(2)!);
  assert.deepEqual([...data.get(2)!], [10, 0, 0, 1], 'IFLA_IPTUN_LOCAL');
  assert.deepEqual([...data.get(3)!], [10, 0, 0, 2], 'IFLA_IPTUN_REMOTE');
  assert.deepEqual([...data.get(4)!], [64], 'IFLA_IPTUN_TTL');
  const gre = parseNlattrs(parseNlattrs(linkInfoFor({ kind: 'gre', name: 'g1', remote: '192.0.2.9' })).get(2)!);
  assert.deepEqual([...gre.get(7)!], [192, 0, 2, 9], 'IFLA_GRE_REMOTE');
  assert.equal(gre.has(6), false);
  assert.throws(() => linkInfoFor({ kind: 'ipip', name: 't1', remote: 'fd00::1' }), /ipip tunnel t1: remote address fd00::1 must be IPv4/);
  assert.throws(() => linkInfoFor({ kind: 'gre', name: 'g1', ttl: 300 }), /gre tunnel g1: ttl 300 is not in 0\.\.255/);
  const macvlan = parseNlattrs(linkInfoFor({ kind: 'macvlan', name: 'vrrp.51', parentIndex: 2, mac: '00:00:5e:00:01:33' }));
  assert.equal(nlStringValue(macvlan.get(1)), 'macvlan');
  assert.deepEqual([...parseNlattrs(macvlan.get(2)!).get(1)!], [1, 0, 0, 0], 'IFLA_MACVLAN_MODE private');
  assert.deepEqual([...macBytes('00:00:5E:00:01:ff')], [0, 0, 0x5e, 0, 1, 0xff]);
  assert.throws(() => macBytes('00:00:5e:00:01'), /"00:00:5e:00:01" is not a MAC address/);
  assert.throws(() => validateLinkName('eth0:1'), /invalid interface name "eth0:1"/);
  assert.throws(() => validateLinkName('abcdefghijklmnop'), /invalid interface name/);
});

function roundTrip(msg: rt.AddressMessage): rt.AddressMessage {
  const out = new AttrStream();
  rt.formatAddressMessage(msg, out);
  return rt.parseAddressMessage(Buffer.concat(out.bufs));
}

test('an IPv4 address request carries local, address, label, broadcast and scope', () => {
  const msg = roundTrip(addressMessage(parseAddressSpec('10.0.0.1/24 dev eth0 label eth0:vip brd + scope link'), 7));
  assert.deepEqual(msg.data, { family: 2, prefixlen: 24, flags: {}, scope: 253, index: 7 });
  assert.deepEqual([...msg.attrs.local!], [10, 0, 0, 1]);
  assert.deepEqual([...msg.attrs.address!], [10, 0, 0, 1]);
  assert.deepEqual([...msg.attrs.broadcast!], [10, 0, 0, 255]);
  assert.equal(msg.attrs.label, 'eth0:vip');
  assert.equal(msg.attrs.flags, undefined);
});

test('an IPv6 address request carries nodad (unless -nodad asks for DAD) and noprefixroute; a peer becomes IFA_ADDRESS', () => {
  const v6 = roundTrip(addressMessage(parseAddressSpec('fd00::5/64 dev eth0 noprefixroute'), 3));
  assert.equal(v6.data.family, 10);
  assert.equal(v6.data.prefixlen, 64);
  assert.deepEqual(v6.attrs.flags, { nodad: true, noprefixroute: true });
  assert.deepEqual(roundTrip(addressMessage(parseAddressSpec('fd00::5/64 dev eth0 -nodad'), 3)).attrs.flags, undefined);
  const p2p = roundTrip(addressMessage(parseAddressSpec('10.0.0.1 peer 10.0.0.2/32 dev tun0'), 4));
  assert.deepEqual([...p2p.attrs.local!], [10, 0, 0, 1]);
  assert.deepEqual([...p2p.attrs.address!], [10, 0, 0, 2]);
  assert.equal(p2p.data.prefixlen, 32);
});

function routeRoundTrip(msg: rt.RouteMessage): rt.RouteMessage {
  const out = new AttrStream();
  rt.formatRouteMessage(msg, out);
  return rt.parseRouteMessage(Buffer.concat(out.bufs));
}

test('route requests: table ids above 255 only in RTA_TABLE, deletes match any scope and protocol', () => {
  const add = routeRoundTrip(routeMessage(parseRouteSpec('192.168.110.0/24 via 10.0.0.1 table 6909 metric 9 src 10.0.0.2'), 5));
  assert.equal(add.data.table, 0);
  assert.equal(add.attrs.table, 6909);
  assert.equal(add.data.dstLen, 24);
  assert.equal(add.data.protocol, 'STATIC');
  assert.equal(add.data.scope, 'UNIVERSE');
  assert.equal(add.data.type, 'UNICAST');
  assert.deepEqual([add.attrs.oif, add.attrs.priority], [5, 9]);
  assert.deepEqual([...add.attrs.gateway!], [10, 0, 0, 1]);
  assert.deepEqual([...add.attrs.prefsrc!], [10, 0, 0, 2]);

  const del = routeRoundTrip(routeMessage(parseRouteSpec('192.168.110.0/24 dev eth0'), 5, 'delete'));
  assert.equal(del.data.table, 254);
  assert.equal(del.data.scope, 'NOWHERE');
  assert.equal(del.data.protocol, 0, 'protocol 0 matches a route added by anyone');

  const dflt = routeRoundTrip(routeMessage(parseRouteSpec('default via 10.0.0.1 onlink'), undefined));
  assert.equal(dflt.attrs.dst, undefined, 'a default route has no RTA_DST');
  assert.equal(dflt.data.flags?.__unknown, 4, 'RTNH_F_ONLINK');
  assert.equal(routeRoundTrip(routeMessage(parseRouteSpec('prohibit 10.9.0.0/16'), undefined)).data.type, 'PROHIBIT');
});

test('prefix arithmetic for brd + and brd -', () => {
  assert.equal(fillHostBits(parsePrefix('192.168.1.77/26'), 1).text, '192.168.1.127');
  assert.equal(fillHostBits(parsePrefix('192.168.1.77/26'), 0).text, '192.168.1.64');
  assert.equal(fillHostBits(parsePrefix('10.0.0.1/32'), 1).text, '10.0.0.1');
  assert.equal(fillHostBits(parsePrefix('fd00::1:2/112'), 1).text, 'fd00::1:ffff');
  assert.throws(() => ipFromBytes(Buffer.alloc(5)), /unexpected address length 5/);
});
