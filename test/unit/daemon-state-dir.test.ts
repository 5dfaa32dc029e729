// One lvsd per state directory: the claim is refused while another process
// (or another claim in this one) holds it, and ends with its holder, even by
// kill -9.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
