import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planChanges, type TableEntry } from '../../src/director/diff';
import { parseRealServerId, parseServiceId, realServerId, serviceId } from '../../src/director/ids';
import { AF_INET, AF_INET6, SVC_F_HASHED, SVC_F_PERSISTENT, type RealServer, type Service } from '../../src/ipvs/types';

function svc(address: string, port: number, over: Partial<Service> = {}): Service {
  return {
    family: address.includes(':') ? AF_INET6 : AF_INET, protocol: 'tcp', address, port,
    scheduler: 'wlc', flags: 0, timeout: 0, netmask: 0xffffffff, peName: '', ...over,
  } as Service;
}

function rs(address: string, port: number, over: Partial<RealServer> = {}): RealServer {
  return {
    family: address.includes(':') ? AF_INET6 : AF_INET, address, port, forward: 'masq', weight: 1,
    upperThreshold: 0, lowerThreshold: 0, tunnelType: 'ipip', tunnelPort: 0, tunnelFlags: 0, ...over,
  };
}

const web: TableEntry = { service: svc('10.0.0.1', 80), realServers: [rs('10.0.1.1', 80), rs('10.0.1.2', 80)] };

test('an identical table needs no change, whatever the order and the kernel-only flags', () => {
  const current: TableEntry = {
    service: { ...web.service, flags: SVC_F_HASHED },
    realServers: [...web.realServers].reverse(),
  };
  assert.deepEqual(planChanges([web], [current]), []);
});

test('a new service is added with its real servers; a missing real server is added alone', () => {
  assert.deepEqual(planChanges([web], []).map((o) => o.op), ['addService', 'addRealServer', 'addRealServer']);
  const partial: TableEntry = { service: web.service, realServers: [rs('10.0.1.1', 80)] };
  const ops = planChanges([web], [partial]);
  assert.equal(ops.length, 1);
  assert.deepEqual(ops[0], { op: 'addRealServer', key: web.service, server: rs('10.0.1.2', 80) });
});

test('changed settings become edits, not delete and re-add', () => {
  const current: TableEntry = {
    service: svc('10.0.0.1', 80, { scheduler: 'rr' }),
    realServers: [rs('10.0.1.1', 80, { weight: 5 }), rs('10.0.1.2', 80)],
  };
  assert.deepEqual(planChanges([web], [current]).map((o) => o.op), ['editService', 'editRealServer']);
});

test('persistence timeout and granularity only count for a persistent service', () => {
  const plain = svc('10.0.0.1', 80, { timeout: 0 });
  assert.deepEqual(planChanges([{ service: plain, realServers: [] }],
    [{ service: { ...plain, timeout: 300, netmask: 0xffffff00 }, realServers: [] }]), []);
  const sticky = svc('10.0.0.1', 80, { flags: SVC_F_PERSISTENT, timeout: 300 });
  assert.deepEqual(planChanges([{ service: sticky, realServers: [] }],
    [{ service: { ...sticky, timeout: 360 }, realServers: [] }]).map((o) => o.op), ['editService']);
});

test('tunnel settings count only for tunnelled real servers, the GUE port only for GUE', () => {
  const plain = rs('10.0.1.1', 80, { forward: 'route' });
  const s = web.service;
  assert.deepEqual(planChanges([{ service: s, realServers: [plain] }],
    [{ service: s, realServers: [{ ...plain, tunnelType: 'gre', tunnelFlags: 1 }] }]), []);
  const gue = rs('10.0.1.1', 80, { forward: 'tunnel', tunnelType: 'gue', tunnelPort: 6080 });
  assert.deepEqual(planChanges([{ service: s, realServers: [gue] }],
    [{ service: s, realServers: [{ ...gue, tunnelPort: 6081 }] }]).map((o) => o.op), ['editRealServer']);
  const ipip = rs('10.0.1.1', 80, { forward: 'tunnel' });
  assert.deepEqual(planChanges([{ service: s, realServers: [ipip] }],
    [{ service: s, realServers: [{ ...ipip, tunnelPort: 9 }] }]), []);
});

test('only services lvsd owns are deleted; real servers of a desired service always follow it', () => {
  const foreign: TableEntry = { service: svc('10.0.0.9', 53, { protocol: 'udp' }), realServers: [] };
  const extra: TableEntry = { service: web.service, realServers: [...web.realServers, rs('10.0.1.3', 80)] };
  assert.deepEqual(planChanges([web], [extra, foreign]).map((o) => o.op), ['deleteRealServer']);
  const ops = planChanges([web], [web, foreign], new Set(['udp:10.0.0.9:53']));
  assert.deepEqual(ops, [{ op: 'deleteService', key: foreign.service }]);
});

test('IPv6 addresses compare by value, not by spelling', () => {
  const a: TableEntry = { service: svc('fd00:0:0::1', 80), realServers: [rs('fd00::0:10', 80)] };
  const b: TableEntry = { service: svc('fd00::1', 80), realServers: [rs('fd00::10', 80)] };
  assert.deepEqual(planChanges([a], [b]), []);
});

test('service and real server ids round-trip and reject what they are not', () => {
  assert.equal(serviceId(svc('10.0.0.1', 80)), 'tcp:10.0.0.1:80');
  assert.equal(serviceId(svc('fd00:0::1', 53, { protocol: 'udp' })), 'udp:[fd00::1]:53');
  assert.equal(serviceId({ family: AF_INET, fwmark: 7 }), 'fwm:7');
  assert.equal(serviceId({ family: AF_INET6, fwmark: 7 }), 'fwm6:7');
  assert.equal(realServerId(rs('fd00::2', 8080)), '[fd00::2]:8080');
  for (const id of ['tcp:10.0.0.1:80', 'udp:[fd00::1]:53', 'sctp:10.0.0.1:9', 'fwm:7', 'fwm6:7']) {
    const key = parseServiceId(id);
    assert.ok(!('error' in key), id);
    assert.equal(serviceId(key), id);
  }
  for (const bad of ['tcp:10.0.0.1', 'icmp:10.0.0.1:80', 'tcp:10.0.0.300:80', 'tcp:[10.0.0.1]:80', 'tcp:10.0.0.1:70000', 'fwm:0', 'fwm:x']) {
    assert.ok('error' in parseServiceId(bad), bad);
  }
  assert.deepEqual(parseRealServerId('[fd00::2]:80'), { family: AF_INET6, address: 'fd00::2', port: 80 });
  assert.ok('error' in parseRealServerId('10.0.0.2'));
});
