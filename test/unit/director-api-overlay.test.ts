// The API state laid over the file's configuration: after each change, the
// overlay rebuilt only where the change touched equals one built from scratch,
// and one that does not go through is taken back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type KeepalivedConfig } from '../../src/config';
import {
  applyApiState, applyEdit, emptyApiState, patchApiState, touchedBy, type ApiEdit, type ApiRealServer, type EffectiveConfig,
} from '../../src/director/api-state';
import { virtualServerName } from '../../src/director/desired';
import { effectiveServerId } from '../../src/director/api-state';

function config(text: string): KeepalivedConfig {
  const dir = mkdtempSync(join(tmpdir(), 'lvsd-overlay-'));
  const file = join(dir, 'keepalived.conf');
  writeFileSync(file, text);
  const r = loadConfig(file);
  assert.ok(r.ok, JSON.stringify(r.diagnostics));
  return r.config;
}

const FILE = config(`
virtual_server_group web {
  10.0.0.5 80
  10.0.0.6 80
}
virtual_server group web {
  lb_algo rr
  lb_kind NAT
  protocol TCP
  real_server 10.0.2.1 80 { weight 1 }
}
virtual_server 10.0.0.1 80 {
  lb_algo wrr
  lb_kind NAT
  protocol TCP
  real_server 10.0.1.1 80 { weight 3 }
  real_server 10.0.1.2 80 {
    weight 1
    TCP_CHECK { connect_timeout 3 }
  }
}
`);

const FILE_VS = 'tcp:10.0.0.1:80';
const API_VS = 'tcp:10.0.0.9:80';

function server(address: string, weight = 1, check = false): ApiRealServer {
  return {
    address, port: 80, weight, forward: 'nat', inhibitOnFailure: false, drained: false,
    ...(check ? { check: { kind: 'TCP_CHECK', server: { address, port: 80 }, connectTimeout: 3, retry: 1, delayBeforeRetry: 1, delayLoop: 60, warmup: 0, rise: 1, fall: 1, alpha: false } as never } : {}),
  };
}

/** What the director uses of an effective configuration, in a comparable form. */
function summary(e: EffectiveConfig): unknown {
  return {
    virtualServers: e.config.virtualServers.map((vs) => [virtualServerName(vs), vs.realServers.map((rs) => `${effectiveServerId(vs, rs)}/${rs.weight}`)]),
    services: [...e.services].map(([id, s]) => [id, s.origin, s.group, virtualServerName(s.vs), s.vs.realServers.length]),
    checks: e.checks.map((c) => [c.id, c.server]).sort(),
    shadowed: [...e.shadowed].sort(),
    overlays: [...e.overlays].map(([id, o]) => [id, [...o.servers.keys()].sort(), [...o.checks.keys()].sort(), [...o.shadowedServers].sort()]),
  };
}

test('a change laid over incrementally gives what a full rebuild gives', () => {
  const edits: ApiEdit[] = [
    { kind: 'service', service: API_VS, value: { key: { family: 2, protocol: 'tcp', address: '10.0.0.9', port: 80 }, scheduler: 'wlc', schedulerFlags: [], ops: false } },
    { kind: 'server', service: API_VS, server: '10.0.9.1:80', value: server('10.0.9.1') },
    { kind: 'server', service: API_VS, server: '10.0.9.2:80', value: server('10.0.9.2', 4, true) },
    { kind: 'server', service: FILE_VS, server: '10.0.1.5:80', value: server('10.0.1.5', 2) },
    // Shadowed by the file's own 10.0.1.1:80.
    { kind: 'server', service: FILE_VS, server: '10.0.1.1:80', value: server('10.0.1.1', 9) },
    { kind: 'override', service: FILE_VS, server: '10.0.1.2:80', value: { drained: true } },
    { kind: 'server', service: API_VS, server: '10.0.9.1:80', value: server('10.0.9.1', 7) },
    { kind: 'server', service: API_VS, server: '10.0.9.2:80' },
    { kind: 'server', service: FILE_VS, server: '10.0.1.1:80' },
    // A service the file defines: shadowed.
    { kind: 'service', service: FILE_VS, value: { key: { family: 2, protocol: 'tcp', address: '10.0.0.1', port: 80 }, scheduler: 'rr', schedulerFlags: [], ops: false } },
    { kind: 'server', service: 'tcp:10.0.0.5:80', server: '10.0.5.1:80', value: server('10.0.5.1') },
    { kind: 'service', service: API_VS },
    { kind: 'server', service: API_VS, server: '10.0.9.3:80', value: server('10.0.9.3') },
    { kind: 'service', service: API_VS, value: { key: { family: 2, protocol: 'tcp', address: '10.0.0.9', port: 80 }, scheduler: 'rr', schedulerFlags: [], ops: false } },
  ];
  const state = emptyApiState();
  let effective = applyApiState(FILE, state);
  for (const [i, e] of edits.entries()) {
    applyEdit(state, e);
    // A change that does not go through leaves the previous overlay as it was.
    const before = summary(effective);
    patchApiState(effective, FILE, state, touchedBy([e])).revert();
    assert.deepEqual(summary(effective), before, `reverting change ${i + 1}`);
    effective = patchApiState(effective, FILE, state, touchedBy([e])).effective;
    assert.deepEqual(summary(effective), summary(applyApiState(FILE, state)), `after change ${i + 1}: ${JSON.stringify(e)}`);
  }
  assert.deepEqual((summary(effective) as { shadowed: string[] }).shadowed, [`service ${FILE_VS}`]);
  assert.deepEqual(effective.services.get(API_VS)?.vs.realServers.map((rs) => rs.address), ['10.0.9.3']);
});

test('touchedBy names the real servers of server changes, and whole services otherwise', () => {
  const t = touchedBy([
    { kind: 'server', service: API_VS, server: 'a' },
    { kind: 'server', service: API_VS, server: 'b' },
    { kind: 'override', service: FILE_VS, server: 'c' },
    { kind: 'server', service: FILE_VS, server: 'd' },
  ]);
  assert.deepEqual([...t].map(([id, rids]) => [id, rids && [...rids]]), [[API_VS, ['a', 'b']], [FILE_VS, undefined]]);
});
