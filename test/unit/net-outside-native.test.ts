// Errors in work started by a netlink package callback: without the guard the
// package's C++ turns them into an abort (status 134, no stack); through
// outsideNative they are ordinary uncaught exceptions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const DIST = join(__dirname, '..', '..');

/** Runs a child that throws (directly or from a nextTick) in a 'message' listener of a NETLINK_ROUTE socket. */
function child(guarded: boolean, how: 'throw' | 'tick'): { status: number | null; signal: string | null; stdout: string } {
  const script = `
    const { RawNetlinkSocket } = require('netlink/dist/raw');
    const { outsideNative } = require(${JSON.stringify(join(DIST, 'src/net/outside-native.js'))});
    process.on('uncaughtException', (e) => { console.log('uncaught: ' + e.message); process.exit(7); });
    const socket = new RawNetlinkSocket(0, {});
    const fail = () => { if (${JSON.stringify(how)} === 'throw') throw new Error('boom'); process.nextTick(() => { throw new Error('boom'); }); };
    socket.on('message', ${guarded} ? outsideNative(fail) : fail);
    // RTM_GETLINK dump: any user may ask, and the kernel answers.
    const request = Buffer.alloc(32);
    request.writeUInt32LE(32, 0); request.writeUInt16LE(18, 4); request.writeUInt16LE(0x301, 6); request.writeUInt32LE(1, 8);
    socket.send(request, {}, () => undefined);
    setTimeout(() => process.exit(0), 5000);`;
  // No core file from the abort.
  const r = spawnSync('/bin/sh', ['-c', 'ulimit -c 0; exec "$0" -e "$1"', process.execPath, script], { encoding: 'utf8', cwd: join(DIST, '..') });
  return { status: r.status, signal: r.signal, stdout: r.stdout };
}

test('an error in work started by a netlink callback is an uncaught exception, not an abort', () => {
  for (const how of ['throw', 'tick'] as const) {
    assert.deepEqual(child(true, how), { status: 7, signal: null, stdout: 'uncaught: boom\n' }, how);
  }
});

test('the guard is needed: unguarded, the same error aborts the process', () => {
  assert.equal(child(false, 'tick').signal, 'SIGABRT');
});
