import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualScheduler } from '../../src/vrrp/scheduler';
import { DEFAULT_GARP, StateMachine, type Action, type MachineConfig } from '../../src/vrrp/state-machine';
import { SyncGroup } from '../../src/vrrp/sync-group';

const BASE: MachineConfig = {
  version: 2, priority: 100, advertIntervalUs: 1_000_000, primaryAddress: '10.0.0.1',
  preempt: true, preemptDelayUs: 0, downTimerAdverts: 3, garp: DEFAULT_GARP,
  lowerPriorityNoAdvert: false, higherPrioritySendAdvert: false, tracks: [],
};

function member(name: string, sched: ManualScheduler, log: string[], overrides: Partial<MachineConfig> = {}): StateMachine {
  const m: StateMachine = new StateMachine(name, { ...BASE, ...overrides }, () => sched.now(), (a: Action) => {
    if (a.type === 'arm-timer') sched.armAt(`${name}/${a.timer}`, a.atUs, () => m.handle({ type: 'timer', timer: a.timer }));
    if (a.type === 'cancel-timer') sched.cancel(`${name}/${a.timer}`);
    if (a.type === 'state-changed') log.push(`${name}:${a.from}->${a.to}:${a.reason}`);
    if (a.type === 'send-advert') log.push(`${name}:advert:${a.priority}`);
  });
  return m;
}

function setup(overrides: Record<string, Partial<MachineConfig>> = {}) {
  const sched = new ManualScheduler();
  const log: string[] = [];
  const a = member('VI_A', sched, log, { tracks: [{ name: 'chk', weight: 0 }], ...overrides.VI_A });
  const b = member('VI_B', sched, log, { priority: 90, ...overrides.VI_B });
  const group = new SyncGroup('G1', [a, b]);
  return { sched, log, a, b, group };
}

const advert = (m: StateMachine, priority: number) =>
  m.handle({ type: 'advert', advert: { priority, source: '10.0.0.2', advertIntervalUs: 1_000_000 } });

test('mastership waits until every member wants it, then all members go master together', () => {
  const { sched, a, b, group } = setup();
  a.handle({ type: 'start' });
  b.handle({ type: 'start' });
  // A (priority 100) times out first at 3.609 s but B still wants BACKUP: A stays BACKUP and re-arms.
  sched.advance(3_609_375);
  assert.equal(a.state, 'BACKUP');
  assert.equal(a.wantState, 'MASTER');
  // B times out at 3.648 s: now everyone wants MASTER, B goes master and takes A along.
  sched.advance(648_437 - 609_375);
  assert.equal(b.state, 'MASTER');
  assert.equal(a.state, 'MASTER');
  assert.equal(group.state, 'MASTER');
});

test('a member falling back to BACKUP takes the others along', () => {
  const { sched, log, a, b, group } = setup();
  a.handle({ type: 'start' });
  b.handle({ type: 'start' });
  sched.advance(5_000_000);
  assert.equal(group.state, 'MASTER');
  log.length = 0;
  advert(b, 200);
  assert.equal(b.state, 'BACKUP');
  assert.equal(a.state, 'BACKUP');
  assert.equal(group.state, 'BACKUP');
  assert.ok(log.includes('VI_A:MASTER->BACKUP:sync-group'), log.join(' '));
});

test('a member fault puts the whole group in FAULT; the others come back only when it recovers', () => {
  const { sched, log, a, b, group } = setup();
  a.handle({ type: 'start' });
  b.handle({ type: 'start' });
  sched.advance(5_000_000);
  log.length = 0;
  a.handle({ type: 'track', name: 'chk', up: false });
  assert.equal(a.state, 'FAULT');
  assert.equal(b.state, 'FAULT');
  assert.equal(group.state, 'FAULT');
  assert.deepEqual(log.filter((l) => l.includes('advert')), ['VI_A:advert:0', 'VI_B:advert:0']);
  sched.advance(20_000_000);
  assert.equal(b.state, 'FAULT', 'B is held by A');
  a.handle({ type: 'track', name: 'chk', up: true });
  assert.equal(a.state, 'BACKUP');
  assert.equal(b.state, 'BACKUP');
  assert.equal(group.state, 'BACKUP');
  sched.advance(4_000_000);
  assert.equal(a.state, 'MASTER');
  assert.equal(b.state, 'MASTER');
});

test('a member that starts while another is faulty starts in FAULT', () => {
  const { a, b } = setup({ VI_A: { tracks: [{ name: 'chk', weight: 0, initiallyUp: false }] } });
  a.handle({ type: 'start' });
  b.handle({ type: 'start' });
  assert.equal(a.state, 'FAULT');
  assert.equal(b.state, 'FAULT');
});

test('with two faulty members, one recovering leaves the group in FAULT', () => {
  const sched = new ManualScheduler();
  const log: string[] = [];
  const a = member('VI_A', sched, log, { tracks: [{ name: 'chk', weight: 0 }] });
  const b = member('VI_B', sched, log, { tracks: [{ name: 'chk', weight: 0 }] });
  const group = new SyncGroup('G2', [a, b]);
  a.handle({ type: 'start' });
  b.handle({ type: 'start' });
  a.handle({ type: 'track', name: 'chk', up: false });
  b.handle({ type: 'track', name: 'chk', up: false });
  a.handle({ type: 'track', name: 'chk', up: true });
  assert.equal(a.state, 'FAULT');
  assert.equal(group.state, 'FAULT');
  b.handle({ type: 'track', name: 'chk', up: true });
  assert.equal(a.state, 'BACKUP');
  assert.equal(b.state, 'BACKUP');
});

test('an instance belongs to one group only', () => {
  const { a } = setup();
  assert.throws(() => new SyncGroup('G3', [a]), /already in a sync group/);
});
