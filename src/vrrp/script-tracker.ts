// vrrp_script: runs a check program every interval, without a shell and as
// its configured user, and turns its exit statuses into up/down with
// keepalived's rise and fall counts. A run that outlives its timeout is killed
// and counts as a failure. A program that cannot be found is disabled, as
// keepalived does: it never reports, so its trackers keep their initial state.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { EventEmitter } from 'node:events';
import { resolveRunAs } from '../check/run-as';
import type { ScriptPlan } from './settings';

export interface ScriptTrackerEvents {
  change: [up: boolean];
  /** A run that could not start, was killed, or whose program is missing. */
  problem: [message: string];
}

/** PATH lookup as execvp does it; undefined when nothing executable is found. */
export function findProgram(program: string, path = process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'): string | undefined {
  const executable = (file: string): boolean => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (program.includes('/')) return executable(program) ? program : undefined;
  return path.split(delimiter).filter(Boolean).map((dir) => join(dir, program)).find(executable);
}

export class ScriptTracker extends EventEmitter<ScriptTrackerEvents> {
  private state: boolean;
  private streak = 0;
  private timer: NodeJS.Timeout | undefined;
  private child: ChildProcess | undefined;
  private stopped = false;
  runs = 0;

  constructor(readonly plan: ScriptPlan) {
    super();
    this.state = !plan.initFail;
  }

  get up(): boolean { return this.state; }

  start(): void {
    const [program] = this.plan.script.argv;
    if (program === undefined || findProgram(program) === undefined) {
      queueMicrotask(() => this.emit('problem', `vrrp_script ${this.plan.name}: ${program ?? '(empty)'} not found or not executable; disabled`));
      return;
    }
    this.tick();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.child?.kill('SIGKILL');
  }

  /** One result: rise successes in a row bring it up, fall failures in a row bring it down. */
  record(ok: boolean): void {
    if (ok === this.state) {
      this.streak = 0;
      return;
    }
    this.streak++;
    if (this.streak >= (ok ? this.plan.rise : this.plan.fall)) {
      this.state = ok;
      this.streak = 0;
      this.emit('change', ok);
    }
  }

  private tick(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => this.tick(), this.plan.intervalMs);
    // A run still going when the next is due is not doubled.
    if (!this.child) this.runOnce();
  }

  private runOnce(): void {
    const { script, name, timeoutMs } = this.plan;
    const [program, ...args] = script.argv;
    let ids: { uid?: number; gid?: number } = {};
    try {
      if (script.user !== undefined) ids = resolveRunAs(script.user, script.group);
    } catch (e) {
      this.emit('problem', `vrrp_script ${name}: ${(e as Error).message}`);
      this.record(false);
      return;
    }
    this.runs++;
    const child = spawn(program!, args, { shell: false, stdio: 'ignore', ...ids });
    this.child = child;
    let timedOut = false;
    const killer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    // 'error' and 'exit' can both come for one run: the first one counts.
    let settled = false;
    const settle = (ok: boolean, problem?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(killer);
      this.child = undefined;
      if (problem !== undefined) this.emit('problem', `vrrp_script ${name}: ${problem}`);
      if (!this.stopped) this.record(ok);
    };
    child.once('error', (err) => settle(false, `${script.command}: ${err.message}`));
    child.once('exit', (code) => settle(code === 0 && !timedOut,
      timedOut ? `${script.command} timed out after ${timeoutMs} ms; killed` : undefined));
  }
}
