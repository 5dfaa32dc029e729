// The director: configuration and health in, one desired IPVS table out,
// reconciled into the kernel. Health checks publish verdicts; the director
// rebuilds the desired table from them and never lets checks touch IPVS.
import { EventEmitter } from 'node:events';
import type { CheckScheduler } from '../check/scheduler';
import type { CheckEvent, CheckStatus } from '../check/types';
import type { KeepalivedConfig, RealServer as ConfigRealServer, Script, VirtualServer } from '../config/model';
import type { IpvsClient, IpvsOp } from '../ipvs/client';
import type { RealServer } from '../ipvs/types';
import { apiServiceIds, applyApiState, emptyApiState, patchApiState, withoutServices, type ApiState, type EffectiveConfig, type TouchedServices } from './api-state';
import { buildDesiredTable, quorumState, serverEntry, virtualServerName, type DesiredTable, type HealthLookup, type QuorumMemory } from './desired';
import { changeRow, type TableEntry } from './diff';
import { configuredChecks, HealthBook, serverName, type ConfiguredCheck } from './health';
import { serviceId } from './ids';
import { Reconciler, type OwnershipRecord, type ReconcileReport } from './reconciler';

export type DirectorTable = Pick<IpvsClient, 'listServices' | 'listRealServers' | 'apply' | 'setTimeouts'>;

/** The logging surface the director needs (pino's). */
export interface Log {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface ServerTransition {
  /** "<virtual server> -> <address:port>" */
  server: string;
  up: boolean;
  reason: string;
  at: number;
  /** The blocks it is about, for those who name them otherwise. */
  vs: VirtualServer;
  rs: ConfigRealServer;
}

export interface DirectorEvents {
  reconciled: [ReconcileReport];
  server: [ServerTransition];
  /** `first`: the virtual server's first verdict since it was loaded. */
  quorum: [{ virtualServer: string; up: boolean; first: boolean; vs: VirtualServer }];
}

/** A configuration the kernel refused: the table was put back as it was. */
export class ConfigRefusedError extends Error {
  constructor(message: string, readonly report?: ReconcileReport) {
    super(message);
    this.name = 'ConfigRefusedError';
  }
}

export interface DirectorOptions {
  table: DirectorTable;
  scheduler: CheckScheduler;
  log: Log;
  /** Runs notify_up / notify_down / quorum_up / quorum_down programs; never through a shell. */
  runScript: (script: Script, why: string) => void;
  /** Where the services lvsd owns are kept across restarts; without it lvsd owns, at start, only what it is told to run. */
  ownership?: OwnershipRecord;
}

/** The latest health change of a real server, for display. */
export interface ServerChange { up: boolean; reason: string; at: number }

export class Director extends EventEmitter<DirectorEvents> {
  private config: KeepalivedConfig | undefined;
  private apiState: ApiState = emptyApiState();
  private effective: EffectiveConfig | undefined;
  /** Services whose API objects are not in effect, with the kernel's reason: refused at start or reload. */
  private apiOut = new Map<string, string>();
  private readonly lastChange = new Map<string, ServerChange>();
  /** load() and setApiState() run one at a time: each builds on what the other left. */
  private changes: Promise<unknown> = Promise.resolve();
  private readonly health: HealthBook;
  private readonly reconciler: Reconciler;
  private readonly quorum: QuorumMemory = new Map();
  private readonly serverUp = new Map<string, boolean>();
  /** Servers down from the start whose notify_down has not run yet. */
  private readonly downUnsaid = new Set<string>();
  /** Up from the start, to be said (rs_init_notifies). */
  private readonly upUnsaid = new Set<string>();
  private rebuildPending = false;
  /** Set by stop(): health verdicts no longer change the kernel table. */
  private stopped = false;

  constructor(private readonly opts: DirectorOptions) {
    super();
    this.health = new HealthBook(opts.scheduler);
    this.reconciler = new Reconciler(opts.table, opts.ownership);
    this.reconciler.on('reconciled', (r) => this.emit('reconciled', r));
    this.reconciler.on('error', (e) => opts.log.error({ err: e }, 'resync failed'));
    opts.scheduler.on('change', (e: CheckEvent) => this.onCheck(e));
  }

  get running(): KeepalivedConfig | undefined {
    return this.config;
  }

  /**
   * Makes `config` the running configuration. On start the table already in
   * the kernel is adopted; on reload only what differs is changed. If the
   * kernel refuses any change, the table is put back and the previous
   * configuration stays.
   */
  load(config: KeepalivedConfig, cause: 'start' | 'reload'): Promise<ReconcileReport> {
    return this.serialize(() => this.loadNow(config, cause));
  }

  private async loadNow(config: KeepalivedConfig, cause: 'start' | 'reload'): Promise<ReconcileReport> {
    const state = this.apiState;
    let effective = applyApiState(config, state);
    let checks = this.checksOf(config, effective);
    let report = await this.reconciler.setDesired(this.desiredFor(effective, checks), cause, { atomic: true });
    // Services of the API to put in one at a time once the rest is in: at start none is in yet, and the file is
    // the authority, so it runs rather than not at all. On reload the API's objects in effect must stay in (the
    // reload is refused instead); only those already out are left to their own turns.
    let alone: string[] = [];
    let refused: string | undefined;
    const out = cause === 'start' ? apiServiceIds(state) : apiServiceIds(state).filter((id) => this.apiOut.has(id));
    if (report.failed.length > 0 && out.length > 0) {
      refused = refusal(report);
      alone = out;
      effective = applyApiState(config, withoutServices(state, new Set(alone)));
      checks = this.checksOf(config, effective);
      report = await this.reconciler.setDesired(this.desiredFor(effective, checks), cause, { atomic: true });
    }
    if (report.failed.length > 0) throw new ConfigRefusedError(refusal(report), report);
    this.apiOut.clear();
    this.config = config;
    this.effective = effective;
    const t = config.global.lvsTimeouts;
    if (t) await this.opts.table.setTimeouts({ tcp: t.tcpSec ?? 0, tcpFin: t.tcpFinSec ?? 0, udp: t.udpSec ?? 0 });
    // The checks of the new configuration start once its table is in.
    const counts = this.health.apply(checks);
    // Each server's state as its checks start: what they find next is a change to tell.
    this.noteTransitions(new Map(effective.config.virtualServers.map((vs) => [vs, vs.realServers])));
    if (alone.length > 0) await this.putEachAlone(config, state, alone, cause, refused);
    this.opts.log.info({ cause, changes: report.applied.length, checks: counts }, 'configuration loaded');
    this.scheduleRebuild();
    return report;
  }

  /**
   * Puts the API's objects of each service of `ids` in over the running
   * table, one service at a time: each the kernel refuses stays out, with its
   * reason, and the others go in. `state` is the running API state after.
   */
  private async putEachAlone(config: KeepalivedConfig, state: ApiState, ids: readonly string[], cause: 'start' | 'reload', refused: string | undefined): Promise<void> {
    const excluded = new Set(ids);
    const reasons = new Map<string, string>();
    for (const id of ids) {
      excluded.delete(id);
      const trial = withoutServices(state, excluded);
      const touched: TouchedServices = new Map([[id, undefined]]);
      const patched = patchApiState(this.effective!, config, trial, touched);
      try {
        await this.putApiState(config, trial, patched.effective, touched);
      } catch (err) {
        patched.revert();
        excluded.add(id);
        // The kernel's own words for the service; the whole message says the table was put back, which goes without saying here.
        reasons.set(id, err instanceof ConfigRefusedError && err.report?.failed[0] ? err.report.failed[0].error.message : (err as Error).message);
      }
    }
    this.apiState = state;
    this.apiOut = reasons;
    if (reasons.size > 0) {
      this.opts.log.error({ cause, err: refused, out: Object.fromEntries(reasons), in: ids.length - reasons.size },
        'services of the REST API refused by the kernel with this configuration; running without their API objects');
    }
  }

  /**
   * Puts a new REST API state in effect over the running configuration. If
   * the kernel refuses any part of it, nothing changes and ConfigRefusedError
   * carries the kernel's reason. Before the first load it is only remembered.
   * `touched` names the only services (and real servers) that changed since
   * the state last put in effect: the others are neither rebuilt nor compared.
   */
  setApiState(state: ApiState, touched?: TouchedServices): Promise<ReconcileReport | undefined> {
    return this.serialize(async () => {
      const config = this.config;
      if (!config) {
        this.apiState = state;
        return undefined;
      }
      const previous = this.effective;
      // A service whose API objects are out goes in whole with a write that touches it, not just what it changed.
      const widened = touched && this.apiOut.size > 0 ? new Map([...touched].map(([id, rids]) => [id, this.apiOut.has(id) ? undefined : rids])) : touched;
      const patched = widened && previous ? patchApiState(previous, config, state, widened) : undefined;
      try {
        return await this.putApiState(config, state, patched?.effective ?? applyApiState(config, state), patched ? widened : undefined);
      } catch (err) {
        patched?.revert();
        throw err;
      }
    });
  }

  /** Brings the kernel to `effective` (built from `state`); on success it is the running state. */
  private async putApiState(config: KeepalivedConfig, state: ApiState, effective: EffectiveConfig, touched: TouchedServices | undefined): Promise<ReconcileReport> {
    const checks = this.checksOf(config, effective);
    const health = this.health.prospective(checks);
    let report: ReconcileReport;
    let quorumChanges: DesiredTable['quorumChanges'];
    // The blocks changed, each with its real servers that changed: the only ones whose health may be new.
    const changed = new Map<VirtualServer, readonly ConfigRealServer[]>();
    if (touched) {
      for (const [id, rids] of touched) {
        const overlay = effective.overlays.get(id);
        const vs = overlay?.origin?.vs;
        if (!vs || changed.has(vs)) continue;
        changed.set(vs, rids ? [...rids].flatMap((rid) => overlay.servers.get(rid) ?? []) : vs.realServers);
      }
      // Only the touched services: the rest of the table stays as it is.
      const rows = this.changedRows(effective, touched, health);
      if (rows) {
        quorumChanges = rows.quorumChanges;
        report = await this.reconciler.changeServices(rows.rows, new Set(touched.keys()), 'api', rows.ops);
      } else {
        const built = buildDesiredTable({ ...effective.config, virtualServers: [...changed.keys()] }, health, new Map(this.quorum));
        quorumChanges = built.quorumChanges;
        const ids = new Set([...touched.keys(), ...built.table.map((e) => serviceId(e.service))]);
        report = await this.reconciler.changeServices(built.table, ids, 'api');
      }
    } else {
      for (const vs of effective.config.virtualServers) changed.set(vs, vs.realServers);
      const built = buildDesiredTable(effective.config, health, new Map(this.quorum));
      quorumChanges = built.quorumChanges;
      report = await this.reconciler.change(built.table, 'api');
    }
    if (report.failed.length > 0) throw new ConfigRefusedError(refusal(report), report);
    this.apiState = state;
    // The services it touched are in whole now (setApiState widened the write to those that were out); the
    // others that were out stay out until a write or a reload takes them.
    if (touched) for (const id of touched.keys()) this.apiOut.delete(id);
    else this.apiOut.clear();
    this.effective = effective;
    this.health.apply(checks);
    this.noteTransitions(changed);
    // The rows already follow the quorum they found: it only remains to record and tell.
    this.announceQuorum(quorumChanges);
    return report;
  }

  /**
   * The rows of the touched services with only their changed real servers
   * redone, and the kernel changes that makes, when every change is to real
   * servers alone. Undefined when a service must be built again whole.
   */
  private changedRows(effective: EffectiveConfig, touched: TouchedServices, health: HealthLookup): { rows: TableEntry[]; ops: IpvsOp[]; quorumChanges: DesiredTable['quorumChanges'] } | undefined {
    const rows: TableEntry[] = [];
    const ops: IpvsOp[] = [];
    const quorumChanges: DesiredTable['quorumChanges'] = [];
    for (const [id, rids] of touched) {
      const overlay = effective.overlays.get(id);
      const vs = overlay?.origin?.vs;
      const row = this.reconciler.desiredRow(id);
      // A sorry server or a group makes a row more than its real servers.
      if (!rids || !overlay || !vs || !row || vs.sorryServer || vs.key.kind === 'group') return undefined;
      const port = vs.key.kind === 'address' ? vs.key.port : 0;
      const changes = new Map<string, RealServer | undefined>();
      for (const rid of rids) {
        // The file's own server holds this id.
        if (overlay.fileIds.has(rid)) continue;
        const block = overlay.servers.get(rid);
        changes.set(rid, block && serverEntry(vs, block, health, port));
      }
      const next = changeRow(row, changes);
      // Without a sorry server quorum changes nothing in the row: it holds the live servers at their weights, and quiesced ones at 0.
      const name = virtualServerName(vs);
      const { change } = quorumState(vs, name, weightOf(next.row), this.quorum.get(name));
      if (change) quorumChanges.push(change);
      rows.push(next.row);
      ops.push(...next.ops);
    }
    return { rows, ops, quorumChanges };
  }

  /** The running configuration with the REST API's objects laid over it. */
  get effectiveConfig(): EffectiveConfig | undefined {
    return this.effective;
  }

  /** Set when some of the REST API's objects are not in effect: which services, and the kernel's reason. */
  get apiStateRefused(): string | undefined {
    if (this.apiOut.size === 0) return undefined;
    return [...this.apiOut].map(([id, why]) => `${id} (${why})`).join('; ');
  }

  /** The services whose REST API objects are not in effect, with the kernel's reason for each. */
  get apiServicesOut(): ReadonlyMap<string, string> {
    return this.apiOut;
  }

  /** The table the director keeps in the kernel now. */
  desiredTable(): TableEntry[] {
    const effective = this.effective;
    return effective ? buildDesiredTable(effective.config, this.health.lookup, new Map(this.quorum)).table : [];
  }

  /** The checks deciding on a real server ("<virtual server> -> <address:port>"), as the scheduler sees them. */
  checkStatuses(server: string): CheckStatus[] {
    return this.health.checksOf(server).flatMap((id) => {
      const s = this.opts.scheduler.status(id);
      return s ? [s] : [];
    });
  }

  /** The latest up/down change of a real server, if it had one. */
  lastServerChange(server: string): ServerChange | undefined {
    return this.lastChange.get(server);
  }

  /** The file's checks (the API's blocks carry no checkers of their own) and the API servers'. */
  private checksOf(config: KeepalivedConfig, effective: EffectiveConfig): ConfiguredCheck[] {
    let fileChecks = fileChecksOf.get(config);
    if (!fileChecks) {
      fileChecks = configuredChecks(config);
      fileChecksOf.set(config, fileChecks);
    }
    return [...fileChecks, ...effective.checks];
  }

  private desiredFor(effective: EffectiveConfig, checks: ConfiguredCheck[]): TableEntry[] {
    return buildDesiredTable(effective.config, this.health.prospective(checks), new Map(this.quorum)).table;
  }

  private serialize<T>(work: () => Promise<T>): Promise<T> {
    const next = this.changes.catch(() => undefined).then(work);
    this.changes = next;
    return next;
  }

  /** The kernel changes `config` would make to the running table, without making them. */
  async plan(config: KeepalivedConfig): Promise<IpvsOp[]> {
    const effective = applyApiState(config, this.apiState);
    return await this.reconciler.plan(this.desiredFor(effective, this.checksOf(config, effective)));
  }

  /** Re-checks the kernel every `intervalMs` and puts back what was changed behind lvsd's back. */
  startResync(intervalMs: number): void {
    this.reconciler.startResync(intervalMs);
  }

  resync(): Promise<ReconcileReport> {
    return this.reconciler.resync();
  }

  /** Health of each configured real server, by "<virtual server> -> <address:port>". */
  serverStates(): Map<string, boolean> {
    return new Map(this.serverUp);
  }

  /** Forgets services removed from the kernel by other means (lvs_flush_on_stop). */
  forgetServices(ids: Iterable<string>): Promise<void> {
    return this.reconciler.forget(ids);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.reconciler.stopResync();
    this.health.close();
    await this.changes.catch(() => undefined);
    await this.reconciler.idle();
    this.sayStopping();
  }

  /**
   * omega: as lvsd stops, each virtual server says its quorum down (event and
   * quorum_down), after its live real servers say they are down unless
   * lvs_flush_on_stop takes the table out whole, as keepalived says them at its shutdown.
   */
  private sayStopping(): void {
    const config = this.effective?.config;
    const reason = 'lvsd stops, omega';
    for (const vs of config?.virtualServers ?? []) {
      if (!vs.omega) continue;
      if (config?.global.lvsFlushOnStop === undefined) {
        for (const rs of vs.realServers) {
          const name = serverName(vs, rs);
          if (this.serverUp.get(name) !== true) continue;
          this.emit('server', { server: name, up: false, reason, at: Date.now(), vs, rs });
          if (rs.notifyDown) this.opts.runScript(rs.notifyDown, `notify_down of ${name} (${reason})`);
        }
      }
      const name = virtualServerName(vs);
      this.emit('quorum', { virtualServer: name, up: false, first: false, vs });
      if (vs.quorumDown) this.opts.runScript(vs.quorumDown, `quorum_down of ${name} (${reason})`);
    }
  }

  private onCheck(e: CheckEvent): void {
    if (!this.config || this.stopped) return;
    this.opts.log.info({ check: e.checkId, up: e.up, weight: e.weight, reason: e.reason, latencyMs: e.latencyMs }, 'check changed');
    this.scheduleRebuild();
  }

  /** Many verdicts can change in one tick: rebuild the table once for all of them. */
  private scheduleRebuild(): void {
    if (this.rebuildPending) return;
    this.rebuildPending = true;
    setImmediate(() => {
      this.rebuildPending = false;
      // A verdict that came just before stop(): the table is left as it is, and the client may be closed.
      if (this.stopped) return;
      // Serialized with load() and setApiState(): the table is built from the effective configuration of its turn.
      this.serialize(() => this.rebuild()).catch((err: Error) => this.opts.log.error({ err }, 'applying health changes failed'));
    });
  }

  private async rebuild(): Promise<void> {
    const config = this.effective?.config;
    if (!config) return;
    this.noteTransitions(new Map(config.virtualServers.map((vs) => [vs, vs.realServers])));
    const { table, quorumChanges } = buildDesiredTable(config, this.health.lookup, new Map(this.quorum));
    this.announceQuorum(quorumChanges);
    const report = await this.reconciler.setDesired(table, 'health');
    for (const f of report.failed) this.opts.log.error({ op: f.op.op, err: f.error.message }, 'kernel refused a health change');
  }

  /** Records quorum that came or went, and says so (log, event, quorum_up / quorum_down); what is recorded already is not said again. */
  private announceQuorum(changes: DesiredTable['quorumChanges']): void {
    for (const q of changes) {
      if (this.quorum.get(q.name) === q.up) continue;
      this.quorum.set(q.name, q.up);
      const said = q.first ? (q.up ? 'quorum gained' : 'starting without quorum: the sorry server is in') : (q.up ? 'quorum regained' : 'quorum lost');
      // Only a lost quorum is a warning: every virtual server gains it as it starts.
      if (q.up) this.opts.log.info({ virtualServer: q.name, up: q.up }, said);
      else this.opts.log.warn({ virtualServer: q.name, up: q.up }, said);
      this.emit('quorum', { virtualServer: q.name, up: q.up, first: q.first, vs: q.vs });
      const script = q.up ? q.vs.quorumUp : q.vs.quorumDown;
      if (script) this.opts.runScript(script, `${q.up ? 'quorum_up' : 'quorum_down'} of ${q.name}`);
    }
  }

  /** Looks at the health of the given real servers of each virtual server, and reports what changed. */
  private noteTransitions(servers: ReadonlyMap<VirtualServer, readonly ConfigRealServer[]>): void {
    for (const [vs, list] of servers) {
      for (const rs of list) {
        const name = serverName(vs, rs);
        const up = this.health.serverHealth(name).up;
        const was = this.serverUp.get(name);
        this.serverUp.set(name, up);
        // Down from the start (alpha) is said once a check has found it down, as keepalived says it;
        // up from the start only with rs_init_notifies, at the next rebuild: after the daemon's
        // parts have started (the notify FIFO among them), and before the quorum it makes.
        const found = !up && this.checkFoundDown(name);
        if (was === undefined && !found) {
          if (!up) this.downUnsaid.add(name);
          else if (this.effective?.config.global.rsInitNotifies) this.upUnsaid.add(name);
          continue;
        }
        if (was === up && !(found && this.downUnsaid.has(name)) && !(up && this.upUnsaid.has(name))) continue;
        this.downUnsaid.delete(name);
        this.upUnsaid.delete(name);
        const reason = this.health.checksOf(name).map((id) => this.opts.scheduler.status(id)?.last?.reason).filter(Boolean).join('; ');
        this.opts.log.warn({ server: name, up, reason }, up ? 'real server up' : 'real server down');
        const at = Date.now();
        this.lastChange.set(name, { up, reason, at });
        this.emit('server', { server: name, up, reason, at, vs, rs });
        const script = up ? rs.notifyUp : rs.notifyDown;
        if (script) this.opts.runScript(script, `${up ? 'notify_up' : 'notify_down'} of ${name}`);
      }
    }
  }

  /** Whether one of the server's checks has run and found it down. */
  private checkFoundDown(name: string): boolean {
    return this.health.checksOf(name).some((id) => {
      const s = this.opts.scheduler.status(id);
      return s !== undefined && s.attempts > 0 && !s.up;
    });
  }
}

function weightOf(row: TableEntry): number {
  let sum = 0;
  for (const rs of row.realServers) sum += rs.weight;
  return sum;
}

// A loaded configuration is never changed: its checks are listed once.
const fileChecksOf = new WeakMap<KeepalivedConfig, ConfiguredCheck[]>();

function refusal(report: ReconcileReport): string {
  const first = report.failed[0]!;
  const back = report.rolledBack?.failed.length ? ` (${report.rolledBack.failed.length} change(s) could not be undone)` : '';
  return `the kernel refused ${report.failed.length} change(s), first: ${first.error.message}; the table was put back as it was${back}`;
}
