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

/**
 * The configuration lvsd runs: the file's, with the API's objects laid over
 * it. Blocks the API touches are copies; `config` itself is never changed.
 */
export function applyApiState(config: KeepalivedConfig, state: ApiState): EffectiveConfig {
  const services = fileServices(config);
  const shadowed: string[] = [];
  const copies = new Map<VirtualServer, VirtualServer>();
  const copyOf = (vs: VirtualServer): VirtualServer => {
    let c = copies.get(vs);
    if (!c) {
      c = { ...vs, realServers: [...vs.realServers] };
      copies.set(vs, c);
    }
    return c;
  };
  const added: VirtualServer[] = [];
  for (const [id, svc] of Object.entries(state.services)) {
    if (services.has(id)) {
      shadowed.push(`service ${id}`);
      continue;
    }
    const vs = serviceBlock(svc);
    copies.set(vs, vs);
    added.push(vs);
    services.set(id, { id, origin: 'api', at: API_SOURCE, vs });
  }
  for (const [id, overrides] of Object.entries(state.overrides)) {
    const svc = services.get(id);
    if (!svc || svc.origin !== 'file' || svc.group) continue;
    const vs = copyOf(svc.vs);
    vs.realServers = vs.realServers.map((rs) => {
      const o = overrides[effectiveServerId(vs, rs)];
      if (!o) return rs;
      return { ...rs, weight: o.drained ? 0 : o.weight ?? rs.weight };
    });
  }
  const checks: ConfiguredCheck[] = [];
  for (const [id, servers] of Object.entries(state.servers)) {
    const svc = services.get(id);
    if (!svc || svc.group) continue;
    const vs = copyOf(svc.vs);
    const fileIds = new Set(svc.vs.realServers.map((rs) => effectiveServerId(svc.vs, rs)));
    for (const [rsId, rs] of Object.entries(servers)) {
      if (svc.origin === 'file' && fileIds.has(rsId)) {
        shadowed.push(`real server ${rsId} of ${id}`);
        continue;
      }
      const block = realServerBlock(rs);
      vs.realServers.push(block);
      if (rs.check) checks.push({ id: `${serverName(vs, block)} api`, server: serverName(vs, block), spec: rs.check });
    }
  }
  const virtualServers = config.virtualServers.map((vs) => copies.get(vs) ?? vs).concat(added);
  for (const s of services.values()) s.vs = copies.get(s.vs) ?? s.vs;
  return { config: { ...config, virtualServers }, checks, services, shadowed };
}

/** "inet" / "inet6" for the family of a service key. */
export function familyName(family: AddressFamily): 'inet' | 'inet6' {
  return family === AF_INET6 ? 'inet6' : 'inet';
}
