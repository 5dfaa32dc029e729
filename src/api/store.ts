// The REST API's state: changes queue up, and those that arrive together are
// committed together (group commit): one journal line written and fsync'd,
// one pass over the kernel that compares only the services they touch. The
// change is saved before the kernel is changed, so a crash in between finds
// it on restart; a change the kernel refuses is undone in memory and on disk.
// A batch the kernel refuses is retried change by change, so one bad request
// never sinks the others.
import { applyEdit, cloneApiState, touchedBy, type ApiEdit, type ApiState, type TouchedServices } from '../director/api-state';
import { ConfigRefusedError } from '../director/director';
import { ApiError } from './objects';
import { StateJournal } from './state-file';

/** The state a mutation reads (with the changes queued before it) and the way it changes it. */
export interface ApiDraft {
  readonly state: Readonly<ApiState>;
  edit(change: ApiEdit): void;
}

/** Returns the reply. It must check everything before it edits the draft. */
export type Mutation<T> = (draft: ApiDraft) => T;

export interface StoreTarget {
  setApiState(state: ApiState, touched?: TouchedServices): Promise<unknown>;
}

interface Pending {
  mutate: Mutation<unknown>;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

/** Edits applied to a state, and how to take them back. */
class EditLog {
  readonly edits: ApiEdit[] = [];
  private readonly undo: ApiEdit[] = [];

  constructor(private readonly state: ApiState) {}

  apply(edit: ApiEdit): void {
    this.undo.push(...applyEdit(this.state, edit));
    this.edits.push(edit);
  }

  get mark(): { edits: number; undo: number } {
    return { edits: this.edits.length, undo: this.undo.length };
  }

  /** Takes back the edits made since `mark` (all by default); returns the edits that did, in the order applied. */
  rollback(mark = { edits: 0, undo: 0 }): ApiEdit[] {
    this.edits.length = mark.edits;
    const back = this.undo.splice(mark.undo).reverse();
    for (const e of back) applyEdit(this.state, e);
    return back;
  }
}

export class ApiStore {
  /** What readers see: only changes the kernel took. */
  private readonly committed: ApiState;
  /** The committed state with the batch in flight; the director builds on it. */
  private readonly next: ApiState;
  private readonly journal: StateJournal;
  private queue: Pending[] = [];
  private busy = false;
  /** The committed real servers being drained (service id, real server id, removeBy): the drain watcher looks at these alone, not at every real server. */
  private readonly removals = new Map<string, Map<string, number>>();

  constructor(private readonly dir: string, private readonly target: StoreTarget, initial: ApiState) {
    this.committed = initial;
    this.next = cloneApiState(initial);
    this.journal = new StateJournal(dir);
    for (const [sid, servers] of Object.entries(initial.servers)) {
      for (const [rid, rs] of Object.entries(servers)) this.noteRemoval({ kind: 'server', service: sid, server: rid, value: rs });
    }
  }

  get state(): ApiState {
    return this.committed;
  }

  /** The real servers being drained, each with the time (ms) by which it goes. */
  draining(): { sid: string; rid: string; by: number }[] {
    return [...this.removals].flatMap(([sid, servers]) => [...servers].map(([rid, by]) => ({ sid, rid, by })));
  }

  change<T>(mutate: Mutation<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ mutate, resolve: resolve as (v: unknown) => void, reject });
      if (this.busy) return;
      this.busy = true;
      // Requests read in the same turn of the event loop join this batch.
      setImmediate(() => void this.work());
    });
  }

  /** Resolves once every queued change is committed or refused. */
  async idle(): Promise<void> {
    while (this.busy) await new Promise((r) => setImmediate(r));
  }

  /** Waits for the queue, then leaves the state on disk as one snapshot. */
  async close(): Promise<void> {
    await this.idle();
    this.journal.close(this.committed);
  }

  private async work(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        if (!(await this.commit(batch)) && batch.length > 1) {
          for (const one of batch) await this.commit([one]);
        }
        if (this.journal.due) this.compact();
      }
    } finally {
      this.busy = false;
    }
  }

  /** Returns false when the kernel refused the batch (its changes are then not settled, unless it was one change). */
  private async commit(batch: Pending[]): Promise<boolean> {
    const log = new EditLog(this.next);
    const accepted: { p: Pending; reply: unknown }[] = [];
    for (const p of batch) {
      const mark = log.mark;
      try {
        accepted.push({ p, reply: p.mutate({ state: this.next, edit: (e) => log.apply(e) }) });
      } catch (err) {
        log.rollback(mark);
        p.reject(err);
      }
    }
    if (accepted.length === 0) return true;
    if (log.edits.length > 0) {
      try {
        this.journal.append(this.committed, log.edits);
      } catch (err) {
        log.rollback();
        const e = new ApiError(500, `could not save the API state under ${this.dir}: ${(err as Error).message}; nothing was changed`);
        for (const a of accepted) a.p.reject(e);
        return true;
      }
      try {
        await this.target.setApiState(this.next, touchedBy(log.edits));
      } catch (err) {
        this.restore(log.rollback());
        if (err instanceof ConfigRefusedError && accepted.length > 1) return false;
        for (const a of accepted) a.p.reject(err);
        return true;
      }
      for (const e of log.edits) {
        applyEdit(this.committed, e);
        this.noteRemoval(e);
      }
    }
    for (const a of accepted) a.p.resolve(a.reply);
    return true;
  }

  private noteRemoval(e: ApiEdit): void {
    if (e.kind === 'service') {
      if (!e.value) this.removals.delete(e.service);
    } else if (e.kind === 'server') {
      const servers = this.removals.get(e.service);
      if (e.value?.removeBy !== undefined) {
        if (servers) servers.set(e.server, e.value.removeBy);
        else this.removals.set(e.service, new Map([[e.server, e.value.removeBy]]));
      } else if (servers) {
        servers.delete(e.server);
        if (servers.size === 0) this.removals.delete(e.service);
      }
    }
  }

  private restore(undo: ApiEdit[]): void {
    try {
      this.journal.append(this.next, undo);
    } catch {
      // The journal then holds a change the kernel refused; the next start runs the file's configuration without it and says why.
    }
  }

  private compact(): void {
    try {
      this.journal.compact(this.committed);
    } catch {
      // The journal keeps every change; folding it is tried again after the next one.
    }
  }
}
