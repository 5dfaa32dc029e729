import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualScheduler } from '../../src/vrrp/scheduler';
import { DEFAULT_GARP, StateMachine, type Action, type MachineConfig } from '../../src/vrrp/state-machine';

const BASE: MachineConfig = {
  version: 2, priority: 100, advertIntervalUs: 1_000_000, primaryAddress: '10.0.0.1',
  preempt: true, preemptDelayUs: 0, downTimerAdverts: 3, garp: DEFAULT_GARP,
  lowerPriorityNoAdvert: false, higherPrioritySendAdvert: false, tracks: [],
};

function router(overrides: Partial<MachineConfig> = {}, sched = new ManualScheduler(), name = 'VI_1') {
  const actions: Array<Action & { at: number }> = [];
  const m: StateMachine = new StateMachine(name, { ...BASE, ...overrides }, () => sched.now(), (a) => {
    actions.push({ ...a, at: sched.now() });
    if (a.type === 'arm-timer') sched.armAt(`${name}/${a.timer}`, a.atUs, () => m.handle({ type: 'timer', timer: a.timer }));
    if (a.type === 'cancel-timer') sched.cancel(`${name}/${a.timer}`);
  });
  const of = <T extends Action['type']>(type: T) => actions.filter((a) => a.type === type) as Array<Extract<Action, { type: T }> & { at: number }>;
  const advert = (priority: number, source = '10.0.0.2', advertIntervalUs = 1_000_000) =>
    m.handle({ type: 'advert', advert: { priority, source, advertIntervalUs } });
  return { m, sched, actions, of, advert, clear: () => { actions.length = 0; } };
}

test('v2 backup of priority 90 takes over at exactly 3,648,437 us', () => {
  const r = router({ priority: 90 });
  r.m.handle({ type: 'start' });
  assert.equal(r.m.state, 'BACKUP');
  r.sched.advance(3_648_436);
  assert.equal(r.m.state, 'BACKUP');
  r.sched.advance(1);
  assert.equal(r.m.state, 'MASTER');
  assert.equal(r.of('state-changed').at(-1)!.at, 3_648_437);
  assert.equal(r.of('state-changed').at(-1)!.reason, 'master-down-timer');
});

test('v3 at 0.1 s, priority 90: takeover at 364,843 us', () => {
  const r = router({ version: 3, priority: 90, advertIntervalUs: 100_000 });
  r.m.handle({ type: 'start' });
  r.sched.advance(364_842);
  assert.equal(r.m.state, 'BACKUP');
  r.sched.advance(1);
  assert.equal(r.m.state, 'MASTER');
});

test('becoming master: advert first, then addresses, GARP burst, delayed burst, notify; adverts every interval', () => {
  const r = router({ priority: 90 });
  r.m.handle({ type: 'start' });
  r.sched.advance(3_648_437);
  const start = r.actions.findIndex((a) => a.type === 'send-advert');
  const kinds = r.actions.slice(start).map((a) => a.type === 'arm-timer' ? `arm:${a.timer}` : a.type);
  assert.deepEqual(kinds, ['send-advert', 'arm:advert', 'add-vips', 'announce', 'arm:garp-delay', 'state-changed', 'notify']);
  assert.deepEqual(r.of('announce')[0], { type: 'announce', repeat: 5, cause: 'became-master', at: 3_648_437 });
  r.clear();
  r.sched.advance(5_000_000);
  assert.deepEqual(r.of('send-advert').map((a) => a.at - 3_648_437), [1e6, 2e6, 3e6, 4e6, 5e6]);
  assert.deepEqual(r.of('announce').map((a) => [a.cause, a.at - 3_648_437]), [['master-delay', 5e6]]);
  assert.ok(r.of('send-advert').every((a) => a.priority === 90));
});

test('a backup hearing a higher priority master keeps resetting its down timer', () => {
  const r = router({ priority: 90 });
  r.m.handle({ type: 'start' });
  for (let i = 0; i < 10; i++) {
    r.sched.advance(1_000_000);
    r.advert(100);
  }
  assert.equal(r.m.state, 'BACKUP');
  assert.equal(r.m.masterAddress, '10.0.0.2');
  r.sched.advance(3_648_436);
  assert.equal(r.m.state, 'BACKUP');
  r.sched.advance(1);
  assert.equal(r.m.state, 'MASTER');
});

test('a master yields to a higher priority and removes its addresses', () => {
  const r = router({ priority: 100 });
  r.m.handle({ type: 'start' });
  r.sched.advance(4_000_000);
  assert.equal(r.m.state, 'MASTER');
  r.clear();
  r.advert(200);
  assert.equal(r.m.state, 'BACKUP');
  assert.deepEqual(r.of('state-changed').map((a) => a.reason), ['higher-priority-advert']);
  assert.equal(r.of('remove-vips').length, 1);
  assert.equal(r.of('send-advert').length, 0, 'no priority 0 when yielding to a better master');
});

test('a master answers a lower priority with an advert and a GARP burst, tells of it (notify_master_rx_lower_pri), and stays master', () => {
  const r = router({ priority: 100 });
  r.m.handle({ type: 'start' });
  r.sched.advance(4_000_000);
  r.clear();
  r.advert(50);
  assert.equal(r.m.state, 'MASTER');
  assert.deepEqual(r.of('send-advert').map((a) => a.priority), [100]);
  assert.deepEqual(r.of('announce').map((a) => a.cause), ['lower-priority-advert']);
  assert.equal(r.of('master-rx-lower-priority').length, 1);
  r.advert(150, '10.0.0.2');
  assert.equal(r.of('master-rx-lower-priority').length, 1, 'not for a higher one');
});

test('equal priority between masters: the higher primary address wins', () => {
  const low = router({ priority: 100, primaryAddress: '10.0.0.1' });
  low.m.handle({ type: 'start' });
  low.sched.advance(4_000_000);
  low.advert(100, '10.0.0.2');
  assert.equal(low.m.state, 'BACKUP');
  assert.equal(low.of('state-changed').at(-1)!.reason, 'equal-priority-higher-address');

  const high = router({ priority: 100, primaryAddress: '10.0.0.9' });
  high.m.handle({ type: 'start' });
  high.sched.advance(4_000_000);
  high.advert(100, '10.0.0.2');
  assert.equal(high.m.state, 'MASTER');
});

test('preempt: a higher-priority backup ignores a lower master and takes over on its down timer', () => {
  const r = router({ priority: 200 });
  r.m.handle({ type: 'start' });
  r.advert(100);
  const deadline = 3 * 1_000_000 + 218_750;
  for (let t = 1; t <= 3; t++) { r.sched.advance(1_000_000); if (r.m.state === 'BACKUP') r.advert(100); }
  r.sched.advance(deadline - 3_000_000);
  assert.equal(r.m.state, 'MASTER');
  assert.equal(r.of('state-changed').at(-1)!.at, deadline);
});

test('nopreempt: a higher-priority backup stays backup while the master advertises', () => {
  const r = router({ priority: 200, preempt: false });
  r.m.handle({ type: 'start' });
  for (let i = 0; i < 20; i++) { r.advert(100); r.sched.advance(1_000_000); }
  assert.equal(r.m.state, 'BACKUP');
  r.sched.advance(3_218_750);
  assert.equal(r.m.state, 'MASTER', 'still takes over once the master goes silent');
});

test('preempt_delay: lower adverts are accepted until the delay has run, then preemption happens', () => {
  const r = router({ priority: 200, preemptDelayUs: 10_000_000 });
  r.m.handle({ type: 'start' });
  r.sched.advance(500_000);
  // Adverts every second from t = 0.5 s; the delay ends at 10.5 s, the last accepted advert is at 9.5 s.
  for (let i = 0; i < 30 && r.m.state === 'BACKUP'; i++) {
    r.advert(100);
    r.sched.advance(1_000_000);
  }
  assert.equal(r.m.state, 'MASTER');
  assert.equal(r.of('state-changed').at(-1)!.at, 9_500_000 + 3_218_750);
});

test('priority 0 from the master: a backup takes over after Skew_Time', () => {
  const r = router({ priority: 90 });
  r.m.handle({ type: 'start' });
  r.sched.advance(1_000_000);
  r.advert(100);
  r.sched.advance(1_000_000);
  r.advert(0);
  r.sched.advance(648_436);
  assert.equal(r.m.state, 'BACKUP');
  r.sched.advance(1);
  assert.equal(r.m.state, 'MASTER');
});

test('priority 0 to a master: it re-advertises at once and stays master', () => {
  const r = router({ priority: 100 });
  r.m.handle({ type: 'start' });
  r.sched.advance(4_000_000);
  r.clear();
  r.advert(0);
  assert.equal(r.m.state, 'MASTER');
  assert.deepEqual(r.of('send-advert').map((a) => a.priority), [100]);
});

test('address owner (255) is master immediately and ignores tracking weights', () => {
  const r = router({ priority: 255, tracks: [{ name: 'chk', weight: -50 }] });
  r.m.handle({ type: 'start' });
  assert.equal(r.m.state, 'MASTER');
  assert.equal(r.of('state-changed')[0]!.reason, 'address-owner');
  assert.equal(r.of('state-changed')[0]!.at, 0);
  r.m.handle({ type: 'track', name: 'chk', up: false });
  assert.equal(r.m.priority, 255);
});

test('two address owners: the lower address steps down to 254 and yields', () => {
  const r = router({ priority: 255, primaryAddress: '10.0.0.1' });
  r.m.handle({ type: 'start' });
  r.advert(255, '10.0.0.2');
  assert.equal(r.m.priority, 254);
  assert.equal(r.m.state, 'BACKUP');
});

test('state MASTER on a non-owner waits one interval plus the minimum skew', () => {
  const r = router({ priority: 100, initialState: 'MASTER' });
  r.m.handle({ type: 'start' });
  assert.equal(r.m.state, 'BACKUP');
  r.sched.advance(1_003_905);
  assert.equal(r.m.state, 'BACKUP');
  r.sched.advance(1);
  assert.equal(r.m.state, 'MASTER');
});

test('v3 backup learns the master interval; v2 does not', () => {
  const v3 = router({ version: 3, priority: 90, advertIntervalUs: 1_000_000 });
  v3.m.handle({ type: 'start' });
  v3.advert(100, '10.0.0.2', 500_000);
  assert.equal(v3.m.masterAdvertInterval, 500_000);
  v3.sched.advance(1_500_000 + 324_218);
  assert.equal(v3.m.state, 'MASTER');
  assert.equal(v3.m.masterAdvertInterval, 1_000_000, 'a new master goes back to its own interval');

  const v2 = router({ priority: 90 });
  v2.m.handle({ type: 'start' });
  v2.advert(100, '10.0.0.2', 500_000);
  assert.equal(v2.m.masterAdvertInterval, 1_000_000);
});

test('unweighted track failing: master leaves with priority 0 to FAULT; recovery goes to BACKUP', () => {
  const r = router({ priority: 100, tracks: [{ name: 'eth0', weight: 0 }] });
  r.m.handle({ type: 'start' });
  r.sched.advance(4_000_000);
  r.clear();
  r.m.handle({ type: 'track', name: 'eth0', up: false });
  assert.equal(r.m.state, 'FAULT');
  assert.deepEqual(r.of('send-advert').map((a) => a.priority), [0]);
  assert.equal(r.of('remove-vips').length, 1);
  assert.deepEqual(r.of('notify').map((a) => a.state), ['FAULT']);
  r.sched.advance(10_000_000);
  assert.equal(r.of('send-advert').length, 1, 'a faulty instance is silent');
  r.m.handle({ type: 'track', name: 'eth0', up: true });
  assert.equal(r.m.state, 'BACKUP');
  assert.equal(r.of('state-changed').at(-1)!.reason, 'fault-cleared');
  r.sched.advance(3_609_375);
  assert.equal(r.m.state, 'MASTER');
});

test('an instance that starts with a fault starts in FAULT; external faults count too', () => {
  const r = router({ tracks: [{ name: 'chk', weight: 0, initiallyUp: false }] });
  r.m.handle({ type: 'start' });
  assert.equal(r.m.state, 'FAULT');
  r.m.handle({ type: 'fault', source: 'link eth0', active: true });
  r.m.handle({ type: 'track', name: 'chk', up: true });
  assert.equal(r.m.state, 'FAULT', 'the link fault still holds');
  assert.deepEqual(r.m.faults(), ['link eth0']);
  r.m.handle({ type: 'fault', source: 'link eth0', active: false });
  assert.equal(r.m.state, 'BACKUP');
});

test('weights: +w while up, -w while down, reverse swaps, result kept within 1..254', () => {
  const r = router({
    priority: 100,
    tracks: [{ name: 'up', weight: 20 }, { name: 'down', weight: -30 }, { name: 'rev', weight: -10, reverse: true }],
  });
  assert.equal(r.m.priority, 110, 'reversed: up counts as failing');
  r.m.handle({ type: 'track', name: 'down', up: false });
  assert.equal(r.m.priority, 80);
  r.m.handle({ type: 'track', name: 'rev', up: false });
  assert.equal(r.m.priority, 90, 'reversed: down counts as healthy');
  r.m.handle({ type: 'track', name: 'rev', up: true });
  assert.equal(r.m.priority, 80);
  r.m.handle({ type: 'set-priority', priority: 250 });
  assert.equal(r.m.priority, 230);
  r.m.handle({ type: 'set-priority', priority: 5 });
  assert.equal(r.m.priority, 1);
  assert.deepEqual(r.of('priority-changed').map((a) => a.to), [80, 90, 80, 230, 1]);
  assert.throws(() => r.m.handle({ type: 'track', name: 'nope', up: true }), /no track named "nope"/);
});

test('master adverts carry the effective priority after a weight change', () => {
  const r = router({ priority: 100, tracks: [{ name: 'chk', weight: -30 }] });
  r.m.handle({ type: 'start' });
  r.sched.advance(4_000_000);
  r.m.handle({ type: 'track', name: 'chk', up: false });
  r.clear();
  r.sched.advance(1_000_000);
  assert.deepEqual(r.of('send-advert').map((a) => a.priority), [70]);
});

test('a priority change while backup shifts the running down timer by the skew difference', () => {
  const r = router({ priority: 100, tracks: [{ name: 'chk', weight: -10 }] });
  r.m.handle({ type: 'start' });
  r.sched.advance(1_000_000);
  r.m.handle({ type: 'track', name: 'chk', up: false });
  // 100 -> 90: skew grows from 609,375 to 648,437 us.
  assert.equal(r.sched.deadline('VI_1/master-down'), 3_648_437);
});

test('garp_master_refresh piggybacks on adverts once the refresh time has passed', () => {
  const r = router({ priority: 255, garp: { ...DEFAULT_GARP, masterDelayUs: 0, refreshUs: 2_500_000, refreshRepeat: 2 } });
  r.m.handle({ type: 'start' });
  r.sched.advance(6_000_000);
  assert.deepEqual(r.of('announce').map((a) => [a.cause, a.repeat, a.at]), [
    ['became-master', 5, 0], ['refresh', 2, 3_000_000], ['refresh', 2, 6_000_000],
  ]);
});

test('shutdown: a master sends priority 0, drops its addresses and stops; a stopped instance ignores adverts', () => {
  const r = router({ priority: 100 });
  r.m.handle({ type: 'start' });
  r.sched.advance(4_000_000);
  r.clear();
  r.m.handle({ type: 'shutdown' });
  assert.equal(r.m.state, 'STOP');
  assert.deepEqual(r.of('send-advert').map((a) => a.priority), [0]);
  assert.equal(r.of('remove-vips').length, 1);
  assert.deepEqual(r.of('notify').map((a) => a.state), ['STOP']);
  r.advert(50);
  r.sched.advance(10_000_000);
  assert.equal(r.m.state, 'STOP');
  assert.equal(r.of('send-advert').length, 1);
});

test('a bad priority is refused at construction with the instance name', () => {
  assert.throws(() => router({ priority: 0 }), /vrrp_instance VI_1: priority 0 is outside 1..255/);
});

test('the down timer runs from when an advertisement arrived, not from when it was handled', () => {
  const r = router({ version: 3, priority: 90, advertIntervalUs: 100_000 });
  r.m.handle({ type: 'start' });
  r.sched.advance(50_000);
  // Handled 2 ms after the kernel took it: the takeover is 364,843 us after arrival.
  r.m.handle({ type: 'advert', advert: { priority: 150, source: '10.0.0.2', advertIntervalUs: 100_000, at: 48_000 } });
  r.sched.advance(364_843 - 2_000 - 1);
  assert.equal(r.m.state, 'BACKUP');
  r.sched.advance(1);
  assert.equal(r.m.state, 'MASTER');
  assert.equal(r.of('state-changed').at(-1)!.at, 48_000 + 364_843);
});

test('priority 0: skew time from arrival; an arrival stamp in the future counts as now', () => {
  const r = router({ priority: 90 });
  r.m.handle({ type: 'start' });
  r.advert(150);
  r.sched.advance(500_000);
  r.m.handle({ type: 'advert', advert: { priority: 0, source: '10.0.0.2', advertIntervalUs: 1_000_000, at: 499_000 } });
  r.sched.advance(648_437 - 1_000 - 1);
  assert.equal(r.m.state, 'BACKUP');
  r.sched.advance(1);
  assert.equal(r.m.state, 'MASTER');

  const s = router({ priority: 90 });
  s.m.handle({ type: 'start' });
  s.m.handle({ type: 'advert', advert: { priority: 150, source: '10.0.0.2', advertIntervalUs: 1_000_000, at: 10_000_000 } });
  s.sched.advance(3_648_436);
  assert.equal(s.m.state, 'BACKUP');
  s.sched.advance(1);
  assert.equal(s.m.state, 'MASTER');
});
