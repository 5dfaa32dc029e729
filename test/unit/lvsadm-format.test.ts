// Listings against ipvsadm 1.31's own output for the same table, captured in
// the lab (test/fixtures/lvsadm/*.txt).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { emptyFormat } from '../../src/cli/lvsadm/args';
import { formatTable, msort, type ServiceListing } from '../../src/cli/lvsadm/format';
import type { RealServer, Service, Stats } from '../../src/ipvs/types';
import type { Names } from '../../src/cli/lvsadm/resolve';

const fixture = (name: string): string => readFileSync(join(__dirname, '..', '..', '..', 'test/fixtures/lvsadm', name), 'utf8');
const numeric: Names = {
  hostToAddr: async () => undefined, serviceToPort: () => undefined, portToService: () => undefined,
  prefetchHosts: async () => undefined, addrToHost: () => undefined,
};
const zero: Stats = { conns: 0n, inPkts: 0n, outPkts: 0n, inBytes: 0n, outBytes: 0n, cps: 0n, inPps: 0n, outPps: 0n, inBps: 0n, outBps: 0n };

function svc(s: Partial<Service> & Pick<Service, 'family'>, servers: Partial<RealServer>[] = []): ServiceListing {
  const service = { scheduler: 'wlc', flags: 0, timeout: 0, netmask: s.family === 10 ? 128 : 0xffffffff, peName: '', ...s } as Service;
  return {
    status: { service, stats: zero, stats64: zero },
    servers: servers.map((r) => ({
      server: { family: 2, address: '', port: 0, forward: 'route', weight: 1, upperThreshold: 0, lowerThreshold: 0,
        tunnelType: 'ipip', tunnelPort: 0, tunnelFlags: 0, ...r } as RealServer,
      activeConns: 0, inactiveConns: 0, persistConns: 0, stats: zero, stats64: zero,
    })),
  };
}

// The table the lab probe built with ipvsadm, in an order unlike the sorted one.
const table: ServiceListing[] = [
  svc({ family: 2, fwmark: 8, scheduler: 'rr', flags: 0x8 | 0x20 }, [
    { address: '10.0.0.10', forward: 'tunnel' },
    { address: '10.0.0.9', forward: 'tunnel', tunnelType: 'gre', tunnelFlags: 1 },
  ]),
  svc({ family: 10, fwmark: 7, flags: 1, timeout: 20, netmask: 64 }, [
    { address: '10.0.0.7', forward: 'tunnel', tunnelType: 'gue', tunnelPort: 6080, tunnelFlags: 1 },
  ]),
  svc({ family: 10, protocol: 'udp', address: '2001:db8::1', port: 5060, flags: 1, timeout: 360, peName: 'sip' }),
  svc({ family: 10, protocol: 'tcp', address: '2001:db8::1', port: 443, scheduler: 'wrr', flags: 1, timeout: 360, peName: 'sip' }, [
    { family: 10, address: '2001:db8::5', port: 8443, forward: 'masq', upperThreshold: 10, lowerThreshold: 5 },
  ]),
  svc({ family: 2, protocol: 'udp', address: '10.1.1.5', port: 53, scheduler: 'mh', flags: 0x4 | 0x10 }),
  svc({ family: 2, protocol: 'tcp', address: '10.1.1.5', port: 80, scheduler: 'sh', flags: 1 | 0x8 | 0x10, timeout: 100, netmask: 0xffff0000 }),
  svc({ family: 2, protocol: 'tcp', address: '10.1.1.4', port: 80, flags: 1, timeout: 360 }),
  svc({ family: 2, protocol: 'tcp', address: '10.1.1.1', port: 80 }, [
    { address: '10.0.0.1', port: 80, forward: 'masq', weight: 5 },
    { address: '1.2.3.4', port: 80 },
  ]),
];

const info = { version: 0x010201, connTableSize: 4096 };

test('-Ln matches ipvsadm byte for byte', () => {
  assert.equal(formatTable(info, table, { ...emptyFormat(), numeric: true }, numeric), fixture('list-numeric.txt'));
});

test('-Ln --tun-info matches ipvsadm byte for byte', () => {
  assert.equal(formatTable(info, table, { ...emptyFormat(), numeric: true, tunInfo: true }, numeric), fixture('list-tun-info.txt'));
});

test('-Sn matches ipvsadm byte for byte', () => {
  assert.equal(formatTable(info, table, { ...emptyFormat(), numeric: true, rule: true }, numeric), fixture('save-numeric.txt'));
});

test('sorting is glibc qsort with ipvsadm\'s wrapping comparison', () => {
  // 1.x minus 200.x overflows a C int: ipvsadm sorts 1.0.0.0 after 200.0.0.0.
  const wrap = (a: number, b: number): number => (a - b) | 0;
  assert.deepEqual(msort([0x01000000, 0xc8000000], wrap), [0xc8000000, 0x01000000]);
  assert.deepEqual(msort([5, 3, 9, 1, 3], (a, b) => a - b), [1, 3, 3, 5, 9]);
});

test('columns wider than their field push the rest right by one space, as printf does', () => {
  const wide = svc({ family: 10, protocol: 'tcp', address: '2001:db8::1', port: 443 }, [
    { family: 10, address: '2001:db8:1234:5678:9abc:def0:1234:5678', port: 65535, forward: 'masq', weight: 1234567 },
  ]);
  wide.servers[0]!.activeConns = 4294967295;
  const text = formatTable(info, [wide], { ...emptyFormat(), numeric: true }, numeric);
  assert.equal(text.split('\n')[4], '  -> [2001:db8:1234:5678:9abc:def0:1234:5678]:65535 Masq    1234567 4294967295 0         ');
});

test('a real server\'s counters show their low 32 bits, bytes whole, as ipvsadm 1.31 reads them; a service\'s are whole', () => {
  const big: Stats = {
    conns: 5000000001n, inPkts: 6000000002n, outPkts: 7000000003n, inBytes: 8000000004n, outBytes: 9000000005n,
    cps: 4294967301n, inPps: 4294967302n, outPps: 4294967303n, inBps: 4294967304n, outBps: 4294967305n,
  };
  const busy = svc({ family: 2, protocol: 'tcp', address: '10.0.0.1', port: 80 }, [{ address: '192.168.0.2', port: 80, forward: 'masq' }]);
  busy.status = { ...busy.status, stats64: big };
  busy.servers[0]!.stats64 = big;
  const stats = formatTable(info, [busy], { ...emptyFormat(), numeric: true, stats: true, exact: true }, numeric).split('\n');
  assert.equal(stats[3], 'TCP  10.0.0.1:80                  5000000001 6000000002 7000000003 8000000004 9000000005');
  assert.equal(stats[4], '  -> 192.168.0.2:80               705032705 1705032706 2705032707 8000000004 9000000005');
  const rate = formatTable(info, [busy], { ...emptyFormat(), numeric: true, rate: true, exact: true }, numeric).split('\n');
  assert.equal(rate[4], '  -> 192.168.0.2:80                      5        6        7        8        9');
});
