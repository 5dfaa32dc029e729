// Opening the client where IPVS cannot be used gives one clear sentence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { IpvsClient, IpvsUnavailableError } from '../../src/ipvs';

test('open on a kernel without IPVS says how to get it', { skip: existsSync('/proc/net/ip_vs') && 'this kernel has IPVS' }, async () => {
  await assert.rejects(IpvsClient.open(), (e: unknown) => {
    assert.ok(e instanceof IpvsUnavailableError, String(e));
    assert.equal(e.code, 'ENOENT');
    assert.match(e.message, /^the kernel has no IPVS: load it with `modprobe ip_vs`/);
    return true;
  });
});

test('open in a network namespace that does not exist fails with the namespace named', async () => {
  await assert.rejects(IpvsClient.open({ netns: 'ipvs-open-missing' }), /ipvs-open-missing/);
});
