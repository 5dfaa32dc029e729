// Objects added or changed through the REST API, and how they combine with
// the configuration file. The file is the authority: the API state is an
// overlay that adds virtual services and real servers, and sets the weight
// (or drain) of real servers the file defines. When the file defines an
// object the API also holds, the file's object is used and the API's waits,
// shadowed, until the file drops it again.
import type { KeepalivedConfig, LvsMethod, RealServer as ConfigRealServer, VirtualServer } from '../config/model';
import type { CheckSpec } from '../check/types';
import { AF_INET6, type AddressFamily, type ServiceKey } from '../ipvs/types';
import { serviceKeys } from './desired';
import { serverName, type ConfiguredCheck } from './health';
import { canonicalAddress, familyOf, realServerId, serviceId } from './ids';

export const API_SOURCE = 'REST API';

export type ApiForward = 'nat' | 'dr' | 'tun';

export interface ApiTunnel {
  type: 'ipip' | 'gue' | 'gre';
  port?: number;
  checksum?: 'nocsum' | 'csum' | 'remcsum';
}

export interface ApiRealServer {
  address: string;
  port: number;
  weight: number;
  forward: ApiForward;
  tunnel?: ApiTunnel;
  upperThreshold?: number;
  lowerThreshold?: number;
  /** Keep a failed server at weight 0 instead of removing it. */
  inhibitOnFailure: boolean;
  /** A health check, already validated and complete. */
  check?: CheckSpec;
  /** Quiesced by the operator: weight 0 while set. */
  drained: boolean;
  /** Being removed: quiesced until its connections end or this time (epoch ms) passes. */
  removeBy?: number;
}

export interface ApiService {
  key: ServiceKey;
  scheduler: string;
  schedulerFlags: string[];
  ops: boolean;
  persistence?: { timeoutSec: number; granularity?: string; engine?: string };
}

/** Weight settings the API holds for a real server of the configuration file. */
export interface ConfigServerOverride {
  weight?: number;
  drained?: boolean;
}

export interface ApiState {
  version: 1;
  /** Virtual services the API created, by service id. */
  services: Record<string, ApiService>;
  /** Real servers the API added, by service id then real server id (in API or file services). */
  servers: Record<string, Record<string, ApiRealServer>>;
  /** Weight overrides of file real servers, by service id then real server id. */
  overrides: Record<string, Record<string, ConfigServerOverride>>;
}

export function emptyApiState(): ApiState {
  return { version: 1, services: {}, servers: {}, overrides: {} };
}

/** A virtual service as the API sees it: who defines it, and its block in the effective configuration. */
export interface ServiceOrigin {
  id: string;
  origin: 'file' | 'api';
  /** "file:line" of a file service; the API's name otherwise. */
  at: string;
  vs: VirtualServer;
  /** Member of a virtual_server_group: the API cannot add servers to one member alone. */
  group?: string;
}

export interface EffectiveConfig {
  config: KeepalivedConfig;
  /** Health checks of API real servers, in the director's naming. */
  checks: ConfiguredCheck[];
  services: Map<string, ServiceOrigin>;
  /** API objects hidden by a file object with the same id. */
  shadowed: string[];
  /** Per service id, what the API state made of it (for patchApiState). */
  overlays: ReadonlyMap<string, ServiceOverlay>;
}

const API_AT = { file: API_SOURCE, line: 0 };
const FORWARD_METHOD: Record<ApiForward, LvsMethod['kind']> = { nat: 'NAT', dr: 'DR', tun: 'TUN' };

function methodOf(rs: ApiRealServer): LvsMethod {
  const kind = FORWARD_METHOD[rs.forward];
  if (kind !== 'TUN') return { kind };
  const t = rs.tunnel ?? { type: 'ipip' };
  return { kind, tunnel: { type: t.type, ...(t.port !== undefined ? { port: t.port } : {}), ...(t.checksum ? { checksum: t.checksum } : {}) } };
}

function serviceBlock(svc: ApiService): VirtualServer {
  const k = svc.key;
  const persistence = svc.persistence;
  return {
    at: API_AT,
    key: k.fwmark !== undefined ? { kind: 'fwmark', fwmark: k.fwmark } : { kind: 'address', family: k.family, address: k.address, port: k.port },
    protocol: k.fwmark !== undefined ? 'TCP' : (k.protocol.toUpperCase() as VirtualServer['protocol']),
    scheduler: svc.scheduler,
    schedulerFlags: [...svc.schedulerFlags],
    ops: svc.ops,
    method: { kind: 'NAT' },
    ...(persistence ? { persistenceTimeoutSec: persistence.timeoutSec } : {}),
    ...(persistence?.granularity !== undefined ? { persistenceGranularity: persistence.granularity } : {}),
    ...(persistence?.engine !== undefined ? { persistenceEngine: persistence.engine } : {}),
    ...(k.fwmark !== undefined ? { ipFamily: k.family } : {}),
    haSuspend: false,
    alpha: false,
    omega: false,
    quorum: 1,
    hysteresis: 0,
    inhibitOnFailure: false,
    delayLoopMs: 60_000,
    realServers: [],
  };
}

function realServerBlock(rs: ApiRealServer): ConfigRealServer {
  return {
    at: API_AT,
    family: familyOf(rs.address),
    address: canonicalAddress(rs.address),
    port: rs.port,
    weight: rs.drained || rs.removeBy !== undefined ? 0 : rs.weight,
    method: methodOf(rs),
    ...(rs.upperThreshold !== undefined ? { upperThreshold: rs.upperThreshold } : {}),
    ...(rs.lowerThreshold !== undefined ? { lowerThreshold: rs.lowerThreshold } : {}),
    inhibitOnFailure: rs.inhibitOnFailure,
    checkers: [],
  };
}

/** The id of a real server as the kernel will hold it (port 0 in the file means the service's port). */
export function effectiveServerId(vs: VirtualServer, rs: { address: string; port: number; family: AddressFamily }): string {
  const port = rs.port || (vs.key.kind === 'address' ? vs.key.port : 0);
  return realServerId({ family: rs.family, address: rs.address, port });
}

function fileServices(config: KeepalivedConfig): Map<string, ServiceOrigin> {
  const out = new Map<string, ServiceOrigin>();
  for (const vs of config.virtualServers) {
    const keys = serviceKeys(vs, config);
    for (const key of keys) {
      const id = serviceId(key);
      const origin: ServiceOrigin = { id, origin: 'file', at: `${vs.at.file}:${vs.at.line}`, vs };
      if (vs.key.kind === 'group') origin.group = vs.key.group;
      out.set(id, origin);
    }
  }
  return out;
}

// A configuration is never changed once loaded: its services are listed once.
const fileServicesOf = new WeakMap<KeepalivedConfig, Map<string, ServiceOrigin>>();

function fileServicesCached(config: KeepalivedConfig): Map<string, ServiceOrigin> {
  let services = fileServicesOf.get(config);
  if (!services) {
    services = fileServices(config);
    fileServicesOf.set(config, services);
  }
  return services;
}

// API records are replaced, never changed, when edited: their blocks can be kept.
const blockOf = new WeakMap<ApiRealServer, ConfigRealServer>();

function cachedBlock(rs: ApiRealServer): ConfigRealServer {
  let block = blockOf.get(rs);
  if (!block) {
    block = realServerBlock(rs);
    blockOf.set(rs, block);
  }
  return block;
}

/** What the API state makes of one service id. */
export interface ServiceOverlay {
  /** The service in effect under this id, if any. */
  origin?: ServiceOrigin;
  /** Its block before the API's real servers: the file's (with the weight overrides) or the API service's. */
  base?: VirtualServer;
  /** Ids of the file's real servers: API servers with one of these are shadowed. */
  fileIds: ReadonlySet<string>;
  /** The API's real servers in effect, by real server id, in the order they came. */
  servers: Map<string, ConfigRealServer>;
  checks: Map<string, ConfiguredCheck>;
  serviceShadowed: boolean;
  shadowedServers: Set<string>;
}

/** A file block's real servers by id, and their ids; blocks of a loaded configuration never change. */
const fileServersOf = new WeakMap<VirtualServer, { byId: ReadonlyMap<string, ConfigRealServer>; ids: ReadonlySet<string> }>();

function fileServers(vs: VirtualServer): { byId: ReadonlyMap<string, ConfigRealServer>; ids: ReadonlySet<string> } {
  let servers = fileServersOf.get(vs);
  if (!servers) {
    const byId = new Map(vs.realServers.map((rs) => [effectiveServerId(vs, rs), rs]));
    servers = { byId, ids: new Set(byId.keys()) };
    fileServersOf.set(vs, servers);
  }
  return servers;
}

function fileIds(vs: VirtualServer): ReadonlySet<string> {
  return fileServers(vs).ids;
}

/** Real server `rid` of service `id` as the configuration file defines it; undefined when the file has none. */
export function fileRealServer(config: KeepalivedConfig, id: string, rid: string): ConfigRealServer | undefined {
  const vs = fileServicesCached(config).get(id)?.vs;
  return vs && fileServers(vs).byId.get(rid);
}

const NO_IDS: ReadonlySet<string> = new Set();

/** Ids of the configuration file's own real servers in service `id` (none when the file does not have it). */
export function fileServerIds(effective: EffectiveConfig, id: string): ReadonlySet<string> {
  const origin = effective.services.get(id);
  if (origin?.origin !== 'file') return NO_IDS;
  // Under an overlay the block in effect holds the API's real servers too: the overlay kept the file's ids.
  const overlay = effective.overlays.get(id);
  return overlay?.base ? overlay.fileIds : fileIds(origin.vs);
}

function overlayOf(id: string, file: ServiceOrigin | undefined, state: ApiState): ServiceOverlay {
  const api = state.services[id];
  const out: ServiceOverlay = {
    fileIds: new Set(), servers: new Map(), checks: new Map(), serviceShadowed: file !== undefined && api !== undefined, shadowedServers: new Set(),
  };
  if (file?.group !== undefined) {
    out.origin = { ...file };
    return out;
  }
  const overrides = state.overrides[id];
  let base = file?.vs;
  if (file && overrides) {
    const vs = file.vs;
    base = {
      ...vs,
      realServers: vs.realServers.map((rs) => {
        const o = overrides[effectiveServerId(vs, rs)];
        return o ? { ...rs, weight: o.drained ? 0 : o.weight ?? rs.weight } : rs;
      }),
    };
  }
  base ??= api ? serviceBlock(api) : undefined;
  if (!base) return out;
  out.base = base;
  if (file) out.fileIds = fileIds(file.vs);
  for (const [rid, rs] of Object.entries(state.servers[id] ?? {})) putServer(out, rid, rs);
  return finish(out, id, file);
}

/** Brings the API real server `rid` of the overlay to `rs` (absent: gone). */
function putServer(o: ServiceOverlay, rid: string, rs: ApiRealServer | undefined): void {
  // A replaced server keeps its place, as it does in the state's records.
  if (!rs || o.fileIds.has(rid)) {
    o.servers.delete(rid);
    o.checks.delete(rid);
    if (rs) o.shadowedServers.add(rid);
    else o.shadowedServers.delete(rid);
    return;
  }
  const block = cachedBlock(rs);
  o.servers.set(rid, block);
  if (rs.check) {
    const server = serverName(o.base!, block);
    o.checks.set(rid, { id: `${server} api`, server, spec: rs.check });
  } else {
    o.checks.delete(rid);
  }
}

function finish(o: ServiceOverlay, id: string, file: ServiceOrigin | undefined): ServiceOverlay {
  const base = o.base!;
  const vs = o.servers.size === 0 ? base : { ...base, realServers: [...base.realServers, ...o.servers.values()] };
  o.origin = file ? { ...file, vs } : { id, origin: 'api', at: API_SOURCE, vs };
  return o;
}

/**
 * The overlay after the API real servers `rids` of the service changed, and
 * nothing else of it. It takes over the maps of `prev` (copying them would
 * cost as much as building them): `undo` collects what puts them back.
 */
function patchedOverlay(prev: ServiceOverlay, id: string, file: ServiceOrigin | undefined, state: ApiState, rids: ReadonlySet<string>, undo: (() => void)[]): ServiceOverlay {
  const out: ServiceOverlay = { ...prev };
  for (const rid of rids) {
    const server = prev.servers.get(rid);
    const check = prev.checks.get(rid);
    const shadowed = prev.shadowedServers.has(rid);
    undo.push(() => {
      restore(prev.servers, rid, server);
      restore(prev.checks, rid, check);
      if (shadowed) prev.shadowedServers.add(rid);
      else prev.shadowedServers.delete(rid);
    });
    putServer(out, rid, state.servers[id]?.[rid]);
  }
  return finish(out, id, file);
}

function restore<T>(map: Map<string, T>, key: string, value: T | undefined): void {
  if (value === undefined) map.delete(key);
  else map.set(key, value);
}

/**
 * What a group of edits touched: per service id, the real servers whose
 * records changed, or undefined when more than real servers did (the
 * service itself, or weight overrides).
 */
export type TouchedServices = ReadonlyMap<string, ReadonlySet<string> | undefined>;

export function touchedBy(edits: readonly ApiEdit[]): TouchedServices {
  const out = new Map<string, Set<string> | undefined>();
  for (const e of edits) {
    if (e.kind !== 'server') out.set(e.service, undefined);
    else if (!out.has(e.service)) out.set(e.service, new Set([e.server]));
    else out.get(e.service)?.add(e.server);
  }
  return out;
}

/** The ids of the services `state` holds anything for (a service, real servers, or weight overrides), sorted. */
export function apiServiceIds(state: ApiState): string[] {
  return [...new Set([...Object.keys(state.services), ...Object.keys(state.servers), ...Object.keys(state.overrides)])].sort();
}

/** `state` without what it holds for the services `ids` (shares the rest). */
export function withoutServices(state: ApiState, ids: ReadonlySet<string>): ApiState {
  const keep = <T>(r: Record<string, T>): Record<string, T> => Object.fromEntries(Object.entries(r).filter(([id]) => !ids.has(id)));
  return ids.size === 0 ? state : { version: 1, services: keep(state.services), servers: keep(state.servers), overrides: keep(state.overrides) };
}

/**
 * The configuration lvsd runs: the file's, with the API's objects laid over
 * it. Blocks the API touches are copies; `config` itself is never changed.
 */
export function applyApiState(config: KeepalivedConfig, state: ApiState): EffectiveConfig {
  const files = fileServicesCached(config);
  const overlays = new Map<string, ServiceOverlay>();
  for (const id of new Set([...files.keys(), ...Object.keys(state.services)])) {
    const o = overlayOf(id, files.get(id), state);
    if (o.origin) overlays.set(id, o);
  }
  return assemble(config, overlays);
}

/**
 * The effective configuration after a change of the API state that touched
 * only `touched`: those services are laid over again (or only their changed
 * real servers), the others kept from `previous`, built from the same
 * `config`. `previous` is valid again only after `revert()`, for when the
 * change does not go through.
 */
export function patchApiState(previous: EffectiveConfig, config: KeepalivedConfig, state: ApiState, touched: TouchedServices): { effective: EffectiveConfig; revert(): void } {
  const files = fileServicesCached(config);
  const overlays = new Map(previous.overlays);
  const undo: (() => void)[] = [];
  for (const [id, rids] of touched) {
    const prev = overlays.get(id);
    const file = files.get(id);
    const o = rids && prev?.base ? patchedOverlay(prev, id, file, state, rids, undo) : overlayOf(id, file, state);
    if (o.origin) overlays.set(id, o);
    else overlays.delete(id);
  }
  return { effective: assemble(config, overlays), revert: () => { for (const u of undo.reverse()) u(); } };
}

function assemble(config: KeepalivedConfig, overlays: ReadonlyMap<string, ServiceOverlay>): EffectiveConfig {
  const files = fileServicesCached(config);
  // Each block once: the members of a group share theirs.
  const byFileBlock = new Map<VirtualServer, VirtualServer>();
  const added: VirtualServer[] = [];
  const services = new Map<string, ServiceOrigin>();
  const checks: ConfiguredCheck[] = [];
  const shadowed: string[] = [];
  for (const [id, o] of overlays) {
    const origin = o.origin!;
    services.set(id, origin);
    checks.push(...o.checks.values());
    if (o.serviceShadowed) shadowed.push(`service ${id}`);
    const file = files.get(id);
    if (file) byFileBlock.set(file.vs, origin.vs);
    else added.push(origin.vs);
  }
  for (const [id, o] of overlays) for (const rid of o.shadowedServers) shadowed.push(`real server ${rid} of ${id}`);
  const virtualServers = config.virtualServers.map((vs) => byFileBlock.get(vs) ?? vs).concat(added);
  return { config: { ...config, virtualServers }, checks, services, shadowed, overlays };
}

/**
 * One change of the API state. Each sets what it names outright (a service
 * going takes its real servers along), so a change applied twice in a row
 * leaves what it left the first time.
 */
export type ApiEdit =
  | { kind: 'service'; service: string; value?: ApiService }
  | { kind: 'server'; service: string; server: string; value?: ApiRealServer }
  | { kind: 'override'; service: string; server: string; value?: ConfigServerOverride };

/** Applies `edit` to `state` in place; returns the edits that undo it, to be applied last first. */
export function applyEdit(state: ApiState, edit: ApiEdit): ApiEdit[] {
  const sid = edit.service;
  switch (edit.kind) {
    case 'service': {
      const old = state.services[sid];
      // Last first: the service back (or gone again, with any servers), then its servers.
      const undo: ApiEdit[] = Object.entries(state.servers[sid] ?? {}).map(([rid, rs]) => ({ kind: 'server', service: sid, server: rid, value: rs }));
      undo.push(old ? { kind: 'service', service: sid, value: old } : { kind: 'service', service: sid });
      if (edit.value) state.services[sid] = edit.value;
      else {
        delete state.services[sid];
        delete state.servers[sid];
      }
      return undo;
    }
    case 'server':
    case 'override': {
      const map = (edit.kind === 'server' ? state.servers : state.overrides) as Record<string, Record<string, unknown>>;
      const old = map[sid]?.[edit.server];
      if (edit.value) (map[sid] ??= {})[edit.server] = edit.value;
      else if (map[sid]) delete map[sid][edit.server];
      return [(old === undefined ? { kind: edit.kind, service: sid, server: edit.server } : { kind: edit.kind, service: sid, server: edit.server, value: old }) as ApiEdit];
    }
  }
}

/** A copy that shares the records but none of the maps, so either can be edited alone. */
export function cloneApiState(state: ApiState): ApiState {
  const inner = <T>(m: Record<string, Record<string, T>>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, { ...v }]));
  return { version: 1, services: { ...state.services }, servers: inner(state.servers), overrides: inner(state.overrides) };
}

/** "inet" / "inet6" for the family of a service key. */
export function familyName(family: AddressFamily): 'inet' | 'inet6' {
  return family === AF_INET6 ? 'inet6' : 'inet';
}
