import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config';
import { flushOnStop } from '../../src/daemon/flush-on-stop';
import { AF_INET, type Service } from '../../src/ipvs/types';
import { FakeKernel } from '../helpers/fake-kernel';

function load(globalDefs: string): ReturnType<typeof loadConfig> {
  const file = join(mkdtempSync(join(tmpdir(), 'flush-on-stop-')), 'keepalived.conf');
  writeFileSync(file, `global_defs {\n${globalDefs}\n}\n`);
  return loadConfig(file);
}

test('without lvs_flush_on_stop the table stays on stop', () => {
  const r = load('router_id a');
  assert.equal(r.ok, true);
  assert.equal(r.config.global.lvsFlushOnStop, undefined);
});

test('lvs_flush_on_stop alone flushes every service; VS only those of the configuration', () => {
  assert.equal(load('lvs_flush_on_stop').config.global.lvsFlushOnStop, 'all');
  assert.equal(load('lvs_flush_on_stop VS').config.global.lvsFlushOnStop, 'vs');
  assert.equal(load('lvs_flush_onstop VS').config.global.lvsFlushOnStop, 'vs');
});

test('an unknown lvs_flush_on_stop type is an error with its line', () => {
  const r = load('lvs_flush_on_stop SOME');
  assert.equal(r.ok, false);
  const d = r.diagnostics.find((x) => x.severity === 'error');
  assert.ok(d);
  assert.equal(d.line, 2);
  assert.match(d.message, /lvs_flush_on_stop type "SOME" is not one of VS/);
});

test('lvs_flush_on_stop names the services it removed, for lvsd to forget them', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'flush-on-stop-')), 'keepalived.conf');
  const kernel = new FakeKernel();
  const service = (address: string): Service => ({ family: AF_INET, protocol: 'tcp', address, port: 80, scheduler: 'rr', flags: 0, timeout: 0, netmask: 0xffffffff, peName: '' });
  await kernel.apply([{ op: 'addService', service: service('10.0.0.1') }, { op: 'addService', service: service('10.0.0.9') }]);
  for (const [mode, gone] of [['VS', ['tcp:10.0.0.1:80']], ['', ['tcp:10.0.0.1:80', 'tcp:10.0.0.9:80']]] as const) {
    writeFileSync(file, `global_defs {\n  lvs_flush_on_stop ${mode}\n}\nvirtual_server 10.0.0.1 80 {\n  lb_algo rr\n  protocol TCP\n}\n`);
    const loaded = loadConfig(file);
    assert.ok(loaded.ok);
    if (!kernel.table.has('tcp:10.0.0.1:80')) await kernel.apply([{ op: 'addService', service: service('10.0.0.1') }]);
    const result = await flushOnStop(loaded.config, kernel);
    assert.deepEqual(result?.gone.sort(), [...gone], mode);
    assert.equal(result?.removed, gone.length);
  }
});
