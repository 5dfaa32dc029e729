// The REST API's state on disk: a snapshot, api-state.json, and a journal of
// the changes made since, api-state.journal, one line per group of changes.
// A crash at any moment leaves a state that loads: the snapshot is replaced
// whole (temporary file, fsync, rename, fsync of the directory; a temporary
// file a crash left before its rename is removed at the next start), and a
// journal line counts only once its newline is in (a torn last line is a
// change that was never confirmed). Each journal line is fsync'd before the
// change is confirmed; once the journal outgrows the snapshot, the state is
// written as a new snapshot and the journal emptied. Changes set what they
// name outright, so a crash between the two only replays changes the new
// snapshot already holds, to the same result.
import { closeSync, fdatasyncSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { applyEdit, emptyApiState, type ApiEdit, type ApiState } from '../director/api-state';
import { parseRealServerId, parseServiceId } from '../director/ids';

export const STATE_FILE = 'api-state.json';
export const JOURNAL_FILE = 'api-state.journal';

/** Below this size the journal is never compacted: a few changes are cheaper to replay than to rewrite. */
const JOURNAL_MIN_BYTES = 64 * 1024;

export class StateFileError extends Error {
  override name = 'StateFileError';
}

/** A file's text; undefined when it does not exist, an error naming it when it cannot be read. */
export function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StateFileError(`${file}: ${(err as Error).message}`);
  }
}

/** Reads the state under `dir`: the snapshot (missing: empty) and the journal over it; a damaged file is an error naming it. */
export function readStateFile(dir: string): ApiState {
  const file = join(dir, STATE_FILE);
  const text = readText(file);
  const state = text === undefined ? emptyApiState() : parseSnapshot(file, text);
  const journal = join(dir, JOURNAL_FILE);
  const lines = (readText(journal) ?? '').split('\n');
  // The last piece has no newline: empty, or a line torn by a crash before it was confirmed.
  lines.pop();
  lines.forEach((line, i) => {
    let edits: unknown;
    try {
      edits = JSON.parse(line);
    } catch (err) {
      throw new StateFileError(`${journal}:${i + 1}: not JSON: ${(err as Error).message}`);
    }
    if (!Array.isArray(edits)) throw new StateFileError(`${journal}:${i + 1}: not a list of changes`);
    edits.forEach((e, n) => {
      const why = editProblem(e);
      if (why) throw new StateFileError(`${journal}:${i + 1}: change ${n + 1}: ${why}`);
    });
    for (const e of reviveBuffers(edits as ApiEdit[])) applyEdit(state, e);
  });
  return state;
}

function parseSnapshot(file: string, text: string): ApiState {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new StateFileError(`${file}: not JSON: ${(err as Error).message}`);
  }
  const s = data as Partial<ApiState>;
  if (!isRecord(s) || s.version !== 1 || !isRecord(s.services) || !isRecord(s.servers) || !isRecord(s.overrides)) {
    throw new StateFileError(`${file}: not an lvsd API state of version 1`);
  }
  for (const [what, map] of [['services', s.services], ['servers', s.servers], ['overrides', s.overrides]] as const) {
    for (const [sid, value] of Object.entries(map)) {
      const why = idProblem(sid, undefined) ?? (isRecord(value) ? undefined : 'not an object');
      if (why) throw new StateFileError(`${file}: ${what} ${JSON.stringify(sid)}: ${why}`);
      if (what === 'services') continue;
      for (const [rid, server] of Object.entries(value as Record<string, unknown>)) {
        const bad = idProblem(sid, rid) ?? (isRecord(server) ? undefined : 'not an object');
        if (bad) throw new StateFileError(`${file}: ${what} ${JSON.stringify(sid)} ${JSON.stringify(rid)}: ${bad}`);
      }
    }
  }
  return reviveBuffers(s as ApiState);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** What is wrong with a service id (and real server id), as ids the API itself would make; undefined when nothing. */
function idProblem(sid: unknown, rid: unknown): string | undefined {
  if (typeof sid !== 'string') return 'the service id is not a string';
  const s = parseServiceId(sid);
  if ('error' in s) return `service id: ${s.error}`;
  if (rid === undefined) return undefined;
  if (typeof rid !== 'string') return 'the real server id is not a string';
  const r = parseRealServerId(rid);
  return 'error' in r ? `real server id: ${r.error}` : undefined;
}

/** What is wrong with a journal change's shape, or undefined; its values are checked again when put in effect. */
function editProblem(e: unknown): string | undefined {
  if (!isRecord(e)) return 'not an object';
  if (e.kind !== 'service' && e.kind !== 'server' && e.kind !== 'override') return `unknown kind ${JSON.stringify(e.kind)}`;
  if (e.value !== undefined && !isRecord(e.value)) return 'its value is not an object';
  return idProblem(e.service, e.kind === 'service' ? undefined : e.server);
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

function syncDir(dir: string): void {
  const dirFd = openSync(dir, 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}

/** The name a state file is written under before its rename: NAME.PID.tmp. */
export const temporaryName = (name: string, pid: number): string => `${name}.${pid}.tmp`;
/** Those of the snapshot and of the ownership record (owned-services.json), both written by writeWhole. */
const TEMPORARY = /^(api-state|owned-services)\.json\.\d+\.tmp$/;

/**
 * Removes the temporary state files under `dir` that a crash between write
 * and rename left behind (nothing else ever removes them). Returns those
 * removed, and those that could not be, with why: a leftover is no reason to
 * refuse a start. Only for the one lvsd that holds the directory: another's
 * write may be in flight.
 */
export function removeStaleTemporaries(dir: string): { removed: string[]; kept: { name: string; reason: string }[] } {
  const out: { removed: string[]; kept: { name: string; reason: string }[] } = { removed: [], kept: [] };
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return out;
    throw new StateFileError(`${dir}: ${(err as Error).message}`);
  }
  for (const name of names.filter((n) => TEMPORARY.test(n))) {
    try {
      unlinkSync(join(dir, name));
      out.removed.push(name);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') out.removed.push(name);
      else out.kept.push({ name, reason: (err as Error).message });
    }
  }
  return out;
}

/** Writes the state under `dir` as its snapshot, atomically and durably; returns its size in bytes. */
export function writeStateFile(dir: string, state: ApiState): number {
  return writeWhole(dir, STATE_FILE, Buffer.from(JSON.stringify(state)), `${STATE_FILE} and ${JOURNAL_FILE} are kept as they were`);
}

/**
 * Writes `data` as the file `name` under `dir`, whole or not at all:
 * temporary file, fsync, rename, fsync of the directory. A failure says
 * what is `kept`. Returns the size written.
 */
export function writeWhole(dir: string, name: string, data: Buffer, kept: string): number {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, name);
  const temp = join(dir, temporaryName(name, process.pid));
  const fd = openSync(temp, 'w', 0o600);
  try {
    // write() may write less than asked (a full file system): the file goes in whole or not at all.
    for (let off = 0; off < data.length;) off += writeSync(fd, data, off);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    try { unlinkSync(temp); } catch { /* gone already */ }
    throw new StateFileError(`${temp}: ${(err as Error).message}; ${kept}`);
  }
  closeSync(fd);
  renameSync(temp, file);
  // The rename itself is durable only once the directory is.
  syncDir(dir);
  return data.length;
}

/** Appends changes to the journal under `dir`, and folds the journal into a new snapshot when it is due. */
export class StateJournal {
  private fd: number | undefined;
  private bytes = 0;
  private snapshotBytes = 0;

  constructor(private readonly dir: string) {}

  /**
   * Opens the journal for appending. A journal left by an earlier run (maybe
   * with a torn last line) is folded into a snapshot of `state` first, the
   * state it loaded to.
   */
  private open(state: ApiState): number {
    if (this.fd !== undefined) return this.fd;
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const fd = openSync(join(this.dir, JOURNAL_FILE), 'a', 0o600);
    try {
      if (fstatSync(fd).size > 0) {
        this.snapshotBytes = writeStateFile(this.dir, state);
        ftruncateSync(fd, 0);
        fdatasyncSync(fd);
      } else {
        this.snapshotBytes = sizeOf(join(this.dir, STATE_FILE));
      }
      // The journal's own name must be durable before anything in it counts.
      syncDir(this.dir);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    this.fd = fd;
    this.bytes = 0;
    return fd;
  }

  /** Durably records `edits`, which turn `before` into the state to be. */
  append(before: ApiState, edits: ApiEdit[]): void {
    const fd = this.open(before);
    const line = Buffer.from(`${JSON.stringify(edits)}\n`);
    try {
      if (writeSync(fd, line) !== line.length) throw new Error(`${JOURNAL_FILE}: short write`);
      fdatasyncSync(fd);
    } catch (err) {
      // Back to the last whole line, so that the next one starts on its own;
      // failing that, the next append folds the journal into a snapshot first.
      try {
        ftruncateSync(fd, this.bytes);
      } catch {
        closeSync(fd);
        this.fd = undefined;
      }
      throw err;
    }
    this.bytes += line.length;
  }

  /** Whether rewriting the snapshot now costs less than keeping the journal growing. */
  get due(): boolean {
    return this.bytes > Math.max(JOURNAL_MIN_BYTES, this.snapshotBytes);
  }

  /** Writes `state` (which holds every change in the journal) as the snapshot, then empties the journal. */
  compact(state: ApiState): void {
    this.snapshotBytes = writeStateFile(this.dir, state);
    if (this.fd === undefined) return;
    ftruncateSync(this.fd, 0);
    fdatasyncSync(this.fd);
    this.bytes = 0;
  }

  /** Leaves a snapshot alone on disk (when there is a journal to fold) and closes the journal. */
  close(state: ApiState): void {
    if (this.fd === undefined) return;
    if (this.bytes > 0) this.compact(state);
    closeSync(this.fd);
    this.fd = undefined;
  }
}

// UDP_CHECK payloads are Buffers, stored as Buffer.toJSON() writes them.
function reviveBuffers<T>(value: T): T {
  if (Array.isArray(value)) return value.map(reviveBuffers) as T;
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (o.type === 'Buffer' && Array.isArray(o.data) && Object.keys(o).length === 2) return Buffer.from(o.data as number[]) as T;
    for (const k of Object.keys(o)) o[k] = reviveBuffers(o[k]);
  }
  return value;
}
