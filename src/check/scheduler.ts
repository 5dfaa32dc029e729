// Runs many checks on one event loop: one timer per check, a cap on attempts
// in flight (the rest wait in a FIFO), and keepalived's retry rules plus
// HAProxy-style rise/fall to turn attempts into up/down verdicts. It publishes
// 'change' events (CheckEvent) and never touches IPVS.
import { EventEmitter } from 'node:events';
import type { CheckEvent, CheckKind, CheckSpec, CheckStatus, ProbeResult } from './types';
import { createProbe, type Cancel, type Probe, type ProbeFactory } from './probe';
import { systemClock, TimerGroups, type Clock, type TimerEntry } from './clock';

export { systemClock, type Clock } from './clock';

export interface SchedulerOptions {
  /** Attempts allowed in flight at once; the rest queue. Default 512: on loopback at 10,000 checks/s a larger burst only added event-loop latency and memory. */
  maxInFlight?: number;
  /** Each delay_loop wait is spread by +/- this fraction so checks drift apart. Default 0.05. */
  jitter?: number;
  clock?: Clock;
  /** Uniform in [0, 1); injectable for tests. */
  random?: () => number;
  probeFactory?: ProbeFactory;
}

/** A check whose verdict carries the server's weight (MISC_CHECK with misc_dynamic). */
export const isDynamic = (spec: CheckSpec): boolean => spec.kind === 'MISC_CHECK' && spec.miscDynamic;

/** Per-check state; kept to a handful of primitives because there may be tens of thousands. */
class CheckState {
  up: boolean;
  weight: number | undefined = undefined;
  successes = 0;
  /** Consecutive failed attempts, for display. */
  failures = 0;
  /** Consecutive failed attempts within the current round. */
  failedAttempts = 0;
  /** Consecutive failed rounds. */
  failedRounds = 0;
  attempts = 0;
  timer: TimerEntry | undefined = undefined;
  cancel: Cancel | undefined = undefined;
  queued = false;
  removed = false;
  startedAt = 0;
  lastOk: boolean | undefined = undefined;
  lastReason = '';
  lastLatencyMs = 0;
  lastAt = 0;
  readonly run: () => void;

  constructor(readonly id: string, readonly spec: CheckSpec, readonly probe: Probe, scheduler: CheckScheduler) {
    this.up = !spec.alpha;
    this.run = () => scheduler.dispatch(this);
  }
}

export class CheckScheduler extends EventEmitter {
  private readonly checks = new Map<string, CheckState>();
  private readonly queue: CheckState[] = [];
  private queueHead = 0;
  private inFlight = 0;
  private readonly maxInFlight: number;
  private readonly jitter: number;
  private readonly clock: Clock;
  private readonly timers: TimerGroups;
  private readonly random: () => number;
  private readonly probeFactory: ProbeFactory;

  constructor(options: SchedulerOptions = {}) {
    super();
    this.maxInFlight = options.maxInFlight ?? 512;
    this.jitter = options.jitter ?? 0.05;
    this.clock = options.clock ?? systemClock;
    this.timers = new TimerGroups(this.clock);
    this.random = options.random ?? Math.random;
    this.probeFactory = options.probeFactory ?? createProbe;
    if (!Number.isInteger(this.maxInFlight) || this.maxInFlight < 1) {
      throw new Error(`maxInFlight must be a positive integer, got ${options.maxInFlight}`);
    }
    if (!(this.jitter >= 0 && this.jitter < 1)) throw new Error(`jitter must be in [0, 1), got ${options.jitter}`);
  }

  /**
   * Starts checking; the first attempt comes after a random part of warmup.
   * A new check starts up unless alpha, and (as keepalived's start-up has it)
   * its first failure is enough to take it down, without retries. A check
   * that replaces one (a reload changed its settings) starts from that one's
   * verdict instead, with its retries.
   */
  add(checkId: string, spec: CheckSpec, from?: { up: boolean; weight?: number }): void {
    if (this.checks.has(checkId)) throw new Error(`check ${JSON.stringify(checkId)} already exists`);
    const state = new CheckState(checkId, spec, this.probeFactory(spec), this);
    if (from) {
      state.up = from.up;
      state.weight = from.weight;
    } else if (!spec.alpha) {
      state.failedAttempts = spec.retry;
    }
    this.checks.set(checkId, state);
    this.arm(state, spec.warmupMs > 0 ? Math.floor(this.random() * spec.warmupMs) : 0);
  }

  /** Stops a check, aborting its attempt in flight. Returns false when unknown. */
  remove(checkId: string): boolean {
    const state = this.checks.get(checkId);
    if (!state) return false;
    this.checks.delete(checkId);
    state.removed = true;
    if (state.timer) this.timers.cancel(state.timer);
    if (state.cancel) {
      state.cancel();
      state.cancel = undefined;
      this.inFlight--;
      this.drain();
    }
    return true;
  }

  /** Removes every check. */
  close(): void {
    for (const id of [...this.checks.keys()]) this.remove(id);
    this.queue.length = 0;
    this.queueHead = 0;
  }

  has(checkId: string): boolean {
    return this.checks.has(checkId);
  }

  get size(): number {
    return this.checks.size;
  }

  get inFlightCount(): number {
    return this.inFlight;
  }

  status(checkId: string): CheckStatus | undefined {
    const s = this.checks.get(checkId);
    return s && snapshot(s);
  }

  statuses(): CheckStatus[] {
    return [...this.checks.values()].map(snapshot);
  }

  override on(event: 'change', listener: (e: CheckEvent) => void): this;
  override on(event: string | symbol, listener: (...args: any[]) => void): this {
    return super.on(event, listener);
  }

  /** Internal (called by a check's timer): runs its attempt now, or queues it at the in-flight cap. */
  dispatch(state: CheckState): void {
    state.timer = undefined;
    if (state.removed) return;
    if (this.inFlight >= this.maxInFlight) {
      state.queued = true;
      this.queue.push(state);
      return;
    }
    this.start(state);
  }

  private start(state: CheckState): void {
    this.inFlight++;
    state.startedAt = this.clock.now();
    let settled = false;
    const report = (result: ProbeResult): void => {
      if (settled) return;
      settled = true;
      state.cancel = undefined;
      this.inFlight--;
      this.settle(state, result);
      this.drain();
    };
    let cancel: Cancel;
    try {
      cancel = state.probe(report);
    } catch (err) {
      // Thrown after reporting: a listener's error, not the probe's.
      if (settled) throw err;
      // A probe that cannot even start is a failed attempt, not a crash.
      report({ ok: false, reason: `${state.spec.kind} could not start: ${(err as Error).message}` });
      return;
    }
    if (!settled) state.cancel = cancel;
  }

  private drain(): void {
    while (this.inFlight < this.maxInFlight && this.queueHead < this.queue.length) {
      const next = this.queue[this.queueHead++]!;
      next.queued = false;
      if (!next.removed) this.start(next);
    }
    if (this.queueHead === this.queue.length) {
      this.queue.length = 0;
      this.queueHead = 0;
    } else if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue.splice(0, this.queueHead);
      this.queueHead = 0;
    }
  }

  /**
   * Records an attempt's result, schedules the next attempt, then publishes any
   * change, and the first failure of an alpha check (down from the start, it
   * changes nothing, but its server's notify_down is then due, as in keepalived).
   */
  private settle(state: CheckState, result: ProbeResult): void {
    const now = this.clock.now();
    state.attempts++;
    state.lastOk = result.ok;
    state.lastReason = result.reason;
    state.lastLatencyMs = now - state.startedAt;
    state.lastAt = now;
    // Armed before publishing so that a throwing listener cannot stop the check.
    const changed = result.ok ? this.onSuccess(state, result.weight, now) : this.onFailure(state, now);
    if (changed || (!result.ok && state.attempts === 1 && state.spec.alpha && !state.up)) this.publish(state);
  }

  private onSuccess(state: CheckState, weight: number | undefined, now: number): boolean {
    state.failures = 0;
    state.failedAttempts = 0;
    state.failedRounds = 0;
    state.successes++;
    // A dynamic MISC_CHECK's exit 0 gives the configured weight back, as in keepalived; other checks set none.
    const next = isDynamic(state.spec) ? weight : weight ?? state.weight;
    const weightChanged = next !== state.weight;
    state.weight = next;
    this.arm(state, this.loopDelay(state.spec.delayLoopMs), now);
    if (!state.up && state.successes >= state.spec.rise) {
      state.up = true;
      return true;
    }
    return state.up && weightChanged;
  }

  private onFailure(state: CheckState, now: number): boolean {
    const spec = state.spec;
    state.successes = 0;
    state.failures++;
    state.failedAttempts++;
    // keepalived retries a server it still believes up; its TCP_CHECK retries a down one too.
    if ((state.up || spec.kind === 'TCP_CHECK') && state.failedAttempts <= spec.retry) {
      this.arm(state, spec.delayBeforeRetryMs, now);
      return false;
    }
    state.failedAttempts = 0;
    state.failedRounds++;
    // Back up later with exit 0, it is at its configured weight again.
    if (isDynamic(spec)) state.weight = undefined;
    this.arm(state, this.loopDelay(spec.delayLoopMs), now);
    if (state.up && state.failedRounds >= spec.fall) {
      state.up = false;
      return true;
    }
    return false;
  }

  private publish(state: CheckState): void {
    const event: CheckEvent = {
      checkId: state.id,
      up: state.up,
      reason: state.lastReason,
      latencyMs: state.lastLatencyMs,
      at: state.lastAt,
    };
    if (state.weight !== undefined) event.weight = state.weight;
    this.emit('change', event);
  }

  private arm(state: CheckState, delayMs: number, now?: number): void {
    if (state.removed) return;
    state.timer = this.timers.add(state.run, delayMs, now);
  }

  private loopDelay(ms: number): number {
    if (this.jitter === 0) return ms;
    return Math.max(0, Math.round(ms * (1 + this.jitter * (2 * this.random() - 1))));
  }
}

function snapshot(s: CheckState): CheckStatus {
  const status: CheckStatus = {
    checkId: s.id,
    kind: s.spec.kind as CheckKind,
    up: s.up,
    consecutiveSuccesses: s.successes,
    consecutiveFailures: s.failures,
    attempts: s.attempts,
  };
  if (s.weight !== undefined) status.weight = s.weight;
  if (s.lastOk !== undefined) {
    status.last = { ok: s.lastOk, reason: s.lastReason, latencyMs: s.lastLatencyMs, at: s.lastAt };
  }
  return status;
}
