// The lab itself: a kernel with IPVS and every scheduler, namespaces joined by
// a bridge, and real TCP between them. Other lab tests build on these pieces.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Bridge, Netns, requireLab, run } from '../helpers/lab';

const SCHEDULERS = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh'];

test('the kernel has IPVS and every scheduler', async () => {
  requireLab();
  assert.match(readFileSync('/proc/net/ip_vs', 'utf8'), /^IP Virtual Server version 1\.2\.1/);
  const ns = await Netns.create('lab-sched');
  try {
    await ns.sh('ip link add dummy0 type dummy && ip link set dummy0 up && ip addr add 10.9.0.1/24 dev dummy0');
    let port = 1000;
    for (const s of SCHEDULERS) {
      port += 1;
      const r = await ns.run('/usr/sbin/ipvsadm', ['-A', '-t', `10.9.0.100:${port}`, '-s', s]);
      assert.equal(r.code, 0, `scheduler ${s}: ${r.stderr}`);
    }
    const list = await ns.run('/usr/sbin/ipvsadm', ['-Ln']);
    for (const s of SCHEDULERS) assert.match(list.stdout, new RegExp(`TCP  10\\.9\\.0\\.100:\\d+ ${s}\\b`));
  } finally {
    await ns.destroy();
  }
});

test('namespaces on a bridge reach each other over TCP, and each has its own IPVS table', async () => {
  requireLab();
  const br = await Bridge.create('labbr0');
  const a = await Netns.create('lab-a');
  const b = await Netns.create('lab-b');
  try {
    await br.attach(a, 'eth0', '10.8.0.1/24');
    await br.attach(b, 'eth0', '10.8.0.2/24');
    const server = b.spawn(process.execPath, ['-e',
      "require('net').createServer(s=>s.end('hello from b\\n')).listen(8080,'10.8.0.2',()=>console.log('ready'))"]);
    await new Promise<void>((resolve, reject) => {
      server.stdout?.once('data', () => resolve());
      server.once('exit', (c) => reject(new Error(`server exited ${c}`)));
    });
    const got = await a.run(process.execPath, ['-e',
      "require('net').connect(8080,'10.8.0.2').on('data',d=>process.stdout.write(d))"]);
    server.kill();
    assert.equal(got.stdout, 'hello from b\n');

    assert.equal((await a.run('/usr/sbin/ipvsadm', ['-A', '-u', '10.8.0.50:53'])).code, 0);
    const inA = await a.run('/usr/sbin/ipvsadm', ['-Ln']);
    const inB = await b.run('/usr/sbin/ipvsadm', ['-Ln']);
    assert.match(inA.stdout, /UDP  10\.8\.0\.50:53/);
    assert.doesNotMatch(inB.stdout, /10\.8\.0\.50/);
  } finally {
    await a.destroy();
    await b.destroy();
    await br.destroy();
  }
});

test('a command run outside the lab kernel is told so', async () => {
  const r = await run('/usr/bin/env', ['-u', 'LVSD_LAB', process.execPath, '-e',
    "try { require(process.argv[1]).requireLab(); } catch (e) { console.log(e.message); process.exit(3); }",
    require.resolve('../helpers/lab')]);
  assert.equal(r.code, 3);
  assert.match(r.stdout, /needs the lab kernel/);
});
