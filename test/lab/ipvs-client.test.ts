// The IPVS client against the real kernel: every object kind round-trips,
// the table it builds equals the one ipvsadm builds from the same rules,
// kernel errors arrive typed, and 10,000 real servers go in and come back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Netns, connect, requireLab, sh } from '../helpers/lab';
import {
  AF_INET, AF_INET6, IpvsClient, IpvsError, SVC_F_ONEPACKET, SVC_F_PERSISTENT, SVC_F_SCHED1, SVC_F_SCHED2,
  TUN_F_CSUM, TUN_F_REMCSUM, serviceText, type RealServer, type Service, type ServiceKey,
} from '../../src/ipvs';

const OURS = 'ipvs-client-a';
const PEER = 'ipvs-client-b';
let ours: Netns;
let peer: Netns;
let client: IpvsClient;

const SCHEDULERS = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh'];

function svc(key: ServiceKey, extra: Partial<Service> = {}): Service {
  return { ...key, scheduler: 'wlc', flags: 0, timeout: 0, netmask: key.family === AF_INET ? 0xffffffff : 128, peName: '', ...extra } as Service;
}

function rs(address: string, extra: Partial<RealServer> = {}): RealServer {
  return {
    family: address.includes(':') ? AF_INET6 : AF_INET, address, port: 80, forward: 'masq', weight: 1,
    upperThreshold: 0, lowerThreshold: 0, tunnelType: 'ipip', tunnelPort: 0, tunnelFlags: 0, ...extra,
  };
}

const ipvsadm = (ns: Netns, args: string): Promise<string> => ns.sh(`/usr/sbin/ipvsadm ${args}`);
const sorted = (text: string): string[] => text.split('\n').filter(Boolean).sort();

before(async () => {
  requireLab();
  ours = await Netns.create(OURS);
  peer = await Netns.create(PEER);
  for (const ns of [ours, peer]) {
    await ns.sh(`ip link add dummy0 type dummy
ip link set dummy0 multicast on up
ip addr add 10.1.0.1/16 dev dummy0
ip -6 addr add 2001:db8:1::1/64 dev dummy0 nodad`);
  }
  // The peer doubles as a client of our virtual services.
  await connect(ours, 'ipvsc-a0', '10.9.0.1/24', peer, 'ipvsc-b0', '10.9.0.2/24');
  await sh(`ip -n ${OURS} addr add 10.0.0.1/32 dev dummy0
ip -n ${PEER} route add 10.0.0.0/24 via 10.9.0.1`);
  client = await IpvsClient.open({ netns: OURS });
});

after(async () => {
  client?.close();
  await ours?.destroy();
  await peer?.destroy();
});

// Services of every kind, with the ipvsadm rule that makes the same one.
const v4 = (port: number, protocol: 'tcp' | 'udp' | 'sctp' = 'tcp'): ServiceKey => ({ family: AF_INET, protocol, address: '10.0.0.1', port });
const cases: [Service, string][] = [
  ...SCHEDULERS.map((s, i): [Service, string] => [svc(v4(1000 + i), { scheduler: s }), `-A -t 10.0.0.1:${1000 + i} -s ${s}`]),
  [svc(v4(2000), { scheduler: 'sh', flags: SVC_F_SCHED1 | SVC_F_SCHED2 }), '-A -t 10.0.0.1:2000 -s sh -b sh-fallback,sh-port'],
  [svc(v4(2001), { scheduler: 'mh', flags: SVC_F_SCHED1 }), '-A -t 10.0.0.1:2001 -s mh -b mh-fallback'],
  [svc(v4(2002, 'udp'), { scheduler: 'rr', flags: SVC_F_ONEPACKET }), '-A -u 10.0.0.1:2002 -s rr -o'],
  [svc(v4(2003), { flags: SVC_F_PERSISTENT, timeout: 600, netmask: 0xffffff00 }), '-A -t 10.0.0.1:2003 -s wlc -p 600 -M 255.255.255.0'],
  [svc(v4(2004, 'sctp'), { scheduler: 'rr' }), '-A --sctp-service 10.0.0.1:2004 -s rr'],
  [svc(v4(5060, 'udp'), { scheduler: 'rr', flags: SVC_F_PERSISTENT, timeout: 360, peName: 'sip' }), '-A -u 10.0.0.1:5060 -s rr -p 360 --pe sip'],
  [svc({ family: AF_INET, fwmark: 7 }), '-A -f 7 -s wlc'],
  [svc({ family: AF_INET6, fwmark: 8 }, { scheduler: 'lc' }), '-A -f 8 -6 -s lc'],
  [svc({ family: AF_INET6, protocol: 'tcp', address: '2001:db8::80', port: 443 }, { flags: SVC_F_PERSISTENT, timeout: 60, netmask: 64 }),
    '-A -t [2001:db8::80]:443 -s wlc -p 60 -M 64'],
];

const webKey = v4(2003);
const servers: [ServiceKey, RealServer, string][] = [
  [webKey, rs('10.1.0.2', { weight: 3, upperThreshold: 100, lowerThreshold: 10 }), '-a -t 10.0.0.1:2003 -r 10.1.0.2:80 -m -w 3 -x 100 -y 10'],
  [webKey, rs('10.1.0.3', { forward: 'route', port: 2003 }), '-a -t 10.0.0.1:2003 -r 10.1.0.3:2003 -g -w 1'],
  [webKey, rs('10.1.0.4', { forward: 'tunnel', port: 2003 }), '-a -t 10.0.0.1:2003 -r 10.1.0.4:2003 -i -w 1'],
  [webKey, rs('10.1.0.5', { forward: 'tunnel', port: 2003, tunnelType: 'gue', tunnelPort: 6080, tunnelFlags: TUN_F_CSUM }),
    '-a -t 10.0.0.1:2003 -r 10.1.0.5:2003 -i --tun-type gue --tun-port 6080 --tun-csum -w 1'],
  [webKey, rs('10.1.0.6', { forward: 'tunnel', port: 2003, tunnelType: 'gue', tunnelPort: 6081, tunnelFlags: TUN_F_REMCSUM }),
    '-a -t 10.0.0.1:2003 -r 10.1.0.6:2003 -i --tun-type gue --tun-port 6081 --tun-remcsum -w 1'],
  [webKey, rs('10.1.0.9', { forward: 'tunnel', port: 2003, tunnelType: 'gre', tunnelFlags: TUN_F_CSUM }),
    '-a -t 10.0.0.1:2003 -r 10.1.0.9:2003 -i --tun-type gre --tun-csum -w 1'],
  [webKey, rs('10.1.0.7', { weight: 0 }), '-a -t 10.0.0.1:2003 -r 10.1.0.7:80 -m -w 0'],
  [{ family: AF_INET, fwmark: 7 }, rs('10.1.0.8', { forward: 'route', port: 0 }), '-a -f 7 -r 10.1.0.8:0 -g -w 1'],
  [cases.at(-1)![0], rs('2001:db8:1::2', { port: 8443 }), '-a -t [2001:db8::80]:443 -r [2001:db8:1::2]:8443 -m -w 1'],
];

test('services and real servers of every kind read back equal, and equal what ipvsadm builds', async () => {
  await client.flush();
  for (const [s] of cases) await client.addService(s);
  for (const [key, server] of servers) await client.addRealServer(key, server);

  const listed = await client.listServices();
  const byText = (a: Service, b: Service): number => serviceText(a).localeCompare(serviceText(b));
  assert.deepEqual(listed.map((l) => l.service).sort(byText), cases.map(([s]) => s).sort(byText));
  for (const [s] of cases) assert.deepEqual((await client.getService(s)).service, s);
  for (const key of [webKey, { family: AF_INET, fwmark: 7 } as ServiceKey, cases.at(-1)![0]]) {
    const expected = servers.filter(([k]) => serviceText(k) === serviceText(key)).map(([, server]) => server);
    const got = (await client.listRealServers(key)).map((r) => r.server);
    assert.deepEqual(got.sort((a, b) => a.address.localeCompare(b.address)), expected.sort((a, b) => a.address.localeCompare(b.address)));
  }

  await ipvsadm(peer, '-C');
  await peer.sh(`/usr/sbin/ipvsadm -R <<'EOF'\n${[...cases.map(([, r]) => r), ...servers.map(([, , r]) => r)].join('\n')}\nEOF`);
  assert.deepEqual(sorted(await ipvsadm(ours, '-Sn')), sorted(await ipvsadm(peer, '-Sn')));
  const tunInfo = (text: string): string[] => sorted(text.replace(/\s+\d+\s+\d+\s*$/gm, ''));
  assert.deepEqual(tunInfo(await ipvsadm(ours, '-Ln --tun-info')), tunInfo(await ipvsadm(peer, '-Ln --tun-info')));
});

test('edits change exactly what they name', async () => {
  const edited = svc(webKey, { scheduler: 'rr', flags: SVC_F_PERSISTENT, timeout: 120, netmask: 0xffff0000 });
  await client.editService(edited);
  assert.deepEqual((await client.getService(webKey)).service, edited);
  const server = rs('10.1.0.2', { weight: 9, upperThreshold: 0, lowerThreshold: 0, forward: 'route' });
  await client.editRealServer(webKey, server);
  const got = (await client.listRealServers(webKey)).find((r) => r.server.address === '10.1.0.2');
  assert.deepEqual(got?.server, server);
  await client.deleteRealServer(webKey, server);
  assert.equal((await client.listRealServers(webKey)).some((r) => r.server.address === '10.1.0.2'), false);
  await client.deleteService({ family: AF_INET, fwmark: 7 });
  await assert.rejects(client.getService({ family: AF_INET, fwmark: 7 }), (e: unknown) => e instanceof IpvsError && e.code === 'ESRCH');
});

test('kernel refusals arrive as typed IpvsErrors with errno, command and target', async () => {
  const expectError = async (p: Promise<unknown>, code: string, command: string, target: RegExp): Promise<void> => {
    await assert.rejects(p, (e: unknown) => {
      assert.ok(e instanceof IpvsError, String(e));
      assert.equal(e.code, code, e.message);
      assert.equal(e.command, command);
      assert.match(e.target, target);
      return true;
    });
  };
  await expectError(client.addService(svc(webKey)), 'EEXIST', 'NEW_SERVICE', /^TCP 10\.0\.0\.1:2003$/);
  await expectError(client.deleteService(v4(9)), 'ESRCH', 'DEL_SERVICE', /^TCP 10\.0\.0\.1:9$/);
  await expectError(client.addRealServer(v4(9), rs('10.1.0.9')), 'ESRCH', 'NEW_DEST', /-> 10\.1\.0\.9:80$/);
  await expectError(client.deleteRealServer(webKey, rs('10.1.0.99')), 'ENOENT', 'DEL_DEST', /^TCP 10\.0\.0\.1:2003 -> 10\.1\.0\.99:80$/);
  await expectError(client.editRealServer(webKey, rs('10.1.0.99')), 'ENOENT', 'SET_DEST', /10\.1\.0\.99/);
  await expectError(client.addRealServer(webKey, rs('10.1.0.3', { forward: 'route', port: 2003 })), 'EEXIST', 'NEW_DEST', /10\.1\.0\.3:2003/);
  await expectError(client.addService(svc(v4(9), { scheduler: 'nosuch' })), 'ENOENT', 'NEW_SERVICE', /:9$/);
  await assert.rejects(client.addService(svc(v4(9), { scheduler: 'nosuch' })),
    { message: 'IPVS NEW_SERVICE TCP 10.0.0.1:9: the kernel has no scheduler nosuch (module ip_vs_nosuch is not loaded and could not be) [ENOENT]' });
  await expectError(client.addRealServer(webKey, rs('224.0.0.5')), 'EINVAL', 'NEW_DEST', /224\.0\.0\.5/);
  await expectError(client.addService(svc(v4(70000))), 'EINVAL', 'NEW_SERVICE', /70000/);
  assert.equal((await client.listServices()).some((s) => s.service.port === 9), false, 'failed adds left nothing behind');
});

test('without CAP_NET_ADMIN, open says root is needed', async () => {
  const script = `require(${JSON.stringify(require.resolve('../../src/ipvs'))}).IpvsClient.open()
    .then(() => console.log('opened'), (e) => console.log(e.name + ': ' + e.message))`;
  const r = await ours.run('/usr/bin/setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-e', script]);
  assert.match(r.stdout, /^IpvsUnavailableError: controlling IPVS needs root or CAP_NET_ADMIN \(EPERM\)/, r.stderr);
});

test('timeouts: 0 leaves a value unchanged; ipvsadm sees the same', async () => {
  await client.setTimeouts({ tcp: 900, tcpFin: 120, udp: 300 });
  await client.setTimeouts({ tcp: 1000, tcpFin: 0, udp: 200 });
  assert.deepEqual(await client.getTimeouts(), { tcp: 1000, tcpFin: 120, udp: 200 });
  assert.match(await ipvsadm(ours, '-L --timeout'), /Timeout \(tcp tcpfin udp\): 1000 120 200/);
});

test('zero clears counters that traffic raised', async () => {
  const key = v4(7777);
  await client.addService(svc(key));
  await client.addRealServer(key, rs('10.1.0.50', { port: 7777 }));
  // The first SYN may wait on ARP in the slow lab kernel: knock until one is scheduled.
  let before = await client.getService(key);
  for (let attempt = 0; attempt < 5 && before.stats64.conns === 0n; attempt++) {
    await peer.run('/usr/bin/curl', ['-s', '--connect-timeout', '2', 'http://10.0.0.1:7777/']);
    before = await client.getService(key);
  }
  assert.ok(before.stats64.conns >= 1n && before.stats.inPkts >= 1n, `traffic counted: ${before.stats64.conns}`);
  const [dest] = await client.listRealServers(key);
  assert.ok(dest!.stats64.conns >= 1n);
  await client.zero(key);
  const after = await client.getService(key);
  assert.equal(after.stats64.conns, 0n);
  assert.equal(after.stats.inPkts, 0n);
  await client.zero();
});

test('sync daemons start, list like ipvsadm shows them, and stop', async () => {
  await client.flush();
  await client.startDaemon({ state: 'master', interface: 'dummy0', syncId: 3, mcastGroup: '224.0.0.82', mcastPort: 8850, mcastTtl: 2, syncMaxLen: 1400 });
  await client.startDaemon({ state: 'backup', interface: 'dummy0', syncId: 4 });
  const daemons = await client.listDaemons();
  assert.deepEqual(daemons.find((d) => d.state === 'master'),
    { state: 'master', interface: 'dummy0', syncId: 3, mcastGroup: '224.0.0.82', mcastPort: 8850, mcastTtl: 2, syncMaxLen: 1400 });
  assert.deepEqual(daemons.find((d) => d.state === 'backup'),
    { state: 'backup', interface: 'dummy0', syncId: 4, mcastGroup: '224.0.0.81', mcastPort: 8848, mcastTtl: 1, syncMaxLen: 1472 });
  const shown = await ipvsadm(ours, '-L --daemon');
  assert.match(shown, /master sync daemon \(mcast=dummy0, syncid=3, maxlen=1400, group=224\.0\.0\.82, port=8850, ttl=2\)/);
  assert.match(shown, /backup sync daemon \(mcast=dummy0, syncid=4/);
  await assert.rejects(client.startDaemon({ state: 'master', interface: 'dummy0', syncId: 3 }), (e: unknown) => e instanceof IpvsError && e.code === 'EEXIST');
  await client.stopDaemon('master');
  await client.stopDaemon('backup');
  assert.deepEqual(await client.listDaemons(), []);
});

test('apply reports each failure in order and goes on; stopOnError stops', async () => {
  await client.flush();
  const a = v4(3001);
  const results = await client.apply([
    { op: 'addService', service: svc(a) },
    { op: 'addService', service: svc(a) },
    { op: 'addRealServer', key: v4(3999), server: rs('10.1.0.2') },
    { op: 'addRealServer', key: a, server: rs('10.1.0.2') },
    { op: 'addRealServer', key: a, server: rs('10.1.0.3', { weight: -5 }) },
    { op: 'setTimeouts', timeouts: { tcp: 0, tcpFin: 0, udp: 0 } },
    { op: 'editService', service: svc(a, { scheduler: 'nosuch' }) },
  ]);
  assert.deepEqual(results.map((r) => (r.ok ? 'ok' : r.error.code)), ['ok', 'EEXIST', 'ESRCH', 'ok', 'EINVAL', 'ok', 'ENOENT']);
  assert.match(results[6]!.ok ? '' : results[6]!.error.message, /: the kernel has no scheduler nosuch \(module ip_vs_nosuch /);
  assert.equal((await client.listRealServers(a)).length, 1);

  const b = v4(3002);
  const invalid = await client.apply([{ op: 'addService', service: svc(b) }, { op: 'addService', service: svc(v4(-1)) }], { stopOnError: true });
  assert.deepEqual(invalid.map((r) => (r.ok ? 'ok' : r.error.code)), ['ECANCELED', 'EINVAL']);
  await assert.rejects(client.getService(b), (e: unknown) => e instanceof IpvsError && e.code === 'ESRCH');

  const narrow = await IpvsClient.open({ netns: OURS, window: 2 });
  try {
    const stopped = await narrow.apply([
      { op: 'addService', service: svc(b) }, { op: 'addService', service: svc(b) }, { op: 'addService', service: svc(v4(3003)) },
    ], { stopOnError: true });
    assert.deepEqual(stopped.map((r) => (r.ok ? 'ok' : r.error.code)), ['ok', 'EEXIST', 'ECANCELED']);
    await assert.rejects(client.getService(v4(3003)), (e: unknown) => e instanceof IpvsError && e.code === 'ESRCH');
  } finally {
    narrow.close();
  }
});

test('10,000 real servers go in through apply and come back through dumps', async (t) => {
  await client.flush();
  const keys = Array.from({ length: 10 }, (_, i) => v4(4000 + i));
  for (const key of keys) await client.addService(svc(key, { scheduler: 'rr' }));
  const server = (i: number): RealServer => rs(`10.1.${(i >> 8) + 1}.${i & 255}`, { forward: 'route', port: 4000, weight: (i % 7) + 1 });
  const ops = keys.flatMap((key) => Array.from({ length: 1000 }, (_, i) => ({ op: 'addRealServer' as const, key, server: server(i) })));
  const started = Date.now();
  const results = await client.apply(ops);
  t.diagnostic(`apply of ${ops.length} real servers took ${Date.now() - started} ms`);
  assert.equal(results.filter((r) => !r.ok).length, 0, results.find((r) => !r.ok && r.error)?.toString());
  let total = 0;
  for (const key of keys) {
    const listed = await client.listRealServers(key);
    total += listed.length;
    const byAddress = new Map(listed.map((l) => [l.server.address, l.server]));
    for (let i = 0; i < 1000; i += 97) assert.deepEqual(byAddress.get(server(i).address), server(i));
  }
  assert.equal(total, 10000);
  const shown = await sh(`/usr/sbin/ip netns exec ${OURS} /usr/sbin/ipvsadm -Ln | grep -c -- '->' || true`);
  assert.equal(Number(shown.trim()), 10000 + 1, 'ipvsadm counts the same (plus its header line)');
  const again = await client.apply(ops.slice(0, 500));
  assert.equal(again.filter((r) => !r.ok && r.error.code === 'EEXIST').length, 500);
  await client.flush();
  assert.deepEqual(await client.listServices(), []);
});
