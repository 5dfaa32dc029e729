// Named one-shot timers and a monotonic microsecond clock: what a state
// machine's timer requests are carried out with. Tests use a fake instead.
import { DeadlineTimer } from '../native/deadline-timer';

export interface TimerScheduler {
  /** Microseconds on a monotonic clock. */
  now(): number;
  /**
   * (Re)arms the timer `key` for a deadline on now()'s clock (a pending timer
   * of the same key is replaced); a passed deadline fires at once.
   */
  armAt(key: string, atUs: number, fire: () => void): void;
  cancel(key: string): void;
  /** Frees the timers of keys starting with prefix (an instance that is gone); optional. */
  release?(prefix: string): void;
}

/**
 * The event loop takes up to a millisecond to come round to a timer in a slow
 * (virtualised) kernel: timers wake this much early and wait out the rest on
 * the spot.
 */
const WAKE_EARLY_US = 1000;

interface Pending {
  timer: DeadlineTimer;
  armed: boolean;
  deadline: number;
  fire: () => void;
  immediate?: NodeJS.Immediate;
}

/**
 * Timers at exact deadlines: each key is a timerfd armed at an absolute time
 * on the monotonic clock (src/native/deadline-timer.ts). libuv's own timers
 * count whole milliseconds from a cached loop time and fire up to a couple of
 * milliseconds off, which would show in every takeover. A key's timer is kept
 * once made, so the takeover path neither creates nor closes descriptors;
 * release() closes the timers of an instance that goes away.
 */
export class RealScheduler implements TimerScheduler {
  private readonly timers = new Map<string, Pending>();

  now(): number {
    return Number(process.hrtime.bigint() / 1000n);
  }

  armAt(key: string, atUs: number, fire: () => void): void {
    let entry = this.timers.get(key);
    if (entry?.immediate !== undefined) clearImmediate(entry.immediate);
    if (!entry) {
      const created: Pending = {
        armed: false,
        deadline: 0,
        fire,
        // Through setImmediate: packets that woke the loop together with the timer (an advertisement
        // that re-arms this very timer) are handled first.
        timer: new DeadlineTimer(() => { created.immediate = setImmediate(() => this.expire(created)); }),
      };
      entry = created;
      this.timers.set(key, entry);
    }
    entry.fire = fire;
    entry.immediate = undefined;
    entry.armed = true;
    entry.deadline = atUs;
    entry.timer.arm(atUs - WAKE_EARLY_US);
  }

  cancel(key: string): void {
    const entry = this.timers.get(key);
    if (!entry?.armed) return;
    if (entry.immediate !== undefined) clearImmediate(entry.immediate);
    entry.immediate = undefined;
    entry.armed = false;
    entry.timer.cancel();
  }

  /** Cancels and closes every timer whose key starts with prefix. */
  release(prefix: string): void {
    for (const [key, entry] of this.timers) {
      if (!key.startsWith(prefix)) continue;
      this.cancel(key);
      entry.timer.close();
      this.timers.delete(key);
    }
  }

  private expire(entry: Pending): void {
    entry.immediate = undefined;
    entry.armed = false;
    // At most WAKE_EARLY_US: short enough to hold the loop for.
    while (this.now() < entry.deadline);
    entry.fire();
  }
}

/**
 * Virtual time for simulations and tests: nothing fires until advance() is
 * called, then due timers fire in deadline order (ties in arming order), each
 * seeing now() equal to its own deadline.
 */
export class ManualScheduler implements TimerScheduler {
  private clock = 0;
  private sequence = 0;
  private readonly timers = new Map<string, { at: number; seq: number; fire: () => void }>();

  now(): number {
    return this.clock;
  }

  /** armAt, delayUs from now: for simulations that schedule their own events. */
  arm(key: string, delayUs: number, fire: () => void): void {
    this.armAt(key, this.clock + Math.max(0, delayUs), fire);
  }

  armAt(key: string, atUs: number, fire: () => void): void {
    this.timers.set(key, { at: Math.max(this.clock, atUs), seq: this.sequence++, fire });
  }

  cancel(key: string): void {
    this.timers.delete(key);
  }

  /** Deadline of a pending timer, if armed. */
  deadline(key: string): number | undefined {
    return this.timers.get(key)?.at;
  }

  /** Moves time forward by `us`, firing every timer that falls due on the way. */
  advance(us: number): void {
    const end = this.clock + us;
    for (;;) {
      let nextKey: string | undefined;
      let next: { at: number; seq: number; fire: () => void } | undefined;
      for (const [key, t] of this.timers) {
        if (t.at <= end && (!next || t.at < next.at || (t.at === next.at && t.seq < next.seq))) {
          next = t;
          nextKey = key;
        }
      }
      if (!next || nextKey === undefined) break;
      this.timers.delete(nextKey);
      this.clock = next.at;
      next.fire();
    }
    this.clock = end;
  }
}
