// From keepalived.conf to VRRP runtime plans: tracks, addresses, sync groups,
// the sync daemon, refusals naming file:line, and fingerprints for reloads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config';
import { planVrrp, VrrpConfigError } from '../../src/vrrp/settings';
import { passwordAuthData } from '../../src/vrrp/packet';
import { formatAddressSpec } from '../../src/net/address-spec';
import { formatRouteSpec } from '../../src/net/route-spec';

/** Loads a file; `checked: false` keeps a configuration the validator refused, to test the planner's own checks. */
function load(text: string, checked = true) {
  const file = join(mkdtempSync(join(tmpdir(), 'vrrp-settings-')), 'keepalived.conf');
  writeFileSync(file, text);
  const result = loadConfig(file);
  if (checked) assert.ok(result.ok, JSON.stringify(result.diagnostics));
  return { config: result.config, file };
}

const BASE = `
global_defs {
  lvs_sync_daemon eth1 VI_1 id 7
}
vrrp_script chk {
  script "/bin/true"
  interval 2
  weight -20
  fall 3
}
vrrp_sync_group G {
  group {
    VI_1
    VI_2
  }
  notify "/usr/local/bin/tell"
  sync_group_tracking_weight
}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  priority 120
  advert_int 1
  authentication {
    auth_type PASS
    auth_pass secret
  }
  track_interface {
    eth2 weight 10
  }
  track_script {
    chk
  }
  virtual_ipaddress {
    10.0.0.100/24 dev eth0 label eth0:vip brd 10.0.0.255
  }
  virtual_ipaddress_excluded {
    10.0.1.100/24
  }
  virtual_routes {
    10.9.0.0/16 via 10.0.0.254
  }
}
vrrp_instance VI_2 {
  interface eth1
  virtual_router_id 52
  version 3
  advert_int 0.1
  nopreempt
  dont_track_primary
  virtual_ipaddress {
    fd00::100/64
  }
}
`;

test('an instance plan: tracks with weights, advertised and excluded addresses, routes, group and sync daemon', () => {
  const plan = planVrrp(load(BASE).config);
  const [vi1, vi2] = plan.instances;
  assert.equal(vi1!.config.vrid, 51);
  assert.deepEqual(vi1!.config.auth, { type: 'pass', password: 'secret' });
  assert.deepEqual(vi1!.config.vips, ['10.0.0.100']);
  assert.deepEqual(vi1!.addresses.map((a) => [a.prefix.address.text, a.dev, a.label]),
    [['10.0.0.100', 'eth0', 'eth0:vip'], ['10.0.1.100', 'eth0', undefined]]);
  assert.equal(vi1!.routes[0]!.gateway?.text, '10.0.0.254');
  assert.deepEqual(vi1!.config.tracks, [
    { name: 'interface eth2', weight: 10, reverse: false },
    { name: 'interface eth0', weight: 0, reverse: false },
    { name: 'script chk', weight: -20, reverse: false, initiallyUp: true },
  ]);
  assert.equal(vi1!.syncGroup, 'G');
  assert.equal(vi2!.family, 6);
  assert.equal(vi2!.config.nopreempt, true);
  assert.deepEqual(vi2!.config.tracks, [], 'dont_track_primary');
  assert.deepEqual(plan.groups.map((g) => g.members), [['VI_1', 'VI_2']]);
  assert.deepEqual(plan.syncDaemon, { instance: 'VI_1', daemon: { interface: 'eth1', syncId: 7 } });
  assert.equal(plan.scripts.get('chk')?.fall, 3);
});

test('fingerprints change only with what an instance depends on', () => {
  const before = planVrrp(load(BASE).config);
  const moved = planVrrp(load(`\n\n${BASE}`).config);
  assert.deepEqual(moved.instances.map((i) => i.fingerprint), before.instances.map((i) => i.fingerprint), 'line numbers do not count');
  const changed = planVrrp(load(BASE.replace('priority 120', 'priority 130')).config);
  // VI_1 changed, and VI_2 restarts with it because they share a sync group.
  assert.notEqual(changed.instances[0]!.fingerprint, before.instances[0]!.fingerprint);
  assert.notEqual(changed.instances[1]!.fingerprint, before.instances[1]!.fingerprint);
  const alone = BASE.replace(/vrrp_sync_group G \{[\s\S]*?\n\}\n/, '');
  const a = planVrrp(load(alone).config);
  const b = planVrrp(load(alone.replace('priority 120', 'priority 130')).config);
  assert.equal(a.instances[1]!.fingerprint, b.instances[1]!.fingerprint);
  assert.notEqual(a.instances[0]!.fingerprint, b.instances[0]!.fingerprint);
});

test('refusals name the file and line and every problem; an undefined track_script is ignored', () => {
  const { config, file } = load(`
vrrp_instance A {
  interface eth0
  virtual_router_id 9
  virtual_ipaddress {
    10.0.0.1
  }
  track_script {
    missing
  }
}
vrrp_instance B {
  interface eth0
  virtual_router_id 9
  virtual_ipaddress {
    10.0.0.2
  }
}
vrrp_instance C {
  interface eth0
  virtual_ipaddress {
    10.0.0.3
  }
}
`, false);
  assert.throws(() => planVrrp(config), (e: unknown) => {
    assert.ok(e instanceof VrrpConfigError);
    assert.equal(e.problems.length, 2, e.message);
    assert.ok(e.problems.some((p) => p === `${file}:19: vrrp_instance C: no virtual_router_id`), e.message);
    assert.match(e.message, /virtual_router_id 9 on eth0 is already used by A/);
    assert.doesNotMatch(e.message, /missing/);
    return true;
  });
});

test('the same VRID twice on one interface is refused', () => {
  const { config } = load(`
vrrp_instance A {
  interface eth0
  virtual_router_id 9
  virtual_ipaddress {
    10.0.0.1
  }
}
vrrp_instance B {
  interface eth0
  virtual_router_id 9
  virtual_ipaddress {
    10.0.0.2
  }
}
`, false);
  assert.throws(() => planVrrp(config), /virtual_router_id 9 on eth0 is already used by A/);
});

test('use_vmac: a VMAC named vrrp.VRID (or as given) with the VRRP MAC carries the addresses; adverts leave from it unless vmac_xmit_base or unicast', () => {
  const { config } = load(`
vrrp_instance A {
  interface eth0
  virtual_router_id 51
  use_vmac
  vmac_xmit_base
  virtual_ipaddress {
    10.0.0.100/24
    10.0.1.100/24 dev eth1
  }
  virtual_routes {
    10.9.0.0/16 via 10.0.0.1
    10.8.0.0/16
  }
}
vrrp_instance B {
  interface eth0
  virtual_router_id 200
  use_vmac vip-b
  virtual_ipaddress {
    10.0.0.200
  }
}
vrrp_instance C {
  interface eth0
  virtual_router_id 201
  use_vmac
  unicast_peer {
    10.0.0.7
  }
  virtual_ipaddress {
    10.0.0.201
  }
}
`);
  const [a, b, c] = planVrrp(config).instances;
  assert.deepEqual(a!.vmac, { name: 'vrrp.51', base: 'eth0', mac: '00:00:5e:00:01:33', family: 4, sendsFromVmac: false });
  assert.equal(a!.config.interface, 'eth0');
  assert.equal(a!.config.announceInterface, 'vrrp.51');
  assert.deepEqual(a!.addresses.map((x) => x.dev), ['vrrp.51', 'eth1']);
  assert.deepEqual(a!.routes.map((r) => r.dev), [undefined, 'vrrp.51']);
  assert.deepEqual([...a!.interfaces.values()], ['eth0', 'eth1'], 'the base interface is tracked, the VMAC is lvsd\'s own');
  assert.deepEqual(b!.vmac, { name: 'vip-b', base: 'eth0', mac: '00:00:5e:00:01:c8', family: 4, sendsFromVmac: true });
  assert.equal(c!.vmac?.sendsFromVmac, false, 'unicast adverts leave from the base interface');
  const v6 = planVrrp(load(`
vrrp_instance A {
  interface eth0
  virtual_router_id 5
  use_vmac
  virtual_ipaddress {
    fd00::5
  }
}
`).config).instances[0]!;
  assert.deepEqual(v6.vmac, { name: 'vrrp.5', base: 'eth0', mac: '00:00:5e:00:02:05', family: 6, sendsFromVmac: true }, 'IPv6: the IPv6 VRRP MAC');
  assert.deepEqual(v6.addresses.map((x) => x.dev), ['vrrp.5']);
  const plain = planVrrp(load(`
vrrp_instance A {
  interface eth0
  virtual_router_id 51
  virtual_ipaddress {
    10.0.0.100/24
  }
}
`).config).instances[0]!;
  assert.equal(plain.vmac, undefined);
  assert.equal(plain.config.announceInterface, undefined);
  assert.deepEqual(plain.addresses.map((x) => x.dev), ['eth0']);
});

test('use_vmac is refused on the instance\'s own interface, and twice with one name, naming file:line', () => {
  const refused = (text: string): string => {
    const { config, file } = load(text, false);
    try {
      planVrrp(config);
    } catch (e) {
      assert.ok(e instanceof VrrpConfigError);
      assert.ok(e.message.includes(file), e.message);
      return e.message;
    }
    return assert.fail('accepted');
  };
  assert.match(refused(`
vrrp_instance A {
  interface eth0
  virtual_router_id 5
  use_vmac eth0
  virtual_ipaddress {
    10.0.0.5
  }
}
`), /:2: vrrp_instance A: use_vmac eth0 names the instance's own interface/);
  assert.match(refused(`
vrrp_instance A {
  interface eth0
  virtual_router_id 5
  use_vmac v0
  virtual_ipaddress {
    10.0.0.5
  }
}
vrrp_instance B {
  interface eth1
  virtual_router_id 6
  use_vmac v0
  virtual_ipaddress {
    10.0.1.5
  }
}
`), /vrrp_instance B: use_vmac v0 is already the VMAC of A/);
  assert.match(refused(`
vrrp_instance A {
  interface eth0
  virtual_router_id 5
  use_vmac bad/name
  virtual_ipaddress {
    10.0.0.5
  }
}
`), /invalid interface name "bad\/name"/);
});

test('a configuration without vrrp_instance plans nothing', () => {
  const plan = planVrrp(load('virtual_server 10.0.0.1 80 {\n protocol TCP\n  lb_algo rr\n  lb_kind NAT\n}\n').config);
  assert.deepEqual(plan.instances, []);
  assert.equal(plan.syncDaemon, undefined);
});

test('per-instance timing and advert options reach the engine; global defaults apply where an instance is silent', () => {
  const { config } = load(`
global_defs {
  vrrp_down_timer_adverts 5
  vrrp_garp_lower_prio_repeat 2
  vrrp_higher_prio_send_advert
}
vrrp_instance A {
  interface eth0
  virtual_router_id 1
  unicast_peer {
    10.0.0.9
  }
  check_unicast_src
  down_timer_adverts 4
  garp_lower_prio_delay 7
  garp_lower_prio_repeat 3
  lower_prio_no_advert true
  higher_prio_send_advert off
  virtual_ipaddress {
    10.0.0.100
  }
}
vrrp_instance B {
  interface eth0
  virtual_router_id 2
  virtual_ipaddress {
    10.0.0.101
  }
}
`);
  const plans = planVrrp(config).instances;
  const a = plans.find((p) => p.config.name === 'A')!.config;
  const b = plans.find((p) => p.config.name === 'B')!.config;
  assert.equal(a.checkUnicastSource, true);
  assert.equal(a.downTimerAdverts, 4);
  assert.equal(a.garp?.lowerPrioDelay, 7);
  assert.equal(a.garp?.lowerPrioRepeat, 3);
  assert.equal(a.lowerPrioNoAdvert, true);
  assert.equal(a.higherPrioSendAdvert, false);
  assert.equal(b.checkUnicastSource, false);
  assert.equal(b.downTimerAdverts, 5);
  assert.equal(b.garp?.lowerPrioRepeat, 2);
  assert.equal(b.lowerPrioNoAdvert, undefined);
  assert.equal(b.higherPrioSendAdvert, true);
});

test('down_timer_adverts out of 1..100 is refused with file:line', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'vrrp-settings-')), 'keepalived.conf');
  writeFileSync(file, 'vrrp_instance A {\n  interface eth0\n  virtual_router_id 1\n  down_timer_adverts 0\n  virtual_ipaddress {\n    10.0.0.100\n  }\n}\n');
  const result = loadConfig(file);
  assert.equal(result.ok, false);
  assert.ok(result.diagnostics.some((d) => d.severity === 'error' && d.message.includes('down_timer_adverts') && d.line === 4 && d.file === file),
    JSON.stringify(result.diagnostics));
});

/** The opening of an instance on eth0 with VRID 51 and priority 100, for tests that add to it. */
const VI_1_ON_ETH0 = 'vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  priority 100';

test('a VIP with brd + or brd - gets the broadcast address ip(8) would give it', () => {
  const plan = planVrrp(load(`
${VI_1_ON_ETH0}
  virtual_ipaddress {
    10.0.0.100/24 brd + dev eth0 label eth0:vip
    10.0.1.100/24 brd -
  }
}
`).config);
  assert.deepEqual(plan.instances[0]!.addresses.map((a) => a.broadcast?.text), ['10.0.0.255', '10.0.1.0']);
});

test('as keepalived: MASTER without a priority owns the address; a track of its own interface is ignored; either source keyword sets the source', () => {
  const plan = planVrrp(load(`
vrrp_instance VI_1 {
  state MASTER
  interface eth0
  virtual_router_id 51
  mcast_src_ip 10.0.0.5
  unicast_peer {
    10.0.0.2
  }
  track_interface {
    eth0 weight -50
    eth1 weight -20
  }
  virtual_ipaddress {
    10.0.0.100/24
  }
}
vrrp_instance VI_2 {
  interface eth0
  virtual_router_id 52
  unicast_src_ip 10.0.0.6
  virtual_ipaddress {
    10.0.0.101/24
  }
}
`).config);
  const [vi1, vi2] = plan.instances;
  assert.equal(vi1!.config.priority, 255);
  assert.equal(vi2!.config.priority, 100);
  assert.deepEqual(vi1!.config.tracks?.map((t) => [t.name, t.weight]), [['interface eth1', -20], ['interface eth0', 0]]);
  assert.equal(vi1!.config.unicastSrcIp, '10.0.0.5');
  assert.equal(vi2!.config.unicastSrcIp, '10.0.0.6');
});

test('static_ipaddress and static_routes plan on their dev, else default_interface, else eth0; a bad one is refused with file:line', () => {
  const { config } = load('static_ipaddress {\n  10.9.0.5/24 dev eth1 label eth1:x\n  10.9.1.5/32\n}\nstatic_routes {\n  10.70.0.0/16 via 10.9.0.254\n  10.71.0.0/16\n}\n');
  const p = planVrrp(config);
  assert.deepEqual(p.statics.addresses.map(formatAddressSpec), ['10.9.0.5/24 dev eth1 label eth1:x', '10.9.1.5/32 dev eth0']);
  assert.deepEqual(p.statics.routes.map(formatRouteSpec), ['10.70.0.0/16 via 10.9.0.254', '10.71.0.0/16 dev eth0']);
  const { config: named } = load('global_defs {\n  default_interface bond0\n}\nstatic_ipaddress {\n  10.9.1.5/32\n}\n');
  assert.equal(planVrrp(named).statics.addresses[0]!.dev, 'bond0');
  const { config: bad, file } = load('static_ipaddress {\n  10.9.1.5/32 dev eth0 label other:1\n}\n', false);
  assert.throws(() => planVrrp(bad), (e: Error) => e instanceof VrrpConfigError && e.problems[0]!.startsWith(`${file}:2: static_ipaddress 10.9.1.5:`));
});

test('announcement pacing: vrrp_garp_interval and vrrp_gna_interval, and garp_group intervals for their interfaces', () => {
  const { config } = load('global_defs {\n  vrrp_garp_interval 0.1\n  vrrp_gna_interval 0.002\n}\ngarp_group {\n  garp_interval 0.5\n  interfaces {\n    eth1\n    eth2\n  }\n}\ngarp_group {\n  gna_interval 1\n  interface eth3\n}\n');
  assert.deepEqual(planVrrp(config).pacing, {
    garpMs: 100, gnaMs: 2,
    groups: [{ interfaces: ['eth1', 'eth2'], garpMs: 500, gnaMs: 0 }, { interfaces: ['eth3'], garpMs: 0, gnaMs: 1000 }],
  });
});

test('track_script takes weight N [reverse|noreverse] as keepalived does; any other option ignores the track', () => {
  const { config, file } = load(`
vrrp_script up {
  script "/bin/true"
  weight 10 reverse
}
vrrp_script down {
  script "/bin/true"
  weight -10
}
${VI_1_ON_ETH0}
  track_script {
    up weight 20 noreverse
    down reverse
  }
  virtual_ipaddress {
    10.0.0.100/24
  }
}
`);
  const plan = planVrrp(config);
  assert.deepEqual(plan.instances[0]!.config.tracks?.filter((t) => t.name.startsWith('script')).map((t) => [t.name, t.weight, t.reverse]), [['script up', 20, false]]);
  assert.match(loadConfig(file).diagnostics.map((d) => d.message).join('\n'), /down: unknown option "reverse".*this track_script is ignored/);
});

test('in a sync group without sync_group_tracking_weight, tracked failures are FAULTs and weighted scripts are not tracked, as keepalived has it', () => {
  const plan = planVrrp(load(BASE.replace('  sync_group_tracking_weight\n', '')).config);
  assert.deepEqual(plan.instances[0]!.config.tracks, [
    { name: 'interface eth2', weight: 0, reverse: false },
    { name: 'interface eth0', weight: 0, reverse: false },
  ]);
});

test('the other interfaces of an instance\'s addresses and routes are tracked (a failure is a FAULT) unless no_track, as keepalived does', () => {
  const plan = planVrrp(load(`
${VI_1_ON_ETH0}
  virtual_ipaddress {
    10.0.0.100/24
    10.0.2.100/24 dev eth2
    10.0.4.100/24 dev eth4 no_track
  }
  virtual_routes {
    10.9.0.0/16 dev eth3
  }
}
`).config);
  assert.deepEqual(plan.instances[0]!.config.tracks?.map((t) => [t.name, t.weight]), [['interface eth0', 0], ['interface eth2', 0], ['interface eth3', 0]]);
});

test('lower-priority gratuitous ARP settings default to the global ones, which follow the global master ones, as in keepalived', () => {
  const plan = planVrrp(load(`
global_defs {
  vrrp_garp_master_delay 3
  vrrp_garp_master_repeat 2
}
${VI_1_ON_ETH0}
  garp_master_delay 1
  garp_master_repeat 1
  virtual_ipaddress {
    10.0.0.100/24
  }
}
`).config);
  const garp = plan.instances[0]!.config.garp;
  assert.deepEqual([garp?.masterDelay, garp?.masterRepeat, garp?.lowerPrioDelay, garp?.lowerPrioRepeat], [1, 1, 3, 2]);
});

/** Loads a file that must load with warnings only; returns the plan and the warnings' texts with their lines. */
function settled(text: string) {
  const file = join(mkdtempSync(join(tmpdir(), 'vrrp-settings-')), 'keepalived.conf');
  writeFileSync(file, text);
  const result = loadConfig(file);
  assert.ok(result.ok, JSON.stringify(result.diagnostics));
  return { plan: planVrrp(result.config), warnings: result.diagnostics.map((d) => `${d.line}: ${d.message}`) };
}

test('what keepalived fixes up with a warning is fixed up the same way, not refused', () => {
  const { plan, warnings } = settled(`
global_defs {
  vrrp_version 2
  vrrp_garp_master_refresh_repeat 0
}
vrrp_instance V6 {
  interface eth0
  virtual_router_id 1
  advert_int 0.123
  authentication {
    auth_type PASS
    auth_pass secret
  }
  virtual_ipaddress {
    fe80::1
    10.0.0.1
    2001:db8::1
  }
}
${VI_1_ON_ETH0}
  advert_int 2.5
  garp_master_repeat 0
  authentication {
    auth_type PASS
  }
  track_interface {
    eth1 weight -254
  }
  virtual_ipaddress {
    10.0.0.100
  }
}
`);
  const [v6, v4] = plan.instances;
  // IPv6 without a version of its own is VRRPv3 despite the global vrrp_version 2; its IPv4 address is dropped.
  assert.deepEqual([v6!.config.version, v6!.config.vips, v6!.config.auth, v6!.config.advertInterval], [3, ['fe80::1', '2001:db8::1'], undefined, 0.12]);
  assert.deepEqual([v4!.config.version, v4!.config.advertInterval, v4!.config.auth, v4!.config.garp?.masterRepeat, v4!.config.garp?.masterRefreshRepeat],
    [2, 3, undefined, 1, 1]);
  assert.equal(v4!.config.tracks?.find((t) => t.name.includes('eth1'))?.weight, -253);
  for (const expected of [
    /^4: vrrp_garp_master_refresh_repeat 0 sends nothing; 1 is used/,
    /^16: V6: 10\.0\.0\.1 is not IPv6 like the first virtual address; ignored/,
    /^6: V6: VRRP version 3 has no authentication/,
    /^6: V6: advert_int 0\.123 .*; 0\.12 is used/,
    /^25: garp_master_repeat 0 sends nothing; 1 is used/,
    /^20: VI_1: authentication without auth_pass is ignored/,
    /^20: VI_1: advert_int 2\.5 is not in whole seconds for VRRP version 2; 3 is used/,
    /^30: eth1 weight -254 is outside -253\.\.253; -253 is used/,
  ]) {
    assert.ok(warnings.some((w) => expected.test(w)), `${expected} in ${JSON.stringify(warnings, null, 1)}`);
  }
});

test('a vrrp_script interval or timeout of 0 is 1 second, as keepalived takes it', () => {
  const { plan, warnings } = settled(`
vrrp_script chk {
  script "/bin/true"
  interval 0
  timeout 0
}
${VI_1_ON_ETH0}
  track_script {
    chk
  }
  virtual_ipaddress {
    10.0.0.100
  }
}
`);
  const script = plan.scripts.get('chk');
  assert.deepEqual([script?.intervalMs, script?.timeoutMs], [1000, 1000]);
  assert.ok(warnings.includes('4: interval 0 is taken as 1 second, as keepalived takes it'), JSON.stringify(warnings));
  assert.ok(warnings.includes('5: timeout 0 is taken as 1 second, as keepalived takes it'), JSON.stringify(warnings));
});

test('an instance without virtual_ipaddress runs on VRRPv2 with a warning and is refused on VRRPv3, as in keepalived', () => {
  const { plan, warnings } = settled(`
${VI_1_ON_ETH0}
  notify_master "/usr/local/bin/became-master"
}
`);
  assert.deepEqual(plan.instances[0]!.config.vips, []);
  assert.ok(warnings.some((w) => /^2: VI_1: no virtual_ipaddress: the instance elects a master/.test(w)), JSON.stringify(warnings));
  const file = join(mkdtempSync(join(tmpdir(), 'vrrp-settings-')), 'keepalived.conf');
  writeFileSync(file, `${VI_1_ON_ETH0}\n  version 3\n}\n`);
  const v3 = loadConfig(file);
  assert.equal(v3.ok, false);
  assert.ok(v3.diagnostics.some((d) => d.severity === 'error' && d.line === 1 && /VRRP version 3 needs at least one/.test(d.message)), JSON.stringify(v3.diagnostics));
});

test('as keepalived reads them: several instances on one line of a sync group; one unicast peer a line, other words warned about', () => {
  const { config } = load(`
vrrp_sync_group G {
  group {
    VI_1 VI_2
  }
}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  unicast_peer {
    10.0.0.2 10.0.0.3
    10.0.0.4 min_ttl 250 max_ttl 255
  }
  virtual_ipaddress {
    10.0.0.100/24
  }
}
vrrp_instance VI_2 {
  interface eth0
  virtual_router_id 52
  virtual_ipaddress {
    10.0.0.101/24
  }
}
`);
  assert.deepEqual(config.vrrpSyncGroups[0]!.group, ['VI_1', 'VI_2']);
  assert.deepEqual(config.vrrpInstances[0]!.unicastPeers, ['10.0.0.2', '10.0.0.4']);
  const plan = planVrrp(config);
  assert.deepEqual(plan.groups[0]!.members, ['VI_1', 'VI_2']);
});

test('auth_pass longer than 8 bytes: the first 8 bytes are sent and compared, as keepalived does, even inside a character', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'vrrp-settings-')), 'keepalived.conf');
  writeFileSync(file, `
vrrp_instance A {
  interface eth0
  virtual_router_id 5
  authentication {
    auth_type PASS
    auth_pass päääääää
  }
  virtual_ipaddress {
    10.0.0.5
  }
}
`);
  const result = loadConfig(file);
  assert.ok(result.ok);
  const warning = result.diagnostics.find((d) => d.message.includes('auth_pass'));
  assert.match(warning?.message ?? '', /auth_pass is longer than 8 bytes; only its first 8 bytes are used \(hex 70c3a4c3a4c3a4c3\)/);
  const plan = planVrrp(result.config);
  assert.deepEqual(passwordAuthData(plan.instances[0]!.config.auth!.password), Buffer.from('70c3a4c3a4c3a4c3', 'hex'));
});

test('promote_secondaries: set on the interface that holds the addresses (the VMAC with use_vmac), and not warned about', () => {
  const text = `
vrrp_instance A {
  interface eth0
  virtual_router_id 51
  promote_secondaries
  virtual_ipaddress {
    10.0.0.100/24
  }
}
vrrp_instance B {
  interface eth0
  virtual_router_id 52
  use_vmac
  promote_secondaries
  virtual_ipaddress {
    10.0.0.101/24
  }
}
vrrp_instance C {
  interface eth0
  virtual_router_id 53
  virtual_ipaddress {
    10.0.0.102/24
  }
}
`;
  const { config, file } = load(text);
  assert.deepEqual(loadConfig(file).diagnostics, []);
  const plans = new Map(planVrrp(config).instances.map((i) => [i.config.name, i.promoteSecondaries]));
  assert.deepEqual([...plans], [['A', 'eth0'], ['B', 'vrrp.52'], ['C', undefined]]);
});
