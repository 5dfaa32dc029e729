// The desired IPVS table: what the configuration asks for, as the health of
// the real servers allows. keepalived's rules: a failed real server is
// quiesced (weight 0) with inhibit_on_failure and removed otherwise; when the
// weight of the live servers falls below quorum (less hysteresis) the sorry
// server takes their place until it rises to quorum (plus hysteresis).
import ipaddr from 'ipaddr.js';
import type { KeepalivedConfig, LvsMethod, RealServer as ConfigRealServer, VirtualServer } from '../config/model';
import {
  AF_INET, AF_INET6, SVC_F_ONEPACKET, SVC_F_PERSISTENT, SVC_F_SCHED1, SVC_F_SCHED2, SVC_F_SCHED3,
  type AddressFamily, type ForwardMethod, type Protocol, type RealServer, type Service, type ServiceKey,
  type TunnelType, TUN_F_CSUM, TUN_F_REMCSUM,
} from '../ipvs/types';
import { entryId, type TableEntry } from './diff';
import { canonicalAddress, serviceId } from './ids';

/** Health of one configured real server as its checkers see it. */
export interface ServerHealth {
  up: boolean;
  /** A weight asked for by a dynamic MISC_CHECK; the configured weight otherwise. */
  weight?: number;
}

/** Looks up the health of a real server of a virtual server; servers without checkers are up. */
export type HealthLookup = (vs: VirtualServer, rs: ConfigRealServer) => ServerHealth;

/** Whether each virtual server currently has quorum; kept between builds for hysteresis. */
export type QuorumMemory = Map<string, boolean>;

const SCHED_FLAG_BITS: Record<string, number> = {
  'flag-1': SVC_F_SCHED1, 'flag-2': SVC_F_SCHED2, 'flag-3': SVC_F_SCHED3,
  'sh-fallback': SVC_F_SCHED1, 'sh-port': SVC_F_SCHED2, 'mh-fallback': SVC_F_SCHED1, 'mh-port': SVC_F_SCHED2,
};

// Blocks are never changed once built (a change makes a new one): names and
// kernel entries derived from them are kept, since each table build asks for
// them for every real server again.
const vsNames = new WeakMap<VirtualServer, string>();

/** A name for a virtual_server block that stays the same across reloads: "TCP 10.0.0.1:80", "fwmark 7", "group web". */
export function virtualServerName(vs: VirtualServer): string {
  let name = vsNames.get(vs);
  if (name === undefined) {
    name = nameOf(vs);
    vsNames.set(vs, name);
  }
  return name;
}

function nameOf(vs: VirtualServer): string {
  const k = vs.key;
  if (k.kind === 'group') return `group ${k.group}`;
  if (k.kind === 'fwmark') return `fwmark ${k.fwmark}${vs.ipFamily === AF_INET6 ? ' inet6' : ''}`;
  const a = canonicalAddress(k.address);
  return `${vs.protocol} ${a.includes(':') ? `[${a}]` : a}:${k.port}`;
}

function* addressRange(first: string, last: string): Generator<string> {
  const a = ipaddr.parse(first);
  const bytes = a.toByteArray();
  const toBig = (b: number[]) => b.reduce((n, x) => (n << 8n) | BigInt(x), 0n);
  const end = toBig(ipaddr.parse(last).toByteArray());
  for (let n = toBig(bytes); n <= end; n++) {
    const out: number[] = [];
    let v = n;
    for (let i = 0; i < bytes.length; i++) {
      out.unshift(Number(v & 0xffn));
      v >>= 8n;
    }
    yield ipaddr.fromByteArray(out).toString();
  }
}

function fwmarkFamily(vs: VirtualServer, explicit?: AddressFamily): AddressFamily {
  return explicit ?? vs.ipFamily ?? vs.realServers[0]?.family ?? AF_INET;
}

/** The kernel services a virtual_server block stands for (several for a group). */
export function serviceKeys(vs: VirtualServer, config: KeepalivedConfig): ServiceKey[] {
  const protocol = vs.protocol.toLowerCase() as Protocol;
  const k = vs.key;
  if (k.kind === 'address') return [{ family: k.family, protocol, address: canonicalAddress(k.address), port: k.port }];
  if (k.kind === 'fwmark') return [{ family: fwmarkFamily(vs), fwmark: k.fwmark }];
  const group = config.virtualServerGroups.find((g) => g.name === k.group);
  const keys: ServiceKey[] = [];
  for (const e of group?.entries ?? []) {
    if (e.kind === 'fwmark') keys.push({ family: fwmarkFamily(vs, e.family), fwmark: e.fwmark });
    else for (const address of addressRange(e.first, e.last)) keys.push({ family: e.family, protocol, address, port: e.port });
  }
  return keys;
}

function netmaskFor(family: AddressFamily, granularity: string | undefined): number {
  if (family === AF_INET6) return granularity !== undefined && /^\d+$/.test(granularity) ? Number(granularity) : 128;
  if (granularity === undefined) return 0xffffffff;
  const bytes = ipaddr.IPv4.isValidFourPartDecimal(granularity)
    ? ipaddr.IPv4.parse(granularity).toByteArray()
    : ipaddr.IPv4.subnetMaskFromPrefixLength(Number(granularity)).toByteArray();
  return bytes.reduce((n, b) => n * 256 + b, 0);
}

export function serviceFor(key: ServiceKey, vs: VirtualServer): Service {
  let flags = vs.ops ? SVC_F_ONEPACKET : 0;
  for (const f of vs.schedulerFlags) flags |= SCHED_FLAG_BITS[f] ?? 0;
  const persistent = vs.persistenceTimeoutSec !== undefined;
  if (persistent) flags |= SVC_F_PERSISTENT;
  return {
    ...key,
    scheduler: vs.scheduler,
    flags,
    timeout: persistent ? vs.persistenceTimeoutSec ?? 0 : 0,
    netmask: netmaskFor(key.family, vs.persistenceGranularity),
    peName: vs.persistenceEngine ?? '',
  } as Service;
}

const FORWARD: Record<LvsMethod['kind'], ForwardMethod> = { NAT: 'masq', DR: 'route', TUN: 'tunnel' };

export function realServerFor(
  server: { family: AddressFamily; address: string; port: number; method: LvsMethod },
  weight: number, thresholds: { upper?: number; lower?: number }, servicePort: number,
): RealServer {
  const m = server.method;
  const tunnel = m.kind === 'TUN' ? m.tunnel : undefined;
  const csum = tunnel?.checksum === 'csum' ? TUN_F_CSUM : tunnel?.checksum === 'remcsum' ? TUN_F_REMCSUM : 0;
  return {
    family: server.family,
    address: canonicalAddress(server.address),
    // Port 0 means "the virtual service's port" (and is what fwmark services carry).
    port: server.port || servicePort,
    forward: FORWARD[m.kind],
    weight,
    upperThreshold: thresholds.upper ?? 0,
    lowerThreshold: thresholds.lower ?? 0,
    tunnelType: (tunnel?.type ?? 'ipip') as TunnelType,
    tunnelPort: tunnel?.port ?? 0,
    tunnelFlags: csum,
  };
}

const entries = new WeakMap<ConfigRealServer, { weight: number; port: number; server: RealServer }>();

/** realServerFor() of a configured real server, the same object as last time when nothing changed. */
function entryFor(rs: ConfigRealServer, weight: number, port: number): RealServer {
  const last = entries.get(rs);
  if (last && last.weight === weight && last.port === port) return last.server;
  const server = realServerFor(rs, weight, { upper: rs.upperThreshold, lower: rs.lowerThreshold }, port);
  entries.set(rs, { weight, port, server });
  return server;
}

/** Whether a virtual server has quorum with this weight of live servers, given whether it had. */
function hasQuorum(vs: VirtualServer, liveWeight: number, had: boolean): boolean {
  return had ? liveWeight >= vs.quorum - vs.hysteresis : liveWeight >= vs.quorum + vs.hysteresis;
}

/**
 * The kernel entry of one real server of a virtual server that has no sorry
 * server (or has quorum): live at its weight, quiesced, or none.
 */
export function serverEntry(vs: VirtualServer, rs: ConfigRealServer, health: HealthLookup, port: number): RealServer | undefined {
  const h = health(vs, rs);
  if (h.up) return entryFor(rs, h.weight ?? rs.weight, port);
  return rs.inhibitOnFailure ? entryFor(rs, 0, port) : undefined;
}

/**
 * Builds the desired table. `quorum` is read and updated: it remembers which
 * virtual servers had quorum, so hysteresis works across builds.
 */
export interface DesiredTable {
  table: TableEntry[];
  /** Virtual servers whose quorum came or went in this build (for quorum_up / quorum_down). */
  quorumChanges: QuorumChange[];
}

/** first: the virtual server's first evaluation (at start, or new in a reload). */
export interface QuorumChange { vs: VirtualServer; name: string; up: boolean; first: boolean }

/**
 * Quorum of a virtual server given what was known of it. As keepalived, a
 * virtual server starts without quorum: the first evaluation needs quorum +
 * hysteresis, and reports gaining it, or starting without it when a sorry
 * server then goes in.
 */
export function quorumState(vs: VirtualServer, name: string, liveWeight: number, known: boolean | undefined): { has: boolean; change?: QuorumChange } {
  const has = hasQuorum(vs, liveWeight, known ?? false);
  const changed = known === undefined ? has || vs.sorryServer !== undefined : has !== known;
  return changed ? { has, change: { vs, name, up: has, first: known === undefined } } : { has };
}

export function buildDesiredTable(config: KeepalivedConfig, health: HealthLookup, quorum: QuorumMemory): DesiredTable {
  const table: TableEntry[] = [];
  const quorumChanges: DesiredTable['quorumChanges'] = [];
  for (const vs of config.virtualServers) {
    const name = virtualServerName(vs);
    const live: { rs: ConfigRealServer; weight: number }[] = [];
    const quiesced: ConfigRealServer[] = [];
    let liveWeight = 0;
    for (const rs of vs.realServers) {
      const h = health(vs, rs);
      if (h.up) {
        const weight = h.weight ?? rs.weight;
        live.push({ rs, weight });
        liveWeight += weight;
      } else if (rs.inhibitOnFailure) {
        quiesced.push(rs);
      }
    }
    const { has, change } = quorumState(vs, name, liveWeight, quorum.get(name));
    quorum.set(name, has);
    if (change) quorumChanges.push(change);
    const sorry = vs.sorryServer;

    for (const key of serviceKeys(vs, config)) {
      const port = key.port ?? 0;
      const servers = new Map<string, RealServer>();
      const put = (rs: RealServer) => servers.set(entryId(rs), rs);
      if (has || !sorry) {
        for (const { rs, weight } of live) put(entryFor(rs, weight, port));
        for (const rs of quiesced) put(entryFor(rs, 0, port));
        // An inhibited sorry server waits in the table at weight 0 (unless it is one of the real servers, as keepalived leaves it).
        const waiting = sorry?.inhibit ? realServerFor(sorry, 0, {}, port) : undefined;
        if (waiting && !servers.has(entryId(waiting))) put(waiting);
      } else {
        // As keepalived: without quorum, inhibit_on_failure servers wait at weight 0 beside the sorry server; the others go.
        for (const { rs } of live) if (rs.inhibitOnFailure) put(entryFor(rs, 0, port));
        for (const rs of quiesced) put(entryFor(rs, 0, port));
        put(realServerFor(sorry, 1, {}, port));
      }
      table.push({ service: serviceFor(key, vs), realServers: [...servers.values()] });
    }
  }
  return { table: mergeShared(table), quorumChanges };
}


/**
 * One kernel service named by two blocks (a group's fwmark entry shared by a
 * TCP and a UDP virtual server): keepalived fills it with the real servers of
 * both; the first block's service settings stay.
 */
function mergeShared(table: TableEntry[]): TableEntry[] {
  const byId = new Map<string, TableEntry>();
  const out: TableEntry[] = [];
  for (const e of table) {
    const id = serviceId(e.service);
    const first = byId.get(id);
    if (!first) {
      byId.set(id, e);
      out.push(e);
      continue;
    }
    const have = new Set(first.realServers.map(entryId));
    first.realServers.push(...e.realServers.filter((r) => !have.has(entryId(r))));
  }
  return out;
}
