// The VRRP instances of a configuration, running on the real network: raw
// sockets for advertisements, rtnetlink for virtual addresses and routes,
// GARP/NA frames, link, script and file tracking, sync groups, notify programs and
// the IPVS sync daemon. apply() moves from one plan to the next: unchanged
// instances keep running, changed ones restart, removed ones stop. The static
// addresses and routes are held beside them, whatever their states.
import type { Script } from '../config/model';
import type { SyncDaemon, SyncDaemonState } from '../ipvs/types';
import { AF_INET, AF_INET6 } from '../ipvs/types';
import { formatAddressSpec } from '../net/address-spec';
import { listAddresses } from '../net/addresses';
import { isLinkUp, LinkWatcher } from '../net/link-watch';
import { requireLink } from '../net/links';
import { formatRouteSpec } from '../net/route-spec';
import { Rtnl } from '../net/rtnl';
import { interfaceSysctl } from '../net/sysctl';
import { SysctlHolds } from '../net/sysctl-holds';
import { normalizeAddress } from './address';
import { ChannelPool, type Channel } from './channels';
import { VrrpInstance } from './instance';
import { LinkAnnouncer } from './link-announcer';
import { RealScheduler, type TimerScheduler } from './scheduler';
import { FileTracker } from './file-tracker';
import { ProcessWatch } from './process-tracker';
import { ScriptTracker } from './script-tracker';
import type { FilePlan, GroupPlan, InstancePlan, ScriptPlan, SyncDaemonPlan, VrrpPlan } from './settings';
import type { VrrpState } from './state-machine';
import { SyncGroup, type GroupState } from './sync-group';
import { viewOf, type VrrpView } from './view';
import { VirtualAddresses } from './virtual-addresses';
import { VmacLinks } from './vmac';

export interface RuntimeLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface SyncDaemonControl {
  startDaemon(d: SyncDaemon): Promise<void>;
  stopDaemon(state: SyncDaemonState): Promise<void>;
}

/** A sync group's change of state, as it happens. */
export interface GroupTransition {
  group: string;
  to: GroupState | 'STOP';
}

/** One instance's change of state, as it happens. */
export interface VrrpTransition {
  instance: string;
  from: VrrpState | undefined;
  to: VrrpState;
  reason: string | undefined;
  priority: number;
}

export interface RuntimeOptions {
  log: RuntimeLog;
  /** Told of every transition, after the log and notify scripts. */
  onTransition?: (t: VrrpTransition) => void;
  /** Told of every sync group transition, after the log and notify scripts. */
  onGroupTransition?: (t: GroupTransition) => void;
  /** Told each time a master hears a lower priority advert, after its notify_master_rx_lower_pri. */
  onMasterRxLowerPriority?: (instance: string, priority: number) => void;
  /** Run the VRRP side inside this named network namespace. */
  netns?: string;
  runScript: (script: Script, why: string) => void;
  syncDaemons?: SyncDaemonControl;
  scheduler?: TimerScheduler;
}

interface Running {
  plan: InstancePlan;
  instance: VrrpInstance;
  channel: Channel;
  addresses: VirtualAddresses;
  lastDropLog: number;
  droppedSinceLog: number;
}

interface RunningGroup {
  plan: GroupPlan;
  group: SyncGroup;
  state: GroupState;
}

/** Drop lines are rate limited: a flood of bad packets must not become a flood of log lines. */
const DROP_LOG_INTERVAL_MS = 1000;

export class VrrpRuntime {
  private readonly running = new Map<string, Running>();
  private readonly groups = new Map<string, RunningGroup>();
  private readonly scripts = new Map<string, ScriptTracker>();
  private readonly files = new Map<string, FileTracker>();
  private readonly processes = new ProcessWatch();
  /** init_file overwrites an existing file at the first start only, not at a reload. */
  private applied = false;
  /** static_ipaddress and static_routes held now. */
  private statics: VrrpPlan['statics'] = { addresses: [], routes: [] };
  private readonly scheduler: TimerScheduler;
  private readonly channels: ChannelPool;
  private readonly announcer: LinkAnnouncer;
  private nl: Rtnl | undefined;
  private vmacs: VmacLinks | undefined;
  private links: LinkWatcher | undefined;
  private syncDaemon: { plan: SyncDaemonPlan; state: SyncDaemonState | undefined } | undefined;
  private syncQueue: Promise<void> = Promise.resolve();
  /** Interface settings instances need while they run (VMAC base ARP settings, promote_secondaries). */
  private readonly holds: SysctlHolds;

  constructor(private readonly opts: RuntimeOptions) {
    this.holds = new SysctlHolds(opts.netns);
    this.processes.on('change', (name, up) => {
      this.opts.log.info({ trackProcess: name, up }, 'VRRP tracked process changed');
      for (const [instance, track] of this.tracksOf('processes', name)) instance.track(track, up);
    });
    this.processes.on('problem', (message) => this.opts.log.warn({}, message));
    this.scheduler = opts.scheduler ?? new RealScheduler();
    this.channels = new ChannelPool(opts.netns, (key, err) =>
      opts.log.error({ interface: key.interface, err: err.message }, 'VRRP socket error'));
    this.announcer = new LinkAnnouncer(opts.netns, (ifname, err) => opts.log.warn({ interface: ifname, err: err.message }, 'gratuitous ARP / NA not sent'));
  }

  /** Moves to the plan. Instances that cannot start (missing interface...) are logged and left out. */
  async apply(plan: VrrpPlan): Promise<void> {
    const wanted = new Map(plan.instances.map((i) => [i.config.name, i]));
    for (const [name, r] of [...this.running]) {
      const next = wanted.get(name);
      if (!next || next.fingerprint !== r.plan.fingerprint) {
        await this.stopInstance(r, next ? 'changed' : 'removed');
      }
    }
    for (const [name, g] of [...this.groups]) {
      if (plan.groups.find((p) => p.name === name)?.fingerprint !== g.plan.fingerprint) this.groups.delete(name);
    }
    await this.followSyncDaemonPlan(plan.syncDaemon);
    this.refreshScripts(plan.scripts);
    this.refreshFiles(plan.files);
    this.processes.follow(plan.processes);
    this.announcer.setPacing(plan.pacing);
    await this.holdStatics(plan.statics, !this.applied);
    this.applied = true;
    const fresh: Running[] = [];
    if (plan.instances.some((i) => !this.running.has(i.config.name))) await this.openShared();
    for (const p of plan.instances) {
      if (this.running.has(p.config.name)) continue;
      try {
        const r = await this.createInstance(p);
        this.running.set(p.config.name, r);
        fresh.push(r);
      } catch (e) {
        this.opts.log.error({ instance: p.config.name, err: (e as Error).message }, 'VRRP instance not started');
      }
    }
    const freshGroups: RunningGroup[] = [];
    for (const g of plan.groups) {
      if (this.groups.has(g.name)) continue;
      const members = g.members.map((m) => this.running.get(m)).filter((r): r is Running => r !== undefined);
      const group = new SyncGroup(g.name, members.map((m) => m.instance.machine));
      const running = { plan: g, group, state: group.state };
      this.groups.set(g.name, running);
      freshGroups.push(running);
    }
    // As keepalived: a group that starts in BACKUP or FAULT says so before its members start;
    // one with an address owner among them starts as master, which is said as it is reached.
    for (const g of freshGroups) {
      if (g.state === 'MASTER' || g.plan.members.some((m) => this.running.get(m)?.instance.machine.isOwner)) continue;
      this.groupTransitioned(g, g.state);
    }
    for (const r of fresh) {
      // Addresses left by an earlier run that was killed must not stay on a backup.
      await r.addresses.remove().catch(() => undefined);
      r.instance.start();
      this.opts.log.info({ instance: r.instance.name, state: r.instance.state, priority: r.instance.machine.priority }, 'VRRP instance started');
    }
    if (this.running.size === 0 && !this.holdsStatics) this.closeShared();
  }

  /** Leaves every VRRP domain (priority 0 from a master) and removes the virtual addresses. */
  async stop(): Promise<void> {
    for (const r of [...this.running.values()]) await this.stopInstance(r, 'stopping');
    // As keepalived: each group says STOP once its instances have.
    for (const g of this.groups.values()) this.groupTransitioned(g, 'STOP');
    this.groups.clear();
    this.refreshScripts(new Map());
    this.refreshFiles(new Map());
    this.processes.stop();
    await this.followSyncDaemonPlan(undefined);
    await this.syncQueue;
    await this.holdStatics({ addresses: [], routes: [] }, false);
    this.closeShared();
  }

  view(): VrrpView[] {
    return [...this.running.values()].map((r) => viewOf(r.instance, r.plan.syncGroup));
  }

  // ---- instances ---------------------------------------------------------

  private async createInstance(p: InstancePlan): Promise<Running> {
    const nl = this.nl!;
    if (p.vmac) await this.vmacs!.ensure(p.vmac);
    if (p.promoteSecondaries !== undefined) {
      try {
        this.holds.hold(instanceHolder(p), interfaceSysctl(p.promoteSecondaries, 'promote_secondaries'), 1);
      } catch (e) {
        // As keepalived: the instance runs; removing a VIP may then take the interface's other addresses of its subnet along.
        this.opts.log.warn({ instance: p.config.name, interface: p.promoteSecondaries, err: (e as Error).message }, 'promote_secondaries not set');
      }
    }
    try {
      return await this.startInstance(p, nl);
    } catch (e) {
      this.releaseSettings(p, 'not started');
      if (p.vmac) await this.removeVmac(p, 'not started');
      throw e;
    }
  }

  private async startInstance(p: InstancePlan, nl: Rtnl): Promise<Running> {
    const primaryAddress = await this.primaryAddress(p);
    const config = { ...p.config, primaryAddress };
    const source = normalizeAddress(p.config.unicastSrcIp ?? primaryAddress);
    const multicast = !(p.config.unicastPeers?.length);
    const channel = this.channels.open({
      family: p.family, interface: p.config.interface, source, multicast,
    }, p.config.vrid, multicast ? p.vmac : undefined);
    const vmac = p.vmac;
    const links = this.vmacs;
    const addresses = vmac && links ? new VirtualAddresses(nl, p.addresses, p.routes, (work) => links.quietly(vmac, work))
      : new VirtualAddresses(nl, p.addresses, p.routes);
    let r: Running | undefined;
    try {
      const instance = new VrrpInstance(config, {
        transport: channel,
        vips: addresses,
        announcer: this.announcer,
        scheduler: this.scheduler,
        notify: (_name, state, priority) => this.transitioned(r!, state, priority),
        masterRxLowerPriority: (name, priority) => {
          if (p.notify.masterRxLowerPri) this.opts.runScript(p.notify.masterRxLowerPri, `instance ${name} MASTER_RX_LOWER_PRI`);
          this.opts.onMasterRxLowerPriority?.(name, priority);
        },
        log: (line) => this.instanceLog(r, line),
      });
      r = { plan: p, instance, channel, addresses, lastDropLog: 0, droppedSinceLog: 0 };
      this.prepareAnnouncements(r);
      channel.onMalformed = (detail, from) => instance.malformed(detail, from);
      this.initialTracks(r);
      return r;
    } catch (e) {
      channel.close();
      throw e;
    }
  }

  /** A takeover then only sends; failing here is logged, and the announcements are retried at takeover. */
  private prepareAnnouncements(r: Running): void {
    try {
      this.announcer.prepare(announceInterface(r.plan), r.instance.announcedAddresses);
    } catch (e) {
      this.opts.log.warn({ instance: r.instance.name, err: (e as Error).message }, 'gratuitous ARP / NA not prepared');
    }
  }

  private async stopInstance(r: Running, why: string): Promise<void> {
    r.instance.shutdown();
    this.scheduler.release?.(r.instance.timerKey(''));
    await r.addresses.idle();
    r.channel.close();
    this.releaseSettings(r.plan, why);
    if (r.plan.vmac) await this.removeVmac(r.plan, why);
    this.running.delete(r.instance.name);
    this.opts.log.info({ instance: r.instance.name, why, counters: viewOf(r.instance).counters }, 'VRRP instance stopped');
  }

  private async removeVmac(p: InstancePlan, why: string): Promise<void> {
    let failed: string[] = [];
    try {
      failed = await this.vmacs?.remove(p.vmac!) ?? [];
      this.announcer.forget(p.vmac!.name);
    } catch (e) {
      this.opts.log.warn({ instance: p.config.name, interface: p.vmac!.name, why, err: (e as Error).message }, 'VMAC not removed');
    }
    for (const err of failed) this.opts.log.warn({ instance: p.config.name, interface: p.vmac!.base, why, err }, 'interface setting not put back');
  }

  /** The instance's own interface settings (promote_secondaries) go back to what they were, unless another instance holds them. */
  private releaseSettings(p: InstancePlan, why: string): void {
    for (const err of this.holds.release(instanceHolder(p))) this.opts.log.warn({ instance: p.config.name, why, err }, 'interface setting not put back');
  }

  /** The address adverts come from: the interface's first IPv4 address, or its IPv6 link-local one. */
  private async primaryAddress(p: InstancePlan): Promise<string> {
    const dev = p.config.interface;
    // Without it, a missing interface would read as one without addresses.
    await requireLink(this.nl!, dev);
    const all = await listAddresses(this.nl!, { dev, family: p.family === 4 ? AF_INET : AF_INET6 });
    const vips = new Set(p.addresses.map((a) => a.prefix.address.text));
    const own = all.filter((a) => !vips.has(a.prefix.address.text) && !a.flags.includes('secondary'));
    const pick = p.family === 4 ? own[0] : own.find((a) => a.prefix.address.text.startsWith('fe80:'));
    if (!pick) throw new Error(`interface ${dev} has no ${p.family === 4 ? 'IPv4' : 'IPv6 link-local'} address to send advertisements from`);
    return pick.prefix.address.text;
  }

  private initialTracks(r: Running): void {
    const links = this.links!.links();
    for (const [track, ifname] of r.plan.interfaces) {
      const link = links.get(ifname);
      r.instance.track(track, link !== undefined && isLinkUp(link));
    }
    for (const [track, script] of r.plan.scripts) {
      const tracker = this.scripts.get(script);
      if (tracker) r.instance.track(track, tracker.up);
    }
    for (const [track, file] of r.plan.files) {
      const tracker = this.files.get(file);
      if (tracker) r.instance.trackValue(track, tracker.value);
    }
    for (const [track, name] of r.plan.processes) {
      const up = this.processes.up(name);
      if (up !== undefined) r.instance.track(track, up);
    }
  }

  private transitioned(r: Running, state: VrrpState, priority: number): void {
    const { instance, plan } = r;
    const last = instance.lastTransition;
    this.opts.log.info({ instance: instance.name, from: last?.from, state, reason: last?.reason, priority }, 'VRRP transition');
    runNotify(this.opts.runScript, plan.notify, 'INSTANCE', instance.name, state, priority);
    if (plan.syncGroup !== undefined) this.groupMayHaveChanged(plan.syncGroup);
    if (this.syncDaemon?.plan.instance === instance.name) this.followSyncDaemon(state);
    this.opts.onTransition?.({ instance: instance.name, from: last?.from, to: state, reason: last?.reason, priority });
  }

  private groupMayHaveChanged(name: string): void {
    const g = this.groups.get(name);
    if (!g || g.group.state === g.state) return;
    g.state = g.group.state;
    this.groupTransitioned(g, g.state);
  }

  /** keepalived gives a group's notify programs and FIFO lines priority 0. */
  private groupTransitioned(g: RunningGroup, to: GroupState | 'STOP'): void {
    this.opts.log.info({ group: g.plan.name, state: to }, 'VRRP sync group transition');
    runNotify(this.opts.runScript, g.plan.notify, 'GROUP', g.plan.name, to, 0);
    this.opts.onGroupTransition?.({ group: g.plan.name, to });
  }

  private instanceLog(r: Running | undefined, line: string): void {
    const name = r?.instance.name;
    if (line.includes('dropped advertisement') && r) {
      r.droppedSinceLog++;
      const now = Date.now();
      if (now - r.lastDropLog < DROP_LOG_INTERVAL_MS) return;
      r.lastDropLog = now;
      this.opts.log.warn({ instance: name, dropped: r.droppedSinceLog, drops: nonZero(r.instance.counters.drops) }, line);
      r.droppedSinceLog = 0;
      return;
    }
    if (line.includes(' error ')) this.opts.log.error({ instance: name }, line);
    else this.opts.log.info({ instance: name }, line);
  }

  // ---- static addresses and routes ----------------------------------------

  private get holdsStatics(): boolean {
    return this.statics.addresses.length + this.statics.routes.length > 0;
  }

  /**
   * Moves from the static entries held to `next`, as keepalived does: at the
   * first start what a killed run left is removed and all are added; later,
   * only what the file dropped goes and what it added comes. Failures are logged.
   */
  private async holdStatics(next: VrrpPlan['statics'], first: boolean): Promise<void> {
    const held = this.statics;
    const gone = { addresses: notIn(held.addresses, next.addresses, formatAddressSpec), routes: notIn(held.routes, next.routes, formatRouteSpec) };
    const fresh = first ? next : { addresses: notIn(next.addresses, held.addresses, formatAddressSpec), routes: notIn(next.routes, held.routes, formatRouteSpec) };
    if (gone.addresses.length + gone.routes.length + fresh.addresses.length + fresh.routes.length === 0) {
      this.statics = next;
      return;
    }
    this.nl ??= Rtnl.open(this.opts.netns !== undefined ? { netns: this.opts.netns } : {});
    const nl = this.nl;
    await new VirtualAddresses(nl, gone.addresses, gone.routes).remove()
      .catch((e: Error) => this.opts.log.warn({ err: e.message }, 'static addresses or routes not removed'));
    const adding = new VirtualAddresses(nl, fresh.addresses, fresh.routes);
    if (first) await adding.remove().catch(() => undefined);
    await adding.add().catch((e: Error) => this.opts.log.warn({ err: e.message }, 'static addresses or routes not added'));
    this.statics = next;
    if (fresh.addresses.length + fresh.routes.length > 0) {
      this.opts.log.info({ addresses: fresh.addresses.map(formatAddressSpec), routes: fresh.routes.map(formatRouteSpec) }, 'static addresses and routes added');
    }
  }

  // ---- shared resources --------------------------------------------------

  private async openShared(): Promise<void> {
    this.nl ??= Rtnl.open(this.opts.netns !== undefined ? { netns: this.opts.netns } : {});
    this.vmacs ??= new VmacLinks(this.nl, this.opts.netns, this.holds);
    if (!this.links) {
      const links = await LinkWatcher.start(this.opts.netns !== undefined ? { netns: this.opts.netns } : {});
      links.on('change', (link) => this.linkChanged(link.name));
      links.on('error', (err) => this.opts.log.error({ err: err.message }, 'link tracking'));
      this.links = links;
    }
  }

  private closeShared(): void {
    this.links?.close();
    this.links = undefined;
    this.nl?.close();
    this.nl = undefined;
    this.vmacs = undefined;
    this.announcer.close();
  }

  private linkChanged(ifname: string): void {
    const link = this.links?.links().get(ifname);
    const up = link !== undefined && isLinkUp(link);
    this.announcer.forget(ifname);
    if (up) for (const r of this.running.values()) if (announceInterface(r.plan) === ifname) this.prepareAnnouncements(r);
    for (const [instance, track] of this.tracksOf('interfaces', ifname)) instance.track(track, up);
  }

  /** Every running instance's track that follows `name` (an interface, vrrp_script, track_file or vrrp_track_process). */
  private *tracksOf(kind: 'interfaces' | 'scripts' | 'files' | 'processes', name: string): Generator<[VrrpInstance, string]> {
    for (const r of this.running.values()) {
      for (const [track, followed] of r.plan[kind]) if (followed === name) yield [r.instance, track];
    }
  }

  private refreshScripts(plans: Map<string, ScriptPlan>): void {
    this.refreshTrackers(this.scripts, plans, 'scripts', (name, plan) => {
      const tracker = new ScriptTracker(plan);
      tracker.on('change', (up) => this.scriptChanged(name, up));
      tracker.on('problem', (message) => this.opts.log.warn({ script: name }, message));
      tracker.start();
      return tracker;
    });
  }

  /**
   * Moves `trackers` to `plans`: one whose plan changed or went is stopped,
   * unless a running instance still follows it; a new plan gets a started one.
   */
  private refreshTrackers<P extends { fingerprint: string }, T extends { plan: P; stop(): void }>(
    trackers: Map<string, T>, plans: Map<string, P>, kind: 'scripts' | 'files', start: (name: string, plan: P) => T,
  ): void {
    const used = new Set([...this.running.values()].flatMap((r) => [...r.plan[kind].values()]));
    for (const [name, tracker] of [...trackers]) {
      if (plans.get(name)?.fingerprint === tracker.plan.fingerprint || used.has(name)) continue;
      tracker.stop();
      trackers.delete(name);
    }
    for (const [name, plan] of plans) if (!trackers.has(name)) trackers.set(name, start(name, plan));
  }

  private scriptChanged(name: string, up: boolean): void {
    this.opts.log.info({ script: name, result: up ? 'success' : 'failure' }, 'VRRP script changed');
    for (const [instance, track] of this.tracksOf('scripts', name)) instance.track(track, up);
  }

  private refreshFiles(plans: Map<string, FilePlan>): void {
    this.refreshTrackers(this.files, plans, 'files', (name, plan) => {
      const tracker = new FileTracker(plan);
      tracker.on('change', (value) => this.fileChanged(name, value));
      tracker.on('problem', (message) => this.opts.log.warn({ trackFile: name }, message));
      tracker.start(this.applied);
      return tracker;
    });
  }

  private fileChanged(name: string, value: number): void {
    this.opts.log.info({ trackFile: name, value }, 'VRRP tracked file changed');
    for (const [instance, track] of this.tracksOf('files', name)) instance.trackValue(track, value);
  }

  // ---- IPVS sync daemon --------------------------------------------------

  private async followSyncDaemonPlan(plan: SyncDaemonPlan | undefined): Promise<void> {
    const current = this.syncDaemon;
    if (current && plan && JSON.stringify(current.plan) === JSON.stringify(plan)) return;
    if (current) {
      this.syncDaemon = undefined;
      this.syncStep(async (c) => {
        for (const s of ['master', 'backup'] as const) await c.stopDaemon(s).catch(() => undefined);
      });
    }
    if (plan) {
      this.syncDaemon = { plan, state: undefined };
      const followed = this.running.get(plan.instance);
      if (followed) this.followSyncDaemon(followed.instance.state);
    }
    await this.syncQueue;
  }

  /** Master daemon while the followed instance is master, backup daemon otherwise, none once stopped. */
  private followSyncDaemon(state: VrrpState): void {
    const d = this.syncDaemon;
    if (!d) return;
    const wanted: SyncDaemonState | undefined = state === 'MASTER' ? 'master' : state === 'STOP' || state === 'INIT' ? undefined : 'backup';
    if (wanted === d.state) return;
    const previous = d.state;
    d.state = wanted;
    const daemon = d.plan.daemon;
    this.syncStep(async (c) => {
      if (previous) await c.stopDaemon(previous);
      if (wanted) await c.startDaemon({ ...daemon, state: wanted });
      this.opts.log.info({ interface: daemon.interface, syncId: daemon.syncId, state: wanted ?? 'stopped' }, 'IPVS sync daemon');
    });
  }

  private syncStep(work: (c: SyncDaemonControl) => Promise<void>): void {
    const control = this.opts.syncDaemons;
    if (!control) return;
    this.syncQueue = this.syncQueue.then(() => work(control)).catch((e: Error) =>
      this.opts.log.error({ err: e.message }, 'IPVS sync daemon change failed'));
  }
}

/** The entries of `list` that `other` does not have, compared by `key`. */
function notIn<T>(list: readonly T[], other: readonly T[], key: (x: T) => string): T[] {
  const keys = new Set(other.map(key));
  return list.filter((x) => !keys.has(key(x)));
}

function nonZero(drops: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(drops).filter(([, n]) => n > 0));
}

/** keepalived's notify programs: the per-state one as written, then `notify` with TYPE NAME STATE PRIORITY. */
function runNotify(
  run: (script: Script, why: string) => void, notify: InstancePlan['notify'],
  type: 'INSTANCE' | 'GROUP', name: string, state: VrrpState | GroupState, priority: number,
): void {
  const why = `${type.toLowerCase()} ${name} ${state}`;
  const specific = state === 'MASTER' ? notify.master : state === 'BACKUP' ? notify.backup : state === 'FAULT' ? notify.fault
    : state === 'STOP' ? notify.stop : undefined;
  if (specific) run(specific, why);
  if (notify.any) {
    run({ ...notify.any, argv: [...notify.any.argv, type, name, state, String(priority)] }, why);
  }
}

/** Where an instance's gratuitous ARPs / NAs go: its VMAC if it has one. */
function announceInterface(p: InstancePlan): string {
  return p.config.announceInterface ?? p.config.interface;
}

function instanceHolder(p: InstancePlan): string {
  return `vrrp_instance ${p.config.name}`;
}
