// A one-shot timer at an absolute deadline on the monotonic clock, for the
// VRRP engine's intervals: a timerfd polled by the event loop, so it wakes
// the loop at the deadline itself rather than at a whole millisecond.
// Armed, it keeps the process alive as a pending setTimeout does.
import { native, type NativeDeadlineTimer } from './index';

export class DeadlineTimer {
  private handle: NativeDeadlineTimer | undefined;

  constructor(onFire: () => void) {
    this.handle = new (native().DeadlineTimer)(onFire);
  }

  /** Fires once at deadlineUs (µs on process.hrtime()'s clock), at once if it has passed. */
  arm(deadlineUs: number): void {
    if (!this.handle) throw new Error('DeadlineTimer.arm: timer is closed');
    this.handle.arm(deadlineUs);
  }

  cancel(): void {
    this.handle?.cancel();
  }

  close(): void {
    this.handle?.close();
    this.handle = undefined;
  }
}
