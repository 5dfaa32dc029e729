// What real server preparation sets for each mode, and how changes read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sysctlTargets, vipDevice, describeChange, prepareRealServer } from '../../src/director/realserver';
import { parseIp } from '../../src/net/ip';

test('the VIP lives on lo for DR and on the fallback tunnel of its family for TUN', () => {
  assert.equal(vipDevice('dr', parseIp('10.0.0.1')), 'lo');
  assert.equal(vipDevice('tun', parseIp('10.0.0.1')), 'tunl0');
  assert.equal(vipDevice('tun', parseIp('fd00::1')), 'ip6tnl0');
});

test('DR sets the ARP sysctls on all and lo; TUN also relaxes rp_filter on all and tunl0', () => {
  const dr = sysctlTargets('dr', parseIp('10.0.0.1'));
  assert.deepEqual(dr.map((t) => [t.name, t.want('0')]), [
    ['net.ipv4.conf.all.arp_ignore', '1'],
    ['net.ipv4.conf.all.arp_announce', '2'],
    ['net.ipv4.conf.lo.arp_ignore', '1'],
    ['net.ipv4.conf.lo.arp_announce', '2'],
  ]);
  assert.deepEqual(dr.map((t) => t.want(t.name.endsWith('arp_ignore') ? '1' : '2')), [undefined, undefined, undefined, undefined]);
  const rp = sysctlTargets('tun', parseIp('10.0.0.1')).filter((t) => t.name.endsWith('rp_filter'));
  assert.deepEqual(rp.map((t) => t.name), ['net.ipv4.conf.all.rp_filter', 'net.ipv4.conf.tunl0.rp_filter']);
  assert.deepEqual(['0', '1', '2'].map((v) => rp[0]!.want(v)), [undefined, '0', undefined], 'only strict filtering is changed');
  assert.deepEqual(sysctlTargets('dr', parseIp('fd00::1')), [], 'ARP settings do not concern IPv6');
});

test('changes read like the commands an operator would type', () => {
  assert.equal(describeChange({ kind: 'address', action: 'add', address: '10.0.0.1/32', dev: 'lo' }), 'add address 10.0.0.1/32 dev lo');
  assert.equal(describeChange({ kind: 'sysctl', name: 'net.ipv4.conf.all.arp_ignore', from: '0', to: '1' }),
    'set net.ipv4.conf.all.arp_ignore 0 -> 1');
  assert.equal(describeChange({ kind: 'link', action: 'up', dev: 'tunl0' }), 'set link tunl0 up');
});

test('bad input is refused before anything is touched', async () => {
  await assert.rejects(prepareRealServer({ vip: 'not-an-ip', mode: 'dr' }), /invalid VIP "not-an-ip"/);
  await assert.rejects(prepareRealServer({ vip: '10.0.0.1', mode: 'masq' as 'dr' }), /invalid real server mode "masq": expected dr or tun/);
});
