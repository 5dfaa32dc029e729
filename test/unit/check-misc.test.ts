import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCheckSpec, type CheckInput } from '../../src/check/spec';
import { probeOnce } from '../../src/check/probe';
import { exitVerdict } from '../../src/check/misc';
import { splitCommandLine } from '../../src/common/command-line';
import { resolveRunAs } from '../../src/check/run-as';

const dir = mkdtempSync(join(tmpdir(), 'check-misc-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

function script(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

function misc(miscPath: string, extra: Partial<CheckInput> = {}) {
  return buildCheckSpec({ kind: 'MISC_CHECK', server: { address: '127.0.0.1', port: 80 }, miscPath, ...extra });
}

test('exit codes: 0 is up, anything else down; dynamic maps 2-255 to weight code - 2', () => {
  assert.deepEqual(exitVerdict(0, false), { ok: true });
  assert.deepEqual(exitVerdict(1, false), { ok: false });
  assert.deepEqual(exitVerdict(7, false), { ok: false });
  assert.deepEqual(exitVerdict(0, true), { ok: true });
  assert.deepEqual(exitVerdict(1, true), { ok: false });
  assert.deepEqual(exitVerdict(2, true), { ok: true, weight: 0 });
  assert.deepEqual(exitVerdict(12, true), { ok: true, weight: 10 });
  assert.deepEqual(exitVerdict(255, true), { ok: true, weight: 253 });
});

test('misc_path is split into argv without any shell expansion', () => {
  assert.deepEqual(splitCommandLine('/usr/local/bin/script.sh arg1  arg2'), ['/usr/local/bin/script.sh', 'arg1', 'arg2']);
  assert.deepEqual(splitCommandLine(`/bin/check "a b" 'c "d"' e\\ f "x\\"y" $HOME;rm`), ['/bin/check', 'a b', 'c "d"', 'e f', 'x"y', '$HOME;rm']);
  assert.deepEqual(splitCommandLine('/bin/true ""'), ['/bin/true', '']);
  assert.throws(() => splitCommandLine('/bin/x "open'), /unterminated " quote/);
  assert.throws(() => splitCommandLine('   '), /empty/);
  assert.throws(() => misc('/bin/x \'open'), /MISC_CHECK of 127.0.0.1:80: misc_path .*unterminated/);
});

test('MISC_CHECK runs the program with its arguments, never through a shell', async () => {
  const out = join(dir, 'args.txt');
  const p = script('args.sh', `printf '%s\\n' "$@" > ${out}; exit 0`);
  const r = await probeOnce(misc(`${p} "two words" ';' '$(id)'`));
  assert.equal(r.ok, true, r.reason);
  assert.deepEqual(readFileSync(out, 'utf8').split('\n').slice(0, -1), ['two words', ';', '$(id)']);
});

test('MISC_CHECK verdicts from exit codes, plain and dynamic', async () => {
  const exit = (code: number) => script(`exit${code}.sh`, `exit ${code}`);
  let r = await probeOnce(misc(exit(0)));
  assert.equal(r.ok, true);
  assert.equal(r.weight, undefined);
  r = await probeOnce(misc(exit(1)));
  assert.equal(r.ok, false);
  assert.match(r.reason, /exit 1/);
  r = await probeOnce(misc(exit(5)));
  assert.equal(r.ok, false, 'without misc_dynamic any non-zero code is down');
  r = await probeOnce(misc(exit(5), { miscDynamic: true }));
  assert.deepEqual([r.ok, r.weight], [true, 3]);
  r = await probeOnce(misc(exit(1), { miscDynamic: true }));
  assert.equal(r.ok, false);
});

test('MISC_CHECK reports a program that cannot be run', async () => {
  const r = await probeOnce(misc(join(dir, 'missing-program')));
  assert.equal(r.ok, false);
  assert.match(r.reason, /cannot run: ENOENT/);
});

/** Whether a process runs; the kill lands asynchronously, and a zombie awaiting its reaper counts as dead. */
function running(pid: number): boolean {
  try { return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8')); } catch { return false; }
}

async function gone(pid: number, withinMs: number): Promise<boolean> {
  for (let waited = 0; waited < withinMs && running(pid); waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
  return !running(pid);
}

test('misc_timeout stops the whole process group: SIGTERM, then SIGKILL 2 s later, as keepalived does', async () => {
  const pidFile = join(dir, 'grandchild.pid');
  const p = script('slow.sh', `sleep 30 & echo $! > ${pidFile}; wait`);
  const r = await probeOnce(misc(p, { miscTimeout: 0.5 }));
  assert.equal(r.ok, false);
  assert.match(r.reason, /misc_timeout 500 ms, process group stopped/);
  assert.ok(existsSync(pidFile));
  const grandchild = Number(readFileSync(pidFile, 'utf8'));
  assert.equal(await gone(grandchild, 1000), true, `grandchild ${grandchild} must end with its group on SIGTERM`);

  // A group that ignores SIGTERM is killed when the grace is over.
  const stubborn = script('stubborn.sh', `trap "" TERM; sleep 30 & echo $! > ${pidFile}; wait`);
  const s = await probeOnce(misc(stubborn, { miscTimeout: 0.3 }));
  assert.equal(s.ok, false);
  const ignoring = Number(readFileSync(pidFile, 'utf8'));
  assert.equal(await gone(ignoring, 1000), false, 'SIGTERM is ignored: still running within the grace');
  assert.equal(await gone(ignoring, 2500), true, 'killed once the 2 s grace is over');

  // The program dies of its SIGTERM, leaving a child that ignores it: that child goes at once, not never.
  const leaving = script('leaving.sh', `(trap "" TERM; exec sleep 30) & echo $! > ${pidFile}; sleep 30 & wait`);
  const l = await probeOnce(misc(leaving, { miscTimeout: 0.3 }));
  assert.equal(l.ok, false);
  const orphan = Number(readFileSync(pidFile, 'utf8'));
  assert.equal(await gone(orphan, 1000), true, `child ${orphan} of a program that died of SIGTERM must be killed with it`);
});

test('MISC_CHECK runs as the configured uid/gid', { skip: process.getuid?.() !== 0 && 'needs root to switch users' }, async () => {
  const out = join(dir, 'id.txt');
  chmodSync(dir, 0o777);
  const p = script('id.sh', `id -u > ${out}; id -g >> ${out}`);
  const r = await probeOnce(misc(p, { uid: 65534, gid: 65534 }));
  assert.equal(r.ok, true, r.reason);
  assert.deepEqual(readFileSync(out, 'utf8').trim().split('\n'), ['65534', '65534']);
});

test('user and group names resolve to ids; the primary group is the default', () => {
  const files = { passwd: join(dir, 'passwd'), group: join(dir, 'group') };
  writeFileSync(files.passwd, 'root:x:0:0:root:/root:/bin/sh\nchecker:x:1001:1002::/nonexistent:/usr/sbin/nologin\nbroken:x:abc:1::/:/bin/sh\n');
  writeFileSync(files.group, 'root:x:0:\nmonitor:x:2000:\n');
  assert.deepEqual(resolveRunAs('checker', undefined, files), { uid: 1001, gid: 1002 });
  assert.deepEqual(resolveRunAs('checker', 'monitor', files), { uid: 1001, gid: 2000 });
  assert.deepEqual(resolveRunAs('4242', '4343', files), { uid: 4242, gid: 4343 });
  assert.throws(() => resolveRunAs('nosuch', undefined, files), /unknown user "nosuch": not in .*passwd/);
  assert.throws(() => resolveRunAs('checker', 'nosuch', files), /unknown group "nosuch"/);
  assert.throws(() => resolveRunAs('4242', undefined, files), /give a group too/);
  assert.throws(() => resolveRunAs('broken', undefined, files), /passwd:3: malformed entry for user "broken"/);
  assert.throws(() => resolveRunAs('x', undefined, { passwd: join(dir, 'absent'), group: files.group }), /cannot read .*absent.*ENOENT/);
});
