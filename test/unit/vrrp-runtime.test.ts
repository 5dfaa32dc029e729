// Instances the runtime cannot start say why in the operator's words.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config';
import { VrrpRuntime } from '../../src/vrrp/runtime';
import { planVrrp } from '../../src/vrrp/settings';

const MISSING = 'lvsd-nosuch0';

function plan(family: 4 | 6) {
  const file = join(mkdtempSync(join(tmpdir(), 'vrrp-runtime-')), 'keepalived.conf');
  writeFileSync(file, `
vrrp_instance VI_1 {
  interface ${MISSING}
  virtual_router_id 51
  priority 120
  virtual_ipaddress {
    ${family === 4 ? '192.0.2.100/24' : '2001:db8::100/64'}
  }
}
`);
  const result = loadConfig(file);
  assert.ok(result.ok, JSON.stringify(result.diagnostics));
  return planVrrp(result.config);
}

for (const family of [4, 6] as const) {
  test(`an IPv${family} instance on an interface that does not exist says so, not that it has no address`, async () => {
    const errors: { obj: object; msg?: string }[] = [];
    const log = { info: () => undefined, warn: () => undefined, error: (obj: object, msg?: string) => { errors.push({ obj, ...(msg !== undefined ? { msg } : {}) }); } };
    const runtime = new VrrpRuntime({ log, runScript: () => undefined });
    try {
      await runtime.apply(plan(family));
      assert.deepEqual(errors, [{ obj: { instance: 'VI_1', err: `no interface named ${MISSING}` }, msg: 'VRRP instance not started' }]);
      assert.deepEqual(runtime.view(), []);
    } finally {
      await runtime.stop();
    }
  });
}
