import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { HttpCheck, loadConfig, MiscCheck } from '../../src/config';
import { loadConfigText } from '../helpers/config-text';

const FULL = path.resolve(__dirname, '../../../test/fixtures/config/full.conf');
const { config, diagnostics, ok } = loadConfig(FULL);

test('full.conf is valid; its warnings are vrrp_strict, which lvsd does not provide, and the TUN port mismatch', () => {
  assert.equal(ok, true);
  assert.deepEqual(diagnostics.map((d) => [d.severity, d.line, d.keyword]), [['warning', 14, 'global_defs'], ['warning', 82, 'real_server']]);
});

test('global_defs', () => {
  const g = config.global;
  assert.equal(g.routerId, 'lvs-a');
  assert.deepEqual(g.smtpServer, { host: '192.0.2.25', port: 587 });
  assert.equal(g.enableScriptSecurity, true);
  assert.deepEqual(g.scriptUser, { user: 'keepalived_script', group: 'nogroup' });
  assert.deepEqual(g.lvsTimeouts, { tcpSec: 900, tcpFinSec: 30, udpSec: 60 });
  assert.deepEqual(g.lvsSyncDaemon, { interface: 'eth1', vrrpInstance: 'VI_LVS', syncId: 7, maxLen: 1400, port: 8848, ttl: 2, group: '224.0.0.81' });
  assert.equal(g.vrrp.garpMasterDelaySec, 2);
  assert.equal(g.vrrp.version, 3);
  assert.equal(g.vrrp.strict, true);
});

test('vrrp_script and vrrp_instance', () => {
  const [s] = config.vrrpScripts;
  assert.deepEqual([s.intervalMs, s.timeoutMs, s.weight, s.rise, s.fall], [1500, 3000, -20, 2, 3]);
  assert.deepEqual(s.script, { command: '/usr/bin/test -e /run/lvs.ok', argv: ['/usr/bin/test', '-e', '/run/lvs.ok'], user: 'nobody' });
  const [v] = config.vrrpInstances;
  assert.deepEqual([v.state, v.virtualRouterId, v.priority, v.advertIntMs, v.preempt, v.preemptDelayMs], ['BACKUP', 42, 150, 500, false, 30_000]);
  assert.equal(v.unicastSrcIp, '192.0.2.1');
  assert.deepEqual(v.unicastPeers, ['192.0.2.2']);
  assert.deepEqual(v.trackInterfaces.map((t) => [t.name, t.weight]), [['eth1', -10]]);
  assert.deepEqual(v.trackScripts.map((t) => [t.name, t.weight, t.reverse]), [['chk_lvs', 5, true]]);
  const vip = v.virtualIpAddresses[0];
  assert.deepEqual([vip.address, vip.prefixLength, vip.broadcast, vip.dev, vip.scope, vip.label], ['192.0.2.100', 24, '192.0.2.255', 'eth0', 'global', 'eth0:1']);
  assert.deepEqual([v.virtualIpAddressesExcluded[0].family, v.virtualIpAddressesExcluded[0].address], [10, '2001:db8::100']);
  assert.deepEqual(v.virtualRoutes.map((r) => [r.type, r.destination, r.src, r.via, r.dev]), [
    [undefined, '198.51.100.0/24', '192.0.2.100', '192.0.2.254', 'eth0'],
    ['blackhole', '203.0.113.0/24', undefined, undefined, undefined],
  ]);
  assert.equal(v.notify.any?.command, '/usr/local/bin/vrrp-notify');
  assert.equal(v.smtpAlert, true);
  assert.deepEqual(config.vrrpSyncGroups[0].group, ['VI_LVS']);
  assert.deepEqual(config.vrrpSyncGroups[0].notify.master?.argv, ['/usr/local/bin/sync', 'master']);
});

test('virtual_server_group ranges, CIDR blocks and fwmarks', () => {
  const entries = config.virtualServerGroups[0].entries.map((e) =>
    e.kind === 'range' ? [e.family, e.first, e.last, e.port] : ['fwmark', e.fwmark, e.family]);
  assert.deepEqual(entries, [
    [2, '192.0.2.100', '192.0.2.100', 80],
    [2, '192.0.2.110', '192.0.2.119', 80],
    [2, '192.0.2.128', '192.0.2.131', 8080],
    [10, '2001:db8::10', '2001:db8::1f', 80],
    ['fwmark', 5, 10],
  ]);
});

test('group service with GUE tunnel and inherited checker timing', () => {
  const vs = config.virtualServers[0];
  assert.deepEqual(vs.key, { kind: 'group', group: 'WEB' });
  assert.equal(vs.scheduler, 'mh');
  assert.deepEqual(vs.schedulerFlags, ['mh-port']);
  assert.deepEqual(vs.method, { kind: 'TUN', tunnel: { type: 'gue', port: 6080, checksum: 'csum' } });
  const check = vs.realServers[0].checkers[0] as HttpCheck;
  assert.equal(check.type, 'HTTP_GET');
  assert.deepEqual([check.delayLoopMs, check.retry, check.fall, check.connectTimeoutMs, check.delayBeforeRetryMs], [10_000, 2, 1, 2000, 3000]);
  assert.deepEqual(check.urls[0].statusCodes, [{ from: 200, to: 299 }, { from: 301, to: 301 }, { from: 404, to: 404 }]);
  assert.equal(check.urls[0].digest, '9b3a0c85a887a256d6939da88aabd8cd');
});

test('DR service: persistence, quorum, sorry server, per-server method and checkers', () => {
  const vs = config.virtualServers[1];
  assert.deepEqual([vs.scheduler, vs.method.kind, vs.persistenceTimeoutSec, vs.persistenceGranularity], ['wrr', 'DR', 360, '255.255.255.0']);
  assert.deepEqual([vs.alpha, vs.omega, vs.quorum, vs.hysteresis, vs.inhibitOnFailure], [true, true, 2, 1, true]);
  assert.deepEqual(vs.quorumUp?.argv, ['/usr/local/bin/quorum', 'up']);
  assert.deepEqual(vs.sorryServer && [vs.sorryServer.address, vs.sorryServer.port, vs.sorryServer.method.kind, vs.sorryServer.inhibit], ['192.0.2.200', 443, 'NAT', true]);
  const [a, b] = vs.realServers;
  assert.deepEqual([a.weight, a.upperThreshold, a.lowerThreshold, a.inhibitOnFailure, a.method.kind], [10, 1000, 100, true, 'DR']);
  assert.equal(b.port, 443, 'a real server without a port takes the service port');
  assert.equal(b.method.kind, 'NAT');
  const ssl = a.checkers[0] as HttpCheck;
  assert.deepEqual([ssl.type, ssl.enableSni, ssl.rise, ssl.fall, ssl.delayBeforeRetryMs, ssl.delayLoopMs, ssl.alpha], ['SSL_GET', true, 3, 2, 2000, 3000, true]);
  assert.equal(ssl.urls[0].virtualhost, 'www.example.org');
  const misc = a.checkers[1] as MiscCheck;
  assert.deepEqual(misc.script, { command: "/bin/echo 'with space'", argv: ['/bin/echo', 'with space'], user: 'nobody' });
  assert.deepEqual([misc.miscTimeoutMs, misc.dynamic, misc.retry], [5000, true, 0]);
  assert.deepEqual(b.checkers.map((c) => c.type), ['DNS_CHECK', 'UDP_CHECK', 'PING_CHECK', 'TCP_CHECK']);
  const [dns, udp, , tcp] = b.checkers;
  assert.ok(dns.type === 'DNS_CHECK' && udp.type === 'UDP_CHECK' && tcp.type === 'TCP_CHECK');
  assert.deepEqual([dns.queryType, dns.name, dns.retry, dns.delayBeforeRetryMs], ['A', 'www.example.org', 3, 7000]);
  assert.deepEqual([udp.connectPort, udp.payload, udp.requireReply], [53, '0102', true]);
  assert.deepEqual([tcp.bindto, tcp.bindPort, tcp.connectIp, tcp.retry, tcp.warmupMs, tcp.delayLoopMs], ['192.0.2.1', 2000, '192.0.2.12', 4, 0, 7000]);
});

test('fwmark service with scheduler flags and one-packet scheduling', () => {
  const vs = config.virtualServers[2];
  assert.deepEqual(vs.key, { kind: 'fwmark', fwmark: 9 });
  assert.deepEqual([vs.protocol, vs.ops, vs.schedulerFlags], ['UDP', true, ['sh-port', 'sh-fallback']]);
  assert.equal(vs.realServers[0].port, 0);
});

test('what keepalived corrects once a virtual server is read, lvsd corrects alike and says so', () => {
  const { config: c, diagnostics: d } = loadConfigText([
    'virtual_server 10.0.0.1 53 {',
    '  persistence_granularity 255.255.255.0',
    '  ops',
    '  real_server 192.168.0.1 53 {',
    '  }',
    '}',
    'virtual_server 10.0.0.2 80 {',
    '  protocol TCP',
    '  lb_kind DR',
    '  inhibit_on_failure',
    '  quorum 5',
    '  hysteresis 9',
    '  sorry_server 192.168.0.9 8080',
    '  real_server 192.168.0.2 8080 {',
    '    inhibit_on_failure off',
    '  }',
    '  real_server 192.168.0.3 {',
    '    weight 2',
    '  }',
    '}',
    'virtual_server fwmark 7 {',
    '  lb_kind TUN',
    '  persistence_timeout 60',
    '  real_server 192.168.0.4 80 {',
    '  }',
    '}',
    'virtual_server 10.0.0.3 {',
    '  protocol TCP',
    '  ops',
    '}',
  ]);
  assert.deepEqual(d.filter((x) => x.severity === 'error'), []);
  const [udp, dr, fwm, all] = c.virtualServers;
  assert.deepEqual([udp.protocol, udp.persistenceTimeoutSec, udp.persistenceGranularity, udp.ops], ['UDP', 360, '255.255.255.0', true]);
  assert.deepEqual(dr.realServers.map((r) => [r.port, r.inhibitOnFailure]), [[80, false], [80, true]]);
  assert.equal(dr.sorryServer?.port, 80);
  assert.deepEqual([dr.quorum, dr.hysteresis], [5, 4]);
  assert.equal(fwm.realServers[0].port, 0);
  assert.deepEqual([all.persistenceTimeoutSec, all.ops], [360, false]);
  assert.deepEqual(d.map((x) => [x.line, x.message.replace(/:.*/s, '')]), [
    [1, 'no protocol line'],
    [14, '192.168.0.2 port 8080 is not the virtual server\'s (DR keeps the destination port)'],
    [13, '192.168.0.9 port 8080 is not the virtual server\'s (DR keeps the destination port)'],
    [7, 'quorum 5 exceeds the total weight 3 of the real servers in the file'],
    [7, 'hysteresis 9 is not below quorum 5'],
    [24, '192.168.0.4 port 80 is not the virtual server\'s (TUN keeps the destination port)'],
    [27, 'ops (one-packet scheduling) applies to UDP only'],
    [27, 'a service on all ports must be persistent'],
  ]);
});

test('a virtual server\'s weight is the weight of its real servers that give none, as in keepalived', () => {
  const { config: c, diagnostics: d } = loadConfigText('virtual_server 10.0.0.1 80 {\n  protocol TCP\n  weight 5\n  real_server 192.168.0.1 80 {\n  }\n  real_server 192.168.0.2 80 {\n    weight 0\n  }\n}\n');
  assert.deepEqual(d, []);
  assert.deepEqual(c.virtualServers[0]!.realServers.map((r) => r.weight), [5, 0]);
});

test('rs_init_notifies is on alone or with a true/false word, off unless given', () => {
  const on = loadConfigText('global_defs {\n  rs_init_notifies\n}\n');
  assert.deepEqual(on.diagnostics, []);
  assert.equal(on.config.global.rsInitNotifies, true);
  assert.equal(loadConfigText('global_defs {\n  rs_init_notifies off\n}\n').config.global.rsInitNotifies, false);
  assert.equal(loadConfigText('global_defs {\n  router_id x\n}\n').config.global.rsInitNotifies, false);
});

test('notify FIFOs: each kind with its path, owner and script; a script without its FIFO is dropped with a warning; two kinds in one FIFO are refused', () => {
  const loaded = loadConfigText([
    'global_defs {',
    '  notify_fifo /run/keepalived.fifo',
    '  notify_fifo_script "/usr/local/bin/read-fifo -v" nobody',
    '  lvs_notify_fifo /run/lvs.fifo nobody nogroup',
    '  vrrp_notify_fifo_script /bin/true',
    '}',
  ]);
  assert.ok(loaded.ok, JSON.stringify(loaded.diagnostics));
  assert.deepEqual(loaded.diagnostics.map((d) => [d.line, d.severity]), [[5, 'warning']]);
  assert.match(loaded.diagnostics[0]!.message, /vrrp_notify_fifo_script without vrrp_notify_fifo/);
  assert.deepEqual(loaded.config.global.notifyFifos.map((f) => [f.events, f.path, f.owner, f.script?.argv, f.script?.user]), [
    ['all', '/run/keepalived.fifo', undefined, ['/usr/local/bin/read-fifo', '-v'], 'nobody'],
    ['lvs', '/run/lvs.fifo', { user: 'nobody', group: 'nogroup' }, undefined, undefined],
  ]);
  const same = loadConfigText('global_defs {\n  vrrp_notify_fifo /run/a.fifo\n  lvs_notify_fifo /run/a.fifo\n  notify_fifo relative.fifo\n}\n');
  assert.equal(same.ok, false);
  assert.deepEqual(same.diagnostics.filter((d) => d.severity === 'error').map((d) => [d.line, d.message]), [
    [4, 'notify_fifo relative.fifo: the FIFO\'s path must be absolute'],
    [3, 'lvs_notify_fifo /run/a.fifo: the FIFO of vrrp_notify_fifo too; each needs a FIFO of its own'],
  ]);
});
