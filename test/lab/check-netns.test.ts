// Health checks across a real link: a director namespace probes a real server
// namespace over veth, so refusals, ICMP port unreachable, ARP failures and a
// link going down come from the kernel, not from loopback shortcuts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { requireLab, sh } from '../helpers/lab';

const LB = 'check-netns-lb';
const RS = 'check-netns-rs';
const DIST = resolve(__dirname, '../..');

/** The real server: TCP/HTTP on 8080, UDP echo on 5353. */
const SERVER = `
const net = require('net'), dgram = require('dgram');
net.createServer((c) => c.once('data', () => c.end('HTTP/1.0 200 OK\\r\\n\\r\\nreal server body'))).listen(8080, '10.77.0.2', () => {
  const u = dgram.createSocket('udp4');
  u.on('message', (m, r) => u.send(m, r.port, r.address));
  u.bind(5353, '10.77.0.2', () => console.log('ready'));
});`;

/** The director side: one probe of each kind, then a scheduler while the link goes down and up. */
const CHECKER = `
const { buildCheckSpec } = require('${DIST}/src/check/spec');
const { probeOnce } = require('${DIST}/src/check/probe');
const { CheckScheduler } = require('${DIST}/src/check/scheduler');
const { createHash } = require('crypto');
const { execFileSync } = require('child_process');
const rs = (port, extra) => buildCheckSpec({ server: { address: '10.77.0.2', port }, connectTimeout: 1, ...extra });
const out = {};
(async () => {
  out.tcpUp = await probeOnce(rs(8080, { kind: 'TCP_CHECK' }));
  out.tcpRefused = await probeOnce(rs(8081, { kind: 'TCP_CHECK' }));
  out.http = await probeOnce(rs(8080, { kind: 'HTTP_GET', urls: [{ path: '/', digest: createHash('md5').update('real server body').digest('hex') }] }));
  out.udpEcho = await probeOnce(rs(5353, { kind: 'UDP_CHECK', payload: '01 02 03', requireReply: '01 02 03' }));
  out.udpUnreachable = await probeOnce(rs(5354, { kind: 'UDP_CHECK' }));
  out.tcpNoNeighbour = await probeOnce(buildCheckSpec({ kind: 'TCP_CHECK', server: { address: '10.77.0.3', port: 80 }, connectTimeout: 1 }));
  if (process.argv[1] === 'ping') {
    out.pingUp = await probeOnce(rs(0, { kind: 'PING_CHECK' }));
    out.pingNoNeighbour = await probeOnce(buildCheckSpec({ kind: 'PING_CHECK', server: { address: '10.77.0.3', port: 0 }, connectTimeout: 1 }));
  }
  const scheduler = new CheckScheduler({ jitter: 0 });
  out.events = [];
  await new Promise((done) => {
    scheduler.on('change', (e) => {
      out.events.push({ up: e.up, reason: e.reason });
      if (!e.up) execFileSync('/usr/sbin/ip', ['link', 'set', 'chk-lb', 'up']);
      if (e.up) done();
    });
    scheduler.add('rs', rs(8080, { kind: 'TCP_CHECK', delayLoop: 0.2, warmup: 0, retry: 1, delayBeforeRetry: 0.1 }));
    setTimeout(() => execFileSync('/usr/sbin/ip', ['link', 'set', 'chk-lb', 'down']), 500);
  });
  out.status = scheduler.status('rs');
  scheduler.close();
  console.log(JSON.stringify(out));
})();`;

function inNs(ns: string, args: string[]): ChildProcess {
  return spawn('/usr/sbin/ip', ['netns', 'exec', ns, process.execPath, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
}

function output(child: ChildProcess, until?: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    let text = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      text += d;
      if (until !== undefined && text.includes(until)) resolvePromise(text);
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 || until !== undefined ? resolvePromise(text) : reject(new Error(`exit ${code}: ${text}`))));
  });
}

test('checks from a director namespace see the real server and the kernel errors on a real link', async () => {
  requireLab();
  const hasPing = ['/usr/bin/ping', '/bin/ping'].some((p) => existsSync(p));
  await sh(`for n in ${LB} ${RS}; do ip netns del $n 2>/dev/null || true; ip netns add $n; ip -n $n link set lo up; done
ip link add chk-lb netns ${LB} type veth peer name chk-rs netns ${RS}
ip -n ${LB} addr add 10.77.0.1/24 dev chk-lb
ip -n ${RS} addr add 10.77.0.2/24 dev chk-rs
ip -n ${LB} link set chk-lb up
ip -n ${RS} link set chk-rs up`);
  const server = inNs(RS, ['-e', SERVER]);
  try {
    assert.match(await output(server, 'ready'), /ready/);
    const text = await output(inNs(LB, ['-e', CHECKER, hasPing ? 'ping' : 'no-ping']));
    const out = JSON.parse(text);
    assert.equal(out.tcpUp.ok, true, out.tcpUp.reason);
    assert.deepEqual(out.tcpRefused, { ok: false, reason: 'connect 10.77.0.2:8081: ECONNREFUSED' });
    assert.equal(out.http.ok, true, out.http.reason);
    assert.equal(out.udpEcho.ok, true, out.udpEcho.reason);
    assert.deepEqual(out.udpUnreachable, { ok: false, reason: 'udp 10.77.0.2:5354: ECONNREFUSED' });
    assert.equal(out.tcpNoNeighbour.ok, false);
    assert.match(out.tcpNoNeighbour.reason, /EHOSTUNREACH|no answer within 1000 ms/);
    if (hasPing) {
      assert.deepEqual(out.pingUp, { ok: true, reason: 'ping 10.77.0.2: echo reply' });
      assert.equal(out.pingNoNeighbour.ok, false);
    }
    assert.deepEqual(out.events.map((e: { up: boolean }) => e.up), [false, true]);
    assert.match(out.events[0].reason, /ENETUNREACH|EHOSTUNREACH|no answer/);
    assert.equal(out.status.up, true);
  } finally {
    server.kill('SIGKILL');
    await sh(`ip netns del ${LB}; ip netns del ${RS}`);
  }
});
