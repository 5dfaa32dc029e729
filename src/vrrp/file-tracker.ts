// track_file: a file holding a number, read at start and again each time it
// is written, moved in or removed; a missing file reads as 0, as in
// keepalived. The directory is watched rather than the file, so a file
// replaced by a rename, or created later, is still seen.
import { EventEmitter } from 'node:events';
import { closeSync, openSync, readSync, realpathSync, statSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { FilePlan } from './settings';

export interface FileTrackerEvents {
  change: [value: number];
  /** The file could not be read or watched, or held no number lvsd can use. */
  problem: [message: string];
}

/** A writer's truncate and write come as separate events: read once they have settled. */
const SETTLE_MS = 10;
/** keepalived reads at most this much of the file. */
const READ_BYTES = 127;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/**
 * The number at the start of a tracked file, read as C's strtol with base 0
 * reads it (leading blanks, a sign, 0x for hex, a leading 0 for octal; no
 * digits is 0). Undefined when outside what keepalived accepts.
 */
export function parseTrackedValue(text: string): number | undefined {
  const m = /^[ \t\n\v\f\r]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)?/.exec(text)!;
  const digits = m[2];
  if (digits === undefined) return 0;
  const magnitude = /^0[xX]/.test(digits) ? parseInt(digits.slice(2), 16) : digits.startsWith('0') ? parseInt(digits, 8) : Number(digits);
  const value = m[1] === '-' ? -magnitude : magnitude;
  return value < INT32_MIN || value > INT32_MAX + 1 ? undefined : value;
}

export class FileTracker extends EventEmitter<FileTrackerEvents> {
  private current = 0;
  private watcher: FSWatcher | undefined;
  private settle: NodeJS.Timeout | undefined;
  private readonly path: string;

  constructor(readonly plan: FilePlan) {
    super();
    this.path = resolved(plan.path);
  }

  get value(): number { return this.current; }

  /** Writes init_file's value where it applies (an existing file is overwritten only at start, not at a reload), reads, then watches. */
  start(reload: boolean): void {
    if (this.plan.init) this.initialise(this.plan.init, reload);
    this.current = this.read() ?? 0;
    try {
      this.watcher = watch(dirname(this.path), (_event, name) => {
        if (name === basename(this.path)) this.changedSoon();
      });
      this.watcher.on('error', (e) => this.problem(`watching ${dirname(this.path)} failed: ${e.message}`));
    } catch (e) {
      this.problem(`${dirname(this.path)} cannot be watched (${(e as Error).message}); the value stays ${this.current}`);
    }
  }

  stop(): void {
    if (this.settle) clearTimeout(this.settle);
    this.watcher?.close();
    this.watcher = undefined;
  }

  private changedSoon(): void {
    if (this.settle) clearTimeout(this.settle);
    this.settle = setTimeout(() => {
      this.settle = undefined;
      const value = this.read();
      if (value === undefined || value === this.current) return;
      this.current = value;
      this.emit('change', value);
    }, SETTLE_MS);
  }

  /** The file's value, 0 when it is missing or empty, undefined (with a problem) when it cannot be used. */
  private read(): number | undefined {
    let fd: number;
    try {
      fd = openSync(this.path, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      this.problem(`${this.path} cannot be read: ${(e as Error).message}`);
      return undefined;
    }
    try {
      const buf = Buffer.alloc(READ_BYTES);
      const text = buf.subarray(0, readSync(fd, buf, 0, READ_BYTES, 0)).toString('latin1');
      const value = parseTrackedValue(text);
      if (value === undefined) this.problem(`${this.path} holds ${JSON.stringify(text.trim())}, outside ${INT32_MIN}..${INT32_MAX + 1}; ignored`);
      return value;
    } catch (e) {
      this.problem(`${this.path} cannot be read: ${(e as Error).message}`);
      return undefined;
    } finally {
      closeSync(fd);
    }
  }

  private initialise(init: { value: number; overwrite: boolean }, reload: boolean): void {
    let exists = true;
    try {
      if (!statSync(this.path).isFile()) {
        if (init.overwrite) this.problem(`init_file: ${this.path} is not a regular file; not written`);
        return;
      }
    } catch {
      exists = false;
    }
    if (exists && (!init.overwrite || reload)) return;
    try {
      writeFileSync(this.path, `${init.value}\n`);
    } catch (e) {
      this.problem(`init_file: ${this.path} cannot be written: ${(e as Error).message}`);
    }
  }

  private problem(message: string): void {
    queueMicrotask(() => this.emit('problem', `track_file ${this.plan.name}: ${message}`));
  }
}

/** The file's real path (keepalived follows links), or its directory's when the file does not exist yet. */
function resolved(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    try {
      return join(realpathSync(dirname(path)), basename(path));
    } catch {
      return path;
    }
  }
}
