// Keeps the kernel's IPVS table equal to the desired table: on start it adopts
// what is there (no flush), on each change it applies the minimal diff, and on
// a timer it puts back what was changed behind its back. The services it owns
// (created, or adopted as desired) are the only ones it ever deletes; with an
// ownership record they are remembered across restarts: a service is recorded
// before it is created, and forgotten only once its deletion went through.
import { EventEmitter } from 'node:events';
import type { IpvsClient, IpvsOp } from '../ipvs/client';
import type { IpvsError } from '../ipvs/errors';
import { planChanges, type TableEntry } from './diff';
import { serviceId } from './ids';

/** The part of the IPVS client the reconciler needs; a fake stands in for it in unit tests. */
export type IpvsTable = Pick<IpvsClient, 'listServices' | 'listRealServers' | 'apply'>;

/** Where the services lvsd owns are kept across restarts. */
export interface OwnershipRecord {
  /** The services owned when the record was read. */
  readonly recorded: ReadonlySet<string>;
  /** Replaces the record with `ids`; false when it could not be written (it is tried again at the next change). */
  record(ids: ReadonlySet<string>): boolean;
}

export interface ReconcileFailure { op: IpvsOp; error: IpvsError }

export interface ReconcileReport {
  /** Why this pass ran: "start", "reload", "health", "api", "resync", ... */
  cause: string;
  applied: IpvsOp[];
  failed: ReconcileFailure[];
  /** Set when an atomic pass failed and the kernel table was put back as it was. */
  rolledBack?: { failed: ReconcileFailure[] };
}

export interface ReconcilerEvents {
  reconciled: [ReconcileReport];
  error: [Error];
}

/** The kernel's table as it is configured (its traffic counters are not read: nothing here compares them). */
export async function readKernelTable(table: Pick<IpvsTable, 'listServices' | 'listRealServers'>): Promise<TableEntry[]> {
  const services = await table.listServices({ counters: false });
  return await Promise.all(services.map(async ({ service }) => ({
    service,
    realServers: (await table.listRealServers(service, { counters: false })).map((r) => r.server),
  })));
}

export class Reconciler extends EventEmitter<ReconcilerEvents> {
  private desired: TableEntry[] = [];
  /** Services lvsd has managed: only these are ever deleted when no longer desired. */
  private readonly owned: Set<string>;
  /** `owned` changed since the ownership record last took it. */
  private unrecorded = false;
  private queue: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly table: IpvsTable, private readonly ownership?: OwnershipRecord) {
    super();
    this.owned = new Set(ownership?.recorded);
  }

  /**
   * Replaces the desired table and brings the kernel to it. Passes never
   * overlap. An atomic pass that the kernel refuses in part is undone: the
   * table and the desired state go back to what they were.
   */
  setDesired(desired: TableEntry[], cause: string, opts: { atomic?: boolean } = {}): Promise<ReconcileReport> {
    return this.serialize(() => (opts.atomic ? this.atomicPass(desired, cause) : this.replace(desired, cause)));
  }

  private async replace(desired: TableEntry[], cause: string): Promise<ReconcileReport> {
    this.desired = desired;
    this.own(desired.map((e) => serviceId(e.service)));
    return await this.pass(cause);
  }

  /** `newlyOwned`: the services a refused quick change took as owned, which the rollback must not leave owned. */
  private async atomicPass(desired: TableEntry[], cause: string, newlyOwned: readonly string[] = []): Promise<ReconcileReport> {
    const before = await readKernelTable(this.table);
    const saved = { desired: this.desired, owned: new Set(this.owned) };
    for (const id of newlyOwned) saved.owned.delete(id);
    const report = await this.replace(desired, cause);
    if (report.failed.length > 0) {
      const current = await readKernelTable(this.table);
      // The rollback creates again what the pass deleted.
      this.own(saved.owned);
      const ops = planChanges(before, current, new Set(current.map((e) => serviceId(e.service))));
      report.rolledBack = { failed: await this.applyOps(ops).then((r) => r.failed) };
      this.desired = saved.desired;
      const stuck = failedDeletions(report.rolledBack.failed);
      this.disown([...this.owned].filter((id) => !saved.owned.has(id) && !stuck.has(id)));
    }
    return report;
  }

  /**
   * Brings the kernel from the current desired table to `desired` without
   * reading it first: the quick way for small changes (the REST API's). If the
   * kernel refuses anything, what went in is taken out again (from a fresh read)
   * and the change is retried once against the table the kernel really holds,
   * atomically: a refusal then is the kernel's answer to the change itself.
   */
  change(desired: TableEntry[], cause: string): Promise<ReconcileReport> {
    return this.serialize(async () => {
      const previous = this.desired;
      const newlyOwned = this.own(desired.map((e) => serviceId(e.service)));
      const quick = await this.applyOps(planChanges(desired, this.desired, this.owned));
      if (quick.failed.length === 0) {
        this.desired = desired;
        this.disown(deletions(quick.applied));
        const report: ReconcileReport = { cause, ...quick };
        this.emit('reconciled', report);
        return report;
      }
      return await this.undoQuick(previous, desired, cause, newlyOwned);
    });
  }

  /** A quick change the kernel refused in part: what went in is taken out (from a fresh read), then the change is retried atomically. */
  private async undoQuick(previous: TableEntry[], desired: TableEntry[], cause: string, newlyOwned: readonly string[]): Promise<ReconcileReport> {
    const current = await readKernelTable(this.table);
    await this.applyOps(planChanges(previous, current, new Set(current.map((e) => serviceId(e.service)).filter((id) => this.owned.has(id)))));
    return await this.atomicPass(desired, cause, newlyOwned);
  }

  /**
   * As change(), for a change that concerns only the services `ids`: their
   * rows become `entries` (an id without a row is no longer desired), the
   * other rows stay, and only these services are compared, unless the
   * changes to make were `planned` already (from the rows they replace).
   */
  changeServices(entries: TableEntry[], ids: ReadonlySet<string>, cause: string, planned?: IpvsOp[]): Promise<ReconcileReport> {
    return this.serialize(async () => {
      const previous = this.desired;
      const desired = previous.filter((e) => !ids.has(serviceId(e.service))).concat(entries);
      const newlyOwned = this.own(entries.map((e) => serviceId(e.service)));
      const owned = new Set([...ids].filter((id) => this.owned.has(id)));
      const ops = planned ?? planChanges(entries, previous.filter((e) => ids.has(serviceId(e.service))), owned);
      const quick = await this.applyOps(ops);
      if (quick.failed.length === 0) {
        this.desired = desired;
        this.disown(deletions(quick.applied));
        const report: ReconcileReport = { cause, ...quick };
        this.emit('reconciled', report);
        return report;
      }
      return await this.undoQuick(previous, desired, cause, newlyOwned);
    });
  }

  /** Forgets services that went by other means (lvs_flush_on_stop): they are no longer there to delete. */
  forget(ids: Iterable<string>): Promise<void> {
    return this.serialize(async () => this.disown(ids));
  }

  /** The desired row of one service, if it has one. */
  desiredRow(id: string): TableEntry | undefined {
    return this.desired.find((e) => serviceId(e.service) === id);
  }

  /** Re-reads the kernel and repairs any drift from the desired table. */
  resync(): Promise<ReconcileReport> {
    return this.serialize(() => this.pass('resync'));
  }

  /** The changes that `desired` would make to the running table, without making them. */
  async plan(desired: TableEntry[]): Promise<IpvsOp[]> {
    const owned = new Set([...this.owned, ...desired.map((e) => serviceId(e.service))]);
    return planChanges(desired, await readKernelTable(this.table), owned);
  }

  startResync(intervalMs: number): void {
    this.stopResync();
    this.timer = setInterval(() => {
      this.resync().catch((e: Error) => this.emit('error', e));
    }, intervalMs);
    this.timer.unref();
  }

  stopResync(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Waits for any pass under way. */
  async idle(): Promise<void> {
    await this.queue.catch(() => undefined);
  }

  /** Records services as owned before any of them is created: a crash in between leaves none unrecorded. Returns those not owned before. */
  private own(ids: Iterable<string>): string[] {
    const added: string[] = [];
    for (const id of ids) {
      if (this.owned.has(id)) continue;
      this.owned.add(id);
      added.push(id);
      this.unrecorded = true;
    }
    this.recordOwned();
    return added;
  }

  /** Forgets services, once their deletion went through. */
  private disown(ids: Iterable<string>): void {
    for (const id of ids) if (this.owned.delete(id)) this.unrecorded = true;
    this.recordOwned();
  }

  private recordOwned(): void {
    if (this.unrecorded && this.ownership?.record(this.owned) !== false) this.unrecorded = false;
  }

  private async applyOps(ops: IpvsOp[]): Promise<{ applied: IpvsOp[]; failed: ReconcileFailure[] }> {
    const results = ops.length ? await this.table.apply(ops) : [];
    const out: { applied: IpvsOp[]; failed: ReconcileFailure[] } = { applied: [], failed: [] };
    results.forEach((r, i) => {
      const op = ops[i] as IpvsOp;
      if (r.ok) out.applied.push(op);
      else out.failed.push({ op, error: r.error });
    });
    return out;
  }

  private serialize<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.catch(() => undefined).then(work);
    this.queue = next;
    return next;
  }

  private async pass(cause: string): Promise<ReconcileReport> {
    const ops = planChanges(this.desired, await readKernelTable(this.table), this.owned);
    const report: ReconcileReport = { cause, ...(await this.applyOps(ops)) };
    // A service stays owned until it is desired no more and its deletion went through.
    const wanted = new Set(this.desired.map((e) => serviceId(e.service)));
    const stuck = failedDeletions(report.failed);
    this.disown([...this.owned].filter((id) => !wanted.has(id) && !stuck.has(id)));
    this.emit('reconciled', report);
    return report;
  }
}

/** The services that `ops` deleted. */
function deletions(ops: readonly IpvsOp[]): string[] {
  return ops.flatMap((op) => (op.op === 'deleteService' ? [serviceId(op.key)] : []));
}

/** The services whose deletion the kernel refused. */
function failedDeletions(failed: readonly ReconcileFailure[]): Set<string> {
  return new Set(deletions(failed.map((f) => f.op)));
}
