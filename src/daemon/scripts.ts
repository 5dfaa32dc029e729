// Runs the operator's notify and quorum programs the way keepalived does, but
// never through a shell: the command line is split into words, the program
// runs as the configured user, and its exit is logged.
import { spawn } from 'node:child_process';
import type { Script } from '../config/model';
import type { Log } from '../director/director';
import { resolveRunAs } from '../check/run-as';

export function scriptRunner(log: Log): (script: Script, why: string) => void {
  return (script, why) => {
    const [program, ...args] = script.argv;
    if (!program) return;
    let ids: { uid?: number; gid?: number } = {};
    try {
      if (script.user !== undefined) ids = resolveRunAs(script.user, script.group);
    } catch (err) {
      log.error({ script: script.command, why, err: (err as Error).message }, 'script not run');
      return;
    }
    const child = spawn(program, args, { shell: false, stdio: 'ignore', detached: true, ...ids });
    child.once('error', (err) => log.error({ script: script.command, why, err: err.message }, 'script could not start'));
    child.once('exit', (code, signal) => {
      const fields = { script: script.command, why, code, signal };
      if (code === 0) log.info(fields, 'script done');
      else log.warn(fields, 'script failed');
    });
    child.unref();
  };
}
