import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config';

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
