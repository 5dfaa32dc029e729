import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadConfig } from '../../src/config';

// Fixtures live in the source tree; tests run from dist/test/unit.
const SEEDS = path.resolve(__dirname, '../../../test/fixtures/config/seeds');

function load(name: string) {
  const result = loadConfig(path.join(SEEDS, name));
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  assert.deepEqual(errors, [], `${name} has errors`);
  assert.equal(result.ok, true);
  return result;
}

test('every seed fixture parses without errors', () => {
  const names = fs.readdirSync(SEEDS).filter((n) => n.endsWith('.conf'));
  assert.ok(names.length >= 9, `expected the seed fixtures, found ${names.length}`);
  for (const name of names) load(name);
});

test('000: dual-master HAProxy pair, reconstructed', () => {
  const { config, diagnostics } = load('000-haproxy-dual-master.conf');
  assert.equal(config.global.routerId, 'haproxy_DEVEL');
  assert.deepEqual(config.global.smtpServer, { host: '192.168.200.1', port: 25 });
  assert.equal(config.global.smtpConnectTimeoutMs, 30_000);
  assert.equal(config.global.notificationEmail.length, 3);
  assert.deepEqual(config.vrrpInstances.map((v) => [v.name, v.state, v.virtualRouterId, v.priority, v.advertIntMs]), [
    ['haproxy_ha1', 'MASTER', 80, 100, 2000],
    ['haproxy_ha2', 'BACKUP', 81, 80, 2000],
  ]);
  const vip = config.vrrpInstances[0].virtualIpAddresses[0];
  assert.deepEqual([vip.address, vip.prefixLength, vip.dev], ['192.168.66.10', 24, 'eth0']);
  assert.deepEqual(config.vrrpInstances[0].notify.backup?.argv, ['/etc/keepalived/mail_notify.py', 'backup']);
  assert.equal(config.vrrpInstances[1].notify.backup, undefined);
  // The script line is missing from the seed: a warning, as keepalived gives.
  const w = diagnostics.find((d) => d.severity === 'warning');
  assert.equal(w?.line, 26);
  assert.equal(w?.keyword, 'vrrp_script');
  assert.equal(config.vrrpScripts[0].script, undefined);
  assert.equal(config.vrrpScripts[0].intervalMs, 2000);
});

test('001: master-master and master-backup HAProxy pairs', () => {
  const mm = load('001-master-master-master.conf').config;
  assert.equal(mm.global.routerId, 'HAproxy237');
  assert.deepEqual(mm.global.notificationEmail, ['root@localhost']);
  assert.equal(mm.global.notificationEmailFrom, 'keepalived@localhost');
  assert.deepEqual(mm.vrrpScripts.map((s) => [s.name, s.script?.command, s.intervalMs, s.weight]), [
    ['chk_haproxy', '/etc/keepalived/check_haproxy.sh', 2000, 2],
  ]);
  assert.deepEqual(mm.vrrpInstances.map((v) => [v.name, v.state, v.virtualRouterId, v.priority]), [
    ['VI_1', 'MASTER', 51, 100],
    ['VI_2', 'BACKUP', 52, 99],
  ]);
  assert.deepEqual(mm.vrrpInstances[0].authentication, { type: 'PASS', password: '1111' });
  assert.deepEqual(mm.vrrpInstances[0].trackScripts.map((t) => t.name), ['chk_haproxy']);
  assert.deepEqual(mm.vrrpInstances[0].notify.master?.argv, ['/etc/keepalived/clean_arp.sh', '182.148.15.239']);
  const mb = load('001-master-master-backup.conf').config;
  assert.deepEqual(mb.vrrpInstances.map((v) => [v.state, v.priority]), [['BACKUP', 99], ['MASTER', 100]]);
  assert.equal(load('001-master-backup-master.conf').config.vrrpInstances.length, 1);
  const bb = load('001-master-backup-backup.conf').config;
  assert.equal(bb.global.routerId, 'HAproxy236');
  assert.equal(bb.vrrpInstances[0].virtualIpAddresses[0].address, '182.148.15.239');
  assert.equal(bb.vrrpInstances[0].virtualIpAddresses[0].prefixLength, 32);
});

test('002: vrrp_script fragment; the stray track_script is a warning', () => {
  const { config, diagnostics } = load('002-check-mysqld.conf');
  assert.deepEqual(config.vrrpScripts[0].script?.argv, ['killall', '-0', 'mysqld']);
  assert.deepEqual(diagnostics.map((d) => [d.severity, d.line, d.keyword]), [['warning', 14, 'track_script']]);
});

test('004: LVS-NAT with a sync group, and the HAProxy VIP pair', () => {
  const { config } = load('004-lvs-nat-sync-group.conf');
  assert.deepEqual(config.vrrpSyncGroups.map((g) => [g.name, g.group]), [['VG1', ['VI_1', 'VI_2']]]);
  assert.deepEqual(config.vrrpInstances.map((v) => v.interface), ['eth0', 'eth1']);
  const [vs] = config.virtualServers;
  assert.deepEqual(vs.key, { kind: 'address', family: 2, address: '172.16.0.1', port: 80 });
  assert.equal(vs.scheduler, 'wlc');
  assert.deepEqual(vs.method, { kind: 'NAT' });
  assert.equal(vs.persistenceTimeoutSec, 600);
  assert.equal(vs.protocol, 'TCP');
  assert.equal(vs.delayLoopMs, 6000);
  assert.deepEqual(vs.realServers.map((r) => [r.address, r.port, r.weight]), [
    ['172.16.0.2', 80, 100], ['172.16.0.3', 80, 100], ['172.16.0.4', 80, 100],
  ]);
  const check = vs.realServers[0].checkers[0];
  assert.equal(check.type, 'TCP_CHECK');
  assert.equal(check.connectTimeoutMs, 3000);
  assert.equal(check.delayLoopMs, 6000, 'delay_loop is inherited from the virtual server');

  const master = load('004-haproxy-vip-master.conf').config;
  const slave = load('004-haproxy-vip-slave.conf').config;
  assert.equal(master.vrrpInstances[0].priority, 101);
  assert.equal(slave.vrrpInstances[0].priority, 100);
  assert.equal(master.vrrpScripts[0].script?.command, 'killall -0 haproxy');
  assert.equal(master.vrrpInstances[0].virtualIpAddresses[0].address, '192.168.10.100');
});
