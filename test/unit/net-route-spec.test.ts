// keepalived virtual_routes lines, parsed and printed back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRouteSpec, formatRouteSpec, effectiveScope, parseTable, tableName } from '../../src/net/route-spec';

test('a full route: src, to, via, dev, table, metric, scope', () => {
  const r = parseRouteSpec('src 192.168.100.1 to 192.168.109.0/24 via 192.168.200.254 dev eth1 table 100 metric 5 scope link');
  assert.equal(r.type, 'unicast');
  assert.equal(r.src?.text, '192.168.100.1');
  assert.deepEqual([r.dst.address.text, r.dst.prefixLength], ['192.168.109.0', 24]);
  assert.equal(r.gateway?.text, '192.168.200.254');
  assert.deepEqual([r.dev, r.table, r.metric, r.scope], ['eth1', 100, 5, 253]);
  assert.equal(formatRouteSpec(r), '192.168.109.0/24 via 192.168.200.254 dev eth1 src 192.168.100.1 metric 5 table 100 scope link');
});

test('short forms: bare destination, gw and preference aliases, default, route types', () => {
  const a = parseRouteSpec('192.168.110.0/24 table 6909');
  assert.deepEqual([a.dst.address.text, a.table, a.gateway], ['192.168.110.0', 6909, undefined]);
  const b = parseRouteSpec('10.0.0.0/8 gw 192.168.1.1 preference 7 protocol keepalived');
  assert.deepEqual([b.gateway?.text, b.metric, b.protocol], ['192.168.1.1', 7, 18]);
  const d = parseRouteSpec('default via fe80::1 dev eth0');
  assert.deepEqual([d.dst.address.text, d.dst.prefixLength], ['::', 0]);
  assert.equal(formatRouteSpec(d), 'default via fe80::1 dev eth0');
  assert.equal(parseRouteSpec('to default via 10.0.0.1').dst.address.text, '0.0.0.0');
  const hole = parseRouteSpec('blackhole 10.20.0.0/16');
  assert.equal(hole.type, 'blackhole');
  assert.equal(formatRouteSpec(hole), 'blackhole 10.20.0.0/16');
  assert.equal(parseRouteSpec('10.1.1.1 dev eth0').dst.prefixLength, 32);
  assert.equal(parseRouteSpec('10.1.0.0/16 via 10.0.0.1 dev eth0 onlink no_track').onlink, true);
});

test('the scope ip route would choose when none is given', () => {
  assert.equal(effectiveScope(parseRouteSpec('10.1.0.0/16 dev eth0')), 253);
  assert.equal(effectiveScope(parseRouteSpec('10.1.0.0/16 via 10.0.0.1')), 0);
  assert.equal(effectiveScope(parseRouteSpec('local 10.1.1.1 dev lo')), 254);
  assert.equal(effectiveScope(parseRouteSpec('unreachable 10.1.0.0/16')), 0);
  assert.equal(effectiveScope(parseRouteSpec('10.1.0.0/16 dev eth0 scope host')), 254);
});

test('tables by name and number', () => {
  assert.deepEqual(['main', 'local', 'default', '100', '4294967295'].map(parseTable), [254, 255, 253, 100, 4294967295]);
  assert.deepEqual([254, 255, 253, 100].map(tableName), ['main', 'local', 'default', '100']);
  assert.throws(() => parseTable('0'), /invalid table "0"/);
  assert.throws(() => parseTable('office'), /invalid table "office"/);
});

test('bad routes are refused with the reason and the line', () => {
  const cases: [string, RegExp][] = [
    ['', /empty route specification/],
    ['via 10.0.0.1', /no destination in route "via 10\.0\.0\.1"/],
    ['10.0.0.0/8 via', /via needs a value/],
    ['10.0.0.0/8 via 10.0.0.1 gw 10.0.0.2', /gw given twice/],
    ['10.0.0.0/8 10.1.0.0/16', /unknown keyword "10\.1\.0\.0\/16"/],
    ['10.0.0.0/8 via fd00::1', /gateway fd00::1 is not of the destination's family/],
    ['blackhole 10.0.0.0/8 via 10.0.0.1', /a blackhole route takes no gateway/],
    ['10.0.0.0/8 metric -1', /invalid metric "-1"/],
    ['10.0.0.0/8 table 99999999999', /invalid table/],
    ['10.0.0.0/33', /invalid prefix length/],
    ['10.0.0.0/8 dev bad/name', /invalid interface name/],
  ];
  for (const [line, why] of cases) assert.throws(() => parseRouteSpec(line), why, line);
});
