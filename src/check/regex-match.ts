// Url regexes run in a worker thread, one at a time, each within a deadline.
// A pattern such as `a.*b` over a 1 MiB body backtracks for hours: run on the
// event loop it would stop every other check, VRRP and the API with it. A
// match that overruns ends the worker (a fresh one serves the next) and counts
// as failed, with a reason that says so.
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { BodyRegex } from './body-regex';
import type { RegexAnswer, RegexJob } from './regex-worker';

/** Far beyond any linear scan of a kept body (1 MiB), far below a check round. */
export const REGEX_DEADLINE_MS = 1000;

export type RegexVerdict = { matches: boolean } | { failed: string };

interface Pending { job: RegexJob; done: (v: RegexVerdict) => void }

export class RegexMatcher {
  private worker: Worker | undefined;
  private readonly queue: Pending[] = [];
  private current: Pending | undefined;
  private timer: NodeJS.Timeout | undefined;
  private nextId = 1;

  constructor(private readonly deadlineMs = REGEX_DEADLINE_MS) {}

  match(spec: BodyRegex, body: Buffer): Promise<RegexVerdict> {
    return new Promise((done) => {
      this.queue.push({ job: { id: this.nextId++, spec, body }, done });
      this.pump();
    });
  }

  /** Ends the worker; queued matches fail. */
  close(): void {
    this.stopWorker();
    for (const p of this.queue.splice(0)) p.done({ failed: 'regex matcher closed' });
  }

  private pump(): void {
    if (this.current !== undefined) return;
    const next = this.queue.shift();
    if (next === undefined) return;
    this.current = next;
    const worker = this.ensureWorker();
    // Held while a match is pending; an idle matcher keeps nothing alive.
    worker.ref();
    worker.postMessage(next.job);
    this.timer = setTimeout(() => {
      // The worker is stuck in the match: only ending it stops the backtracking.
      this.stopWorker();
      this.settle(next.job.id, { failed: `regex ${JSON.stringify(next.job.spec.regex)} still matching after ${this.deadlineMs} ms, given up` });
    }, this.deadlineMs);
    this.timer.unref();
  }

  private settle(id: number, verdict: RegexVerdict): void {
    if (this.current?.job.id !== id) return;
    const { done } = this.current;
    clearTimeout(this.timer);
    this.current = undefined;
    this.worker?.unref();
    done(verdict);
    this.pump();
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(join(__dirname, 'regex-worker.js'));
    worker.on('message', (a: RegexAnswer) => {
      this.settle(a.id, a.error !== undefined ? { failed: `regex ${JSON.stringify(this.current?.job.spec.regex)}: ${a.error}` } : { matches: a.matches === true });
    });
    worker.on('error', (err) => {
      if (this.worker === worker) this.worker = undefined;
      if (this.current) this.settle(this.current.job.id, { failed: `regex worker failed: ${err.message}` });
    });
    worker.on('exit', (code) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      if (this.current) this.settle(this.current.job.id, { failed: `regex worker exited with code ${code}` });
    });
    this.worker = worker;
    return worker;
  }

  private stopWorker(): void {
    clearTimeout(this.timer);
    const worker = this.worker;
    this.worker = undefined;
    void worker?.terminate();
  }
}

/** The one matcher the checks of a process share. */
export const regexMatcher = new RegexMatcher();
