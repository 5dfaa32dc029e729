// Wire format of the IPVS client, checked against bytes laid out by hand from
// include/uapi/linux/ip_vs.h (little-endian host: netlink integers are host order).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { endianness } from 'node:os';
import {
  daemonRequest, daemonStopRequest, decodeDaemon, decodeInfo, decodeRealServer, decodeService, decodeTimeouts,
  genlPayload, realServerKeyRequest, realServerRequest, serviceKeyRequest, serviceRequest, timeoutsRequest,
} from '../../src/ipvs/codec';
import { frame, parseAck, parseMessages } from '../../src/ipvs/message';
import { IpvsError, IpvsInputError, IpvsProtocolError } from '../../src/ipvs/errors';
import { explained, opRequest } from '../../src/ipvs/client';
import { AF_INET, AF_INET6, SVC_F_PERSISTENT, TUN_F_CSUM, type RealServer, type Service } from '../../src/ipvs/types';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const ZERO12 = '000000000000000000000000';

test('the golden bytes assume a little-endian host', () => {
  assert.equal(endianness(), 'LE');
});

const webService: Service = {
  family: AF_INET, protocol: 'tcp', address: '10.0.0.1', port: 80,
  scheduler: 'wlc', flags: SVC_F_PERSISTENT, timeout: 300, netmask: 0xffffff00, peName: '',
};

const webServiceBytes = hex(`
  01 01 00 00
  54 00 01 80
    06 00 01 00 02 00 00 00
    06 00 02 00 06 00 00 00
    14 00 03 00 0a 00 00 01 ${ZERO12}
    06 00 04 00 00 50 00 00
    08 00 06 00 77 6c 63 00
    0c 00 07 00 01 00 00 00 ff ff ff ff
    08 00 08 00 2c 01 00 00
    08 00 09 00 ff ff ff 00`);

test('encodes NEW_SERVICE for an IPv4 TCP service with persistence', () => {
  assert.deepEqual(genlPayload(serviceRequest('NEW_SERVICE', webService)), webServiceBytes);
});

test('frames a request with the netlink header', () => {
  const msg = frame(0x1a, 0x5, 7, webServiceBytes);
  assert.deepEqual(msg.subarray(0, 16), hex('68 00 00 00 1a 00 05 00 07 00 00 00 00 00 00 00'));
  assert.deepEqual(msg.subarray(16), webServiceBytes);
  const [parsed] = parseMessages(msg);
  assert.deepEqual({ ...parsed, data: Buffer.from(parsed!.data) }, { type: 0x1a, flags: 5, seq: 7, port: 0, data: webServiceBytes });
});

test('encodes an IPv6 service: prefix length in host order, pe name, HASHED stripped', () => {
  const payload = genlPayload(serviceRequest('SET_SERVICE', {
    family: AF_INET6, protocol: 'udp', address: '2001:db8::1', port: 5060,
    scheduler: 'rr', flags: SVC_F_PERSISTENT | 0x2, timeout: 60, netmask: 64, peName: 'sip',
  }));
  assert.deepEqual(payload, hex(`
    02 01 00 00
    5c 00 01 80
      06 00 01 00 0a 00 00 00
      06 00 02 00 11 00 00 00
      14 00 03 00 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01
      06 00 04 00 13 c4 00 00
      07 00 06 00 72 72 00 00
      08 00 0b 00 73 69 70 00
      0c 00 07 00 01 00 00 00 ff ff ff ff
      08 00 08 00 3c 00 00 00
      08 00 09 00 40 00 00 00`));
});

const tunnelServer: RealServer = {
  family: AF_INET, address: '192.168.1.2', port: 0, forward: 'tunnel', weight: 3,
  upperThreshold: 100, lowerThreshold: 10, tunnelType: 'gue', tunnelPort: 6080, tunnelFlags: TUN_F_CSUM,
};

test('encodes NEW_DEST: fwmark service, IPv4 GUE tunnel real server with csum', () => {
  const payload = genlPayload(realServerRequest('NEW_DEST', { family: AF_INET6, fwmark: 5 }, tunnelServer));
  assert.deepEqual(payload, hex(`
    05 01 00 00
    14 00 01 80
      06 00 01 00 0a 00 00 00
      08 00 05 00 05 00 00 00
    60 00 02 80
      14 00 01 00 c0 a8 01 02 ${ZERO12}
      06 00 02 00 00 00 00 00
      06 00 0b 00 02 00 00 00
      08 00 03 00 02 00 00 00
      08 00 04 00 03 00 00 00
      08 00 05 00 64 00 00 00
      08 00 06 00 0a 00 00 00
      05 00 0d 00 01 00 00 00
      06 00 0e 00 17 c0 00 00
      06 00 0f 00 01 00 00 00`));
});

test('encodes DEL_DEST and DEL_SERVICE with identifying attributes only', () => {
  const key = { family: AF_INET, protocol: 'sctp', address: '10.0.0.1', port: 443 } as const;
  assert.deepEqual(genlPayload(serviceKeyRequest('DEL_SERVICE', key)), hex(`
    03 01 00 00
    30 00 01 80
      06 00 01 00 02 00 00 00
      06 00 02 00 84 00 00 00
      14 00 03 00 0a 00 00 01 ${ZERO12}
      06 00 04 00 01 bb 00 00`));
  const del = genlPayload(realServerKeyRequest(key, { family: AF_INET, address: '10.1.0.9', port: 8443 }));
  assert.deepEqual(del.subarray(0, 4), hex('07 01 00 00'));
  assert.deepEqual(del.subarray(4 + 0x30), hex(`
    28 00 02 80
      14 00 01 00 0a 01 00 09 ${ZERO12}
      06 00 02 00 20 fb 00 00
      06 00 0b 00 02 00 00 00`));
});

test('encodes NEW_DAEMON with every optional field, and DEL_DAEMON', () => {
  const payload = genlPayload(daemonRequest({
    state: 'backup', interface: 'eth0', syncId: 7, syncMaxLen: 1472, mcastGroup: '224.0.0.81', mcastPort: 8848, mcastTtl: 1,
  }));
  assert.deepEqual(payload, hex(`
    09 01 00 00
    40 00 03 80
      08 00 01 00 02 00 00 00
      09 00 02 00 65 74 68 30 00 00 00 00
      08 00 03 00 07 00 00 00
      06 00 04 00 c0 05 00 00
      08 00 05 00 e0 00 00 51
      06 00 07 00 90 22 00 00
      05 00 08 00 01 00 00 00`));
  assert.deepEqual(genlPayload(daemonStopRequest('master')), hex('0a 01 00 00 0c 00 03 80 08 00 01 00 01 00 00 00'));
});

test('encodes SET_CONFIG timeouts', () => {
  assert.deepEqual(genlPayload(timeoutsRequest({ tcp: 900, tcpFin: 120, udp: 300 })), hex(`
    0c 01 00 00
    08 00 04 00 84 03 00 00
    08 00 05 00 78 00 00 00
    08 00 06 00 2c 01 00 00`));
});

test('zero and flush operations carry no service unless one is given', () => {
  assert.deepEqual(genlPayload(opRequest({ op: 'flush' })), hex('11 01 00 00'));
  assert.deepEqual(genlPayload(opRequest({ op: 'zero' })), hex('10 01 00 00'));
  assert.deepEqual(genlPayload(opRequest({ op: 'zero', key: { family: AF_INET, fwmark: 1 } })),
    hex('10 01 00 00 14 00 01 80 06 00 01 00 02 00 00 00 08 00 05 00 01 00 00 00'));
});

// A service as the kernel dumps it: an unknown attribute first (ignored), flags with HASHED,
// STATS mixing u32 and u64 counters with a PAD attribute, STATS64 all u64.
const statsU32 = (v: string[]): string => `
      08 00 01 00 ${v[0]} 00 00 00
      08 00 02 00 ${v[1]} 00 00 00
      08 00 03 00 ${v[2]} 00 00 00
      04 00 0b 00
      0c 00 04 00 ${v[3]} 00 00 00 00 00 00 00
      0c 00 05 00 ${v[4]} 00 00 00 00 00 00 00
      08 00 06 00 00 00 00 00
      08 00 07 00 00 00 00 00
      08 00 08 00 00 00 00 00
      08 00 09 00 00 00 00 00
      08 00 0a 00 00 00 00 00`;
const stats64 = `
      0c 00 01 00 05 00 00 00 01 00 00 00
      0c 00 02 00 06 00 00 00 00 00 00 00
      0c 00 03 00 07 00 00 00 00 00 00 00
      0c 00 04 00 08 00 00 00 00 00 00 00
      0c 00 05 00 09 00 00 00 00 00 00 00
      0c 00 06 00 00 00 00 00 00 00 00 00
      0c 00 07 00 00 00 00 00 00 00 00 00
      0c 00 08 00 00 00 00 00 00 00 00 00
      0c 00 09 00 00 00 00 00 00 00 00 00
      0c 00 0a 00 00 00 00 00 00 00 00 00`;
const dumpedService = hex(`
  01 01 00 00
  38 01 01 80
    08 00 1e 00 de ad be ef
    06 00 01 00 02 00 00 00
    06 00 02 00 06 00 00 00
    14 00 03 00 0a 00 00 01 ${ZERO12}
    06 00 04 00 00 50 00 00
    08 00 06 00 77 6c 63 00
    0c 00 07 00 03 00 00 00 ff ff ff ff
    08 00 08 00 2c 01 00 00
    08 00 09 00 ff ff ff 00
    60 00 0a 80 ${statsU32(['05', '06', '07', '08', '09'])}
    7c 00 0c 80 ${stats64}`);

test('decodes a dumped service with both stats sets', () => {
  const s = decodeService(dumpedService);
  assert.deepEqual(s.service, webService);
  assert.equal(s.stats.conns, 5n);
  assert.equal(s.stats.inBytes, 8n);
  assert.equal(s.stats64.conns, 0x100000005n);
  assert.equal(s.stats64.outBytes, 9n);
});

const dumpedDest = hex(`
  05 01 00 00
  54 01 02 80
    14 00 01 00 0a 01 00 02 ${ZERO12}
    06 00 02 00 00 50 00 00
    08 00 03 00 03 00 00 00
    08 00 04 00 02 00 00 00
    05 00 0d 00 00 00 00 00
    06 00 0e 00 00 00 00 00
    06 00 0f 00 00 00 00 00
    08 00 05 00 00 00 00 00
    08 00 06 00 00 00 00 00
    08 00 07 00 04 00 00 00
    08 00 08 00 0b 00 00 00
    08 00 09 00 00 00 00 00
    06 00 0b 00 02 00 00 00
    60 00 0a 80 ${statsU32(['01', '02', '03', '04', '05'])}
    7c 00 0c 80 ${stats64}`);

test('decodes a dumped real server', () => {
  const d = decodeRealServer(dumpedDest, AF_INET);
  assert.deepEqual(d.server, {
    family: AF_INET, address: '10.1.0.2', port: 80, forward: 'route', weight: 2, upperThreshold: 0, lowerThreshold: 0,
    tunnelType: 'ipip', tunnelPort: 0, tunnelFlags: 0,
  });
  assert.equal(d.activeConns, 4);
  assert.equal(d.inactiveConns, 11);
  assert.equal(d.stats.outBytes, 5n);
});

const dumpedDaemon = hex(`
  09 01 00 00
  40 00 03 80
    08 00 01 00 01 00 00 00
    09 00 02 00 65 74 68 30 00 00 00 00
    08 00 03 00 02 00 00 00
    06 00 04 00 c0 05 00 00
    06 00 07 00 90 22 00 00
    05 00 08 00 01 00 00 00
    08 00 05 00 e0 00 00 51`);

test('decodes a sync daemon, info and timeouts', () => {
  assert.deepEqual(decodeDaemon(dumpedDaemon), {
    state: 'master', interface: 'eth0', syncId: 2, syncMaxLen: 1472, mcastGroup: '224.0.0.81', mcastPort: 8848, mcastTtl: 1,
  });
  assert.deepEqual(decodeInfo(hex('0e 01 00 00 08 00 01 00 01 02 01 00 08 00 02 00 00 10 00 00')), { version: 0x010201, connTableSize: 4096 });
  assert.deepEqual(decodeTimeouts(hex('0d 01 00 00 08 00 04 00 84 03 00 00 08 00 05 00 78 00 00 00 08 00 06 00 2c 01 00 00')),
    { tcp: 900, tcpFin: 120, udp: 300 });
});

test('every truncation of a reply is rejected with IpvsProtocolError', () => {
  const cases: [string, Buffer, (b: Buffer) => unknown][] = [
    ['service', dumpedService, decodeService],
    ['real server', dumpedDest, (b) => decodeRealServer(b, AF_INET)],
    ['daemon', dumpedDaemon, decodeDaemon],
  ];
  for (const [name, golden, decode] of cases) {
    for (let len = 0; len < golden.length; len++) {
      assert.throws(() => decode(golden.subarray(0, len)), IpvsProtocolError, `${name} cut at ${len} bytes`);
    }
  }
});

test('malformed attributes are rejected with IpvsProtocolError', () => {
  const corrupt = (at: number, bytes: string): Buffer => {
    const b = Buffer.from(dumpedService);
    hex(bytes).copy(b, at);
    return b;
  };
  assert.throws(() => decodeService(corrupt(8, '02 00')), IpvsProtocolError, 'attribute length below the header');
  assert.throws(() => decodeService(corrupt(16, '06 00 01 00 07 00')), IpvsProtocolError, 'unknown address family');
  assert.throws(() => decodeService(corrupt(24, '06 00 02 00 63 00')), IpvsProtocolError, 'unknown protocol');
  assert.throws(() => decodeService(corrupt(4, '40 01')), IpvsProtocolError, 'nested length past the end');
  assert.throws(() => decodeService(hex('01 01 00 00 0c 00 01 80 06 00 01 00 02 00 00 00')), IpvsProtocolError, 'missing attributes');
  assert.throws(() => decodeService(hex('01 01 00 00 08 00 01 80 06 00 01 00 02 00 00 00 01')), IpvsProtocolError, 'stray bytes');
  assert.throws(() => parseMessages(hex('20 00 00 00 10 00 00 00 01 00 00 00 00 00 00 00')), IpvsProtocolError, 'message past the datagram');
  assert.throws(() => parseMessages(hex('10 00 00')), IpvsProtocolError, 'short header');
  assert.throws(() => parseAck({ type: 2, flags: 0, seq: 1, port: 0, data: hex('ef ff ff ff') }), IpvsProtocolError, 'short error');
});

test('kernel errors keep errno and code; extended ack text is kept', () => {
  const request = frame(0x1a, 5, 9, webServiceBytes);
  const plain = parseAck({ type: 2, flags: 0, seq: 9, port: 0, data: Buffer.concat([hex('ef ff ff ff'), request]) });
  assert.deepEqual(plain, { errno: 17 });
  const capped = { type: 2, flags: 0x300, seq: 9, port: 0, data: Buffer.concat([hex('ea ff ff ff'), request.subarray(0, 16), hex('0e 00 01 00 62 61 64 20 74 68 69 6e 67 00 00 00')]) };
  assert.deepEqual(parseAck(capped), { errno: 22, kernelMessage: 'bad thing' });
  const withEcho = { type: 2, flags: 0x200, seq: 9, port: 0, data: Buffer.concat([hex('fd ff ff ff'), request, hex('08 00 01 00 6e 6f 00 00')]) };
  assert.deepEqual(parseAck(withEcho), { errno: 3, kernelMessage: 'no' });
  assert.deepEqual(parseAck({ type: 2, flags: 0x100, seq: 9, port: 0, data: Buffer.concat([hex('00 00 00 00'), request.subarray(0, 16)]) }), { errno: 0 });

  const err = new IpvsError({ errno: 17, command: 'NEW_DEST', target: 'TCP 10.0.0.1:80 -> 10.0.0.2:80', kernelMessage: 'bad thing' });
  assert.equal(err.code, 'EEXIST');
  assert.equal(err.errno, 17);
  assert.equal(err.kernelMessage, 'bad thing');
  assert.match(err.message, /NEW_DEST TCP 10\.0\.0\.1:80 -> 10\.0\.0\.2:80: file already exists \[EEXIST\].*bad thing/);
  assert.equal(new IpvsError({ errno: 3, command: 'DEL_SERVICE', target: 'FWM 1' }).code, 'ESRCH');
  assert.equal(new IpvsError({ errno: 2, command: 'DEL_DEST', target: 'x' }).code, 'ENOENT');
});

test('bad input is refused before anything is encoded', () => {
  const bad: [string, () => unknown][] = [
    ['IPv4 text for IPv6', () => serviceRequest('NEW_SERVICE', { ...webService, family: AF_INET6 })],
    ['port range', () => serviceRequest('NEW_SERVICE', { ...webService, port: 70000 })],
    ['protocol', () => serviceRequest('NEW_SERVICE', { ...webService, protocol: 'icmp' as 'tcp' })],
    ['fwmark 0', () => serviceKeyRequest('DEL_SERVICE', { family: AF_INET, fwmark: 0 })],
    ['scheduler too long', () => serviceRequest('NEW_SERVICE', { ...webService, scheduler: 'a'.repeat(16) })],
    ['empty scheduler', () => serviceRequest('NEW_SERVICE', { ...webService, scheduler: '' })],
    ['short address', () => serviceRequest('NEW_SERVICE', { ...webService, address: '10.1' })],
    ['zone in address', () => realServerRequest('NEW_DEST', webService, { ...tunnelServer, family: AF_INET6, address: 'fe80::1%eth0' })],
    ['negative weight', () => realServerRequest('NEW_DEST', webService, { ...tunnelServer, weight: -1 })],
    ['forwarding method', () => realServerRequest('NEW_DEST', webService, { ...tunnelServer, forward: 'nat' as 'masq' })],
    ['tunnel type', () => realServerRequest('NEW_DEST', webService, { ...tunnelServer, tunnelType: 'vxlan' as 'gue' })],
    ['daemon state', () => daemonRequest({ state: 'both' as 'master', interface: 'eth0', syncId: 0 })],
    ['interface name', () => daemonRequest({ state: 'master', interface: 'a-very-long-interface', syncId: 0 })],
    ['multicast group', () => daemonRequest({ state: 'master', interface: 'eth0', syncId: 0, mcastGroup: 'nowhere' })],
    ['timeout', () => timeoutsRequest({ tcp: -1, tcpFin: 0, udp: 0 })],
  ];
  for (const [name, fn] of bad) {
    assert.throws(fn, (e: unknown) => e instanceof IpvsInputError && e.errno === 22 && e.code === 'EINVAL', name);
  }
  assert.throws(() => realServerRequest('NEW_DEST', webService, { ...tunnelServer, weight: 1.5 }),
    /NEW_DEST TCP 10\.0\.0\.1:80 -> 192\.168\.1\.2:0: invalid input: weight 1\.5/);
});

test('ENOENT for a service names the scheduler or persistence engine the kernel lacks; errno stays', () => {
  const refusal = (command: string): IpvsError => new IpvsError({ errno: 2, command, target: 'TCP 10.0.0.1:80' });
  const sched = explained(refusal('NEW_SERVICE'), serviceRequest('NEW_SERVICE', { ...webService, scheduler: 'twos' }));
  assert.equal(sched.code, 'ENOENT');
  assert.equal(sched.message, 'IPVS NEW_SERVICE TCP 10.0.0.1:80: the kernel has no scheduler twos '
    + '(module ip_vs_twos is not loaded and could not be) [ENOENT]');
  const pe = explained(refusal('SET_SERVICE'), serviceRequest('SET_SERVICE', { ...webService, peName: 'sip' }));
  assert.match(pe.message, /: the kernel has no scheduler wlc \(module ip_vs_wlc\) or no persistence engine sip \(module ip_vs_pe_sip\)/);
  const dest = refusal('SET_DEST');
  assert.equal(explained(dest, realServerRequest('SET_DEST', webService, { ...tunnelServer, family: AF_INET, address: '10.0.0.2' })),
    dest, 'a missing real server keeps the kernel reason');
  const exists = new IpvsError({ errno: 17, command: 'NEW_SERVICE', target: 'TCP 10.0.0.1:80' });
  assert.equal(explained(exists, serviceRequest('NEW_SERVICE', webService)), exists);
});
