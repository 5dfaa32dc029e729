// The REST API's state: changes queue up, and those that arrive together are
// committed together (group commit): one write to disk, one pass over the
// kernel. The new state is written before the kernel is changed, so a crash
// in between finds the change on restart; a change the kernel refuses is
// written back out. A batch the kernel refuses is retried change by change,
// so one bad request never sinks the others.
import type { ApiState } from '../director/api-state';
import { ConfigRefusedError } from '../director/director';
import { ApiError } from './objects';
import { writeStateFile } from './state-file';

/** Changes `draft` and returns the reply. It must check everything before it touches the draft, and copy any record it changes. */
export type Mutation<T> = (draft: ApiState) => T;

export interface StoreTarget {
  setApiState(state: ApiState): Promise<unknown>;
}

interface Pending {
  mutate: Mutation<unknown>;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

/** A shallow copy: mutations replace the records they change, so the committed state is never touched. */
function draftOf(state: ApiState): ApiState {
  return { version: 1, services: { ...state.services }, servers: { ...state.servers }, overrides: { ...state.overrides } };
}

export class ApiStore {
  private committed: ApiState;
  private queue: Pending[] = [];
  private working = false;

  constructor(private readonly dir: string, private readonly target: StoreTarget, initial: ApiState) {
    this.committed = initial;
  }

  get state(): ApiState {
    return this.committed;
  }

  change<T>(mutate: Mutation<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ mutate, resolve: resolve as (v: unknown) => void, reject });
      if (!this.working) void this.work();
    });
  }

  /** Resolves once every queued change is committed or refused. */
  async idle(): Promise<void> {
    while (this.working) await new Promise((r) => setImmediate(r));
  }

  private async work(): Promise<void> {
    this.working = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        if (!(await this.commit(batch)) && batch.length > 1) {
          for (const one of batch) await this.commit([one]);
        }
      }
    } finally {
      this.working = false;
    }
  }

  /** Returns false when the kernel refused the batch (its changes are then not settled, unless it was one change). */
  private async commit(batch: Pending[]): Promise<boolean> {
    const draft = draftOf(this.committed);
    const accepted: { p: Pending; reply: unknown }[] = [];
    for (const p of batch) {
      try {
        accepted.push({ p, reply: p.mutate(draft) });
      } catch (err) {
        p.reject(err);
      }
    }
    if (accepted.length === 0) return true;
    try {
      writeStateFile(this.dir, draft);
    } catch (err) {
      const e = new ApiError(500, `could not save the API state under ${this.dir}: ${(err as Error).message}; nothing was changed`);
      for (const a of accepted) a.p.reject(e);
      return true;
    }
    try {
      await this.target.setApiState(draft);
    } catch (err) {
      this.restore();
      if (err instanceof ConfigRefusedError && accepted.length > 1) return false;
      for (const a of accepted) a.p.reject(err);
      return true;
    }
    this.committed = draft;
    for (const a of accepted) a.p.resolve(a.reply);
    return true;
  }

  private restore(): void {
    try {
      writeStateFile(this.dir, this.committed);
    } catch {
      // The file then holds a change the kernel refused; the next start runs the file's configuration without it and says why.
    }
  }
}
