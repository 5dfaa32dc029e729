// The reconciler against an in-memory IPVS table that refuses what the
// kernel refuses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TableEntry } from '../../src/director/diff';
import { Reconciler, type OwnershipRecord } from '../../src/director/reconciler';
import { serviceId } from '../../src/director/ids';
import { IpvsError } from '../../src/ipvs/errors';
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

/** An ownership record that notes, with each write, which services the kernel held at that moment. */
function ownership(recorded: string[] = []): OwnershipRecord & { writes: { ids: string[]; kernel: string[] }[]; kernel?: FakeKernel; fail: boolean } {
  const o = {
    recorded: new Set(recorded),
    writes: [] as { ids: string[]; kernel: string[] }[],
    kernel: undefined as FakeKernel | undefined,
    fail: false,
    record(ids: ReadonlySet<string>): boolean {
      if (o.fail) return false;
      o.writes.push({ ids: [...ids].sort(), kernel: [...(o.kernel?.table.keys() ?? [])].sort() });
      return true;
    },
  };
  return o;
}

test('a service an earlier run recorded as its own is deleted once no longer desired; one it never owned stays', async () => {
  const kernel = new FakeKernel();
  await kernel.apply([
    { op: 'addService', service: svc('10.0.0.1', 80) },
    { op: 'addService', service: svc('10.0.0.9', 25) },
  ]);
  const record = ownership(['tcp:10.0.0.1:80']);
  const r = new Reconciler(kernel, record);
  await r.setDesired([entry(svc('10.0.0.2', 80))], 'start', { atomic: true });
  assert.equal(kernel.snapshot(), 'tcp:10.0.0.2:80 wlc []\ntcp:10.0.0.9:25 wlc []');
  assert.deepEqual(record.writes.at(-1)?.ids, ['tcp:10.0.0.2:80']);
  // Without a record, the same start leaves the service it does not know to be its own.
  const before = new FakeKernel();
  await before.apply([{ op: 'addService', service: svc('10.0.0.1', 80) }]);
  await new Reconciler(before).setDesired([entry(svc('10.0.0.2', 80))], 'start', { atomic: true });
  assert.equal(before.snapshot(), 'tcp:10.0.0.1:80 wlc []\ntcp:10.0.0.2:80 wlc []');
});

test('a service is recorded before it is created, and forgotten only once its deletion went through', async () => {
  const kernel = new FakeKernel();
  const record = ownership();
  record.kernel = kernel;
  const r = new Reconciler(kernel, record);
  const A = 'tcp:10.0.0.1:80';
  const B = 'tcp:10.0.0.2:80';
  await r.setDesired([entry(svc('10.0.0.1', 80))], 'start', { atomic: true });
  await r.change([entry(svc('10.0.0.1', 80)), entry(svc('10.0.0.2', 80))], 'api');
  await r.changeServices([entry(svc('10.0.0.3', 80))], new Set(['tcp:10.0.0.3:80']), 'api');
  for (const id of [A, B, 'tcp:10.0.0.3:80']) {
    const first = record.writes.find((w) => w.ids.includes(id));
    assert.ok(first, `${id} is recorded`);
    assert.ok(!first.kernel.includes(id), `${id} is recorded before the kernel has it`);
  }
  // The kernel refuses to delete B: it stays recorded, and a later pass that deletes it forgets it.
  const apply = kernel.apply.bind(kernel);
  let refuse = true;
  kernel.apply = async (ops) => (refuse && ops.some((op) => op.op === 'deleteService' && serviceId(op.key) === B)
    ? ops.map((op) => ({ ok: false as const, error: new IpvsError({ errno: 16, command: op.op, target: JSON.stringify(op) }) }))
    : apply(ops));
  await r.setDesired([entry(svc('10.0.0.1', 80)), entry(svc('10.0.0.3', 80))], 'health');
  assert.ok(kernel.table.has(B));
  assert.ok(record.writes.at(-1)?.ids.includes(B), 'still recorded while the kernel holds it');
  refuse = false;
  await r.changeServices([], new Set(['tcp:10.0.0.3:80']), 'api');
  await r.resync();
  assert.equal(kernel.snapshot(), 'tcp:10.0.0.1:80 wlc []');
  assert.deepEqual(record.writes.at(-1)?.ids, [A]);
  for (const id of [B, 'tcp:10.0.0.3:80']) {
    const forgotten = record.writes.findIndex((w, i) => i > 0 && !w.ids.includes(id) && record.writes[i - 1]!.ids.includes(id));
    assert.ok(!record.writes[forgotten]!.kernel.includes(id), `${id} is forgotten once the kernel no longer has it`);
  }
  // Removed by other means (lvs_flush_on_stop), a service is forgotten on request.
  kernel.table.delete(A);
  await r.forget([A]);
  assert.deepEqual(record.writes.at(-1)?.ids, []);
});

test('an atomic pass the kernel refuses forgets the services it created once the rollback deleted them', async () => {
  const kernel = new FakeKernel();
  const record = ownership();
  const r = new Reconciler(kernel, record);
  await r.setDesired([entry(svc('10.0.0.1', 80))], 'start', { atomic: true });
  const report = await r.setDesired([entry(svc('10.0.0.1', 80)), entry(svc('10.0.0.2', 80), rs(UNROUTABLE))], 'reload', { atomic: true });
  assert.equal(report.failed.length, 1);
  assert.ok(record.writes.some((w) => w.ids.includes('tcp:10.0.0.2:80')), 'recorded before it was created');
  assert.equal(kernel.snapshot(), 'tcp:10.0.0.1:80 wlc []');
  assert.deepEqual(record.writes.at(-1)?.ids, ['tcp:10.0.0.1:80']);
});

test('a quick change the kernel refuses leaves the service it tried to create neither in the kernel nor owned', async () => {
  for (const how of ['change', 'changeServices'] as const) {
    const kernel = new FakeKernel();
    const record = ownership();
    const r = new Reconciler(kernel, record);
    await r.setDesired([entry(svc('10.0.0.1', 80))], 'start', { atomic: true });
    const refused = entry(svc('10.0.0.2', 80, 'nosuch'));
    const report = how === 'change'
      ? await r.change([entry(svc('10.0.0.1', 80)), refused], 'api')
      : await r.changeServices([refused], new Set(['tcp:10.0.0.2:80']), 'api');
    assert.equal(report.failed.length, 1, how);
    assert.equal(kernel.snapshot(), 'tcp:10.0.0.1:80 wlc []', how);
    assert.deepEqual(record.writes.at(-1)?.ids, ['tcp:10.0.0.1:80'], `${how}: the refused service is not left owned`);
    // An operator's own service under that address is then never lvsd's to delete.
    await kernel.apply([{ op: 'addService', service: svc('10.0.0.2', 80, 'rr') }]);
    await r.setDesired([entry(svc('10.0.0.1', 80))], 'reload', { atomic: true });
    assert.equal(kernel.snapshot(), 'tcp:10.0.0.1:80 wlc []\ntcp:10.0.0.2:80 rr []', how);
  }
});

test('a record that could not be written is written again at the next change', async () => {
  const kernel = new FakeKernel();
  const record = ownership();
  const r = new Reconciler(kernel, record);
  record.fail = true;
  await r.setDesired([entry(svc('10.0.0.1', 80))], 'start', { atomic: true });
  assert.equal(kernel.snapshot(), 'tcp:10.0.0.1:80 wlc []', 'the table goes in all the same');
  record.fail = false;
  await r.change([entry(svc('10.0.0.1', 80), rs('10.0.1.1'))], 'api');
  assert.deepEqual(record.writes.map((w) => w.ids), [['tcp:10.0.0.1:80']]);
});
