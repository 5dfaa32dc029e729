import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

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
  assert.ok(r.stderr.includes(`${file}:8: real_server: weight "x" is not an integer in 0..65535\n`));
  assert.match(r.stderr, /8 errors, 0 warnings: configuration is not valid/);
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
