// Where SIGUSR1 dumps go when lvsd has no --state-dir (the lab runs every
// lvsd with one, so the environment's part is checked here), and what a
// writer killed mid-dump leaves behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dumpDirectory, writeStateDump, type DumpSources } from '../../src/daemon/dump';

test('without --state-dir, dumps go to the first of STATE_DIRECTORY, else LVSD_STATE_DIR, else /tmp', () => {
  assert.equal(dumpDirectory({ STATE_DIRECTORY: '/var/lib/lvsd:/var/lib/other', LVSD_STATE_DIR: '/srv/lvsd' }), '/var/lib/lvsd');
  assert.equal(dumpDirectory({ STATE_DIRECTORY: ':/var/lib/other' }), '/var/lib/other');
  assert.equal(dumpDirectory({ LVSD_STATE_DIR: '/srv/lvsd' }), '/srv/lvsd');
  assert.equal(dumpDirectory({ LVSD_STATE_DIR: '' }), '/tmp');
});

test('a dump removes the temporary files of writers that died mid-dump, not those of live ones', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lvsd-dump-'));
  try {
    // A pid that was just in use and has exited: its process is gone.
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    writeFileSync(join(dir, `lvsd.json.${dead}.tmp`), '{"half');
    writeFileSync(join(dir, `lvsd.json.${process.ppid}.tmp`), '{"another lvsd, writing');
    writeFileSync(join(dir, 'lvsd.json.notes'), 'not a dump');
    const sources: DumpSources = {
      configFile: '/etc/keepalived/keepalived.conf', config: undefined, desired: [], components: [],
      client: { listServices: async () => [], listRealServers: async () => [] },
      scheduler: { status: () => undefined },
    };
    const file = await writeStateDump(sources, dir);
    assert.equal(file, join(dir, 'lvsd.json'));
    assert.deepEqual(readdirSync(dir).sort(), ['lvsd.json', 'lvsd.json.notes', `lvsd.json.${process.ppid}.tmp`].sort());
    assert.equal((JSON.parse(readFileSync(file, 'utf8')) as { pid: number }).pid, process.pid);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
