// Runs the operator's programs (notify, quorum, FIFO readers) the way
// keepalived does, but never through a shell: the command line is split into
// words, the program runs as the configured user, and its failures are logged.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Script } from '../config/model';
import type { Log } from '../director/director';
import { resolveRunAs } from '../check/run-as';

/**
 * Starts `script` with `extra` arguments after its own; undefined, logged with
 * `context`, when its user is unknown or it cannot be started.
 */
export function startScript(
  script: Script, extra: string[], context: Record<string, unknown>, log: Log, options: { detached?: boolean } = {},
): ChildProcess | undefined {
  const [program, ...args] = script.argv;
  if (!program) return undefined;
  const fields = { script: script.command, ...context };
  try {
    const ids = script.user !== undefined ? resolveRunAs(script.user, script.group) : {};
    const child = spawn(program, [...args, ...extra], { shell: false, stdio: 'ignore', detached: options.detached ?? false, ...ids });
    child.once('error', (err) => log.error({ ...fields, err: err.message }, 'script could not start'));
    return child;
  } catch (err) {
    log.error({ ...fields, err: (err as Error).message }, 'script not run');
    return undefined;
  }
}

/** Notify and quorum programs: started in their own process group and not waited for, their exit logged. */
export function scriptRunner(log: Log): (script: Script, why: string) => void {
  return (script, why) => {
    const child = startScript(script, [], { why }, log, { detached: true });
    if (!child) return;
    child.once('exit', (code, signal) => logExit(log, script, why, code, signal));
    child.unref();
  };
}

/** After SIGTERM to a script past its time, how long before SIGKILL (keepalived's 2 s). */
const KILL_AFTER_MS = 2000;

/**
 * startup_script and shutdown_script: waited for, as keepalived waits, up to
 * `timeoutMs`; then SIGTERM goes to the script's process group, and SIGKILL
 * if it is still there 2 s later. Whatever the outcome, lvsd goes on.
 */
export async function runToEnd(script: Script, timeoutMs: number, why: string, log: Log): Promise<void> {
  const child = startScript(script, [], { why }, log, { detached: true });
  if (!child) return;
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null } | undefined>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', () => resolve(undefined));
  });
  const group = (signal: NodeJS.Signals): void => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal);
    } catch {
      // Already gone.
    }
  };
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => { timer = setTimeout(() => resolve('late'), timeoutMs); });
  let outcome = await Promise.race([ended, late]);
  if (outcome === 'late') {
    log.warn({ script: script.command, why, timeoutMs }, 'script still running at its timeout: ended');
    group('SIGTERM');
    const kill = setTimeout(() => group('SIGKILL'), KILL_AFTER_MS);
    outcome = await ended;
    clearTimeout(kill);
    // Whatever the script started goes with it, as keepalived makes sure.
    group('SIGKILL');
  }
  clearTimeout(timer);
  if (outcome) logExit(log, script, why, outcome.code, outcome.signal);
}

function logExit(log: Log, script: Script, why: string, code: number | null, signal: NodeJS.Signals | null): void {
  const fields = { script: script.command, why, code, signal };
  if (code === 0) log.info(fields, 'script done');
  else log.warn(fields, 'script failed');
}
