// The REST API's state on disk: one JSON file written so that a crash at any
// moment leaves either the old or the new content, never a mix (temporary
// file, fsync, rename over the old one, fsync of the directory).
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { emptyApiState, type ApiState } from '../director/api-state';

export const STATE_FILE = 'api-state.json';

export class StateFileError extends Error {
  override name = 'StateFileError';
}

/** Reads the state under `dir`; a missing file is an empty state, a damaged one an error naming the file. */
export function readStateFile(dir: string): ApiState {
  const file = join(dir, STATE_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyApiState();
    throw new StateFileError(`${file}: ${(err as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new StateFileError(`${file}: not JSON: ${(err as Error).message}`);
  }
  const s = data as Partial<ApiState>;
  if (typeof s !== 'object' || s === null || s.version !== 1 || typeof s.services !== 'object' || typeof s.servers !== 'object' || typeof s.overrides !== 'object') {
    throw new StateFileError(`${file}: not an lvsd API state of version 1`);
  }
  return reviveBuffers(s as ApiState);
}

/** Writes the state under `dir` atomically and durably. */
export function writeStateFile(dir: string, state: ApiState): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, STATE_FILE);
  const temp = `${file}.${process.pid}.tmp`;
  const fd = openSync(temp, 'w', 0o600);
  try {
    writeSync(fd, JSON.stringify(state));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, file);
  // The rename itself is durable only once the directory is.
  const dirFd = openSync(dir, 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
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
