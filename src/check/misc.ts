// MISC_CHECK: runs the operator's program, never through a shell, in its own
// process group so that a timeout kills everything it started.
import { spawn } from 'node:child_process';
import type { ConnectOptions, MiscCheck } from './types';
import { errorCode, type Probe } from './probe';
import { splitCommandLine } from '../common/command-line';

/** How long a timed-out program's group has between SIGTERM and SIGKILL. */
const KILL_GRACE_MS = 2000;

export function miscProbe(spec: MiscCheck & ConnectOptions): Probe {
  const argv = splitCommandLine(spec.miscPath);
  const program = argv[0]!;
  return (done) => {
    let finished = false;
    let timer: NodeJS.Timeout | undefined;
    let killLater: NodeJS.Timeout | undefined;
    let timedOut = false;
    const killGroup = (signal: NodeJS.Signals = 'SIGKILL'): void => {
      if (child.pid === undefined) return;
      try { process.kill(-child.pid, signal); } catch { /* the group is already gone */ }
    };
    const finish = (ok: boolean, reason: string, weight?: number): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      done(weight === undefined ? { ok, reason } : { ok, reason, weight });
    };
    const child = spawn(program, argv.slice(1), {
      shell: false,
      detached: true,
      stdio: 'ignore',
      uid: spec.uid,
      gid: spec.gid,
    });
    child.once('error', (err) => finish(false, `${program}: cannot run: ${errorCode(err)}`));
    child.once('exit', (code, signal) => {
      clearTimeout(killLater);
      // As keepalived: once timed out, what the program started dies with it. Now,
      // while its survivors still hold the group id (later, that id may be another's).
      if (timedOut) killGroup();
      if (code === null) { finish(false, `${program}: killed by ${signal}`); return; }
      const verdict = exitVerdict(code, spec.miscDynamic);
      finish(verdict.ok, `${program}: exit ${code}`, verdict.weight);
    });
    timer = setTimeout(() => {
      // As keepalived: SIGTERM to the group, SIGKILL if it is still there 2 s later.
      timedOut = true;
      killGroup('SIGTERM');
      killLater = setTimeout(() => killGroup(), KILL_GRACE_MS);
      killLater.unref();
      finish(false, `${program}: still running after misc_timeout ${spec.miscTimeoutMs} ms, process group stopped`);
    }, spec.miscTimeoutMs);
    return () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      killGroup();
    };
  };
}

/** keepalived's meaning of an exit code; dynamic: 0 up, 1 down, 2-255 up with weight code - 2. */
export function exitVerdict(code: number, dynamic: boolean): { ok: boolean; weight?: number } {
  if (!dynamic) return { ok: code === 0 };
  if (code === 0) return { ok: true };
  if (code === 1) return { ok: false };
  return { ok: true, weight: code - 2 };
}
