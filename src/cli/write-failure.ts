// How a command ends when its output cannot be written. A reader that goes
// away (`lvsadm -Ln | head`) ends it quietly, as SIGPIPE ends a C tool; Node
// ignores SIGPIPE, so the write fails with EPIPE instead.
import { writeSync } from 'node:fs';

/** What a shell reports for a process ended by SIGPIPE (128 + 13). */
export const EXIT_BROKEN_PIPE = 141;

/**
 * A handler for a failed write to stdout or stderr that ends the process:
 * EPIPE quietly with EXIT_BROKEN_PIPE, anything else said once on stderr
 * (while it can still be written) with the given status.
 */
export function endOnWriteFailure(program: string, stream: 'stdout' | 'stderr', status: number): (e: NodeJS.ErrnoException) => never {
  return (e) => {
    if (e.code !== 'EPIPE' && stream === 'stdout') {
      try { writeSync(2, `${program}: cannot write to standard output: ${e.message}\n`); } catch { /* stderr failed too */ }
    }
    process.exit(e.code === 'EPIPE' ? EXIT_BROKEN_PIPE : status);
  };
}
