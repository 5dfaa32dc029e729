// The native deadline timer and the scheduler built on it, on the host's own
// kernel (timerfd needs no privileges). Nothing here asserts how late a timer
// is, only that it never fires early and fires exactly once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeadlineTimer } from '../../src/native/deadline-timer';
import { RealScheduler } from '../../src/vrrp/scheduler';

const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);

test('fires once, not before its deadline; re-arming replaces the deadline', async () => {
  const fired: number[] = [];
  let done!: () => void;
  const finished = new Promise<void>((resolve) => { done = resolve; });
  const timer = new DeadlineTimer(() => { fired.push(nowUs()); setTimeout(done, 30); });
  timer.arm(nowUs() + 5_000);
  const deadline = nowUs() + 15_000;
  timer.arm(deadline);
  await finished;
  timer.close();
  assert.equal(fired.length, 1);
  assert.ok(fired[0]! >= deadline, `fired ${deadline - fired[0]!} us early`);
});

/** Resolves once cond() holds (checked every few milliseconds): a busy host delays timers, never the assertions. */
async function waitFor(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((resolve) => setTimeout(resolve, 5));
}

test('a passed deadline fires at once; a cancelled or closed timer never fires', async () => {
  let past = 0;
  let cancelled = 0;
  const a = new DeadlineTimer(() => { past++; });
  const b = new DeadlineTimer(() => { cancelled++; });
  const c = new DeadlineTimer(() => { cancelled++; });
  a.arm(0);
  b.arm(nowUs() + 2_000);
  b.cancel();
  c.arm(nowUs() + 2_000);
  c.close();
  const since = nowUs();
  await waitFor(() => past === 1 && nowUs() - since > 20_000);
  a.close();
  b.close();
  assert.equal(past, 1);
  assert.equal(cancelled, 0);
  assert.throws(() => c.arm(nowUs()), /closed/);
});

test('bad deadlines are refused with a TypeError', () => {
  const t = new DeadlineTimer(() => undefined);
  try {
    assert.throws(() => t.arm(Number.NaN), TypeError);
    assert.throws(() => t.arm(Infinity), TypeError);
    assert.throws(() => (t.arm as (x: unknown) => void)('soon'), TypeError);
  } finally {
    t.close();
  }
});

test('RealScheduler: each key fires once at its deadline; re-arm and cancel work per key', async () => {
  const s = new RealScheduler();
  const log: Array<[string, number]> = [];
  // Deadlines 100 ms apart: a busy host may fire timers late, not out of this order.
  const start = s.now();
  s.armAt('a', s.now() + 100_000, () => log.push(['a-old', s.now()]));
  s.armAt('a', s.now() + 200_000, () => log.push(['a', s.now()]));
  s.armAt('b', s.now() + 100_000, () => log.push(['b', s.now()]));
  s.armAt('c', s.now() + 100_000, () => log.push(['c', s.now()]));
  s.cancel('c');
  await waitFor(() => log.length >= 2 && s.now() - start > 250_000);
  assert.deepEqual(log.map(([k]) => k), ['b', 'a']);
  assert.ok(log[0]![1] - start >= 100_000);
  assert.ok(log[1]![1] - start >= 200_000);
  // A fired key can be armed again; release() closes the keys of one prefix only.
  const again = s.now();
  s.armAt('x/a', s.now() + 100_000, () => log.push(['x/a', s.now()]));
  s.armAt('y/a', s.now() + 100_000, () => log.push(['y/a', s.now()]));
  s.release('x/');
  s.armAt('b', s.now() + 200_000, () => log.push(['b-again', s.now()]));
  await waitFor(() => log.length >= 4 && s.now() - again > 250_000);
  assert.deepEqual(log.slice(2).map(([k]) => k), ['y/a', 'b-again']);
  s.release('');
});

test('RealScheduler.armAt: an absolute deadline, never fired before it; a passed one fires at once', async () => {
  const s = new RealScheduler();
  const fired: Array<[string, number]> = [];
  // Far enough ahead that arming the passed deadline (a new timer, on a busy host) cannot take as long.
  const at = s.now() + 200_000;
  s.armAt('later', at, () => fired.push(['later', s.now()]));
  s.armAt('passed', s.now() - 5_000, () => fired.push(['passed', s.now()]));
  await waitFor(() => fired.length >= 2);
  assert.deepEqual(fired.map(([k]) => k), ['passed', 'later']);
  assert.ok(fired[1]![1] >= at, `fired ${at - fired[1]![1]} us early`);
  s.release('');
});
