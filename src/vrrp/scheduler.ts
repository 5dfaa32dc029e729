// Named one-shot timers and a monotonic microsecond clock: what a state
// machine's timer requests are carried out with. Tests use a fake instead.
export interface TimerScheduler {
  /** Microseconds on a monotonic clock. */
  now(): number;
  /** (Re)arms the timer `key`: a timer of the same key that is pending is replaced. */
  arm(key: string, delayUs: number, fire: () => void): void;
  cancel(key: string): void;
}

export class RealScheduler implements TimerScheduler {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  now(): number {
    return Number(process.hrtime.bigint() / 1000n);
  }

  arm(key: string, delayUs: number, fire: () => void): void {
    this.cancel(key);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      fire();
    }, Math.ceil(Math.max(0, delayUs) / 1000));
    this.timers.set(key, timer);
  }

  cancel(key: string): void {
    const timer = this.timers.get(key);
    if (timer !== undefined) clearTimeout(timer);
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
