// One lvsd per state directory: the claim is refused while another process
// (or another claim in this one) holds it, ends with its holder, even by
// kill -9, and once held clears the temporary snapshots a crash left behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STATE_FILE, writeStateFile } from '../../src/api/state-file';
import { emptyApiState } from '../../src/director/api-state';
import { claimStateDir, LOCK_FILE, StateDirClaimedError } from '../../src/daemon/state-dir-lock';

const LOCK_MODULE = join(__dirname, '..', '..', 'src', 'daemon', 'state-dir-lock.js');

const fresh = (): string => mkdtempSync(join(tmpdir(), 'lvsd-state-dir-'));

test('a second claim on a state directory is refused with a sentence naming it, until the first is released', () => {
  const dir = join(fresh(), 'state');
  const first = claimStateDir(dir);
  assert.equal(statSync(dir).mode & 0o777, 0o700, 'a missing directory is created, private');
  assert.equal(readFileSync(join(dir, LOCK_FILE), 'utf8'), `${process.pid}\n`);
  assert.throws(() => claimStateDir(dir), (err: Error) => {
    assert.ok(err instanceof StateDirClaimedError);
    assert.equal(err.message, `another lvsd (pid ${process.pid}) uses the state directory ${dir} (it holds the lock on ${join(dir, LOCK_FILE)}); stop it, or give each lvsd its own --state-dir`);
    return true;
  });
  assert.equal(readFileSync(join(dir, LOCK_FILE), 'utf8'), `${process.pid}\n`, 'the refused claim leaves the holder\'s pid');
  first.release();
  first.release();
  claimStateDir(dir).release();
});

test('the claim holds against other processes and ends with its holder, even by kill -9', async () => {
  const dir = fresh();
  const holder = spawn(process.execPath, ['-e', `require(${JSON.stringify(LOCK_MODULE)}).claimStateDir(${JSON.stringify(dir)}); console.log('held'); setInterval(() => {}, 1000);`],
    { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => holder.once('exit', resolve));
  await new Promise<void>((resolve, reject) => {
    holder.stdout.on('data', (d: Buffer) => { if (d.toString().includes('held')) resolve(); });
    holder.once('exit', () => reject(new Error('the holder ended before it claimed the directory')));
  });
  try {
    assert.throws(() => claimStateDir(dir), new RegExp(`^StateDirClaimedError: another lvsd \\(pid ${holder.pid}\\) uses the state directory`));
  } finally {
    holder.kill('SIGKILL');
    await exited;
  }
  const claim = claimStateDir(dir);
  assert.equal(readFileSync(join(dir, LOCK_FILE), 'utf8'), `${process.pid}\n`);
  claim.release();
});

test('a state directory that cannot be made is refused, naming it', () => {
  const parent = fresh();
  writeFileSync(join(parent, 'file'), '');
  const dir = join(parent, 'file', 'state');
  assert.throws(() => claimStateDir(dir), new RegExp(`^Error: cannot use the state directory ${dir}: ENOTDIR`));
});

test('temporary snapshots a crash left are removed once the directory is claimed, and nothing else', () => {
  const dir = fresh();
  // A snapshot whose rename fails stays as a crash between its write and its rename leaves it.
  mkdirSync(join(dir, STATE_FILE));
  writeFileSync(join(dir, STATE_FILE, 'in-the-way'), '');
  assert.throws(() => writeStateFile(dir, emptyApiState()), /EISDIR/);
  rmSync(join(dir, STATE_FILE), { recursive: true });
  const crashed = [...readdirSync(dir), 'api-state.json.4242.tmp', 'owned-services.json.4242.tmp'];
  assert.equal(crashed.length, 3);
  const kept = ['api-state.journal', 'api-state.json.tmp', 'api-state.json.12.tmp.bak', 'api-state.json.x1.tmp', 'lvsd.json.77.tmp', 'notes.tmp'];
  for (const name of [...kept, 'api-state.json.4242.tmp', 'owned-services.json.4242.tmp']) writeFileSync(join(dir, name), '{');

  const claim = claimStateDir(dir);
  assert.deepEqual(claim.removed.sort(), crashed.sort());
  assert.deepEqual(readdirSync(dir).sort(), [...kept, LOCK_FILE].sort());
  // A refused claim removes nothing: the holder may be writing its snapshot.
  writeFileSync(join(dir, 'api-state.json.4243.tmp'), '{');
  assert.throws(() => claimStateDir(dir), StateDirClaimedError);
  assert.ok(readdirSync(dir).includes('api-state.json.4243.tmp'));
  claim.release();
});

test('a leftover that cannot be removed is reported, and the directory is claimed all the same', () => {
  const dir = fresh();
  // unlink() refuses a directory (EISDIR): the start must not hang on a leftover it cannot remove.
  mkdirSync(join(dir, 'api-state.json.77.tmp'));
  writeFileSync(join(dir, 'owned-services.json.77.tmp'), '{');
  const claim = claimStateDir(dir);
  try {
    assert.deepEqual(claim.removed, ['owned-services.json.77.tmp']);
    assert.deepEqual(claim.kept.map((k) => k.name), ['api-state.json.77.tmp']);
    assert.match(claim.kept[0]!.reason, /EISDIR|EPERM/);
  } finally {
    claim.release();
  }
});
