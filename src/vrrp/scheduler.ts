// Named one-shot timers and a monotonic microsecond clock: what a state
// machine's timer requests are carried out with. Tests use a fake instead.
export interface TimerScheduler {
  /** Microseconds on a monotonic clock. */
  now(): number;
  /** (Re)arms the timer `key`: a timer of the same key that is pending is replaced. */
  arm(key: string, delayUs: number, fire: () => void): void;
  cancel(key: string): void;
  cancelAll(): void;
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

  cancelAll(): void {
    for (const key of [...this.timers.keys()]) this.cancel(key);
  }
}
