// Real VRRP datagrams between two namespaces on one bridge, through sockets
// that one process opens in each namespace.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Worker } from 'node:worker_threads';
import { requireLab, segmentScript, segmentTeardownScript, sh } from '../helpers/lab';
import { inNetns } from '../../src/net/netns';
import { native } from '../../src/native/index';
import { interfaceInfo, VrrpSocket, type ReceivedVrrp, type VrrpSocketOptions } from '../../src/native/vrrp-socket';

const A = 'nvrrp-a';
const B = 'nvrrp-b';
const LIMIT = { timeout: 60_000 };

let ifindexA: number;
let ifindexB: number;
let linkLocalB: string;

/** Every socket a test opened, closed by after() too: an open one would keep the run alive if a test fails. */
const opened: VrrpSocket[] = [];

function openIn(ns: string, opts: VrrpSocketOptions): VrrpSocket {
  const socket = inNetns(ns, () => VrrpSocket.open(opts));
  opened.push(socket);
  return socket;
}

const hrtimeUs = (): number => Number(process.hrtime.bigint() / 1000n);

/**
 * The next packet, its kernel receive time checked to lie between this call
 * and its delivery, on process.hrtime()'s clock, then left out.
 */
function nextPacket(socket: VrrpSocket): Promise<Omit<ReceivedVrrp, 'receivedAtUs'>> {
  const waitingSince = hrtimeUs();
  return new Promise((resolve, reject) => {
    socket.once('packet', (p: ReceivedVrrp) => {
      const deliveredAt = hrtimeUs();
      const { receivedAtUs, ...rest } = p;
      if (!(receivedAtUs >= waitingSince && receivedAtUs <= deliveredAt)) {
        reject(new Error(`receive stamp ${receivedAtUs} outside [${waitingSince}, ${deliveredAt}]`));
      }
      resolve(rest);
    });
    socket.once('error', reject);
  });
}

function openDescriptors(): number {
  return readdirSync('/proc/self/fd').length;
}

const untilNoTentative = 'while ip -6 addr show dev eth0 tentative | grep -q inet6; do sleep 0.1; done';

before(async () => {
  requireLab();
  await sh(`${segmentScript('nvrrpbr', [A, B])}
ip -n ${A} addr add 10.77.0.1/24 dev eth0
ip -n ${B} addr add 10.77.0.2/24 dev eth0
ip -n ${A} -6 addr add fd77::1/64 dev eth0 nodad
ip -n ${B} -6 addr add fd77::2/64 dev eth0 nodad`);
  await sh(untilNoTentative, A);
  linkLocalB = (await sh(`${untilNoTentative}
ip -6 -o addr show dev eth0 scope link | awk '{ print $4 }' | cut -d/ -f1`, B)).trim();
  ifindexA = inNetns(A, () => interfaceInfo('eth0').index);
  ifindexB = inNetns(B, () => interfaceInfo('eth0').index);
});

after(async () => {
  for (const socket of opened) socket.close();
  await sh(segmentTeardownScript('nvrrpbr', [A, B]));
});

test('IPv4 multicast: 224.0.0.18 with TTL 255 both ways, own packets not looped back', LIMIT, async () => {
  const sa = openIn(A, { family: 4, interface: 'eth0', multicast: true });
  const sb = openIn(B, { family: 4, interface: 'eth0', multicast: true });
  try {
    const atB = nextPacket(sb);
    const atA = nextPacket(sa);
    sa.send(Buffer.from('from a, v4'), '224.0.0.18');
    const got = await atB;
    assert.deepEqual({ ...got, payload: got.payload.toString() }, {
      payload: 'from a, v4', ttl: 255, source: '10.77.0.1', destination: '224.0.0.18', ifindex: ifindexB,
    });
    sb.send(Buffer.from('from b, v4'), '224.0.0.18');
    // Had loop been on, A's own datagram would have been queued first.
    const back = await atA;
    assert.equal(back.payload.toString(), 'from b, v4');
    assert.equal(back.source, '10.77.0.2');
    assert.equal(back.ttl, 255);
    assert.equal(back.ifindex, ifindexA);
  } finally {
    sa.close();
    sb.close();
  }
});

test('IPv6 multicast: ff02::12 with hop limit 255, chosen and default source addresses', LIMIT, async () => {
  const sa = openIn(A, { family: 6, interface: 'eth0', multicast: true, sourceAddress: 'fd77::1' });
  const sb = openIn(B, { family: 6, interface: 'eth0', multicast: true });
  try {
    const atB = nextPacket(sb);
    const atA = nextPacket(sa);
    sa.send(Buffer.from('from a, v6'), 'ff02::12');
    const got = await atB;
    assert.deepEqual({ ...got, payload: got.payload.toString() }, {
      payload: 'from a, v6', ttl: 255, source: 'fd77::1', destination: 'ff02::12', ifindex: ifindexB,
    });
    sb.send(Buffer.from('from b, v6'), 'ff02::12');
    const back = await atA;
    assert.equal(back.payload.toString(), 'from b, v6');
    assert.match(linkLocalB, /^fe80:/);
    assert.equal(back.source, linkLocalB, 'without a source address the kernel picks the link-local one');
    assert.equal(back.ttl, 255);
    assert.equal(back.destination, 'ff02::12');
    assert.equal(back.ifindex, ifindexA);
  } finally {
    sa.close();
    sb.close();
  }
});

test('unicast peers: IPv4 and IPv6 datagrams addressed to the peer, TTL 255', LIMIT, async () => {
  const pairs: Array<[4 | 6, string, string]> = [[4, '10.77.0.1', '10.77.0.2'], [6, 'fd77::1', 'fd77::2']];
  for (const [family, addrA, addrB] of pairs) {
    const sa = openIn(A, { family, interface: 'eth0', multicast: false, sourceAddress: addrA });
    const sb = openIn(B, { family, interface: 'eth0', multicast: false, sourceAddress: addrB });
    try {
      const atB = nextPacket(sb);
      const atA = nextPacket(sa);
      sa.send(Buffer.from([1, 2, 3, family]), addrB);
      const got = await atB;
      assert.deepEqual(got, { payload: Buffer.from([1, 2, 3, family]), ttl: 255, source: addrA, destination: addrB, ifindex: ifindexB });
      sb.send(Buffer.from([4, 5, 6, family]), addrA);
      const back = await atA;
      assert.deepEqual(back, { payload: Buffer.from([4, 5, 6, family]), ttl: 255, source: addrB, destination: addrA, ifindex: ifindexA });
    } finally {
      sa.close();
      sb.close();
    }
  }
});

test('errors name the call, errno, interface and address, and change nothing', LIMIT, () => {
  const before = openDescriptors();
  const systemError = (code: string, syscall: RegExp, extra: Record<string, string>) =>
    (err: NodeJS.ErrnoException & Record<string, unknown>) => {
      assert.equal(err.code, code, err.message);
      assert.match(String(err.syscall), syscall);
      for (const [key, value] of Object.entries(extra)) {
        assert.equal(err[key], value);
        assert.ok(err.message.includes(value), err.message);
      }
      return true;
    };
  assert.throws(() => openIn(A, { family: 4, interface: 'nosuch0', multicast: true }),
    systemError('ENODEV', /if_nametoindex/, { interface: 'nosuch0' }));
  for (const multicast of [true, false]) {
    assert.throws(() => openIn(A, { family: 4, interface: 'eth0', multicast, sourceAddress: '10.77.0.2' }),
      systemError('EADDRNOTAVAIL', /bind/, { interface: 'eth0', address: '10.77.0.2' }));
    assert.throws(() => openIn(A, { family: 6, interface: 'eth0', multicast, sourceAddress: 'fd77::2' }),
      systemError('EADDRNOTAVAIL', /bind/, { interface: 'eth0', address: 'fd77::2' }));
  }
  assert.equal(openDescriptors(), before, 'failed opens leave no descriptor behind');

  const socket = openIn(A, { family: 4, interface: 'eth0', multicast: false });
  try {
    assert.throws(() => socket.send(Buffer.alloc(70_000), '10.77.0.2'),
      systemError('EMSGSIZE', /sendmsg/, { interface: 'eth0', address: '10.77.0.2' }));
    assert.throws(() => socket.send(Buffer.from('x'), 'ff02::12'), /destination ff02::12 is an IPv6 address, expected IPv4/);
    assert.throws(() => socket.send(Buffer.alloc(0), '10.77.0.2'), /non-empty Buffer/);
    assert.throws(() => socket.send('x' as unknown as Buffer, '10.77.0.2'), /non-empty Buffer/);
  } finally {
    socket.close();
  }
  socket.close();
  assert.equal(socket.closed, true);
  assert.throws(() => socket.send(Buffer.from('x'), '10.77.0.2'), /socket is closed/);
});

test('a full send buffer is reported as an error instead of blocking', LIMIT, async () => {
  // A plugged qdisc holds every datagram, so the socket's send buffer fills up.
  await sh(`modprobe sch_plug
ip link add nvrrp-q0 type veth peer name nvrrp-q1
ip link set nvrrp-q1 up
ip link set nvrrp-q0 up
tc qdisc add dev nvrrp-q0 root plug limit 100000000`, A);
  const socket = openIn(A, { family: 4, interface: 'nvrrp-q0', multicast: true });
  try {
    let failure: (Error & { code?: string }) | undefined;
    let sent = 0;
    for (; sent < 100_000 && !failure; sent++) {
      try {
        socket.send(Buffer.alloc(64), '224.0.0.18');
      } catch (err) {
        failure = err as Error & { code?: string };
      }
    }
    assert.ok(failure, `${sent} datagrams queued without the send buffer filling`);
    // Raw sockets report a full buffer as ENOBUFS where other sockets say EAGAIN.
    assert.ok(failure.code === 'ENOBUFS' || failure.code === 'EAGAIN', failure.message);
    assert.match(failure.message, /sendmsg 224\.0\.0\.18 on nvrrp-q0/);
  } finally {
    socket.close();
    await sh('ip link del nvrrp-q0', A);
  }
});

test('close() releases every descriptor, for both families and both modes', LIMIT, () => {
  const before = openDescriptors();
  const sockets = [4, 6].flatMap((family) => [true, false].map((multicast) =>
    openIn(A, { family: family as 4 | 6, interface: 'eth0', multicast })));
  assert.equal(openDescriptors(), before + sockets.length);
  for (const socket of sockets) socket.close();
  assert.equal(openDescriptors(), before);
});

test('a socket dropped without close() is closed when collected', LIMIT, async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const before = openDescriptors();
  const noop = (): void => {};
  // The callbacks do not reference the handle, so nothing keeps it alive.
  inNetns(A, () => { new (native().VrrpSocket)(4, 'eth0', undefined, true, noop, noop); });
  assert.equal(openDescriptors(), before + 1);
  for (let round = 0; round < 50 && openDescriptors() !== before; round++) {
    gc();
    await nextTurn();
  }
  assert.equal(openDescriptors(), before);
});

test('a worker that exits with sockets still open releases them', LIMIT, async () => {
  const dist = join(__dirname, '..', '..', 'src');
  const code = `
    const { parentPort } = require('node:worker_threads');
    const { inNetns } = require(${JSON.stringify(join(dist, 'net', 'netns.js'))});
    const { VrrpSocket } = require(${JSON.stringify(join(dist, 'native', 'vrrp-socket.js'))});
    inNetns(${JSON.stringify(A)}, () => {
      VrrpSocket.open({ family: 4, interface: 'eth0', multicast: true });
      VrrpSocket.open({ family: 6, interface: 'eth0', multicast: true });
    });
    parentPort.postMessage('open');`;
  const before = openDescriptors();
  const worker = new Worker(code, { eval: true });
  const exited = new Promise((resolve) => worker.once('exit', resolve));
  const message = await new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  assert.equal(message, 'open');
  // The open sockets keep the worker's loop alive: only terminate() ends it.
  await worker.terminate();
  await exited;
  assert.equal(openDescriptors(), before);
});
