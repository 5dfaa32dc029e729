// Argument checks that must refuse bad input before any syscall: these run
// on any host, without privileges and without the lab.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { interfaceInfo, sendGratuitousArp, sendUnsolicitedNa, VrrpSocket, type VrrpSocketOptions } from '../../src/native/vrrp-socket';
import { addressBytes, checkInterfaceName, parseMac } from '../../src/native/validate';
import { native } from '../../src/native/index';

test('interface names follow the kernel rule', () => {
  for (const ok of ['eth0', 'br-lan.10', 'a', 'x'.repeat(15)]) assert.equal(checkInterfaceName(ok), ok);
  for (const bad of ['', 'x'.repeat(16), '.', '..', 'a/b', 'eth0:1', 'a b', 'a\tb', 'a\0b', 3, undefined]) {
    assert.throws(() => checkInterfaceName(bad), TypeError, JSON.stringify(bad));
  }
});

test('addresses must be of the expected family, without zone index', () => {
  assert.deepEqual([...addressBytes(4, '10.0.0.1', 'x')], [10, 0, 0, 1]);
  assert.equal(addressBytes(6, 'fe80::1', 'x').toString('hex'), 'fe800000000000000000000000000001');
  assert.throws(() => addressBytes(4, 'fe80::1', 'destination'), /destination fe80::1 is an IPv6 address, expected IPv4/);
  assert.throws(() => addressBytes(6, '10.0.0.1', 'destination'), /is an IPv4 address, expected IPv6/);
  assert.throws(() => addressBytes(4, '10.0.0.256', 'destination'), /not an IPv4 address/);
  assert.throws(() => addressBytes(4, '0x7f.1', 'destination'), /not an IPv4 address/);
  assert.throws(() => addressBytes(6, 'fe80::1%eth0', 'destination'), /zone index/);
  assert.throws(() => addressBytes(4, 42, 'destination'), /must be a string/);
});

test('MAC addresses: six hex pairs, unicast, not zero', () => {
  assert.equal(parseMac('00:00:5E:00:01:0a').toString('hex'), '00005e00010a');
  for (const bad of ['00:00:5e:00:01', '00-00-5e-00-01-01', '00:00:5e:00:01:0g', '01:00:5e:00:00:12', '00:00:00:00:00:00', '', 1]) {
    assert.throws(() => parseMac(bad), TypeError, String(bad));
  }
});

test('VrrpSocket.open refuses bad options with a clear message', () => {
  const cases: Array<[unknown, RegExp]> = [
    [undefined, /options object required/],
    [{ family: 5, interface: 'eth0', multicast: true }, /family must be 4 or 6, got 5/],
    [{ family: 4, interface: 'eth0:1', multicast: true }, /invalid interface name "eth0:1"/],
    [{ family: 4, interface: 'eth0', multicast: 'yes' }, /multicast must be true or false/],
    [{ family: 4, interface: 'eth0', multicast: true, sourceAddress: '2001:db8::1' }, /expected IPv4/],
    [{ family: 6, interface: 'eth0', multicast: true, sourceAddress: '10.0.0.1' }, /expected IPv6/],
    [{ family: 4, interface: 'eth0', multicast: true, sourceAddress: '224.0.0.18' }, /not unicast/],
    [{ family: 6, interface: 'eth0', multicast: true, sourceAddress: 'ff02::12' }, /not unicast/],
  ];
  for (const [opts, message] of cases) {
    assert.throws(() => VrrpSocket.open(opts as VrrpSocketOptions), message);
  }
});

test('announcements refuse bad interface, address family and MAC', () => {
  assert.throws(() => sendGratuitousArp('a/b', '10.0.0.1'), /invalid interface name/);
  assert.throws(() => sendGratuitousArp('eth0', 'fd00::1'), /gratuitous ARP address fd00::1 is an IPv6 address/);
  assert.throws(() => sendGratuitousArp('eth0', '10.0.0.1', '01:00:5e:00:00:01'), /sender MAC .* multicast/);
  assert.throws(() => sendUnsolicitedNa('eth0', '10.0.0.1'), /is an IPv4 address, expected IPv6/);
  assert.throws(() => sendUnsolicitedNa('eth0', 'ff02::1'), /is multicast/);
  assert.throws(() => sendUnsolicitedNa('eth0', 'fd00::1', 'zz'), /not of the form/);
  assert.throws(() => interfaceInfo(''), /invalid interface name/);
});

test('the addon itself refuses malformed calls with TypeErrors, never crashing', () => {
  const addon = native();
  const noop = (): void => {};
  assert.throws(() => new addon.VrrpSocket(5 as 4, 'lo', undefined, true, noop, noop), /family must be 4 or 6/);
  assert.throws(() => new addon.VrrpSocket(4, 'a/b', undefined, true, noop, noop), /invalid interface name/);
  assert.throws(() => new addon.VrrpSocket(4, 'lo', 'nonsense', true, noop, noop), /not an IPv4 address/);
  assert.throws(() => new addon.VrrpSocket(6, 'lo', '10.0.0.1', true, noop, noop), /not an IPv6 address/);
  assert.throws(() => Reflect.construct(addon.VrrpSocket, [4, 'lo']), TypeError);
  for (const [family, source, multicast] of [[6, 'fe80::1', false], [4, '10.0.0.1', false], [4, undefined, true], [6, undefined, true]] as const) {
    assert.throws(() => new addon.VrrpSocket(family, 'lo', source, multicast, noop, noop, true), /a link listener has no group and no source address/);
  }
  for (const [source, multicast, link] of [[undefined, false, false], ['10.0.0.1', true, false], [undefined, false, true]] as const) {
    assert.throws(() => new addon.VrrpSocket(4, 'lo', source, multicast, noop, noop, link, true), /a foreign source is a source address, for a socket that joins no group/);
  }
  assert.throws(() => Reflect.construct(addon.VrrpSocket, [4, 'lo', undefined, false, noop, noop, 'yes']), TypeError);
  assert.throws(() => Reflect.construct(addon.VrrpSocket, [4, 'lo', '10.0.0.1', false, noop, noop, false, 'yes']), TypeError);
  assert.throws(() => VrrpSocket.openLinkListener('a/b'), /invalid interface name/);
  assert.throws(() => addon.sendFrame('lo', Buffer.alloc(4)), /shorter than an Ethernet header/);
  assert.throws(() => addon.sendFrame('lo', 'frame' as unknown as Buffer), /must be a Buffer/);
  assert.throws(() => addon.interfaceInfo('x'.repeat(16)), /invalid interface name/);
  assert.throws(() => addon.lockExclusive('3' as unknown as number), { name: 'TypeError', message: 'lockExclusive(fd: number)' });
  assert.throws(() => addon.lockExclusive(-1), { code: 'EBADF', syscall: 'flock' });
});

test('an unknown interface is reported by name with ENODEV', () => {
  assert.throws(() => interfaceInfo('nosuchlink0'), (err: NodeJS.ErrnoException & { interface?: string }) => {
    assert.equal(err.code, 'ENODEV');
    assert.equal(err.interface, 'nosuchlink0');
    assert.match(err.message, /nosuchlink0/);
    return true;
  });
});
