import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TimerGroups } from '../../src/check/clock';
import { FakeClock } from '../helpers/fake-clock';

test('timers due within the same slack window share one wake-up, fired no earlier than due', () => {
  const clock = new FakeClock({ slackMs: 10 });
  const groups = new TimerGroups(clock);
  const fired: [string, number][] = [];
  for (const [name, delay] of [['a', 3], ['b', 7], ['c', 12]] as const) groups.add(() => fired.push([name, clock.now()]), delay);
  assert.equal(clock.created, 2);
  clock.advance(9);
  assert.deepEqual(fired, []);
  clock.advance(1);
  assert.deepEqual(fired, [['a', 1_010], ['b', 1_010]]);
  clock.advance(10);
  assert.deepEqual(fired.map((f) => f[0]), ['a', 'b', 'c']);
});

test('without slack each timer fires exactly when due', () => {
  const clock = new FakeClock();
  const groups = new TimerGroups(clock);
  const fired: number[] = [];
  for (const delay of [3, 7, 7]) groups.add(() => fired.push(clock.now()), delay);
  assert.equal(clock.created, 2, 'timers due at the same millisecond still share');
  clock.advance(100);
  assert.deepEqual(fired, [1_003, 1_007, 1_007]);
});

test('cancelling the last timer of a group clears its wake-up; cancelling twice is harmless', () => {
  const clock = new FakeClock({ slackMs: 10 });
  const groups = new TimerGroups(clock);
  const fired: string[] = [];
  const a = groups.add(() => fired.push('a'), 2);
  const b = groups.add(() => fired.push('b'), 4);
  groups.cancel(a);
  assert.equal(clock.pending, 1);
  groups.cancel(b);
  groups.cancel(b);
  assert.equal(clock.pending, 0);
  groups.add(() => fired.push('c'), 5);
  clock.advance(50);
  assert.deepEqual(fired, ['c']);
});

test('a timer that throws does not keep the others of its group from running', () => {
  const clock = new FakeClock({ slackMs: 10 });
  const groups = new TimerGroups(clock);
  const fired: string[] = [];
  groups.add(() => { throw new Error('listener failed'); }, 1);
  groups.add(() => fired.push('second'), 2);
  assert.throws(() => clock.advance(10), /listener failed/);
  assert.deepEqual(fired, ['second']);
});
