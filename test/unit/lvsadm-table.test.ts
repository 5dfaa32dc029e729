// Which side of the kernel table lvsadm opens first: the blocking reader for
// listings, the pipelined client for changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readsFirst } from '../../src/cli/lvsadm/table';

test('listings and saves read first; changes, restores and flushes write first', () => {
  for (const args of [[], ['-Ln'], ['-nL'], ['-l'], ['-L', '-n', '--stats'], ['-S', '-n'], ['-Sn'], ['--list'], ['--save'], ['-L', '-t', '10.0.0.1:80']]) {
    assert.equal(readsFirst(['lvsadm', ...args]), true, args.join(' '));
  }
  for (const args of [['-A', '-t', '10.0.0.1:80', '-s', 'wlc'], ['-a', '-t', '10.0.0.1:80', '-r', '10.0.0.2', '-m'], ['-R'], ['-C'], ['--restore'], ['-Z'], ['--set', '1', '2', '3']]) {
    assert.equal(readsFirst(['lvsadm', ...args]), false, args.join(' '));
  }
});
