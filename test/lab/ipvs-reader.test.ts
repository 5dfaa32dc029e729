// The blocking IpvsReader (lvsadm's reads) against the real kernel: it reads
// back exactly what the pipelined IpvsClient reads, including dumps that span
// many datagrams, and the kernel's refusals arrive as the same IpvsErrors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Netns, requireLab } from '../helpers/lab';
import { AF_INET, AF_INET6, IpvsClient, IpvsError, type IpvsOp, type ServiceKey } from '../../src/ipvs';
import { IpvsReader } from '../../src/ipvs/reader';

const NS = 'ipvs-reader';
let ns: Netns;
let client: IpvsClient;
let reader: IpvsReader;

const web: ServiceKey = { family: AF_INET, protocol: 'tcp', address: '10.0.0.1', port: 80 };
const v6: ServiceKey = { family: AF_INET6, protocol: 'udp', address: '2001:db8::1', port: 53 };
const mark: ServiceKey = { family: AF_INET, fwmark: 7 };

before(async () => {
  requireLab();
  ns = await Netns.create(NS);
  await ns.sh(`ip link add dummy0 type dummy
ip link set dummy0 up
ip addr add 10.1.0.1/16 dev dummy0
ip -6 addr add 2001:db8:1::1/64 dev dummy0 nodad`);
  client = await IpvsClient.open({ netns: NS });
  reader = IpvsReader.open(NS);
  const ops: IpvsOp[] = [
    { op: 'addService', service: { ...web, scheduler: 'wlc', flags: 0, timeout: 0, netmask: 0xffffffff, peName: '' } },
    { op: 'addService', service: { ...v6, scheduler: 'sh', flags: 0x1 | 0x8, timeout: 600, netmask: 64, peName: '' } },
    { op: 'addService', service: { ...mark, scheduler: 'rr', flags: 0, timeout: 0, netmask: 0xffffffff, peName: '' } },
    { op: 'addRealServer', key: v6, server: {
      family: AF_INET6, address: '2001:db8:1::10', port: 53, forward: 'masq', weight: 3,
      upperThreshold: 100, lowerThreshold: 10, tunnelType: 'ipip', tunnelPort: 0, tunnelFlags: 0,
    } },
  ];
  // 500 real servers: their dump needs several datagrams.
  for (let i = 0; i < 500; i++) {
    ops.push({ op: 'addRealServer', key: web, server: {
      family: AF_INET, address: `10.1.${2 + (i >> 8)}.${i & 0xff}`, port: 8080, forward: i % 2 ? 'masq' : 'route', weight: i % 7,
      upperThreshold: 0, lowerThreshold: 0, tunnelType: 'ipip', tunnelPort: 0, tunnelFlags: 0,
    } });
  }
  const failed = (await client.apply(ops)).filter((r) => !r.ok);
  assert.deepEqual(failed, []);
});

after(async () => {
  reader?.close();
  client?.close();
  await ns?.destroy();
});

test('reads back what the pipelined client reads', async () => {
  assert.deepEqual(reader.getInfo(), await client.getInfo());
  assert.deepEqual(reader.getTimeouts(), await client.getTimeouts());
  assert.deepEqual(reader.listServices(), await client.listServices());
  assert.deepEqual(reader.getService(v6), await client.getService(v6));
  assert.deepEqual(reader.listDaemons(), await client.listDaemons());
  for (const key of [web, v6, mark]) assert.deepEqual(reader.listRealServers(key), await client.listRealServers(key), JSON.stringify(key));
  assert.equal(reader.listRealServers(web).length, 500);
});

test('refusals are the same IpvsErrors, and the socket stays usable after one', async () => {
  const missing: ServiceKey = { family: AF_INET, protocol: 'tcp', address: '10.0.0.9', port: 9 };
  const clientError = await client.getService(missing).then(() => undefined, (e: unknown) => e);
  assert.ok(clientError instanceof IpvsError, String(clientError));
  assert.throws(() => reader.getService(missing), (e: unknown) => {
    assert.ok(e instanceof IpvsError, String(e));
    assert.equal(e.message, clientError.message);
    return true;
  });
  assert.deepEqual(reader.listRealServers(missing), await client.listRealServers(missing));
  assert.equal(reader.listServices().length, 3);
});

test('open in a network namespace that does not exist names it', () => {
  assert.throws(() => IpvsReader.open('ipvs-reader-missing'), /ipvs-reader-missing/);
});
