// A director that has stopped leaves the kernel alone: a health verdict that
// arrives as it stops (its rebuild already scheduled) neither changes the
// table nor reports an error about the closed IPVS client.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckScheduler } from '../../src/check/scheduler';
import { loadConfig } from '../../src/config';
import { Director, type DirectorTable } from '../../src/director/director';
import { FakeKernel } from '../helpers/fake-kernel';

const CONFIG = `
virtual_server 10.0.0.1 80 {
  lb_algo rr
  lb_kind NAT
  protocol TCP
  real_server 192.168.1.11 8080 {
    weight 1
  }
}
`;

test('a verdict that comes as the director stops changes nothing and logs no error', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'lvsd-stop-')), 'keepalived.conf');
  writeFileSync(file, CONFIG);
  const loaded = loadConfig(file);
  assert.ok(loaded.ok);
  const kernel = new FakeKernel();
  let closed = false;
  const calls: string[] = [];
  const open = (what: string): FakeKernel => {
    calls.push(what);
    if (closed) throw new Error('the IPVS client is closed');
    return kernel;
  };
  const table: DirectorTable = {
    listServices: async () => await open('listServices').listServices(),
    listRealServers: async (key) => await open('listRealServers').listRealServers(key),
    apply: async (ops) => await open('apply').apply(ops),
    setTimeouts: async () => { open('setTimeouts'); },
  };
  const errors: unknown[] = [];
  const scheduler = new CheckScheduler();
  const director = new Director({ table, scheduler, log: { info() {}, warn() {}, error: (...a: unknown[]) => { errors.push(a); } }, runScript: () => undefined });
  await director.load(loaded.config, 'start');
  const before = kernel.snapshot();
  calls.length = 0;

  scheduler.emit('change', { checkId: 'any', up: false, reason: 'connection refused', latencyMs: 1, at: Date.now() });
  await director.stop();
  closed = true;
  scheduler.emit('change', { checkId: 'any', up: true, reason: 'connected', latencyMs: 1, at: Date.now() });
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));

  assert.deepEqual(errors, []);
  assert.deepEqual(calls, []);
  assert.equal(kernel.snapshot(), before);
  scheduler.close();
});
