// vrrp_track_process: whether the number of matching processes is within
// quorum..quorum_max. keepalived is told of each fork, exec and exit by the
// kernel's process events; those reach only the initial network namespace
// (where a director in a namespace does not run) and need CONFIG_PROC_EVENTS,
// so lvsd reads /proc once a second instead. A change is then held for
// fork_delay (quorum gained) or terminate_delay (lost) before it counts.
import { EventEmitter } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProcessPlan } from './settings';

/** A running process: its name (comm) and, when asked, its command line. */
export interface ProcessEntry {
  comm: string;
  argv?: string[];
}

/** The processes of `proc` that are not zombies; those that end while read are skipped. */
export function readProcesses(withCommandLines: boolean, proc = '/proc'): ProcessEntry[] {
  const out: ProcessEntry[] = [];
  for (const pid of readdirSync(proc)) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      // "PID (COMM) STATE ...": the name may hold spaces and parentheses, the state follows the last ')'.
      const stat = readFileSync(join(proc, pid, 'stat'), 'latin1');
      const close = stat.lastIndexOf(')');
      if (stat[close + 2] === 'Z') continue;
      const entry: ProcessEntry = { comm: stat.slice(stat.indexOf('(') + 1, close) };
      if (withCommandLines) entry.argv = readFileSync(join(proc, pid, 'cmdline'), 'utf8').split('\0').slice(0, -1);
      out.push(entry);
    } catch {
      // Gone between the listing and the read.
    }
  }
  return out;
}

/** keepalived's match: the exact name, or with full_command the program and parameters of the command line. */
export function processMatches(plan: ProcessPlan, p: ProcessEntry): boolean {
  if (!plan.fullCommand) return p.comm === plan.process;
  const argv = p.argv ?? [];
  if (argv[0] !== plan.process) return false;
  const args = argv.slice(1);
  const want = plan.params;
  switch (plan.paramMatch) {
    case undefined: return true;
    case 'exact': return args.length === want.length && want.every((w, i) => args[i] === w);
    case 'partial': return args.length >= want.length && want.every((w, i) => args[i] === w);
    case 'initial': return args.length >= want.length
      && want.every((w, i) => (i === want.length - 1 ? args[i]!.startsWith(w) : args[i] === w));
  }
}

interface Followed {
  plan: ProcessPlan;
  up: boolean;
  /** The state a delay is running towards. */
  pending?: { up: boolean; timer: NodeJS.Timeout };
}

export interface ProcessWatchEvents {
  change: [name: string, up: boolean];
  problem: [message: string];
}

export class ProcessWatch extends EventEmitter<ProcessWatchEvents> {
  private readonly followed = new Map<string, Followed>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly intervalMs = 1000, private readonly proc = '/proc') {
    super();
  }

  /** Whether the named process track is up; undefined when it is not followed. */
  up(name: string): boolean | undefined {
    return this.followed.get(name)?.up;
  }

  /** Follows exactly these from now on; a new or changed one starts from what /proc shows now. */
  follow(plans: Map<string, ProcessPlan>): void {
    for (const [name, f] of [...this.followed]) {
      if (plans.get(name)?.fingerprint === f.plan.fingerprint) continue;
      if (f.pending) clearTimeout(f.pending.timer);
      this.followed.delete(name);
    }
    const fresh = [...plans].filter(([name]) => !this.followed.has(name));
    if (fresh.length) {
      const now = this.scan(fresh.map(([, p]) => p));
      for (const [name, plan] of fresh) this.followed.set(name, { plan, up: within(plan, now?.get(plan) ?? 0) });
    }
    if (this.followed.size && !this.timer) this.timer = setInterval(() => this.tick(), this.intervalMs);
    if (!this.followed.size) this.stop();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const f of this.followed.values()) if (f.pending) clearTimeout(f.pending.timer);
    this.followed.clear();
  }

  private tick(): void {
    const counts = this.scan([...this.followed.values()].map((f) => f.plan));
    if (!counts) return;
    for (const [name, f] of this.followed) this.settle(name, f, within(f.plan, counts.get(f.plan) ?? 0));
  }

  /** How many processes match each plan; undefined (and a problem) when /proc cannot be read. */
  private scan(plans: ProcessPlan[]): Map<ProcessPlan, number> | undefined {
    const counts = new Map<ProcessPlan, number>();
    let list: ProcessEntry[];
    try {
      list = readProcesses(plans.some((p) => p.fullCommand), this.proc);
    } catch (e) {
      this.emit('problem', `${this.proc} cannot be read: ${(e as Error).message}; tracked processes keep their state`);
      return undefined;
    }
    for (const plan of plans) counts.set(plan, list.filter((p) => processMatches(plan, p)).length);
    return counts;
  }

  private settle(name: string, f: Followed, up: boolean): void {
    if (up === f.up) {
      if (f.pending) clearTimeout(f.pending.timer);
      delete f.pending;
      return;
    }
    if (f.pending?.up === up) return;
    if (f.pending) clearTimeout(f.pending.timer);
    const delay = up ? f.plan.forkDelayMs : f.plan.terminateDelayMs;
    const take = (): void => {
      delete f.pending;
      f.up = up;
      this.emit('change', name, up);
    };
    if (delay === 0) take();
    else f.pending = { up, timer: setTimeout(take, delay) };
  }
}

function within(plan: ProcessPlan, count: number): boolean {
  return count >= plan.quorum && count <= plan.quorumMax;
}
