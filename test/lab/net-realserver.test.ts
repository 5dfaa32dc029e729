// Real server preparation for DR and TUN against the real kernel: done once,
// a second run changes nothing, and down restores what was there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireLab, sh } from '../helpers/lab';
import { prepareRealServer, describeChange } from '../../src/director/realserver';

// Namespaces made with sh() only: the shared helper's run() writes to the
// stdin of children that may already have exited, which can raise EPIPE.
interface Ns { name: string; sh(script: string): Promise<string>; destroy(): Promise<void> }
async function createNetns(name: string): Promise<Ns> {
  await sh(`ip netns del ${name} 2>/dev/null || true; ip netns add ${name}; ip -n ${name} link set lo up`);
  return { name, sh: (script) => sh(script, name), destroy: async () => { await sh(`ip netns del ${name}`); } };
}

async function sysctls(ns: Ns, names: string[]): Promise<Record<string, string>> {
  const out = await ns.sh(names.map((n) => `printf '%s=%s\\n' ${n} "$(cat /proc/sys/net/ipv4/conf/${n.replace('.', '/')})"`).join('\n'));
  return Object.fromEntries(out.trim().split('\n').map((l) => l.split('=') as [string, string]));
}

test('DR: VIP on lo and ARP sysctls, idempotent, and down restores the saved values', async () => {
  requireLab();
  const ns = await createNetns('net-realserver-dr');
  const stateDir = mkdtempSync(join(tmpdir(), 'net-realserver-'));
  const opts = { vip: '10.0.0.100', mode: 'dr' as const, netns: ns.name, stateDir };
  const names = ['all.arp_ignore', 'all.arp_announce', 'lo.arp_ignore', 'lo.arp_announce'];
  try {
    // A value an operator set before must come back after down.
    await ns.sh('echo 1 > /proc/sys/net/ipv4/conf/lo/arp_announce');
    const before = await sysctls(ns, names);
    assert.deepEqual(before, { 'all.arp_ignore': '0', 'all.arp_announce': '0', 'lo.arp_ignore': '0', 'lo.arp_announce': '1' });

    const first = await prepareRealServer(opts);
    assert.deepEqual(first.map(describeChange), [
      'set net.ipv4.conf.all.arp_ignore 0 -> 1',
      'set net.ipv4.conf.all.arp_announce 0 -> 2',
      'set net.ipv4.conf.lo.arp_ignore 0 -> 1',
      'set net.ipv4.conf.lo.arp_announce 1 -> 2',
      'add address 10.0.0.100/32 dev lo',
    ]);
    assert.deepEqual(await prepareRealServer(opts), [], 'the second run changes nothing');
    assert.match(await ns.sh('ip addr show dev lo'), /inet 10\.0\.0\.100\/32 scope global lo/);
    assert.deepEqual(await sysctls(ns, names), { 'all.arp_ignore': '1', 'all.arp_announce': '2', 'lo.arp_ignore': '1', 'lo.arp_announce': '2' });

    const down = await prepareRealServer({ ...opts, down: true });
    assert.equal(down.map(describeChange)[0], 'delete address 10.0.0.100/32 dev lo');
    assert.equal(down.length, 5);
    assert.deepEqual(await sysctls(ns, names), before);
    assert.doesNotMatch(await ns.sh('ip addr show dev lo'), /10\.0\.0\.100/);
    assert.deepEqual(await prepareRealServer({ ...opts, down: true }), [], 'a second down changes nothing');
    assert.equal(existsSync(join(stateDir, `realserver-${ns.name}.json`)), false, 'no state left behind');
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
    await ns.destroy();
  }
});

test('TUN: VIP on tunl0 brought up, ARP and rp_filter relaxed; sysctls wait for the last VIP', async () => {
  requireLab();
  const ns = await createNetns('net-realserver-tun');
  const stateDir = mkdtempSync(join(tmpdir(), 'net-realserver-'));
  const base = { mode: 'tun' as const, netns: ns.name, stateDir };
  const names = ['all.arp_ignore', 'all.arp_announce', 'all.rp_filter', 'tunl0.arp_ignore', 'tunl0.arp_announce', 'tunl0.rp_filter'];
  try {
    await ns.sh('echo 1 > /proc/sys/net/ipv4/conf/all/rp_filter; echo 1 > /proc/sys/net/ipv4/conf/tunl0/rp_filter');
    const before = await sysctls(ns, names);

    const first = await prepareRealServer({ ...base, vip: '172.16.0.1' });
    assert.deepEqual(first.map(describeChange), [
      'set net.ipv4.conf.all.arp_ignore 0 -> 1',
      'set net.ipv4.conf.all.arp_announce 0 -> 2',
      'set net.ipv4.conf.tunl0.arp_ignore 0 -> 1',
      'set net.ipv4.conf.tunl0.arp_announce 0 -> 2',
      'set net.ipv4.conf.all.rp_filter 1 -> 0',
      'set net.ipv4.conf.tunl0.rp_filter 1 -> 0',
      'set link tunl0 up',
      'add address 172.16.0.1/32 dev tunl0',
    ]);
    assert.deepEqual(await prepareRealServer({ ...base, vip: '172.16.0.1' }), [], 'the second run changes nothing');
    assert.deepEqual((await prepareRealServer({ ...base, vip: '172.16.0.2' })).map(describeChange),
      ['add address 172.16.0.2/32 dev tunl0'], 'a second VIP only adds its address');

    const link = await ns.sh('ip addr show dev tunl0');
    assert.match(link, /<NOARP,UP,LOWER_UP>/);
    assert.match(link, /inet 172\.16\.0\.1\/32 scope global tunl0/);
    assert.match(link, /inet 172\.16\.0\.2\/32 scope global tunl0/);
    assert.deepEqual(await sysctls(ns, names), {
      'all.arp_ignore': '1', 'all.arp_announce': '2', 'all.rp_filter': '0',
      'tunl0.arp_ignore': '1', 'tunl0.arp_announce': '2', 'tunl0.rp_filter': '0',
    });

    assert.deepEqual((await prepareRealServer({ ...base, vip: '172.16.0.1', down: true })).map(describeChange),
      ['delete address 172.16.0.1/32 dev tunl0'], 'another VIP still needs the sysctls');
    const last = (await prepareRealServer({ ...base, vip: '172.16.0.2', down: true })).map(describeChange);
    assert.equal(last[0], 'delete address 172.16.0.2/32 dev tunl0');
    assert.equal(last.at(-1), 'set link tunl0 down');
    assert.deepEqual(await sysctls(ns, names), before);
    assert.doesNotMatch(await ns.sh('ip link show dev tunl0'), /[<,]UP[,>]/);
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
    await ns.destroy();
  }
});

test('down without saved state restores kernel defaults; bad input changes nothing', async () => {
  requireLab();
  const ns = await createNetns('net-realserver-def');
  const stateDir = mkdtempSync(join(tmpdir(), 'net-realserver-'));
  try {
    // Prepared by hand, the way the classic scripts do it.
    await ns.sh(`ip addr add 10.9.9.9/32 dev lo
for k in all lo; do echo 1 > /proc/sys/net/ipv4/conf/$k/arp_ignore; echo 2 > /proc/sys/net/ipv4/conf/$k/arp_announce; done`);
    const down = await prepareRealServer({ vip: '10.9.9.9', mode: 'dr', down: true, netns: ns.name, stateDir });
    assert.equal(down.length, 5);
    assert.deepEqual(await sysctls(ns, ['all.arp_ignore', 'all.arp_announce', 'lo.arp_ignore', 'lo.arp_announce']),
      { 'all.arp_ignore': '0', 'all.arp_announce': '0', 'lo.arp_ignore': '0', 'lo.arp_announce': '0' });

    await assert.rejects(prepareRealServer({ vip: '10.0.0.300', mode: 'dr', netns: ns.name, stateDir }), /invalid VIP "10\.0\.0\.300"/);
    await assert.rejects(prepareRealServer({ vip: '10.0.0.1', mode: 'nat' as 'dr', netns: ns.name, stateDir }), /invalid real server mode "nat"/);
    // The lab loads ipip (tunl0) but not ip6_tunnel, so an IPv6 TUN VIP has no device.
    assert.doesNotMatch(await ns.sh('ip link show'), /ip6tnl0/);
    await assert.rejects(prepareRealServer({ vip: 'fd00::80', mode: 'tun', netns: ns.name, stateDir }),
      /needs interface ip6tnl0 in netns net-realserver-def: load the ip6_tunnel kernel module \(modprobe ip6_tunnel\)/);
    assert.equal((await ns.sh('cat /proc/sys/net/ipv4/conf/all/arp_ignore')).trim(), '0', 'failed runs changed nothing');
    assert.equal(existsSync(join(stateDir, `realserver-${ns.name}.json`)), false, 'and saved nothing');
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
    await ns.destroy();
  }
});

