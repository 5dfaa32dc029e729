// From keepalived.conf to what the VRRP runtime starts: one plan per
// vrrp_instance, sync group and vrrp_script, checked as a whole before anything
// runs, each with a fingerprint so a reload restarts only what changed.
import type { SourceLocation } from '../config/diagnostics';
import type {
  KeepalivedConfig, Script, VirtualIpAddress, VirtualRoute, VrrpInstance as InstanceConfig, VrrpNotify,
} from '../config/model';
import { instanceFamily } from '../config/vrrp';
import { parseAddressSpec, type AddressSpec } from '../net/address-spec';
import { parseRouteSpec, type RouteSpec } from '../net/route-spec';
import { validateLinkName } from '../net/links';
import { AF_INET6, type SyncDaemon } from '../ipvs/types';
import type { VrrpInstanceConfig } from './instance';
import { resolveInstanceConfig } from './instance';
import type { TrackSpec } from './tracking';

export interface ScriptPlan {
  name: string;
  script: Script;
  intervalMs: number;
  /** keepalived's default timeout is the interval. */
  timeoutMs: number;
  rise: number;
  fall: number;
  initFail: boolean;
  fingerprint: string;
}

/** A vrrp_track_process, as the process watch follows it. */
export interface ProcessPlan {
  name: string;
  process: string;
  params: string[];
  paramMatch?: 'exact' | 'partial' | 'initial';
  fullCommand: boolean;
  quorum: number;
  quorumMax: number;
  forkDelayMs: number;
  terminateDelayMs: number;
  fingerprint: string;
}

/**
 * The least time between two gratuitous ARPs (NAs) on an interface: a
 * garp_group's for its interfaces, which share one pace, else
 * vrrp_garp_interval (vrrp_gna_interval).
 */
export interface AnnouncementPacing {
  garpMs: number;
  gnaMs: number;
  groups: { interfaces: string[]; garpMs: number; gnaMs: number }[];
}

/** A track_file: read at start and each time it is written. */
export interface FilePlan {
  name: string;
  path: string;
  init?: { value: number; overwrite: boolean };
  fingerprint: string;
}

/** A macvlan carrying the VRRP virtual MAC (use_vmac), on which the instance's addresses live. */
export interface VmacPlan {
  name: string;
  /** The instance's interface, where adverts are heard (and, with vmac_xmit_base, sent). */
  base: string;
  /**
   * Adverts leave from the VMAC, with the VRRP MAC as source, as RFC 5798
   * asks: switches keep learning where the VIPs' MAC is. Not with
   * vmac_xmit_base, nor to unicast peers (keepalived then sends from the base too).
   */
  sendsFromVmac: boolean;
  /** 00:00:5e:00:01:VRID, or 00:00:5e:00:02:VRID for IPv6 (RFC 5798 section 7.3). */
  mac: string;
  family: 4 | 6;
}

export interface InstancePlan {
  /** Everything but the interface's own address, which is read when the instance starts. */
  config: Omit<VrrpInstanceConfig, 'primaryAddress'>;
  family: 4 | 6;
  /** virtual_ipaddress then virtual_ipaddress_excluded, each with its interface filled in. */
  addresses: AddressSpec[];
  routes: RouteSpec[];
  /** Track name (as in TrackSpec) -> interface name. */
  interfaces: Map<string, string>;
  /** Track name -> vrrp_script name. */
  scripts: Map<string, string>;
  /** Track name -> track_file name. */
  files: Map<string, string>;
  /** Track name -> vrrp_track_process name. */
  processes: Map<string, string>;
  notify: VrrpNotify;
  syncGroup?: string;
  vmac?: VmacPlan;
  /** promote_secondaries: the interface that holds the addresses (the VMAC, with use_vmac). */
  promoteSecondaries?: string;
  fingerprint: string;
}

export interface GroupPlan {
  name: string;
  members: string[];
  notify: VrrpNotify;
  fingerprint: string;
}

export interface SyncDaemonPlan {
  /** The vrrp_instance whose state the daemon follows. */
  instance: string;
  daemon: Omit<SyncDaemon, 'state'>;
}

export interface VrrpPlan {
  instances: InstancePlan[];
  groups: GroupPlan[];
  scripts: Map<string, ScriptPlan>;
  files: Map<string, FilePlan>;
  processes: Map<string, ProcessPlan>;
  /** static_ipaddress and static_routes, held whatever the instances' states. */
  statics: { addresses: AddressSpec[]; routes: RouteSpec[] };
  pacing: AnnouncementPacing;
  syncDaemon?: SyncDaemonPlan;
}

/** One reason the planner refuses a configuration, and where in the file when that is known. */
export interface VrrpProblem {
  at?: SourceLocation;
  message: string;
}

const where = (at: SourceLocation): string => `${at.file}:${at.line}`;

export class VrrpConfigError extends Error {
  constructor(readonly found: VrrpProblem[]) {
    super(`VRRP configuration refused: ${found.map(problemText).join('; ')}`);
    this.name = 'VrrpConfigError';
  }

  /** Each problem as file:line: message. */
  get problems(): string[] {
    return this.found.map(problemText);
  }
}

export function problemText(p: VrrpProblem): string {
  return p.at ? `${where(p.at)}: ${p.message}` : p.message;
}

export function interfaceTrack(ifname: string): string {
  return `interface ${ifname}`;
}

export function scriptTrack(name: string): string {
  return `script ${name}`;
}

export function processTrack(name: string): string {
  return `process ${name}`;
}

export function fileTrack(name: string): string {
  return `file ${name}`;
}

function addressSpec(vip: VirtualIpAddress, dev: string): AddressSpec {
  const words = [`${vip.address}/${vip.prefixLength}`, 'dev', vip.dev ?? dev];
  if (vip.broadcast !== undefined) words.push('brd', vip.broadcast);
  if (vip.scope !== undefined) words.push('scope', vip.scope);
  if (vip.label !== undefined) words.push('label', vip.label);
  if (vip.peer !== undefined) words.push('peer', vip.peer);
  return parseAddressSpec(words.join(' '));
}

function routeSpec(route: VirtualRoute, dev: string): RouteSpec {
  const words: string[] = [];
  if (route.type !== undefined) words.push(route.type);
  words.push(route.destination);
  if (route.src !== undefined) words.push('src', route.src);
  if (route.via !== undefined) words.push('via', route.via);
  // Without via or a type, a route leaves through the instance's interface, as keepalived does.
  const device = route.dev ?? (route.type === undefined && route.via === undefined ? dev : undefined);
  if (device !== undefined) words.push('dev', device);
  if (route.scope !== undefined) words.push('scope', route.scope);
  if (route.table !== undefined) words.push('table', route.table);
  if (route.metric !== undefined) words.push('metric', String(route.metric));
  return parseRouteSpec(words.join(' '));
}

/** Compares configurations while ignoring where in the file they were written. */
function fingerprint(value: unknown): string {
  return JSON.stringify(value, (key, v: unknown) => (key === 'at' ? undefined : v));
}

function planScript(s: KeepalivedConfig['vrrpScripts'][number]): ScriptPlan | undefined {
  if (!s.script || s.script.argv.length === 0) return undefined;
  const timeoutMs = s.timeoutMs ?? s.intervalMs;
  const plan = { name: s.name, script: s.script, intervalMs: s.intervalMs, timeoutMs, rise: s.rise, fall: s.fall, initFail: s.initFail };
  return { ...plan, fingerprint: fingerprint(plan) };
}

/** What would stop the VRRP part of a configuration from starting; none when it plans. */
export function vrrpPlanProblems(config: KeepalivedConfig): VrrpProblem[] {
  try {
    planVrrp(config);
    return [];
  } catch (e) {
    if (e instanceof VrrpConfigError) return e.found;
    return [{ message: (e as Error).message }];
  }
}

// A loaded configuration never changes: it is checked before it is applied, and planned once for both.
const plans = new WeakMap<KeepalivedConfig, { plan: VrrpPlan } | { error: unknown }>();

/** The VRRP part of `config`, planned; VrrpConfigError names every problem found. */
export function planVrrp(config: KeepalivedConfig): VrrpPlan {
  let planned = plans.get(config);
  if (!planned) {
    try {
      planned = { plan: planOnce(config) };
    } catch (error) {
      planned = { error };
    }
    plans.set(config, planned);
  }
  if ('error' in planned) throw planned.error;
  return planned.plan;
}

function planOnce(config: KeepalivedConfig): VrrpPlan {
  const problems: VrrpProblem[] = [];
  const scripts = new Map<string, ScriptPlan>();
  const scriptWeights = new Map<string, { weight: number; reverse: boolean }>();
  for (const s of config.vrrpScripts) {
    scriptWeights.set(s.name, { weight: s.weight, reverse: s.weightReverse });
    const plan = planScript(s);
    if (plan) scripts.set(s.name, plan);
  }
  const files = new Map<string, FilePlan>();
  for (const f of config.trackFiles) {
    const plan = { name: f.name, path: f.path!, ...(f.init ? { init: f.init } : {}) };
    files.set(f.name, { ...plan, fingerprint: fingerprint(plan) });
  }
  const processes = new Map<string, ProcessPlan>();
  for (const p of config.trackProcesses) {
    const plan = {
      name: p.name, process: p.process!, params: p.params, ...(p.paramMatch ? { paramMatch: p.paramMatch } : {}), fullCommand: p.fullCommand,
      quorum: p.quorum, quorumMax: p.quorumMax, forkDelayMs: p.forkDelayMs, terminateDelayMs: p.terminateDelayMs,
    };
    processes.set(p.name, { ...plan, fingerprint: fingerprint(plan) });
  }
  const groupOf = new Map<string, KeepalivedConfig['vrrpSyncGroups'][number]>();
  for (const g of config.vrrpSyncGroups) {
    for (const member of g.group) {
      if (groupOf.has(member)) problems.push({ at: g.at, message: `vrrp_sync_group ${g.name}: ${member} is already in ${groupOf.get(member)!.name}` });
      else groupOf.set(member, g);
    }
  }
  const instances: InstancePlan[] = [];
  const seen = new Set<string>();
  for (const v of config.vrrpInstances) {
    const problem = (message: string): void => { problems.push({ at: v.at, message: `vrrp_instance ${v.name}: ${message}` }); };
    if (seen.has(v.name)) {
      problem('defined twice');
      continue;
    }
    seen.add(v.name);
    try {
      const plan = planInstance(v, config, groupOf.get(v.name), scripts, scriptWeights);
      const sharing = plan.vmac && instances.find((i) => i.vmac?.name === plan.vmac!.name);
      if (sharing) problem(`use_vmac ${plan.vmac!.name} is already the VMAC of ${sharing.config.name}`);
      else instances.push(plan);
    } catch (e) {
      problem((e as Error).message.replace(`vrrp_instance ${v.name}: `, ''));
    }
  }
  const groups: GroupPlan[] = [];
  for (const g of config.vrrpSyncGroups) {
    const missing = g.group.filter((m) => !seen.has(m));
    if (missing.length) problems.push({ at: g.at, message: `vrrp_sync_group ${g.name}: no vrrp_instance ${missing.join(', ')}` });
    const members = instances.filter((i) => i.syncGroup === g.name);
    groups.push({
      name: g.name, members: members.map((m) => m.config.name), notify: g.notify,
      fingerprint: fingerprint({ g, members: members.map((m) => m.fingerprint) }),
    });
  }
  // A member restarts whenever anything in its group changes, since they share one state.
  for (const i of instances) {
    const g = groups.find((x) => x.name === i.syncGroup);
    if (g) i.fingerprint = g.fingerprint;
  }
  checkVrids(instances, problems);
  const statics = planStatics(config, problems);
  const syncDaemon = planSyncDaemon(config, instances, problems);
  if (problems.length) throw new VrrpConfigError(problems);
  for (const name of [...files.keys()]) if (!instances.some((i) => [...i.files.values()].includes(name))) files.delete(name);
  for (const name of [...processes.keys()]) if (!instances.some((i) => [...i.processes.values()].includes(name))) processes.delete(name);
  const pacing: AnnouncementPacing = {
    garpMs: config.global.vrrp.garpIntervalMs ?? 0,
    gnaMs: config.global.vrrp.gnaIntervalMs ?? 0,
    groups: config.garpGroups.map((g) => ({ interfaces: g.interfaces, garpMs: g.garpIntervalMs ?? 0, gnaMs: g.gnaIntervalMs ?? 0 })),
  };
  return { instances, groups, scripts, files, processes, statics, pacing, ...(syncDaemon ? { syncDaemon } : {}) };
}

/** As keepalived: a static address or route that names no interface is on default_interface, else eth0. */
function planStatics(config: KeepalivedConfig, problems: VrrpProblem[]): VrrpPlan['statics'] {
  const dev = config.global.defaultInterface ?? 'eth0';
  const statics: VrrpPlan['statics'] = { addresses: [], routes: [] };
  const take = <T>(at: SourceLocation, what: string, make: () => T, into: T[]): void => {
    try {
      into.push(make());
    } catch (e) {
      problems.push({ at, message: `${what}: ${(e as Error).message}` });
    }
  };
  for (const a of config.staticAddresses) take(a.at, `static_ipaddress ${a.address}`, () => addressSpec(a, dev), statics.addresses);
  for (const r of config.staticRoutes) take(r.at, `static_routes ${r.destination}`, () => routeSpec(r, dev), statics.routes);
  return statics;
}

function vmacPlan(name: string | true, base: string, vrid: number, family: 4 | 6, sendsFromVmac: boolean): VmacPlan {
  // RFC 5798 7.3: 00-00-5E-00-01-{VRID} for IPv4, 00-00-5E-00-02-{VRID} for IPv6.
  const mac = `00:00:5e:00:0${family === 4 ? 1 : 2}:${vrid.toString(16).padStart(2, '0')}`;
  const vmac = { name: name === true ? `vrrp.${vrid}` : name, base, mac, family, sendsFromVmac };
  validateLinkName(vmac.name);
  if (vmac.name === base) throw new Error(`use_vmac ${vmac.name} names the instance's own interface`);
  return vmac;
}

function checkVrids(instances: InstancePlan[], problems: VrrpProblem[]): void {
  const taken = new Map<string, string>();
  for (const i of instances) {
    const key = `${i.config.interface}/${i.family}/${i.config.vrid}/${i.config.unicastPeers?.length ? 'unicast' : 'multicast'}`;
    const other = taken.get(key);
    if (other) problems.push({ message: `vrrp_instance ${i.config.name}: virtual_router_id ${i.config.vrid} on ${i.config.interface} is already used by ${other}` });
    else taken.set(key, i.config.name);
  }
}

function planSyncDaemon(config: KeepalivedConfig, instances: InstancePlan[], problems: VrrpProblem[]): SyncDaemonPlan | undefined {
  const d = config.global.lvsSyncDaemon;
  const legacy = config.vrrpInstances.find((v) => v.lvsSyncDaemonInterface !== undefined);
  if (!d && !legacy) return undefined;
  const iface = d?.interface ?? legacy!.lvsSyncDaemonInterface!;
  const instance = d?.vrrpInstance ?? legacy?.name ?? instances[0]?.config.name;
  if (instance === undefined || !instances.some((i) => i.config.name === instance)) {
    const at = d ? config.global.at : legacy!.at;
    const message = `lvs_sync_daemon ${iface}: ${instance === undefined ? 'no vrrp_instance to follow' : `no vrrp_instance ${instance} to follow`}`;
    problems.push(at ? { at, message } : { message });
    return undefined;
  }
  const daemon: Omit<SyncDaemon, 'state'> = { interface: iface, syncId: d?.syncId ?? 0 };
  if (d?.maxLen !== undefined) daemon.syncMaxLen = d.maxLen;
  if (d?.group !== undefined) daemon.mcastGroup = d.group;
  if (d?.port !== undefined) daemon.mcastPort = d.port;
  if (d?.ttl !== undefined) daemon.mcastTtl = d.ttl;
  return { instance, daemon };
}

/**
 * Adds a track for each name `tracked` lists once (the instance's before its
 * group's) that a block of `defined` defines, with the block's weight unless
 * the line gives one; returns track name -> block name.
 */
function namedTracks(
  tracked: readonly { name: string; weight?: number; reverse?: boolean }[], defined: Map<string, { weight: number; weightReverse: boolean }>,
  trackName: (name: string) => string, tracks: TrackSpec[], extra: Pick<TrackSpec, 'valued'> = {},
): Map<string, string> {
  const names = new Map<string, string>();
  for (const t of tracked) {
    const block = defined.get(t.name);
    const track = trackName(t.name);
    if (!block || names.has(track)) continue;
    names.set(track, t.name);
    tracks.push({ name: track, weight: t.weight ?? block.weight, reverse: t.reverse ?? block.weightReverse, ...extra });
  }
  return names;
}

function planInstance(
  v: InstanceConfig, config: KeepalivedConfig, group: KeepalivedConfig['vrrpSyncGroups'][number] | undefined,
  scripts: Map<string, ScriptPlan>, scriptWeights: Map<string, { weight: number; reverse: boolean }>,
): InstancePlan {
  const ifname = v.interface ?? config.global.defaultInterface;
  if (ifname === undefined) throw new Error('no interface (and no default_interface in global_defs)');
  if (v.virtualRouterId === undefined) throw new Error('no virtual_router_id');
  if (v.authentication?.type === 'AH') throw new Error('auth_type AH is not supported; use PASS or none');
  const version = v.version ?? config.global.vrrp.version ?? 2;
  const family = instanceFamily(v) === AF_INET6 ? 6 : 4;
  const vmac = v.useVmac === undefined
    ? undefined
    : vmacPlan(v.useVmac, ifname, v.virtualRouterId, family, !v.vmacXmitBase && v.unicastPeers.length === 0);
  // As in keepalived, addresses and routes that name no interface go on the VMAC.
  const addresses = [...v.virtualIpAddresses, ...v.virtualIpAddressesExcluded].map((vip) => addressSpec(vip, vmac?.name ?? ifname));
  const routes = v.virtualRoutes.map((r) => routeSpec(r, vmac?.name ?? ifname));
  const tracks: TrackSpec[] = [];
  const interfaces = new Map<string, string>();
  const trackScripts = new Map<string, string>();
  const trackIf = (name: string, weight: number, reverse: boolean): void => {
    const track = interfaceTrack(name);
    if (interfaces.has(track)) return;
    interfaces.set(track, name);
    tracks.push({ name: track, weight, reverse });
  };
  const groupTracks = group ? { ifs: group.trackInterfaces, scripts: group.trackScripts } : { ifs: [], scripts: [] };
  // A track_interface naming the instance's own interface is ignored, as keepalived ignores it.
  for (const t of [...v.trackInterfaces, ...groupTracks.ifs]) if (t.name !== ifname) trackIf(t.name, t.weight, t.reverse);
  // The instance's own interface going down is a fault, as in keepalived, unless dont_track_primary.
  if (!v.dontTrackPrimary) trackIf(ifname, 0, false);
  // So are the other interfaces its addresses and routes use, unless no_track (keepalived's TRACK_ADDR, TRACK_ROUTE).
  for (const dev of [...v.virtualIpAddresses, ...v.virtualIpAddressesExcluded, ...v.virtualRoutes].filter((x) => !x.noTrack).map((x) => x.dev)) {
    if (dev !== undefined && dev !== ifname) trackIf(dev, 0, false);
  }
  for (const t of [...v.trackScripts, ...groupTracks.scripts]) {
    const defined = scriptWeights.get(t.name);
    // An undefined vrrp_script, or one without a program, is ignored (with a warning from the parser), as keepalived does.
    if (!defined || !scripts.has(t.name)) continue;
    const track = scriptTrack(t.name);
    if (trackScripts.has(track)) continue;
    trackScripts.set(track, t.name);
    const plan = scripts.get(t.name)!;
    tracks.push({ name: track, weight: t.weight ?? defined.weight, reverse: t.reverse ?? defined.reverse, initiallyUp: !plan.initFail });
  }
  if (group && !group.trackingWeight) {
    // As keepalived: in a sync group (without sync_group_tracking_weight) a tracked
    // interface's failure is a FAULT, not a lower priority, and weighted scripts are not tracked.
    const kept = tracks.filter((t) => !(trackScripts.has(t.name) && t.weight !== 0));
    for (const t of tracks) if (!kept.includes(t)) trackScripts.delete(t.name);
    tracks.splice(0, tracks.length, ...kept.map((t) => ({ ...t, weight: 0 })));
  }
  // A tracked process is up or down as a script is; keepalived keeps its weight in a sync group.
  const processWeights = new Map(config.trackProcesses.map((p) => [p.name, p]));
  const trackProcesses = namedTracks([...v.trackProcesses, ...(group?.trackProcesses ?? [])], processWeights, processTrack, tracks);
  // Tracked files' weights were settled with the configuration (config/validate.ts), as keepalived settles them.
  const fileWeights = new Map(config.trackFiles.map((f) => [f.name, f]));
  const trackFiles = namedTracks([...v.trackFiles, ...(group?.trackFiles ?? [])], fileWeights, fileTrack, tracks, { valued: true });
  const g = config.global.vrrp;
  const vips = v.virtualIpAddresses.map((a) => a.address);
  const cfg: Omit<VrrpInstanceConfig, 'primaryAddress'> = {
    name: v.name,
    interface: ifname,
    vrid: v.virtualRouterId,
    priority: v.priority,
    version,
    advertInterval: v.advertIntMs / 1000,
    vips,
    nopreempt: !v.preempt,
    checkUnicastSource: v.checkUnicastSrc ?? g.checkUnicastSrc,
    tracks,
    garp: {
      ...(v.garpMasterDelaySec ?? g.garpMasterDelaySec) !== undefined ? { masterDelay: v.garpMasterDelaySec ?? g.garpMasterDelaySec! } : {},
      ...(v.garpMasterRepeat ?? g.garpMasterRepeat) !== undefined ? { masterRepeat: v.garpMasterRepeat ?? g.garpMasterRepeat! } : {},
      ...(v.garpMasterRefreshSec ?? g.garpMasterRefreshSec) !== undefined ? { masterRefresh: v.garpMasterRefreshSec ?? g.garpMasterRefreshSec! } : {},
      ...(v.garpMasterRefreshRepeat ?? g.garpMasterRefreshRepeat) !== undefined
        ? { masterRefreshRepeat: v.garpMasterRefreshRepeat ?? g.garpMasterRefreshRepeat! } : {},
      // keepalived's lower-priority defaults are the global ones, which follow the global master ones.
      ...(v.garpLowerPrioDelaySec ?? g.garpLowerPrioDelaySec ?? g.garpMasterDelaySec) !== undefined
        ? { lowerPrioDelay: v.garpLowerPrioDelaySec ?? g.garpLowerPrioDelaySec ?? g.garpMasterDelaySec! } : {},
      ...(v.garpLowerPrioRepeat ?? g.garpLowerPrioRepeat ?? g.garpMasterRepeat) !== undefined
        ? { lowerPrioRepeat: v.garpLowerPrioRepeat ?? g.garpLowerPrioRepeat ?? g.garpMasterRepeat! } : {},
    },
  };
  const downTimerAdverts = v.downTimerAdverts ?? g.downTimerAdverts;
  if (downTimerAdverts !== undefined) cfg.downTimerAdverts = downTimerAdverts;
  const lowerPrioNoAdvert = v.lowerPrioNoAdvert ?? g.lowerPrioNoAdvert;
  if (lowerPrioNoAdvert !== undefined) cfg.lowerPrioNoAdvert = lowerPrioNoAdvert;
  const higherPrioSendAdvert = v.higherPrioSendAdvert ?? g.higherPrioSendAdvert;
  if (higherPrioSendAdvert !== undefined) cfg.higherPrioSendAdvert = higherPrioSendAdvert;
  if (v.authentication) cfg.auth = { type: 'pass', password: v.authentication.password };
  if (v.state !== undefined) cfg.state = v.state;
  if (v.preemptDelayMs !== undefined) cfg.preemptDelay = v.preemptDelayMs / 1000;
  if (v.unicastPeers.length) cfg.unicastPeers = v.unicastPeers;
  // keepalived reads mcast_src_ip and unicast_src_ip as one source address.
  const source = v.unicastPeers.length ? (v.unicastSrcIp ?? v.mcastSrcIp) : (v.mcastSrcIp ?? v.unicastSrcIp);
  if (source !== undefined) cfg.unicastSrcIp = source;
  if (vmac) cfg.announceInterface = vmac.name;
  // Checks everything but the interface address now, with a stand-in of the right family.
  resolveInstanceConfig({ ...cfg, primaryAddress: family === 6 ? 'fe80::1' : '0.0.0.1' });
  const plan: InstancePlan = {
    config: cfg, family, addresses, routes, interfaces, scripts: trackScripts, files: trackFiles, processes: trackProcesses, notify: v.notify, fingerprint: '',
    ...(group ? { syncGroup: group.name } : {}),
    ...(vmac ? { vmac } : {}),
    ...(v.promoteSecondaries ? { promoteSecondaries: vmac?.name ?? ifname } : {}),
  };
  plan.fingerprint = fingerprint({
    v, version, g, ifname,
    scripts: [...trackScripts.values()].map((s) => scripts.get(s)?.fingerprint),
    files: [...trackFiles.values()].map((f) => fileWeights.get(f)),
    processes: [...trackProcesses.values()].map((p) => processWeights.get(p)),
  });
  return plan;
}
