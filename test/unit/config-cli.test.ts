import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';

const ROOT = path.resolve(__dirname, '../../..');
const LVSD = path.join(ROOT, 'bin/lvsd');
const FIXTURES = path.join(ROOT, 'test/fixtures/config');

function lvsd(...args: string[]) {
  const r = spawnSync(process.execPath, [LVSD, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('lvsd -t -f on a valid file exits 0, warnings on stderr only', () => {
  const r = lvsd('-t', '-f', path.join(FIXTURES, 'seeds/002-check-mysqld.conf'));
  assert.equal(r.status, 0);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /002-check-mysqld\.conf:14: warning: track_script: unknown top-level keyword ignored/);
  assert.match(r.stderr, /configuration is valid \(1 warning\)/);
});

test('lvsd --config-test on an invalid file exits 1 and lists every error', () => {
  const file = path.join(FIXTURES, 'invalid/values.conf');
  const r = lvsd('--config-test', `--use-file=${file}`);
  assert.equal(r.status, 1);
  assert.ok(r.stderr.includes(`${file}:8: real_server: weight "x" is not an integer in 0..2147483647\n`));
  assert.match(r.stderr, /8 errors, 1 warning: configuration is not valid/);
});

test('lvsd -t refuses what would stop the daemon from building its checkers, and warns where keepalived ignores words', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lvsd-t-'));
  try {
    const file = path.join(dir, 'keepalived.conf');
    writeFileSync(file, [
      'virtual_server fwmark 20 {',
      '  lb_kind DR',
      '  persistence_timeout 300',
      '  real_server 192.168.12.1 {',
      '    TCP_CHECK {',
      '      connect_timeout 3',
      '    }',
      '  }',
      '  real_server 192.168.12.2 {',
      '    MISC_CHECK {',
      '      misc_path /bin/true 192.168.12.2 80',
      '    }',
      '  }',
      '}',
    ].join('\n'));
    const r = lvsd('-t', '-f', file);
    assert.equal(r.status, 1);
    assert.ok(r.stderr.includes(`${file}:5: TCP_CHECK: TCP_CHECK of 192.168.12.1:0: needs a port`), r.stderr);
    assert.ok(r.stderr.includes(`${file}:11: warning: MISC_CHECK: misc_path: words after the command are ignored`), r.stderr);
    assert.match(r.stderr, /1 error, 1 warning: configuration is not valid/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('lvsd -i selects @id lines', () => {
  const main = path.join(FIXTURES, 'include/main.conf');
  assert.equal(lvsd('-t', '-i', 'lab1', '-f', main).status, 0);
});

test('lvsd usage errors exit 2; --help prints usage; a missing file stops the daemon before it starts', () => {
  const missing = lvsd('-f', '/nonexistent/keepalived.conf');
  assert.equal(missing.status, 1);
  assert.match(missing.stdout + missing.stderr, /nonexistent\/keepalived\.conf.*ENOENT/);
  const bad = lvsd('-t', '--bogus');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown option "--bogus"/);
  assert.equal(lvsd('-t', '-f').status, 2);
  const help = lvsd('--help');
  assert.equal(help.status, 0);
  assert.match(help.stdout, /-t, --config-test/);
});

test('lvsd -t on a missing file fails cleanly', () => {
  const r = lvsd('-t', '-f', path.join(FIXTURES, 'nope.conf'));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /nope\.conf: config: cannot read .*nope\.conf: ENOENT/);
});

/** Runs bin/lvsd with its stdout's reader gone before it writes: the pipe is closed at once. */
function lvsdIntoClosedPipe(...args: string[]): Promise<{ status: number | null; signal: string | null; stderr: string }> {
  const child = spawn(process.execPath, [LVSD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.destroy();
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (t: string) => { stderr += t; });
  return new Promise((resolve) => child.on('close', (status, signal) => resolve({ status, signal, stderr })));
}

test('a command whose output reader is gone ends quietly with status 141, as SIGPIPE ends a C tool', async () => {
  for (const args of [['--help'], ['doctor', '-f', path.join(FIXTURES, 'seeds/002-check-mysqld.conf')]]) {
    assert.deepEqual(await lvsdIntoClosedPipe(...args), { status: 141, signal: null, stderr: '' }, `lvsd ${args.join(' ')}`);
  }
});

test('a daemon that cannot open the IPVS table says why in one log line and exits 1', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lvsd-cli-'));
  try {
    const file = path.join(dir, 'keepalived.conf');
    writeFileSync(file, 'virtual_server 10.40.0.100 80 {\n protocol TCP\n  lb_algo rr\n  real_server 192.168.80.11 8080 {\n    weight 1\n  }\n}\n');
    // This host has no IPVS; where one has, a namespace that does not exist fails the same way.
    const hostHasIpvs = existsSync('/proc/net/ip_vs');
    const r = lvsd('-f', file, '--api', 'off', '--state-dir', dir, ...(hostHasIpvs ? ['--netns', 'lvsd-no-such-namespace'] : []));
    assert.equal(r.status, 1);
    assert.equal(r.stderr, '');
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { msg: string; err: string });
    assert.equal(lines.length, 1, r.stdout);
    assert.match(lines[0]!.msg, /not starting/);
    assert.match(lines[0]!.err, hostHasIpvs ? /lvsd-no-such-namespace/ : /the kernel has no IPVS: load it with `modprobe ip_vs`/);
    if (!hostHasIpvs) assert.equal(typeof (lines[0] as { modprobe?: unknown }).modprobe, 'string', 'what modprobe said when it could not load ip_vs');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('lvsd -t refuses what the VRRP planner would refuse at start, with file:line', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lvsd-t-'));
  try {
    const file = path.join(dir, 'keepalived.conf');
    writeFileSync(file, [
      'global_defs {',
      '  lvs_sync_daemon eth0',
      '}',
      'vrrp_instance VI_1 {',
      '  interface eth0',
      '  virtual_router_id 51',
      '  authentication {',
      '    auth_type AH',
      '    auth_pass secret',
      '  }',
      '  virtual_ipaddress {',
      '    10.0.0.100/24',
      '  }',
      '}',
    ].join('\n'));
    const r = lvsd('-t', '-f', file);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`${file}:4: vrrp: vrrp_instance VI_1: auth_type AH is not supported`));
    assert.match(r.stderr, /2 errors, 0 warnings: configuration is not valid/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('lvsd -t reads a configuration from a pipe (lvsd -f <(program)); a device is refused', () => {
  const text = 'virtual_server 10.0.0.1 80 {\n  protocol TCP\n  real_server 10.0.1.1 80 {\n    weight 1\n  }\n}\n';
  // Through the shell, so that stdin is a pipe (node's own stdio pipes are sockets).
  const piped = spawnSync('/bin/sh', ['-c', `cat | "${process.execPath}" "${LVSD}" -t -f /dev/stdin`], { encoding: 'utf8', input: text });
  assert.equal(piped.status, 0, piped.stderr);
  assert.match(piped.stderr, /\/dev\/stdin: configuration is valid/);
  const device = lvsd('-t', '-f', '/dev/zero');
  assert.equal(device.status, 1);
  assert.match(device.stderr, /^\/dev\/zero: config: \/dev\/zero is not a file or a pipe$/m);
});
