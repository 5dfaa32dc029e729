// Named one-shot timers and a monotonic microsecond clock: what a state
// machine's timer requests are carried out with. Tests use a fake instead.
export interface TimerScheduler {
  /** Microseconds on a monotonic clock. */
  now(): number;
  /** (Re)arms the timer `key`: a timer of the same key that is pending is replaced. */
  arm(key: string, delayUs: number, fire: () => void): void;
  cancel(key: string): void;
}

/**
 * Timers on the event loop, accurate to a few microseconds: setTimeout alone
 * rounds to whole milliseconds and fires late, which would add up to a
 * millisecond to every takeover. The last millisecond is waited out with
 * setImmediate turns, which keep serving I/O meanwhile.
 */
export class RealScheduler implements TimerScheduler {
  private readonly timers = new Map<string, { timeout?: NodeJS.Timeout; immediate?: NodeJS.Immediate }>();

  now(): number {
    return Number(process.hrtime.bigint() / 1000n);
  }

  arm(key: string, delayUs: number, fire: () => void): void {
    this.cancel(key);
    const deadline = this.now() + Math.max(0, delayUs);
    const handle: { timeout?: NodeJS.Timeout; immediate?: NodeJS.Immediate } = {};
    const finish = (): void => {
      if (this.now() < deadline) {
        handle.immediate = setImmediate(finish);
        return;
      }
      this.timers.delete(key);
      fire();
    };
    const coarseMs = Math.floor(delayUs / 1000) - 1;
    // Always through setImmediate: after a stalled event loop, I/O that arrived meanwhile (an
    // advertisement that re-arms this very timer) is handled before a late timer fires.
    if (coarseMs > 0) handle.timeout = setTimeout(() => { handle.immediate = setImmediate(finish); }, coarseMs);
    else handle.immediate = setImmediate(finish);
    this.timers.set(key, handle);
  }

  cancel(key: string): void {
    const handle = this.timers.get(key);
    if (handle?.timeout !== undefined) clearTimeout(handle.timeout);
    if (handle?.immediate !== undefined) clearImmediate(handle.immediate);
    this.timers.delete(key);
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

  arm(key: string, delayUs: number, fire: () => void): void {
    this.timers.set(key, { at: this.clock + Math.max(0, delayUs), seq: this.sequence++, fire });
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
