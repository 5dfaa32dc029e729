// A health-check Clock (src/check/clock.ts) that only moves when told to:
// advance() runs the timers that fall due, in deadline order (ties in the
// order they were set). Counts the timers it was asked for.
import type { Clock } from '../../src/check/clock';

export class FakeClock implements Clock {
  time: number;
  created = 0;
  readonly slackMs?: number;
  private seq = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();

  constructor(opts: { start?: number; slackMs?: number } = {}) {
    this.time = opts.start ?? 1_000;
    if (opts.slackMs !== undefined) this.slackMs = opts.slackMs;
  }

  now(): number { return this.time; }

  setTimeout(fn: () => void, ms: number): unknown {
    this.created++;
    this.timers.set(++this.seq, { at: this.time + ms, fn });
    return this.seq;
  }

  clearTimeout(handle: unknown): void { this.timers.delete(handle as number); }

  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.timers) if (entry[1].at <= end && (!next || entry[1].at < next[1].at)) next = entry;
      if (!next) break;
      this.timers.delete(next[0]);
      this.time = next[1].at;
      next[1].fn();
    }
    this.time = end;
  }

  get pending(): number { return this.timers.size; }
}
