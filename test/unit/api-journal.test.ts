// The API state on disk: changes go to a journal fsync'd per batch, are
// replayed over the snapshot on start (a torn last line is a change never
// confirmed), are undone there too when the kernel refuses them, and are
// folded into the snapshot once the journal outgrows it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs, { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JOURNAL_FILE, readStateFile, STATE_FILE, StateFileError, writeStateFile } from '../../src/api/state-file';
import { ApiError } from '../../src/api/objects';
import { ApiStore } from '../../src/api/store';
import { applyEdit, emptyApiState, type ApiEdit, type ApiRealServer, type ApiState } from '../../src/director/api-state';
import { auth, enc, harness, UNROUTABLE } from './api-fixture';

const VS = 'tcp:10.0.0.1:80';
const url = `/v1/services/${enc(VS)}/servers`;

function server(address: string, weight = 1): ApiRealServer {
  return { address, port: 80, weight, forward: 'nat', inhibitOnFailure: false, drained: false };
}

test('changes are in the journal once confirmed, and a restart without a clean stop (kill -9) finds them', async () => {
  const first = await harness();
  let r = await first.app.inject({ method: 'POST', url, headers: auth, payload: { address: '192.168.1.12', port: 8080, weight: 4, forward: 'nat' } });
  assert.equal(r.statusCode, 201, r.body);
  r = await first.app.inject({ method: 'PATCH', url: `${url}/192.168.1.11:8080`, headers: auth, payload: { drain: true } });
  assert.equal(r.statusCode, 200, r.body);
  r = await first.app.inject({ method: 'POST', url, headers: auth, payload: { address: UNROUTABLE, port: 80, forward: 'nat' } });
  assert.equal(r.statusCode, 422, r.body);
  assert.equal(readFileSync(join(first.stateDir, JOURNAL_FILE), 'utf8').trim().split('\n').length, 4, 'two changes, one refused and its undoing');
  // What a new start reads is what the API confirmed, the refused change not included.
  assert.deepEqual(readStateFile(first.stateDir), first.store.state);
  assert.equal(first.store.state.servers[VS]![`${UNROUTABLE}:80`], undefined);
  const kernel = first.kernel.snapshot();

  const second = await harness({ stateDir: first.stateDir });
  try {
    assert.equal(second.kernel.snapshot(), kernel);
    assert.equal(kernel, 'tcp:10.0.0.1:80 rr [192.168.1.11:8080/0/masq 192.168.1.12:8080/4/masq]');
    // The first change of the new run folds the old journal into the snapshot first.
    r = await second.app.inject({ method: 'DELETE', url: `${url}/192.168.1.12:8080`, headers: auth });
    assert.equal(r.statusCode, 204, r.body);
    assert.equal(JSON.parse(readFileSync(join(second.stateDir, STATE_FILE), 'utf8')).servers[VS]['192.168.1.12:8080'].weight, 4);
    assert.equal(readFileSync(join(second.stateDir, JOURNAL_FILE), 'utf8').trim().split('\n').length, 1);
    assert.deepEqual(readStateFile(second.stateDir), second.store.state);
  } finally {
    await second.close();
  }
});

test('a clean stop leaves one snapshot; a long journal is folded into it while running', async () => {
  const h = await harness();
  try {
    for (let batch = 0; batch < 10; batch++) {
      const replies = await Promise.all(Array.from({ length: 50 }, (_, i) =>
        h.app.inject({ method: 'POST', url, headers: auth, payload: { address: `10.1.${batch}.${i + 1}`, port: 80, forward: 'nat', weight: 2 } })));
      assert.deepEqual(new Set(replies.map((r) => r.statusCode)), new Set([201]));
    }
    const journal = statSync(join(h.stateDir, JOURNAL_FILE)).size;
    assert.ok(journal < 500 * 60, `the journal was folded (${journal} bytes for 500 changes)`);
    assert.ok(Object.keys(JSON.parse(readFileSync(join(h.stateDir, STATE_FILE), 'utf8')).servers[VS]).length > 0);
    assert.deepEqual(readStateFile(h.stateDir), h.store.state);
  } finally {
    await h.close();
  }
  assert.equal(statSync(join(h.stateDir, JOURNAL_FILE)).size, 0);
  assert.equal(Object.keys(JSON.parse(readFileSync(join(h.stateDir, STATE_FILE), 'utf8')).servers[VS]).length, 500);
});

function stateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lvsd-journal-'));
  mkdirSync(dir, { recursive: true });
  return dir;
}

test('a torn last journal line is ignored; a damaged line before it is an error naming the file and line', () => {
  const dir = stateDir();
  const edits: ApiEdit[] = [{ kind: 'server', service: VS, server: '10.1.0.1:80', value: server('10.1.0.1') }];
  writeFileSync(join(dir, JOURNAL_FILE), `${JSON.stringify(edits)}\n[{"kind":"server","serv`);
  assert.deepEqual(Object.keys(readStateFile(dir).servers[VS]!), ['10.1.0.1:80']);
  writeFileSync(join(dir, JOURNAL_FILE), `[{"kind":\n${JSON.stringify(edits)}\n`);
  assert.throws(() => readStateFile(dir), (e: Error) => e instanceof StateFileError && /api-state\.journal:1: not JSON/.test(e.message));
});

test('records of the wrong shape are errors naming the file, line and what is wrong, never applied', () => {
  const dir = stateDir();
  const cases: [string, RegExp][] = [
    ['[null]', /api-state\.journal:1: change 1: not an object/],
    ['[{"kind":"drop","service":"tcp:10.0.0.1:80"}]', /change 1: unknown kind "drop"/],
    ['[{"kind":"server","service":"__proto__","server":"polluted","value":{"x":1}}]', /service id: .*__proto__/],
    ['[{"kind":"server","service":"tcp:10.0.0.1:80","server":"constructor","value":{}}]', /real server id: "constructor" is not a real server id/],
    ['[{"kind":"service","service":"tcp:10.0.0.1:80","value":7}]', /its value is not an object/],
  ];
  for (const [line, message] of cases) {
    writeFileSync(join(dir, JOURNAL_FILE), `${line}\n`);
    assert.throws(() => readStateFile(dir), (e: Error) => e instanceof StateFileError && message.test(e.message), line);
  }
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  writeFileSync(join(dir, JOURNAL_FILE), '');
  for (const snapshot of ['{"version":1,"services":null,"servers":{},"overrides":{}}', '{"version":1,"services":[],"servers":{},"overrides":{}}']) {
    writeFileSync(join(dir, STATE_FILE), snapshot);
    assert.throws(() => readStateFile(dir), /api-state\.json: not an lvsd API state of version 1/, snapshot);
  }
  writeFileSync(join(dir, STATE_FILE), '{"version":1,"services":{"tcp:10.0.0.1:80":null},"servers":{},"overrides":{}}');
  assert.throws(() => readStateFile(dir), /api-state\.json: services "tcp:10\.0\.0\.1:80": not an object/);
  writeFileSync(join(dir, STATE_FILE), '{"version":1,"services":{},"servers":{"tcp:10.0.0.1:80":{"10.1.0.1:http":{}}},"overrides":{}}');
  assert.throws(() => readStateFile(dir), /servers "tcp:10\.0\.0\.1:80" "10\.1\.0\.1:http": real server id/);
});

test('replaying a journal over a snapshot that already holds it (a crash while folding) gives the same state', () => {
  const edits: ApiEdit[] = [
    { kind: 'service', service: 'tcp:10.9.0.1:80', value: { key: { family: 2, protocol: 'tcp', address: '10.9.0.1', port: 80 }, scheduler: 'wlc', schedulerFlags: [], ops: false } },
    { kind: 'server', service: 'tcp:10.9.0.1:80', server: '10.1.0.1:80', value: server('10.1.0.1') },
    { kind: 'server', service: VS, server: '10.1.0.2:80', value: server('10.1.0.2') },
    { kind: 'server', service: VS, server: '10.1.0.2:80', value: server('10.1.0.2', 5) },
    { kind: 'service', service: 'tcp:10.9.0.1:80' },
    { kind: 'server', service: 'tcp:10.9.0.1:80', server: '10.1.0.3:80', value: server('10.1.0.3') },
    { kind: 'override', service: VS, server: '192.168.1.11:8080', value: { drained: true } },
    { kind: 'server', service: VS, server: '10.1.0.4:80', value: server('10.1.0.4') },
    { kind: 'server', service: VS, server: '10.1.0.4:80' },
  ];
  const expected = emptyApiState();
  for (const e of edits) applyEdit(expected, e);
  const dir = stateDir();
  writeFileSync(join(dir, STATE_FILE), JSON.stringify(expected));
  writeFileSync(join(dir, JOURNAL_FILE), edits.map((e) => `${JSON.stringify([e])}\n`).join(''));
  assert.deepEqual(readStateFile(dir), expected);
  assert.deepEqual(Object.keys(expected.servers[VS]!), ['10.1.0.2:80']);
  assert.equal(expected.servers[VS]!['10.1.0.2:80']!.weight, 5);
});

test('the undoing edits applyEdit returns restore the state, in the order given', () => {
  const state = emptyApiState();
  applyEdit(state, { kind: 'server', service: 'tcp:10.9.0.1:80', server: '10.1.0.1:80', value: server('10.1.0.1') });
  const before = JSON.stringify(state);
  const undo = [
    ...applyEdit(state, { kind: 'service', service: 'tcp:10.9.0.1:80', value: { key: { family: 2, protocol: 'tcp', address: '10.9.0.1', port: 80 }, scheduler: 'rr', schedulerFlags: [], ops: false } }),
    ...applyEdit(state, { kind: 'service', service: 'tcp:10.9.0.1:80' }),
    ...applyEdit(state, { kind: 'override', service: VS, server: '192.168.1.11:8080', value: { weight: 9 } }),
  ];
  assert.notEqual(JSON.stringify(state), before);
  for (const e of undo.reverse()) applyEdit(state, e);
  assert.equal(JSON.stringify(state), before.replace('"overrides":{}', `"overrides":{"${VS}":{}}`));
});

test('a change that fails after editing leaves nothing behind, and the others of its batch go through', async () => {
  const dir = stateDir();
  const seen: ApiState[] = [];
  const store = new ApiStore(dir, { setApiState: async (s) => { seen.push(JSON.parse(JSON.stringify(s))); } }, emptyApiState());
  const add = (address: string) => ({ kind: 'server' as const, service: VS, server: `${address}:80`, value: server(address) });
  const [bad, good] = await Promise.allSettled([
    store.change(({ edit }) => {
      edit(add('10.1.0.1'));
      throw new ApiError(400, 'refused after an edit');
    }),
    store.change(({ edit }) => {
      edit(add('10.1.0.2'));
      return 'ok';
    }),
  ]);
  assert.equal(bad.status, 'rejected');
  assert.deepEqual(good, { status: 'fulfilled', value: 'ok' });
  assert.deepEqual(Object.keys(store.state.servers[VS]!), ['10.1.0.2:80']);
  assert.deepEqual(seen.map((s) => Object.keys(s.servers[VS] ?? {})), [['10.1.0.2:80']], 'one batch, without the failed change');
  assert.deepEqual(readStateFile(dir), store.state);
  await store.close();
});

test('a snapshot the file system takes only part of is not put in place: the old one stays, no temporary file is left', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lvsd-state-'));
  writeStateFile(dir, emptyApiState());
  const before = readFileSync(join(dir, STATE_FILE), 'utf8');
  const bigger = emptyApiState();
  applyEdit(bigger, {
    kind: 'server', service: 'tcp:10.0.0.1:80', server: '192.168.1.50:8080',
    value: { address: '192.168.1.50', port: 8080, weight: 1, forward: 'nat', inhibitOnFailure: false } as ApiRealServer,
  });
  // As a nearly full disk: the first write takes half, the next fails with ENOSPC.
  const realWrite = fs.writeSync;
  let calls = 0;
  t.mock.method(fs, 'writeSync', (fd: number, data: Buffer, offset = 0) => {
    calls++;
    if (calls > 1) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    return realWrite(fd, data, offset, Math.max(1, (data.length - offset) >> 1));
  });
  assert.throws(() => writeStateFile(dir, bigger), /ENOSPC/);
  t.mock.restoreAll();
  assert.equal(readFileSync(join(dir, STATE_FILE), 'utf8'), before);
  assert.deepEqual(readdirSync(dir), [STATE_FILE]);
});
