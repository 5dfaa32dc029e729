// The reconciler against an in-memory IPVS table that refuses what the
// kernel refuses (duplicates, unknown entries, one "unroutable" address).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TableEntry } from '../../src/director/diff';
import { realServerId, serviceId } from '../../src/director/ids';
import { Reconciler, type IpvsTable } from '../../src/director/reconciler';
import type { IpvsOp, IpvsOpResult } from '../../src/ipvs/client';
import { IpvsError } from '../../src/ipvs/errors';
import { AF_INET, type RealServer, type Service, type Stats } from '../../src/ipvs/types';

const ZERO: Stats = { conns: 0n, inPkts: 0n, outPkts: 0n, inBytes: 0n, outBytes: 0n, cps: 0n, inPps: 0n, outPps: 0n, inBps: 0n, outBps: 0n };
const UNROUTABLE = '10.99.99.99';

class FakeKernel implements IpvsTable {
  readonly table = new Map<string, { service: Service; servers: Map<string, RealServer> }>();
  readonly applied: IpvsOp[][] = [];

  async listServices() {
    return [...this.table.values()].map((e) => ({ service: e.service, stats: ZERO, stats64: ZERO }));
  }

  async listRealServers(key: Parameters<IpvsTable['listRealServers']>[0]) {
    const e = this.table.get(serviceId(key));
    return [...(e?.servers.values() ?? [])].map((server) => ({ server, activeConns: 0, inactiveConns: 0, persistConns: 0, stats: ZERO, stats64: ZERO }));
  }

  async apply(ops: IpvsOp[]): Promise<IpvsOpResult[]> {
    this.applied.push(ops);
    return ops.map((op) => {
      const fail = (errno: number) => ({ ok: false as const, error: new IpvsError({ errno, command: op.op, target: JSON.stringify(op) }) });
      if (op.op === 'addService' || op.op === 'editService') {
        const id = serviceId(op.service);
        const exists = this.table.has(id);
        if (op.op === 'addService' && exists) return fail(17);
        if (op.op === 'editService' && !exists) return fail(3);
        this.table.set(id, { service: op.service, servers: this.table.get(id)?.servers ?? new Map() });
        return { ok: true as const };
      }
      if (op.op === 'deleteService') return this.table.delete(serviceId(op.key)) ? { ok: true as const } : fail(3);
      if (op.op === 'addRealServer' || op.op === 'editRealServer' || op.op === 'deleteRealServer') {
        const e = this.table.get(serviceId(op.key));
        if (!e) return fail(3);
        const id = realServerId(op.server);
        if (op.op === 'deleteRealServer') return e.servers.delete(id) ? { ok: true as const } : fail(2);
        if (op.server.address === UNROUTABLE) return fail(22);
        if (op.op === 'addRealServer' && e.servers.has(id)) return fail(17);
        if (op.op === 'editRealServer' && !e.servers.has(id)) return fail(2);
        e.servers.set(id, op.server);
        return { ok: true as const };
      }
      return { ok: true as const };
    });
  }

  snapshot(): string {
    return [...this.table.entries()].map(([id, e]) => `${id} ${e.service.scheduler} [${[...e.servers.entries()].map(([r, s]) => `${r}/${s.weight}`).sort().join(' ')}]`).sort().join('\n');
  }
}

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
  kernel.applied.length = 0;
  const r = new Reconciler(kernel);
  const report = await r.setDesired([entry(svc('10.0.0.1', 80), rs('10.0.1.1'), rs('10.0.1.2'))], 'start');
  assert.deepEqual(report.applied.map((o) => o.op), ['addRealServer']);
  assert.equal(kernel.snapshot(), 'tcp:10.0.0.1:80 wlc [10.0.1.1:80/1 10.0.1.2:80/1]\ntcp:10.0.0.9:53 wlc []');
});

test('a service dropped from the desired table is deleted once it was ours', async () => {
  const kernel = new FakeKernel();
  const r = new Reconciler(kernel);
  await r.setDesired([entry(svc('10.0.0.1', 80), rs('10.0.1.1')), entry(svc('10.0.0.2', 80))], 'start');
  const report = await r.setDesired([entry(svc('10.0.0.1', 80), rs('10.0.1.1'))], 'reload');
  assert.deepEqual(report.applied.map((o) => o.op), ['deleteService']);
  assert.equal(kernel.snapshot(), 'tcp:10.0.0.1:80 wlc [10.0.1.1:80/1]');
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
  assert.equal(kernel.snapshot(), 'tcp:10.0.0.1:80 wlc [10.0.1.1:80/1]');
});

test('passes never overlap: each reads the table the previous one left', async () => {
  const kernel = new FakeKernel();
  const r = new Reconciler(kernel);
  const a = r.setDesired([entry(svc('10.0.0.1', 80), rs('10.0.1.1'))], 'one');
  const b = r.setDesired([entry(svc('10.0.0.1', 80), rs('10.0.1.1', 2))], 'two');
  const [ra, rb] = await Promise.all([a, b]);
  assert.deepEqual(ra.applied.map((o) => o.op), ['addService', 'addRealServer']);
  assert.deepEqual(rb.applied.map((o) => o.op), ['editRealServer']);
  assert.equal(kernel.snapshot(), 'tcp:10.0.0.1:80 wlc [10.0.1.1:80/2]');
});
