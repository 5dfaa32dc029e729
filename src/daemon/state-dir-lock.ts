// One lvsd per state directory. The IPVS claim (instance-lock.ts) holds per
// network namespace only, so two lvsd driving different namespaces could
// share a --state-dir and overwrite each other's journal and snapshot. This
// claim is an flock() on lvsd.lock inside the directory: it holds across
// namespaces, and the kernel drops it when the process dies, even by kill -9,
// so the file left behind never blocks a later start.
import { closeSync, constants, ftruncateSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { removeStaleTemporaries } from '../api/state-file';
import { native } from '../native';

export const LOCK_FILE = 'lvsd.lock';

export class StateDirClaimedError extends Error {
  constructor(dir: string, pid: string | undefined) {
    super(`another lvsd${pid ? ` (pid ${pid})` : ''} uses the state directory ${dir} (it holds the lock on ${join(dir, LOCK_FILE)}); stop it, or give each lvsd its own --state-dir`);
    this.name = 'StateDirClaimedError';
  }
}

export interface StateDirClaim {
  /** Temporary state files an earlier run left behind, removed once the directory was claimed. */
  removed: string[];
  /** Those that could not be removed, with why (the start goes on). */
  kept: { name: string; reason: string }[];
  release(): void;
}

/** The pid the holder wrote into the lock file, when it did (for the operator: it may be another pid namespace's). */
function holderPid(file: string): string | undefined {
  try {
    return /^(\d+)\n$/.exec(readFileSync(file, 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

/** Claims `dir` (created when missing) for this process, then clears what a crash left there; refused while another lvsd holds it. */
export function claimStateDir(dir: string): StateDirClaim {
  const file = join(dir, LOCK_FILE);
  let fd: number;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // Not truncated on open: a refused start must leave the holder's pid in place.
    fd = openSync(file, constants.O_RDWR | constants.O_CREAT, 0o600);
  } catch (err) {
    throw new Error(`cannot use the state directory ${dir}: ${(err as Error).message}`);
  }
  try {
    let locked: boolean;
    try {
      locked = native().lockExclusive(fd);
    } catch (err) {
      throw new Error(`cannot lock ${file}: ${(err as Error).message}`);
    }
    if (!locked) throw new StateDirClaimedError(dir, holderPid(file));
    ftruncateSync(fd, 0);
    writeSync(fd, `${process.pid}\n`, 0);
    const { removed, kept } = removeStaleTemporaries(dir);
    let held = true;
    return {
      removed,
      kept,
      release: () => {
        if (held) closeSync(fd);
        held = false;
      },
    };
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}
