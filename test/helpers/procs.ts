// Long-running processes of lab tests (servers, clients, the daemon) whose
// output lines the test reads and waits on.
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';

/**
 * How long a test waits for lvsd to start (its REST API loads fastify and
 * swagger). On a lab host where each page fault of the guest costs about a
 * millisecond, a cold start took over 30 s.
 */
export const LVSD_START_MS = 120_000;

export class LineProcess {
  readonly lines: string[] = [];
  private waiters: (() => void)[] = [];
  exited: number | null | undefined = undefined;

  constructor(readonly name: string, readonly child: ChildProcess) {
    let buffered = '';
    const take = (chunk: string): void => {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        this.lines.push(buffered.slice(0, nl));
        buffered = buffered.slice(nl + 1);
      }
      this.wake();
    };
    child.stdout?.setEncoding('utf8').on('data', take);
    child.stderr?.setEncoding('utf8').on('data', take);
    // 'close', not 'exit': by then every line the process wrote has been read.
    child.on('close', (code) => {
      this.exited = code;
      this.wake();
    });
  }

  /** Starts FILE ARGS inside namespace NS (or the current one when ns is undefined). */
  static start(name: string, ns: string | undefined, file: string, args: string[], env: NodeJS.ProcessEnv = {}): LineProcess {
    const [cmd, argv] = ns ? ['/usr/sbin/ip', ['netns', 'exec', ns, file, ...args]] : [file, args];
    return new LineProcess(name, spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } }));
  }

  /** Resolves with the first line (from index `from` on) that matches, or rejects after timeoutMs. */
  async waitFor(match: RegExp | ((line: string) => boolean), timeoutMs: number, from = 0): Promise<string> {
    const test = typeof match === 'function' ? match : (l: string) => match.test(l);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.slice(from).find(test);
      if (found !== undefined) return found;
      if (this.exited !== undefined) throw new Error(`${this.name} exited (${this.exited}) before printing ${String(match)}:\n${this.tail()}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.name}: no line matching ${String(match)} within ${timeoutMs} ms:\n${this.tail()}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => { clearTimeout(t); resolve(); });
      });
    }
  }

  tail(n = 30): string {
    return this.lines.slice(-n).join('\n');
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.exited !== undefined) return;
    const gone = new Promise<void>((resolve) => this.child.once('close', () => resolve()));
    this.child.kill(signal);
    await gone;
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}

/** Polls `probe` until it returns a value other than undefined, or throws after timeoutMs. */
export async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
