// Network sysctl names, and errors that say which sysctl and why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sysctlPath, interfaceSysctl, readSysctl, writeSysctl, ensureSysctl, SysctlError } from '../../src/net/sysctl';

test('dotted names map to /proc/sys paths; a dot in an interface name is written as /', () => {
  assert.equal(sysctlPath('net.ipv4.conf.all.arp_ignore'), '/proc/sys/net/ipv4/conf/all/arp_ignore');
  assert.equal(sysctlPath('net.ipv4.conf.eth0/100.rp_filter'), '/proc/sys/net/ipv4/conf/eth0.100/rp_filter');
  assert.equal(interfaceSysctl('eth0.100', 'arp_announce'), 'net.ipv4.conf.eth0/100.arp_announce');
  assert.equal(interfaceSysctl('default', 'forwarding', 'ipv6'), 'net.ipv6.conf.default.forwarding');
});

test('names outside net, too short, or climbing out of /proc/sys are refused', () => {
  for (const bad of ['kernel.hostname', 'net.ipv4', 'net..ipv4.x', 'net.ipv4.conf.../x', 'net.ipv4.conf./.x', '']) {
    assert.throws(() => sysctlPath(bad), /invalid network sysctl name/, bad);
  }
});

test('reading works on this kernel, and a missing sysctl says so by name', () => {
  assert.match(readSysctl('net.ipv4.conf.lo.forwarding'), /^[01]$/);
  assert.throws(() => readSysctl('net.ipv4.conf.nosuch0.arp_ignore'), (e: unknown) => {
    assert.ok(e instanceof SysctlError);
    assert.equal(e.code, 'ENOENT');
    assert.equal(e.sysctl, 'net.ipv4.conf.nosuch0.arp_ignore');
    assert.match(e.message, /sysctl net\.ipv4\.conf\.nosuch0\.arp_ignore does not exist/);
    return true;
  });
  assert.throws(() => ensureSysctl('net.ipv4.conf.nosuch0.arp_ignore', 1), /does not exist/);
  assert.throws(() => writeSysctl('net.ipv4.conf.lo.arp_ignore', '1\n2'), /must be one line/);
});

test('writing the value a sysctl already has changes nothing', () => {
  const current = readSysctl('net.ipv4.conf.lo.forwarding');
  assert.equal(ensureSysctl('net.ipv4.conf.lo.forwarding', current), undefined);
});
