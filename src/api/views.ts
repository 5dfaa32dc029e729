// What the API shows of a virtual service and its real servers: the
// configuration (file or API), the health the checks see, and the kernel's
// live counters, joined by id.
import type { CheckStatus } from '../check/types';
import type { RealServer as ConfigRealServer } from '../config/model';
import { API_SOURCE, effectiveServerId, familyName, type ApiState, type ServiceOrigin } from '../director/api-state';
import type { Director } from '../director/director';
import { serverName } from '../director/health';
import { realServerId, serviceId } from '../director/ids';
import type { IpvsClient } from '../ipvs/client';
import {
  SVC_F_ONEPACKET, SVC_F_PERSISTENT, type RealServer, type RealServerStatus, type Service, type ServiceStatus, type Stats, TUN_F_CSUM, TUN_F_REMCSUM,
} from '../ipvs/types';

export type KernelTable = Pick<IpvsClient, 'listServices' | 'listRealServers'>;
export type DirectorView = Pick<Director, 'running' | 'effectiveConfig' | 'desiredTable' | 'checkStatuses' | 'lastServerChange' | 'serverStates' | 'apiStateRefused'>;

export interface StatsView {
  connections: number;
  inPackets: number;
  outPackets: number;
  inBytes: number;
  outBytes: number;
  connectionsPerSecond: number;
  inPacketsPerSecond: number;
  outPacketsPerSecond: number;
  inBytesPerSecond: number;
  outBytesPerSecond: number;
}

export interface CheckView {
  kind: string;
  up: boolean;
  last?: { ok: boolean; reason: string; latencyMs: number; at: string };
}

export interface ServerView {
  id: string;
  address: string;
  port: number;
  origin: 'file' | 'api' | 'sorry';
  at?: string;
  /** The weight asked for (file, API, or override). */
  weight: number;
  /** The weight the kernel has now (0 when quiesced), absent when not in the kernel. */
  kernelWeight?: number;
  forward: 'nat' | 'dr' | 'tun' | 'local' | 'bypass';
  tunnel?: { type: string; port?: number; checksum: string };
  upperThreshold: number;
  lowerThreshold: number;
  drained: boolean;
  removing?: { by: string };
  health: {
    state: 'up' | 'down' | 'unchecked';
    checks: CheckView[];
    lastChange?: { up: boolean; reason: string; at: string };
    /** Recent up/down changes, oldest first. */
    history: { up: boolean; at: string }[];
  };
  connections?: { active: number; inactive: number; persistent: number };
  stats?: StatsView;
}

export interface ServiceView {
  id: string;
  origin: 'file' | 'api';
  at: string;
  group?: string;
  family: 'inet' | 'inet6';
  protocol?: string;
  address?: string;
  port?: number;
  fwmark?: number;
  scheduler: string;
  schedulerFlags: string[];
  ops: boolean;
  persistence?: { timeout: number; granularity?: string; engine?: string };
  inKernel: boolean;
  stats?: StatsView;
  servers: ServerView[];
}

const FORWARD_NAME: Record<RealServer['forward'], ServerView['forward']> = { masq: 'nat', route: 'dr', tunnel: 'tun', local: 'local', bypass: 'bypass' };
const n = (v: bigint): number => Number(v);

export function statsView(s: Stats): StatsView {
  return {
    connections: n(s.conns), inPackets: n(s.inPkts), outPackets: n(s.outPkts), inBytes: n(s.inBytes), outBytes: n(s.outBytes),
    connectionsPerSecond: n(s.cps), inPacketsPerSecond: n(s.inPps), outPacketsPerSecond: n(s.outPps),
    inBytesPerSecond: n(s.inBps), outBytesPerSecond: n(s.outBps),
  };
}

function checkView(c: CheckStatus): CheckView {
  const v: CheckView = { kind: c.kind, up: c.up };
  if (c.last) v.last = { ...c.last, at: new Date(c.last.at).toISOString() };
  return v;
}

/** Reads the kernel's counters for the given services (all when undefined). */
export async function kernelCounters(kernel: KernelTable, only?: Set<string>): Promise<Map<string, { service: ServiceStatus; servers: Map<string, RealServerStatus> }>> {
  const out = new Map<string, { service: ServiceStatus; servers: Map<string, RealServerStatus> }>();
  const services = (await kernel.listServices()).filter((s) => !only || only.has(serviceId(s.service)));
  await Promise.all(services.map(async (s) => {
    const servers = await kernel.listRealServers(s.service);
    out.set(serviceId(s.service), { service: s, servers: new Map(servers.map((r) => [realServerId(r.server), r])) });
  }));
  return out;
}

function serviceFields(svc: Service): Pick<ServiceView, 'family' | 'protocol' | 'address' | 'port' | 'fwmark' | 'ops' | 'persistence'> {
  const v: ReturnType<typeof serviceFields> = { family: familyName(svc.family), ops: (svc.flags & SVC_F_ONEPACKET) !== 0 };
  if (svc.fwmark !== undefined) v.fwmark = svc.fwmark;
  else Object.assign(v, { protocol: svc.protocol, address: svc.address, port: svc.port });
  return v;
}

/** Every service lvsd runs, or just `id`; with `server`, only that real server of it is shown. */
export async function serviceViews(
  director: DirectorView, kernel: KernelTable, state: ApiState,
  opts: { id?: string; server?: string; history?: (server: string) => { up: boolean; at: string }[] } = {},
): Promise<ServiceView[]> {
  const id = opts.id;
  const effective = director.effectiveConfig;
  if (!effective) return [];
  const table = director.desiredTable().filter((e) => id === undefined || serviceId(e.service) === id);
  const counters = await kernelCounters(kernel, new Set(table.map((e) => serviceId(e.service))));
  const health = director.serverStates();
  return table.map((entry) => {
    const sid = serviceId(entry.service);
    const origin = effective.services.get(sid) as ServiceOrigin;
    const kernelEntry = counters.get(sid);
    const vs = origin.vs;
    const configured = new Map<string, ConfigRealServer>(vs.realServers.map((rs) => [effectiveServerId(vs, rs), rs]));
    const apiServers = state.servers[sid] ?? {};
    const overrides = state.overrides[sid] ?? {};
    const desiredById = new Map(entry.realServers.map((d) => [realServerId(d), d]));
    const one = opts.server;
    const ids = one === undefined ? new Set([...configured.keys(), ...desiredById.keys()])
      : configured.has(one) || desiredById.has(one) ? [one] : [];
    const servers = [...ids].map((rsId): ServerView => {
      const rs = configured.get(rsId);
      const desired = desiredById.get(rsId);
      const live = kernelEntry?.servers.get(rsId);
      const api = rs?.at.file === API_SOURCE ? apiServers[rsId] : undefined;
      const name = rs ? serverName(vs, rs) : undefined;
      const checks = name ? director.checkStatuses(name) : [];
      const up = name ? health.get(name) ?? true : true;
      const change = name ? director.lastServerChange(name) : undefined;
      const shape = desired ?? live?.server;
      const tunnel = shape?.forward === 'tunnel'
        ? { type: shape.tunnelType, ...(shape.tunnelType === 'gue' ? { port: shape.tunnelPort } : {}), checksum: shape.tunnelFlags & TUN_F_CSUM ? 'csum' : shape.tunnelFlags & TUN_F_REMCSUM ? 'remcsum' : 'nocsum' }
        : undefined;
      const [address, port] = rsId.startsWith('[') ? [rsId.slice(1, rsId.lastIndexOf(']')), Number(rsId.slice(rsId.lastIndexOf(':') + 1))] : [rsId.slice(0, rsId.lastIndexOf(':')), Number(rsId.slice(rsId.lastIndexOf(':') + 1))];
      const view: ServerView = {
        id: rsId,
        address: address!,
        port: port!,
        origin: api ? 'api' : rs ? 'file' : 'sorry',
        weight: api ? api.weight : overrides[rsId]?.weight ?? rs?.weight ?? desired?.weight ?? 0,
        forward: FORWARD_NAME[shape?.forward ?? 'route'],
        upperThreshold: shape?.upperThreshold ?? 0,
        lowerThreshold: shape?.lowerThreshold ?? 0,
        drained: api ? api.drained : overrides[rsId]?.drained ?? false,
        health: { state: checks.length === 0 ? 'unchecked' : up ? 'up' : 'down', checks: checks.map(checkView), history: name && opts.history ? opts.history(name) : [] },
      };
      if (rs && !api) view.at = `${rs.at.file}:${rs.at.line}`;
      if (tunnel) view.tunnel = tunnel;
      if (api?.removeBy !== undefined) view.removing = { by: new Date(api.removeBy).toISOString() };
      if (change) view.health.lastChange = { ...change, at: new Date(change.at).toISOString() };
      if (live) {
        view.kernelWeight = live.server.weight;
        view.connections = { active: live.activeConns, inactive: live.inactiveConns, persistent: live.persistConns };
        view.stats = statsView(live.stats64);
      }
      return view;
    });
    const svc = entry.service;
    const view: ServiceView = {
      id: sid,
      origin: origin.origin,
      at: origin.at,
      ...serviceFields(svc),
      scheduler: svc.scheduler,
      schedulerFlags: vs.schedulerFlags,
      inKernel: kernelEntry !== undefined,
      servers,
    };
    if (svc.flags & SVC_F_PERSISTENT) {
      view.persistence = { timeout: svc.timeout, ...(vs.persistenceGranularity !== undefined ? { granularity: vs.persistenceGranularity } : {}), ...(svc.peName ? { engine: svc.peName } : {}) };
    }
    if (origin.group !== undefined) view.group = origin.group;
    if (kernelEntry) view.stats = statsView(kernelEntry.service.stats64);
    return view;
  });
}
