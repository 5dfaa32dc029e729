// startup_script and shutdown_script: read from global_defs with their
// timeouts, run to their end, and ended with their process group when they
// outlive the timeout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config';
import { runToEnd } from '../../src/daemon/scripts';

function recorder() {
  const lines: string[] = [];
  const put = (level: string) => (obj: object, msg?: string) => { lines.push(`${level} ${msg} ${JSON.stringify(obj)}`); };
  return { lines, log: { info: put('info'), warn: put('warn'), error: put('error') } };
}

/** A process that is running: not gone, and not a zombie waiting for its new parent to reap it. */
function alive(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
}

test('startup_script and shutdown_script are read with their users and timeouts (10 s unless given, 1..1000)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'start-stop-'));
  const file = join(dir, 'keepalived.conf');
  writeFileSync(file, 'global_defs {\n  shutdown_script_timeout 3\n  startup_script "/usr/local/bin/marks add" root\n  shutdown_script /usr/local/bin/marks\n}\n');
  const r = loadConfig(file);
  assert.ok(r.ok, JSON.stringify(r.diagnostics));
  assert.deepEqual(r.diagnostics, []);
  const g = r.config.global;
  assert.deepEqual([g.startupScript?.argv, g.startupScript?.user, g.startupScriptTimeoutMs], [['/usr/local/bin/marks', 'add'], 'root', 10_000]);
  assert.deepEqual([g.shutdownScript?.argv, g.shutdownScriptTimeoutMs], [['/usr/local/bin/marks'], 3000]);
  writeFileSync(file, 'global_defs {\n  startup_script_timeout 0\n}\n');
  assert.deepEqual(loadConfig(file).diagnostics.map((d) => `${d.line} ${d.severity} ${d.message}`),
    ['2 error startup_script_timeout "0" is not an integer in 1..1000']);
});

test('a script is waited for to its end, and its status logged', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'start-stop-'));
  const { lines, log } = recorder();
  await runToEnd({ command: 'sh', argv: ['/bin/sh', '-c', `sleep 0.3; echo done > ${dir}/out; exit 3`] }, 60_000, 'startup_script', log);
  assert.equal(readFileSync(join(dir, 'out'), 'utf8'), 'done\n', 'waited for the script to end');
  assert.match(lines.join('\n'), /^warn script failed .*"why":"startup_script","code":3/);
  lines.length = 0;
  await runToEnd({ command: 'nowhere', argv: ['/nonexistent/program'] }, 5000, 'shutdown_script', log);
  assert.match(lines.join('\n'), /^error script could not start .*ENOENT/);
});

test('a script past its timeout is ended with everything it started', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'start-stop-'));
  const { lines, log } = recorder();
  // The sleeper's pid is written before the timeout can end the script.
  await runToEnd({ command: 'sh', argv: ['/bin/sh', '-c', `sleep 30 & echo $! > ${dir}/child; wait`] }, 1500, 'startup_script', log);
  const child = Number(readFileSync(join(dir, 'child'), 'utf8'));
  // The signals are sent: the kernel may take a moment to end the process.
  for (let i = 0; i < 100 && alive(child); i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(alive(child), false, 'what the script started is gone too');
  assert.match(lines.join('\n'), /script still running at its timeout: ended[^]*script failed .*"signal":"SIGTERM"/);
});
