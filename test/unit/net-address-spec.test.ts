// keepalived virtual_ipaddress lines, parsed and printed back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAddressSpec, formatAddressSpec } from '../../src/net/address-spec';
import { parseScope, scopeName } from '../../src/net/scope';

test('the full keepalived form: prefix, dev, label, brd +, scope', () => {
  const spec = parseAddressSpec('10.0.0.1/24 dev eth0 label eth0:vip brd + scope global');
  assert.equal(spec.prefix.address.text, '10.0.0.1');
  assert.equal(spec.prefix.prefixLength, 24);
  assert.equal(spec.dev, 'eth0');
  assert.equal(spec.label, 'eth0:vip');
  assert.equal(spec.broadcast?.text, '10.0.0.255');
  assert.equal(spec.scope, 0);
  assert.equal(formatAddressSpec(spec), '10.0.0.1/24 brd 10.0.0.255 dev eth0 scope global label eth0:vip');
});

test('defaults: a bare address is a host prefix with no dev, scope or broadcast', () => {
  const v4 = parseAddressSpec('192.168.200.16');
  assert.equal(v4.prefix.prefixLength, 32);
  assert.equal(v4.dev, undefined);
  assert.equal(v4.scope, undefined);
  assert.equal(v4.broadcast, undefined);
  const v6 = parseAddressSpec('  2001:DB8::10   dev eth1 ');
  assert.equal(v6.prefix.address.text, '2001:db8::10');
  assert.equal(v6.prefix.prefixLength, 128);
  assert.equal(v6.dev, 'eth1');
});

test('brd - is the network address, broadcast is an alias of brd, and flags are read', () => {
  assert.equal(parseAddressSpec('10.1.2.3/16 brd -').broadcast?.text, '10.1.0.0');
  assert.equal(parseAddressSpec('10.1.2.3/30 broadcast +').broadcast?.text, '10.1.2.3');
  assert.equal(parseAddressSpec('10.1.2.3/8 brd 10.9.9.9').broadcast?.text, '10.9.9.9');
  const spec = parseAddressSpec('fd00::1/64 dev eth0 noprefixroute no_track scope link');
  assert.deepEqual([spec.noDad, spec.noPrefixRoute, spec.noTrack, spec.scope], [true, true, true, 253]);
  // As keepalived: IPv6 addresses go in without DAD unless -nodad asks for it; IPv4 has none.
  const dad = parseAddressSpec('fd00::1/64 dev eth0 -nodad');
  assert.equal(dad.noDad, false);
  assert.equal(formatAddressSpec(dad), 'fd00::1/64 dev eth0 -nodad');
  assert.equal(formatAddressSpec(spec), 'fd00::1/64 dev eth0 scope link noprefixroute no_track');
  assert.equal(parseAddressSpec('10.0.0.1/24 dev eth0').noDad, undefined);
  assert.equal(parseAddressSpec('10.0.0.1 peer 10.0.0.2/32 dev tun0').peer?.address.text, '10.0.0.2');
});

test('scopes by name and by number', () => {
  assert.deepEqual(['host', 'link', 'global', 'universe', 'site', 'nowhere', '7', 'HOST'].map(parseScope), [254, 253, 0, 0, 200, 255, 7, 254]);
  assert.deepEqual([254, 253, 0, 200, 255, 7].map(scopeName), ['host', 'link', 'global', 'site', 'nowhere', '7']);
  assert.throws(() => parseScope('256'), /invalid scope "256"/);
  assert.throws(() => parseScope('planet'), /invalid scope "planet"/);
});

test('bad specs are refused with the reason and the line', () => {
  const cases: [string, RegExp][] = [
    ['', /empty address specification/],
    ['10.0.0.256/24', /invalid address "10\.0\.0\.256"/],
    ['10.0.0.1/33', /invalid prefix length in address "10\.0\.0\.1\/33": expected 0\.\.32/],
    ['fd00::1/129', /expected 0\.\.128/],
    ['10.0.0.1/24 dev', /dev needs a value in address "10\.0\.0\.1\/24 dev"/],
    ['10.0.0.1/24 dev eth0 colour blue', /unknown keyword "colour" in address/],
    ['10.0.0.1/24 dev eth0 label eth1:x', /label eth1:x on 10\.0\.0\.1\/24 must start with the interface name eth0/],
    ['10.0.0.1/24 dev eth0 label eth0:muchtoolongname', /longer than 15 characters/],
    ['fd00::1 dev eth0 label eth0:x', /labels only apply to IPv4/],
    ['fd00::1 brd +', /brd only applies to IPv4/],
    ['10.0.0.1 dev eth0 dev eth1', /dev given twice/],
    ['10.0.0.1 dev this-name-is-too-long', /invalid interface name/],
    ['10.0.0.1 peer fd00::2', /not of the same family/],
    ['010.0.0.1', /invalid address/],
  ];
  for (const [line, why] of cases) assert.throws(() => parseAddressSpec(line), why, line);
});
