// Time for thousands of checks a second: a clock read once per event-loop turn
// and timers that share wake-ups. Where reading the time is a system call (no
// vDSO, as under User-Mode Linux) a fresh read per attempt, and per timer set
// up, was a measurable share of the CPU.

/** Time source; injectable so tests can step time deterministically. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** How late this clock's timers may fire so that timers due close together share one wake-up. Default 0. */
  slackMs?: number;
}

// Staleness is bounded by one turn's work, as for libuv's own loop time.
let turnNow: number | undefined;
const forgetTurnNow = (): void => { turnNow = undefined; };

export const systemClock: Clock = {
  now: () => {
    if (turnNow === undefined) {
      turnNow = Date.now();
      setImmediate(forgetTurnNow);
    }
    return turnNow;
  },
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  slackMs: 10,
};

interface Slot {
  readonly due: number;
  timer: unknown;
  entries: TimerEntry[];
  live: number;
}

/** A timer of a TimerGroups; pass it back to cancel(). */
export interface TimerEntry {
  readonly fn: () => void;
  slot: Slot | undefined;
}

/**
 * Timers grouped by due time, rounded up to the clock's slack: one underlying
 * timer per group. With no slack, each timer fires exactly when due.
 */
export class TimerGroups {
  private readonly slots = new Map<number, Slot>();
  private readonly slackMs: number;

  constructor(private readonly clock: Clock) {
    this.slackMs = Math.max(1, clock.slackMs ?? 0);
  }

  add(fn: () => void, delayMs: number, now = this.clock.now()): TimerEntry {
    const due = Math.ceil((now + delayMs) / this.slackMs) * this.slackMs;
    let slot = this.slots.get(due);
    if (!slot) {
      const created: Slot = { due, timer: undefined, entries: [], live: 0 };
      created.timer = this.clock.setTimeout(() => this.fire(created), due - now);
      this.slots.set(due, created);
      slot = created;
    }
    const entry: TimerEntry = { fn, slot };
    slot.entries.push(entry);
    slot.live++;
    return entry;
  }

  cancel(entry: TimerEntry): void {
    const slot = entry.slot;
    if (!slot) return;
    entry.slot = undefined;
    if (--slot.live > 0) return;
    this.clock.clearTimeout(slot.timer);
    this.slots.delete(slot.due);
  }

  /** Runs every live timer of the group; one that throws does not keep the others from running. */
  private fire(slot: Slot): void {
    this.slots.delete(slot.due);
    let failure: { error: unknown } | undefined;
    for (const entry of slot.entries) {
      if (entry.slot !== slot) continue;
      entry.slot = undefined;
      try {
        entry.fn();
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure) throw failure.error;
  }
}
