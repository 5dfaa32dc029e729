import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCheckSpec, type CheckInput } from '../../src/check/spec';
import { probeOnce } from '../../src/check/probe';
import { DNS_TYPE_CODE, decodeMessage, decodeName, encodeQuery } from '../../src/check/dns-codec';
import { pingArgs } from '../../src/check/ping';

function bindUdp(handler: (msg: Buffer, reply: (b: Buffer) => void) => void, type: 'udp4' | 'udp6' = 'udp4'): Promise<{ socket: Socket; port: number }> {
  const socket = createSocket(type);
  socket.on('message', (msg, rinfo) => handler(msg, (b) => socket.send(b, rinfo.port, rinfo.address)));
  return new Promise((resolve) => socket.bind(0, type === 'udp4' ? '127.0.0.1' : '::1', () => resolve({ socket, port: socket.address().port })));
}

async function closedUdpPort(): Promise<number> {
  const { socket, port } = await bindUdp(() => undefined);
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

function udp(port: number, extra: Partial<CheckInput> = {}, address = '127.0.0.1') {
  return buildCheckSpec({ kind: 'UDP_CHECK', server: { address, port }, connectTimeout: 0.3, ...extra });
}

test('UDP_CHECK without require_reply: silence is up, ICMP port unreachable is down', async () => {
  const { socket, port } = await bindUdp(() => undefined);
  let r = await probeOnce(udp(port));
  assert.equal(r.ok, true, r.reason);
  assert.match(r.reason, /no ICMP error/);
  socket.close();

  r = await probeOnce(udp(await closedUdpPort()));
  assert.equal(r.ok, false);
  assert.match(r.reason, /ECONNREFUSED/);
});

test('UDP_CHECK with require_reply checks the payload sent and the reply pattern and length', async () => {
  let got: Buffer | undefined;
  const { socket, port } = await bindUdp((msg, reply) => { got = msg; reply(Buffer.from([0xab, 0x12, 0x34, 0x99])); });
  try {
    let r = await probeOnce(udp(port, { payload: 'de ad be ef', requireReply: true }));
    assert.equal(r.ok, true, r.reason);
    assert.deepEqual(got, Buffer.from([0xde, 0xad, 0xbe, 0xef]));

    r = await probeOnce(udp(port, { requireReply: 'ab 1x' }));
    assert.equal(r.ok, true, `x nibbles are wildcards: ${r.reason}`);

    r = await probeOnce(udp(port, { requireReply: 'ab 22' }));
    assert.equal(r.ok, false);
    assert.match(r.reason, /differs from require_reply at byte 1/);

    r = await probeOnce(udp(port, { requireReply: 'ab', maxReplyLength: 3 }));
    assert.equal(r.ok, false);
    assert.match(r.reason, /reply of 4 bytes outside 0-3/);
    // As keepalived: without reply data the lengths are not checked, and the default datagram is its own.
    r = await probeOnce(udp(port, { requireReply: true, maxReplyLength: 3 }));
    assert.equal(r.ok, true, r.reason);
    await probeOnce(udp(port, { requireReply: true }));
    assert.equal(got?.toString(), 'keepalived check - keepalived ch');
  } finally {
    socket.close();
  }
  const silent = await bindUdp(() => undefined, 'udp6');
  const r = await probeOnce(udp(silent.port, { requireReply: true }, '::1'));
  assert.equal(r.ok, false);
  assert.match(r.reason, /no reply within 300 ms/);
  silent.socket.close();
});

test('DNS codec builds a query and reads names, including compressed ones', () => {
  const q = encodeQuery(0x1234, 'www.example.org', 'AAAA');
  const m = decodeMessage(q);
  assert.equal(m.id, 0x1234);
  assert.equal(m.response, false);
  assert.deepEqual(m.questions, [{ name: 'www.example.org', type: 28, klass: 1 }]);
  assert.deepEqual(decodeMessage(encodeQuery(1, '.', 'SOA')).questions, [{ name: '.', type: 6, klass: 1 }]);
  // "mail" + pointer to offset 0 ("example.org").
  const compressed = Buffer.from([7, ...Buffer.from('example'), 3, ...Buffer.from('org'), 0, 4, ...Buffer.from('mail'), 0xc0, 0]);
  assert.deepEqual(decodeName(compressed, 13), { name: 'mail.example.org', next: 20 });
  assert.throws(() => decodeName(Buffer.from([0xc0, 0]), 0), /pointer loop/);
  assert.throws(() => decodeName(Buffer.from([5, 0x61]), 0), /past the message end/);
  assert.throws(() => decodeMessage(Buffer.alloc(5)), /shorter than a header/);
  assert.throws(() => encodeQuery(1, `${'a'.repeat(64)}.org`, 'A'), /label of 64 bytes/);
});

/** A tiny DNS server answering every question with the given rcode and no records. */
function dnsServer(rcode: number, mangle?: (reply: Buffer) => void) {
  let question: ReturnType<typeof decodeMessage> | undefined;
  const server = bindUdp((msg, reply) => {
    question = decodeMessage(msg);
    const out = Buffer.from(msg);
    out.writeUInt16BE(0x8000 | 0x0100 | 0x0080 | rcode, 2);
    mangle?.(out);
    reply(out);
  });
  return { server, seen: () => question };
}

function dns(port: number, extra: Partial<CheckInput> = {}) {
  return buildCheckSpec({ kind: 'DNS_CHECK', server: { address: '127.0.0.1', port }, connectTimeout: 0.3, ...extra });
}

test('DNS_CHECK is up on a NOERROR response to its query, down otherwise', async () => {
  const ok = dnsServer(0);
  const { socket, port } = await ok.server;
  let r = await probeOnce(dns(port, { dnsType: 'a', dnsName: 'www.example.org' }));
  assert.equal(r.ok, true, r.reason);
  assert.equal(ok.seen()!.questions[0]!.type, DNS_TYPE_CODE.A);
  assert.equal(ok.seen()!.questions[0]!.name, 'www.example.org');
  r = await probeOnce(dns(port));
  assert.equal(r.ok, true, `default SOA of "." : ${r.reason}`);
  assert.deepEqual(ok.seen()!.questions[0], { name: '.', type: DNS_TYPE_CODE.SOA, klass: 1 });
  socket.close();

  const nx = dnsServer(3);
  const nxs = await nx.server;
  r = await probeOnce(dns(nxs.port, { dnsName: 'missing.example.org' }));
  assert.equal(r.ok, false);
  assert.match(r.reason, /NXDOMAIN/);
  nxs.socket.close();

  const wrongId = dnsServer(0, (b) => b.writeUInt16BE((b.readUInt16BE(0) + 1) & 0xffff, 0));
  const wis = await wrongId.server;
  r = await probeOnce(dns(wis.port));
  assert.equal(r.ok, false, 'an answer with another id is not ours');
  assert.match(r.reason, /no answer within 300 ms/);
  wis.socket.close();

  // As keepalived judges it, the header decides: a NOERROR response with our id is up, whatever its question section.
  const bare = dnsServer(0, (b) => b.writeUInt16BE(0, 4));
  const bs = await bare.server;
  r = await probeOnce(dns(bs.port, { dnsType: 'DNSKEY', dnsName: 'example.org' }));
  assert.equal(r.ok, true, r.reason);
  assert.equal(bare.seen()!.questions[0]!.type, DNS_TYPE_CODE.DNSKEY);
  bs.socket.close();

  r = await probeOnce(dns(await closedUdpPort()));
  assert.equal(r.ok, false);
  assert.match(r.reason, /ECONNREFUSED/);
});

test('PING_CHECK runs ping without a shell, with a bounded wait, and maps its exit status', async () => {
  const base = { server: { address: '127.0.0.1', port: 0 }, connectTimeout: 2.5 } as const;
  assert.deepEqual(pingArgs(buildCheckSpec({ kind: 'PING_CHECK', ...base }) as never), ['-n', '-q', '-c', '1', '-W', '3', '127.0.0.1']);
  assert.deepEqual(
    pingArgs(buildCheckSpec({ kind: 'PING_CHECK', server: { address: '::1', port: 0 }, bindTo: '::1' }) as never),
    ['-6', '-n', '-q', '-c', '1', '-W', '5', '-I', '::1', '::1'],
  );
  const dir = mkdtempSync(join(tmpdir(), 'check-ping-'));
  try {
    const fake = join(dir, 'ping');
    const argsFile = join(dir, 'args');
    writeFileSync(fake, `#!/bin/sh\nprintf '%s\\n' "$@" > ${argsFile}\nexit $FAKE_PING_EXIT\n`);
    chmodSync(fake, 0o755);
    const run = (code: number) => {
      process.env.FAKE_PING_EXIT = String(code);
      return probeOnce(buildCheckSpec({ kind: 'PING_CHECK', ...base, pingPath: fake }));
    };
    let r = await run(0);
    assert.equal(r.ok, true, r.reason);
    assert.equal(readFileSync(argsFile, 'utf8').trim().split('\n').pop(), '127.0.0.1');
    r = await run(1);
    assert.equal(r.ok, false);
    assert.match(r.reason, /no echo reply within 3 s/);
    r = await run(2);
    assert.equal(r.ok, false);
    assert.match(r.reason, /failed \(exit 2\)/);
    r = await probeOnce(buildCheckSpec({ kind: 'PING_CHECK', ...base, pingPath: join(dir, 'absent') }));
    assert.equal(r.ok, false);
    assert.match(r.reason, /ENOENT/);
  } finally {
    delete process.env.FAKE_PING_EXIT;
    rmSync(dir, { recursive: true, force: true });
  }
});

const realPing = ['/usr/bin/ping', '/bin/ping'].find((p) => existsSync(p));

test('PING_CHECK with the real ping program answers for loopback', { skip: !realPing && 'iputils ping is not installed' }, async () => {
  const r4 = await probeOnce(buildCheckSpec({ kind: 'PING_CHECK', server: { address: '127.0.0.1', port: 0 }, connectTimeout: 1 }));
  assert.equal(r4.ok, true, r4.reason);
  assert.equal(r4.reason, 'ping 127.0.0.1: echo reply');
  const r6 = await probeOnce(buildCheckSpec({ kind: 'PING_CHECK', server: { address: '::1', port: 0 }, connectTimeout: 1 }));
  assert.equal(r6.ok, true, r6.reason);
});
