import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CheckScheduler } from '../../src/check/scheduler';
import { FakeClock } from '../helpers/fake-clock';
import { buildCheckSpec, type CheckInput } from '../../src/check/spec';
import type { ProbeFactory, ProbeDone } from '../../src/check/probe';
import type { CheckEvent, ProbeResult } from '../../src/check/types';

/** Probes answer at once from a script of outcomes; records when each attempt ran. */
function scripted(clock: FakeClock, outcomes: Array<boolean | ProbeResult>) {
  const ran: number[] = [];
  const factory: ProbeFactory = () => (done: ProbeDone) => {
    ran.push(clock.now());
    const next = outcomes.shift() ?? true;
    done(typeof next === 'boolean' ? { ok: next, reason: next ? 'fine' : 'broken' } : next);
    return () => undefined;
  };
  return { factory, ran };
}

function spec(extra: Partial<CheckInput> = {}) {
  return buildCheckSpec({ kind: 'TCP_CHECK', server: { address: '127.0.0.1', port: 80 }, delayLoop: 10, warmup: 0, ...extra });
}

function setup(outcomes: Array<boolean | ProbeResult>, extra: Partial<CheckInput> = {}) {
  const clock = new FakeClock({ start: 1_000_000 });
  const { factory, ran } = scripted(clock, outcomes);
  const scheduler = new CheckScheduler({ clock, probeFactory: factory, jitter: 0 });
  const events: CheckEvent[] = [];
  scheduler.on('change', (e) => events.push(e));
  scheduler.add('rs1', spec(extra));
  const t0 = clock.now();
  return { clock, scheduler, events, ran: () => ran.map((t) => t - t0) };
}

test('keepalived retry: an up server goes down after retry+1 consecutive failures, retries spaced by delay_before_retry', () => {
  const { clock, events, ran, scheduler } = setup([true, false, false, false, true], { retry: 2, delayBeforeRetry: 1 });
  clock.advance(0);
  assert.deepEqual(ran(), [0]);
  clock.advance(10_000);
  assert.deepEqual(ran(), [0, 10_000], 'first failure');
  assert.equal(events.length, 0);
  clock.advance(1_000);
  assert.equal(events.length, 0, 'second failure is still a retry');
  clock.advance(1_000);
  assert.deepEqual(ran(), [0, 10_000, 11_000, 12_000]);
  assert.equal(events.length, 1, 'third failure = retry + 1: down');
  assert.deepEqual({ ...events[0], at: 0 }, { checkId: 'rs1', up: false, reason: 'broken', latencyMs: 0, at: 0 });
  assert.equal(scheduler.status('rs1')!.consecutiveFailures, 3);
  clock.advance(10_000);
  assert.deepEqual(ran().slice(-1), [22_000], 'the next round of a down server starts a delay_loop later');
  assert.equal(events.length, 2);
  assert.equal(events[1]!.up, true, 'one success brings it back (rise 1)');
});

test('a success between failures resets the retry count', () => {
  const { clock, events } = setup([true, false, true, false, false], { retry: 1, delayBeforeRetry: 1 });
  clock.advance(10_000 + 1_000 + 10_000 + 1_000);
  assert.deepEqual(events.map((e) => e.up), [false]);
  assert.equal(events.length, 1);
});

test('rise and fall count consecutive rounds', () => {
  const { clock, events, scheduler } = setup([false, false, false, true, true, false, true, true, true], { retry: 0, fall: 3, rise: 3 });
  clock.advance(0);
  clock.advance(10_000);
  assert.equal(events.length, 0, 'two failed rounds < fall 3');
  clock.advance(10_000);
  assert.deepEqual(events.map((e) => e.up), [false]);
  clock.advance(20_000);
  assert.equal(scheduler.status('rs1')!.consecutiveSuccesses, 2);
  clock.advance(10_000);
  assert.equal(events.length, 1, 'a failure resets the successes before rise');
  clock.advance(30_000);
  assert.deepEqual(events.map((e) => e.up), [false, true]);
});

test('alpha starts down and waits for rise successes', () => {
  const { clock, events, scheduler } = setup([true, true], { alpha: true, rise: 2 });
  assert.equal(scheduler.status('rs1')!.up, false);
  assert.equal(scheduler.status('rs1')!.last, undefined);
  clock.advance(0);
  assert.equal(events.length, 0);
  clock.advance(10_000);
  assert.deepEqual(events.map((e) => e.up), [true]);
  const st = scheduler.status('rs1')!;
  assert.equal(st.attempts, 2);
  assert.deepEqual(st.last, { ok: true, reason: 'fine', latencyMs: 0, at: clock.now() });
});

test('a dynamic weight change on an up server is published', () => {
  const { clock, events } = setup([{ ok: true, reason: 'exit 12', weight: 10 }, { ok: true, reason: 'exit 12', weight: 10 }, { ok: true, reason: 'exit 7', weight: 5 }]);
  clock.advance(20_000);
  assert.deepEqual(events.map((e) => [e.up, e.weight]), [[true, 10], [true, 5]]);
});

test('warmup spreads the first attempt, jitter spreads later ones', () => {
  const clock = new FakeClock({ start: 1_000_000 });
  const { factory, ran } = scripted(clock, []);
  const randoms = [0.5, 0, 0.999];
  const scheduler = new CheckScheduler({ clock, probeFactory: factory, jitter: 0.1, random: () => randoms.shift() ?? 0.5 });
  const t0 = clock.now();
  scheduler.add('rs1', spec({ warmup: 4 }));
  clock.advance(1_999);
  assert.equal(ran.length, 0);
  clock.advance(1);
  clock.advance(20_000);
  assert.deepEqual(ran.map((t) => t - t0), [2_000, 2_000 + 9_000, 2_000 + 9_000 + 10_998]);
  scheduler.close();
});

test('the in-flight cap queues attempts and releases them in order; remove aborts', () => {
  const clock = new FakeClock({ start: 1_000_000 });
  const pending = new Map<string, ProbeDone>();
  const cancelled: string[] = [];
  let n = 0;
  const factory: ProbeFactory = (s) => (done) => {
    const id = `${s.connectPort}#${++n}`;
    pending.set(String(s.connectPort), done);
    return () => { cancelled.push(id); pending.delete(String(s.connectPort)); };
  };
  const scheduler = new CheckScheduler({ clock, probeFactory: factory, maxInFlight: 2, jitter: 0 });
  for (const port of [1, 2, 3, 4]) scheduler.add(`rs${port}`, spec({ connectPort: port }));
  clock.advance(0);
  assert.deepEqual([...pending.keys()], ['1', '2']);
  assert.equal(scheduler.inFlightCount, 2);
  pending.get('1')!({ ok: true, reason: 'fine' });
  pending.delete('1');
  assert.deepEqual([...pending.keys()], ['2', '3'], 'the queue moves as soon as a slot frees');
  assert.equal(scheduler.remove('rs2'), true);
  assert.deepEqual(cancelled, ['2#2']);
  assert.deepEqual([...pending.keys()], ['3', '4']);
  assert.equal(scheduler.remove('rs2'), false);
  scheduler.close();
  assert.deepEqual(cancelled, ['2#2', '3#3', '4#4']);
  assert.equal(scheduler.inFlightCount, 0);
  assert.equal(clock.pending, 0, 'no timers left behind');
});

test('bad input is refused with the option named', () => {
  assert.throws(() => spec({ retry: -1 }), /TCP_CHECK of 127.0.0.1:80: retry must be an integer >= 0/);
  assert.throws(() => spec({ connectIp: 'server1' }), /connect_ip must be an IP address/);
  assert.throws(() => spec({ connectPort: 70000 }), /connect_port must be a port/);
  assert.throws(() => spec({ rise: 0 }), /rise must be an integer >= 1/);
  assert.throws(() => spec({ bindTo: '::1' }), /different address families/);
  assert.throws(() => new CheckScheduler({ maxInFlight: 0 }), /maxInFlight/);
  const scheduler = new CheckScheduler({ clock: new FakeClock({ start: 1_000_000 }) });
  scheduler.add('a', spec());
  assert.throws(() => scheduler.add('a', spec()), /check "a" already exists/);
  scheduler.close();
});

test('a probe that throws or a listener that throws does not stop the check', () => {
  const clock = new FakeClock({ start: 1_000_000 });
  let calls = 0;
  const factory: ProbeFactory = () => (done) => {
    calls++;
    if (calls === 2) throw new Error('EPERM setuid');
    done({ ok: true, reason: 'fine' });
    return () => undefined;
  };
  const scheduler = new CheckScheduler({ clock, probeFactory: factory, jitter: 0 });
  scheduler.on('change', () => { throw new Error('listener bug'); });
  scheduler.add('rs1', spec({ retry: 0 }));
  clock.advance(0);
  assert.throws(() => clock.advance(10_000), /listener bug/);
  const st = scheduler.status('rs1')!;
  assert.equal(st.up, false);
  assert.match(st.last!.reason, /TCP_CHECK could not start: EPERM setuid/);
  assert.equal(scheduler.inFlightCount, 0);
  assert.throws(() => clock.advance(10_000), /listener bug/, 'a listener error is not taken for a probe error');
  assert.equal(calls, 3, 'the check kept its schedule');
  assert.equal(scheduler.status('rs1')!.up, true);
  scheduler.close();
});

test('as keepalived starts: a new check that is not alpha goes down on its first failure, without retries', () => {
  const { clock, events, ran } = setup([false, false, false], { retry: 2, delayBeforeRetry: 1 });
  clock.advance(0);
  assert.deepEqual(ran(), [0]);
  assert.deepEqual(events.map((e) => e.up), [false], 'down at once');
  clock.advance(1_000);
  assert.deepEqual(ran(), [0], 'no retry of a server already down');
});

test('a check that replaces another (a reload changed it) starts from its verdict and keeps its retries', () => {
  const clock = new FakeClock({ start: 1_000_000 });
  const { factory, ran } = scripted(clock, [false, false, true]);
  const scheduler = new CheckScheduler({ clock, probeFactory: factory, jitter: 0 });
  const events: CheckEvent[] = [];
  scheduler.on('change', (e) => events.push(e));
  scheduler.add('rs1', spec({ retry: 2, delayBeforeRetry: 1, alpha: true }), { up: true });
  clock.advance(2_000);
  assert.equal(ran.length, 3, 'two retries, then a success');
  assert.deepEqual(events, [], 'still up throughout: alpha does not restart it as down');
  const down = new CheckScheduler({ clock, probeFactory: scripted(clock, [false]).factory, jitter: 0 });
  const seen: CheckEvent[] = [];
  down.on('change', (e) => seen.push(e));
  down.add('rs2', spec(), { up: false });
  clock.advance(0);
  assert.deepEqual(seen, [], 'a server known down stays down without an event');
  assert.equal(down.status('rs2')!.up, false);
});

test('MISC_CHECK misc_dynamic: exit 0 gives the configured weight back, as keepalived does', () => {
  const w = (weight: number): ProbeResult => ({ ok: true, reason: 'exit', weight });
  const { clock, events } = setup([w(5), { ok: true, reason: 'exit 0' }, w(7), false, { ok: true, reason: 'exit 0' }],
    { kind: 'MISC_CHECK', miscPath: '/bin/true', miscDynamic: true });
  for (let i = 0; i < 5; i++) clock.advance(i === 0 ? 0 : 10_000);
  assert.deepEqual(events.map((e) => [e.up, e.weight]), [[true, 5], [true, undefined], [true, 7], [false, undefined], [true, undefined]]);
});

test('as keepalived: TCP_CHECK retries a down server within each round; other checks wait for the next round', () => {
  const tcp = setup([false, false, false, false], { retry: 2, delayBeforeRetry: 1 });
  tcp.clock.advance(0);
  tcp.clock.advance(10_000);
  tcp.clock.advance(1_000);
  tcp.clock.advance(1_000);
  assert.deepEqual(tcp.ran(), [0, 10_000, 11_000, 12_000], 'down at once, then retried each delay_before_retry');
  const udp = setup([false, false, false], { kind: 'UDP_CHECK', retry: 2, delayBeforeRetry: 1 });
  udp.clock.advance(0);
  udp.clock.advance(10_000);
  udp.clock.advance(2_000);
  assert.deepEqual(udp.ran(), [0, 10_000], 'a down UDP server is tried once a round');
});
