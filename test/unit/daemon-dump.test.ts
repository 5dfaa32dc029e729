// Where SIGUSR1 dumps go when lvsd has no --state-dir: the lab runs every
// lvsd with one, so the environment's part is checked here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dumpDirectory } from '../../src/daemon/dump';

test('without --state-dir, dumps go to the first of STATE_DIRECTORY, else LVSD_STATE_DIR, else /tmp', () => {
  assert.equal(dumpDirectory({ STATE_DIRECTORY: '/var/lib/lvsd:/var/lib/other', LVSD_STATE_DIR: '/srv/lvsd' }), '/var/lib/lvsd');
  assert.equal(dumpDirectory({ STATE_DIRECTORY: ':/var/lib/other' }), '/var/lib/other');
  assert.equal(dumpDirectory({ LVSD_STATE_DIR: '/srv/lvsd' }), '/srv/lvsd');
  assert.equal(dumpDirectory({ LVSD_STATE_DIR: '' }), '/tmp');
});
