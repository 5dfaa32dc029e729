// The reconciler against an in-memory IPVS table that refuses what the
// kernel refuses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TableEntry } from '../../src/director/diff';
import { Reconciler } from '../../src/director/reconciler';
import { AF_INET, type RealServer, type Service } from '../../src/ipvs/types';
import { FakeKernel, UNROUTABLE } from '../helpers/fake-kernel';

const svc = (address: string, port: number, scheduler = 'wlc'): Service =>
  ({ family: AF_INET, protocol: 'tcp', address, port, scheduler, flags: 0, timeout: 0, netmask: 0xffffffff, peName: '' });
const rs = (address: string, weight = 1): RealServer =>
  ({ family: AF_INET, address, port: 80, forward: 'masq', weight, upperThreshold: 0, lowerThreshold: 0, tunnelType: 'ipip', tunnelPort: 0, tunnelFlags: 0 });
const entry = (service: Service, ...servers: RealServer[]): TableEntry => ({ service, realServers: servers });

test('on start the table in the kernel is adopted: matching entries are kept, foreign services left alone', async () => {
  const kernel = new FakeKernel();
  await kernel.apply([
    { op: 'addService', service: svc('10.0.0.1', 80) },
    { op: 'addRealServer', key: svc('10.0.0.1', 80), server: rs('10.0.1.1') },
    { op: 'addService', service: svc('10.0.0.9', 53) },
  ]);
  const r = new Reconciler(kernel);
  const report = await r.setDesired([entry(svc('10.0.0.1', 80), rs('10.0.1.1'), rs('10.0.1.2'))], 'start');
  assert.deepEqual(report.applied.map((o) => o.op), ['addRealServer']);
  assert.equal(kernel.snapshot(), 'tcp:10.0.0.1:80 wlc [10.0.1.1:80/1/masq 10.0.1.2:80/1/masq]\ntcp:10.0.0.9:53 wlc []');
});

test('a service dropped from the desired table is deleted once it was ours', async () => {
  const kernel = new FakeKernel();
  const r = new Reconciler(kernel);
  await r.setDesired([entry(svc('10.0.0.1', 80), rs('10.0.1.1')), entry(svc('10.0.0.2', 80))], 'start');
  const report = await r.setDesired([entry(svc('10.0.0.1', 80), rs('10.0.1.1'))], 'reload');
  assert.deepEqual(report.applied.map((o) => o.op), ['deleteService']);
  assert.equal(kernel.snapshot(), 'tcp:10.0.0.1:80 wlc [10.0.1.1:80/1/masq]');
});

test('an atomic pass the kernel refuses in part is undone, and the previous desired table stays in force', async () => {
  const kernel = new FakeKernel();
  const r = new Reconciler(kernel);
  await r.setDesired([entry(svc('10.0.0.1', 80), rs('10.0.1.1'))], 'start');
  const before = kernel.snapshot();
  const report = await r.setDesired([
    entry(svc('10.0.0.1', 80, 'rr'), rs('10.0.1.1', 5)),
    entry(svc('10.0.0.3', 80), rs(UNROUTABLE)),
  ], 'reload', { atomic: true });
  assert.equal(report.failed.length, 1);
  assert.equal(report.failed[0]!.error.code, 'EINVAL');
  assert.deepEqual(report.rolledBack, { failed: [] });
  assert.equal(kernel.snapshot(), before);
  // The refused table is not what a resync repairs towards: the old one is.
  await kernel.apply([{ op: 'editRealServer', key: svc('10.0.0.1', 80), server: rs('10.0.1.1', 9) }]);
  await r.resync();
  assert.equal(kernel.snapshot(), before);
});

test('a non-atomic pass keeps what went through and reports what did not', async () => {
  const kernel = new FakeKernel();
  const r = new Reconciler(kernel);
  const report = await r.setDesired([entry(svc('10.0.0.1', 80), rs('10.0.1.1'), rs(UNROUTABLE))], 'health');
  assert.equal(report.failed.length, 1);
  assert.equal(report.rolledBack, undefined);
  assert.equal(kernel.snapshot(), 'tcp:10.0.0.1:80 wlc [10.0.1.1:80/1/masq]');
});

test('passes never overlap: each reads the table the previous one left', async () => {
  const kernel = new FakeKernel();
  const r = new Reconciler(kernel);
  const a = r.setDesired([entry(svc('10.0.0.1', 80), rs('10.0.1.1'))], 'one');
  const b = r.setDesired([entry(svc('10.0.0.1', 80), rs('10.0.1.1', 2))], 'two');
  const [ra, rb] = await Promise.all([a, b]);
  assert.deepEqual(ra.applied.map((o) => o.op), ['addService', 'addRealServer']);
  assert.deepEqual(rb.applied.map((o) => o.op), ['editRealServer']);
  assert.equal(kernel.snapshot(), 'tcp:10.0.0.1:80 wlc [10.0.1.1:80/2/masq]');
});
