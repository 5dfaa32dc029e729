import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeAdvertisement, passwordAuthData } from '../../src/vrrp/packet';
import { ManualScheduler } from '../../src/vrrp/scheduler';
import {
  resolveInstanceConfig, VrrpInstance, type Announcer, type ReceivedPacket, type VipManager, type VrrpInstanceConfig, type VrrpTransport,
} from '../../src/vrrp/instance';

/** One L2 segment: every packet reaches every other endpoint 100 us later, TTL 255. */
class Segment {
  readonly endpoints: FakeTransport[] = [];
  constructor(readonly sched: ManualScheduler) {}
  attach(address: string): FakeTransport {
    const t = new FakeTransport(this, address);
    this.endpoints.push(t);
    return t;
  }
}

let deliveries = 0;
class FakeTransport implements VrrpTransport {
  readonly sent: Array<{ payload: Buffer; destination: string; at: number }> = [];
  private listener: ((p: ReceivedPacket) => void) | undefined;
  closed = false;
  constructor(private readonly segment: Segment, readonly address: string) {}
  send(payload: Buffer, destination: string): void {
    this.sent.push({ payload, destination, at: this.segment.sched.now() });
    for (const peer of this.segment.endpoints) {
      if (peer === this || peer.closed) continue;
      this.segment.sched.arm(`wire/${deliveries++}`, 100, () => peer.inject({ payload, ttl: 255, source: this.address, destination, ifindex: 2 }));
    }
  }
  on(_event: 'packet', listener: (p: ReceivedPacket) => void): void { this.listener = listener; }
  close(): void { this.closed = true; }
  inject(p: ReceivedPacket): void { this.listener?.(p); }
}

class FakeVips implements VipManager {
  readonly held = new Set<string>();
  add(vips: string[]): void { vips.forEach((v) => this.held.add(v)); }
  remove(vips: string[]): void { vips.forEach((v) => this.held.delete(v)); }
}

class FakeAnnouncer implements Announcer {
  readonly garps: string[] = [];
  readonly nas: string[] = [];
  garp(ifname: string, address: string): void { this.garps.push(`${ifname} ${address}`); }
  na(ifname: string, address: string): void { this.nas.push(`${ifname} ${address}`); }
}

function config(name: string, address: string, priority: number, extra: Partial<VrrpInstanceConfig> = {}): VrrpInstanceConfig {
  return {
    name, interface: 'eth0', vrid: 51, priority, version: 2, advertInterval: 1, primaryAddress: address,
    vips: ['10.0.0.100'], auth: { type: 'pass', password: 'secret' }, ...extra,
  };
}

function node(segment: Segment, cfg: VrrpInstanceConfig) {
  const transport = segment.attach(cfg.unicastSrcIp ?? cfg.primaryAddress);
  const vips = new FakeVips();
  const announcer = new FakeAnnouncer();
  const notified: string[] = [];
  const instance = new VrrpInstance(cfg, {
    transport, vips, announcer, scheduler: segment.sched,
    notify: (n, state, prio) => notified.push(`${n} ${state} ${prio}`),
  });
  return { instance, transport, vips, announcer, notified };
}

test('two routers elect the higher priority; on shutdown the backup takes over after Skew_Time', () => {
  const segment = new Segment(new ManualScheduler());
  const a = node(segment, config('A', '10.0.0.1', 100));
  const b = node(segment, config('B', '10.0.0.2', 90));
  a.instance.start();
  b.instance.start();
  segment.sched.advance(10_000_000);
  assert.equal(a.instance.state, 'MASTER');
  assert.equal(b.instance.state, 'BACKUP');
  assert.deepEqual([...a.vips.held], ['10.0.0.100']);
  assert.equal(b.vips.held.size, 0);
  assert.equal(a.announcer.garps.length, 10, 'two bursts of 5: at mastership and 5 s later');
  assert.ok(b.instance.counters.advertsReceived >= 6);
  assert.equal(b.instance.counters.drops['bad-checksum'], 0);

  const shutdownAt = segment.sched.now();
  a.instance.shutdown();
  assert.equal(a.instance.counters.priorityZeroSent, 1);
  assert.equal(a.vips.held.size, 0);
  segment.sched.advance(100 + 648_436);
  assert.equal(b.instance.state, 'BACKUP');
  segment.sched.advance(1);
  assert.equal(b.instance.state, 'MASTER');
  assert.equal(b.instance.counters.priorityZeroReceived, 1);
  assert.equal(b.instance.counters.becameMaster, 1);
  assert.equal(b.transport.sent.at(-1)!.at - shutdownAt, 100 + 648_437);
  assert.deepEqual(b.notified, ['B BACKUP 90', 'B MASTER 90']);
  assert.deepEqual(a.notified, ['A BACKUP 100', 'A MASTER 100', 'A STOP 100']);
});

test('a master whose priority drops below the backup is preempted', () => {
  const segment = new Segment(new ManualScheduler());
  const a = node(segment, config('A', '10.0.0.1', 100, { tracks: [{ name: 'chk_web', weight: -20 }] }));
  const b = node(segment, config('B', '10.0.0.2', 90));
  a.instance.start();
  b.instance.start();
  segment.sched.advance(5_000_000);
  assert.equal(a.instance.state, 'MASTER');
  a.instance.track('chk_web', false);
  segment.sched.advance(5_000_000);
  assert.equal(b.instance.state, 'MASTER');
  assert.equal(a.instance.state, 'BACKUP');
  assert.equal(a.instance.lastTransition?.reason, 'higher-priority-advert');
});

test('v3 over IPv6 with unicast peers: per-peer checksums, NAs instead of GARPs', () => {
  const segment = new Segment(new ManualScheduler());
  const six = (name: string, src: string, peer: string, priority: number) => config(name, src, priority, {
    version: 3, advertInterval: 0.1, auth: undefined, vips: ['fd00::100'], unicastSrcIp: src, unicastPeers: [peer],
  });
  const a = node(segment, six('A', 'fd00::1', 'fd00::2', 100));
  const b = node(segment, six('B', 'fd00::2', 'fd00::1', 90));
  a.instance.start();
  b.instance.start();
  segment.sched.advance(1_000_000);
  assert.equal(a.instance.state, 'MASTER');
  assert.equal(b.instance.state, 'BACKUP');
  assert.ok(a.announcer.nas.length >= 5);
  assert.equal(a.announcer.garps.length, 0);
  assert.ok(a.transport.sent.every((s) => s.destination === 'fd00::2'));
  assert.ok(b.instance.counters.advertsReceived > 3);
});

function inject(target: ReturnType<typeof node>, payload: Buffer, over: Partial<ReceivedPacket> = {}): void {
  target.transport.inject({ payload, ttl: 255, source: '10.0.0.9', destination: '224.0.0.18', ifindex: 2, ...over });
}

function v2(over: { vrid?: number; interval?: number; password?: string | null; addresses?: string[]; priority?: number } = {}): Buffer {
  const password = over.password === undefined ? 'secret' : over.password;
  return encodeAdvertisement({
    version: 2, vrid: over.vrid ?? 51, priority: over.priority ?? 150, advertIntervalSec: over.interval ?? 1,
    authType: password === null ? 'none' : 'pass', authData: passwordAuthData(password ?? ''),
    addresses: over.addresses ?? ['10.0.0.100'],
  }, { family: 'ipv4', source: '10.0.0.9', destination: '224.0.0.18' });
}

test('every kind of bad advertisement is counted under its own reason and changes nothing', () => {
  const segment = new Segment(new ManualScheduler());
  const b = node(segment, config('B', '10.0.0.2', 90));
  b.instance.start();
  const cases: Array<[string, () => void]> = [
    ['too-short', () => inject(b, Buffer.from([0x21, 51]))],
    ['wrong-ttl', () => inject(b, v2(), { ttl: 254 })],
    ['unknown-vrid', () => inject(b, v2({ vrid: 52 }))],
    ['auth-type-mismatch', () => inject(b, v2({ password: null }))],
    ['auth-failure', () => inject(b, v2({ password: 'guess' }))],
    ['advert-interval-mismatch', () => inject(b, v2({ interval: 2 }))],
    ['address-count-mismatch', () => inject(b, v2({ addresses: ['10.0.0.100', '10.0.0.101'] }))],
    ['address-list-mismatch', () => inject(b, v2({ addresses: ['10.0.0.101'] }))],
    ['unexpected-unicast', () => inject(b, v2(), { destination: '10.0.0.2' })],
    ['bad-envelope', () => inject(b, v2(), { source: 'not-an-address' })],
  ];
  for (const [reason, send] of cases) {
    send();
    assert.equal(b.instance.counters.drops[reason as keyof typeof b.instance.counters.drops], 1, reason);
  }
  assert.equal(b.instance.counters.advertsReceived, 0);
  segment.sched.advance(3_648_437);
  assert.equal(b.instance.state, 'MASTER', 'dropped adverts never reset the down timer');
  inject(b, v2({ priority: 150 }));
  assert.equal(b.instance.counters.advertsReceived, 1);
  assert.equal(b.instance.state, 'BACKUP');
});

test('I/O failures are counted, not thrown', () => {
  const segment = new Segment(new ManualScheduler());
  const transport = segment.attach('10.0.0.1');
  transport.send = () => { throw new Error('ENETDOWN'); };
  const lines: string[] = [];
  const instance = new VrrpInstance(config('A', '10.0.0.1', 255), {
    transport, announcer: new FakeAnnouncer(), scheduler: segment.sched,
    vips: { add: () => Promise.reject(new Error('EPERM')), remove: () => undefined },
    log: (l) => lines.push(l),
  });
  instance.start();
  assert.equal(instance.state, 'MASTER');
  return new Promise<void>((resolve) => setImmediate(() => {
    assert.equal(instance.counters.ioErrors, 2);
    assert.ok(lines.some((l) => l.includes('ENETDOWN')) && lines.some((l) => l.includes('EPERM')), lines.join('\n'));
    resolve();
  }));
});

test('configuration errors name the instance and the field', () => {
  const ok = config('VI_9', '10.0.0.1', 100);
  assert.throws(() => resolveInstanceConfig({ ...ok, vrid: 0 }), /vrrp_instance VI_9: virtual_router_id 0/);
  assert.throws(() => resolveInstanceConfig({ ...ok, priority: 256 }), /priority 256/);
  assert.throws(() => resolveInstanceConfig({ ...ok, vips: [], version: 3, auth: undefined }), /virtual_ipaddress is empty; VRRP version 3 needs/);
  // VRRPv2 without addresses runs, as in keepalived.
  assert.deepEqual(resolveInstanceConfig({ ...ok, vips: [] }).expectation.vips, []);
  assert.throws(() => resolveInstanceConfig({ ...ok, vips: ['fd00::1'] }), /version 2 cannot carry IPv6/);
  assert.throws(() => resolveInstanceConfig({ ...ok, vips: ['10.0.0.5', 'fd00::1'] }), /fd00::1 is not an IPv4/);
  assert.throws(() => resolveInstanceConfig({ ...ok, version: 3 }), /authentication exists in VRRP version 2 only/);
  assert.throws(() => resolveInstanceConfig({ ...ok, advertInterval: 0.2 }), /advert_int 0.2 is outside 1..255 s/);
  assert.throws(() => resolveInstanceConfig({ ...ok, unicastPeers: ['bogus'] }), /unicast_peer bogus/);
  assert.throws(() => resolveInstanceConfig({ ...ok, garp: { masterRepeat: 0 } }), /garp_master_repeat 0/);
  const r = resolveInstanceConfig({ ...ok, priority: 255, nopreempt: true, garp: { masterDelay: 2 } });
  assert.equal(r.machine.preempt, true, 'nopreempt is meaningless for the address owner');
  assert.equal(r.machine.garp.lowerPriorityDelayUs, 5_000_000, 'an instance\'s lower-priority delay does not follow its master one: keepalived takes the global one');
});
