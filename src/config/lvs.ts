// virtual_server_group and virtual_server blocks with their real servers,
// sorry server and checkers.
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import * as ipaddr from 'ipaddr.js';
import { AF_INET, AF_INET6, AddressFamily } from '../ipvs/types';
import { applyBlock, Handlers, ignored, needBlock } from './block';
import {
  CheckerDraft, isCheckerType, parseChecker, resolveTiming, timingHandlers, TimingOverrides,
} from './checkers';
import { Diagnostics, SourceLocation } from './diagnostics';
import {
  Checker, LvsMethod, RealServer, SorryServer, VirtualServer, VirtualServerGroup, VirtualServerGroupEntry,
} from './model';
import { Statement } from './tree';
import { Address, Args, parseAddress } from './values';

export const SCHEDULERS = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh', 'twos'] as const;
const SCHEDULER_FLAGS = ['flag-1', 'flag-2', 'flag-3', 'sh-port', 'sh-fallback', 'mh-port', 'mh-fallback'];

/** Persistence timeout keepalived applies when persistence_timeout has no value: 6 minutes. */
const DEFAULT_PERSISTENCE_SEC = 360;
/** The kernel keeps a weight in an int: keepalived, and ipvsadm as Debian builds it, take up to its maximum. */
const MAX_WEIGHT = 0x7fffffff;
/** The kernel keeps the timeout in jiffies in 32 bits: stay within that at HZ=1000. */
const MAX_PERSISTENCE_SEC = 2_147_483;

/** "NAT|DR|TUN [type ipip|gue port N|gre] [nocsum|csum|remcsum]" from argument index 0. */
export function parseMethod(a: Args): LvsMethod | undefined {
  const kind = a.oneOf(0, ['NAT', 'DR', 'TUN'] as const);
  if (kind === undefined) return undefined;
  if (kind !== 'TUN') {
    a.atMost(1);
    return { kind };
  }
  const method: LvsMethod = { kind: 'TUN', tunnel: { type: 'ipip' } };
  const tunnel = method.tunnel;
  for (let i = 1; i < a.count; i++) {
    const word = a.text(i);
    if (word === 'type') {
      tunnel.type = a.oneOf(++i, ['ipip', 'gue', 'gre'] as const, 'tunnel type') ?? tunnel.type;
    } else if (word === 'port') {
      tunnel.port = a.int(++i, 1, 65535, 'tunnel port');
    } else if (word === 'nocsum' || word === 'csum' || word === 'remcsum') {
      tunnel.checksum = word;
    } else {
      return a.error(`${a.keyword} TUN: unexpected "${word}" (expected type ipip|gue port N|gre, nocsum, csum or remcsum)`);
    }
  }
  if (tunnel.type === 'gue' && tunnel.port === undefined) return a.error(`${a.keyword} TUN type gue needs a port`);
  if (tunnel.type !== 'gue' && tunnel.port !== undefined) return a.error(`${a.keyword} TUN: port applies to type gue only`);
  if (tunnel.type === 'ipip' && tunnel.checksum !== undefined) return a.error(`${a.keyword} TUN: ${tunnel.checksum} applies to type gue or gre only`);
  if (tunnel.type === 'gre' && tunnel.checksum === 'remcsum') return a.error(`${a.keyword} TUN type gre does not support remcsum`);
  return method;
}

/** "IP [PORT]" of a real or sorry server. */
function serverAddress(a: Args, what: string): (Address & { port: number }) | undefined {
  const addr = a.address(0, `${what} address`);
  const port = a.count > 1 ? a.port(1, `${what} port`) : 0;
  a.atMost(2);
  if (!addr || port === undefined) return undefined;
  return { ...addr, port };
}

// ---- virtual_server_group ----

function toBigInt(addr: ipaddr.IPv4 | ipaddr.IPv6): bigint {
  return addr.toByteArray().reduce((n, b) => (n << 8n) | BigInt(b), 0n);
}

/** Each address of a range is a kernel service: more than this is a typo, not a table. */
const MAX_RANGE_ADDRESSES = 65536;

type AddressRange = { family: AddressFamily; first: string; last: string };

/**
 * "A.B.C.D", "A.B.C.D-E", "A.B.C.D-E.F.G.H", "A.B.C.D/nn" (and IPv6 forms) as
 * first/last, or why not; as keepalived, a prefix must be 1 or more and the
 * address must have no bits set beyond it.
 */
function parseRange(text: string): AddressRange | string | undefined {
  const range = parseRangeBounds(text);
  if (range === undefined || typeof range === 'string') return range;
  const size = toBigInt(ipaddr.parse(range.last)) - toBigInt(ipaddr.parse(range.first)) + 1n;
  if (size > BigInt(MAX_RANGE_ADDRESSES)) return `"${text}" holds ${size} addresses, each a service; at most ${MAX_RANGE_ADDRESSES} are taken`;
  return range;
}

function parseRangeBounds(text: string): AddressRange | string | undefined {
  if (text.includes('/')) {
    let addr: ipaddr.IPv4 | ipaddr.IPv6;
    let len: number;
    try {
      [addr, len] = ipaddr.parseCIDR(text);
    } catch {
      return undefined;
    }
    if (!parseAddress(addr.toString())) return undefined;
    if (len === 0) return `"${text}": the prefix length must be 1 or more`;
    const cidr = `${addr.toString()}/${len}`;
    const cls = addr.kind() === 'ipv4' ? ipaddr.IPv4 : ipaddr.IPv6;
    const first = cls.networkAddressFromCIDR(cidr).toString();
    if (first !== addr.toString()) return `"${text}" has address bits set beyond /${len} (the block starts at ${first})`;
    return { family: addr.kind() === 'ipv4' ? AF_INET : AF_INET6, first, last: cls.broadcastAddressFromCIDR(cidr).toString() };
  }
  const dash = text.lastIndexOf('-');
  const first = parseAddress(dash < 0 ? text : text.slice(0, dash));
  if (!first) return undefined;
  if (dash < 0) return { family: first.family, first: first.address, last: first.address };
  const tail = text.slice(dash + 1);
  let last = parseAddress(tail);
  if (!last) {
    // A bare number replaces the last octet (IPv4, decimal) or group (IPv6, hex).
    const isV4 = first.family === AF_INET;
    if (!(isV4 ? /^\d{1,3}$/ : /^[0-9a-fA-F]{1,4}$/).test(tail)) return undefined;
    const n = parseInt(tail, isV4 ? 10 : 16);
    if (isV4 && n > 255) return undefined;
    const bytes = ipaddr.parse(first.address).toByteArray();
    if (isV4) bytes[3] = n;
    else [bytes[14], bytes[15]] = [n >> 8, n & 0xff];
    last = { family: first.family, address: ipaddr.fromByteArray(bytes).toString() };
  }
  if (last.family !== first.family) return undefined;
  if (toBigInt(ipaddr.parse(last.address)) < toBigInt(ipaddr.parse(first.address))) return undefined;
  return { family: first.family, first: first.address, last: last.address };
}

export function parseVirtualServerGroup(stmt: Statement, diags: Diagnostics): VirtualServerGroup | undefined {
  const a = new Args(stmt, 'virtual_server_group', diags);
  const name = a.string(0, 'a name');
  a.atMost(1);
  const body = needBlock(a);
  if (name === undefined || !body) return undefined;
  const entries: VirtualServerGroupEntry[] = [];
  for (const entry of body) {
    const e = new Args(entry, 'virtual_server_group', diags);
    if (entry.keyword === 'fwmark') {
      const fwmark = e.int(0, 1, 0xffffffff, 'fwmark');
      const family = e.count > 1 ? e.oneOf(1, ['inet', 'inet6'] as const, 'fwmark family') : undefined;
      e.atMost(2);
      if (fwmark === undefined) continue;
      const item: VirtualServerGroupEntry = { kind: 'fwmark', fwmark, at: entry.at };
      if (family) item.family = family === 'inet' ? AF_INET : AF_INET6;
      entries.push(item);
      continue;
    }
    const range = parseRange(entry.keyword);
    if (!range || typeof range === 'string') {
      e.error(range ?? `"${entry.keyword}" is not an address, address range (A.B.C.D-E, A-B, A/nn) or fwmark N`);
      continue;
    }
    const port = e.count > 0 ? e.port(0, `${entry.keyword} port`) : 0;
    e.atMost(1);
    if (port !== undefined) entries.push({ kind: 'range', ...range, port, at: entry.at });
  }
  return { name, at: stmt.at, entries };
}

// ---- real_server ----

interface RealServerDraft {
  server: Omit<RealServer, 'method' | 'checkers'>;
  method?: LvsMethod;
  /** The server's own inhibit_on_failure, which wins over the virtual server's. */
  inhibit?: boolean;
  /** Without its own weight, a server takes the virtual server's (1 unless given). */
  weightGiven?: boolean;
  timing: TimingOverrides;
  checkers: CheckerDraft[];
}

const REAL_SERVER_HANDLERS: Handlers<RealServerDraft> = {
  ...timingHandlers<RealServerDraft>((r) => r.timing),
  weight: (a, r) => {
    r.server.weight = a.int(0, 0, MAX_WEIGHT) ?? r.server.weight;
    r.weightGiven = true;
  },
  lvs_method: (a, r) => { r.method = parseMethod(a) ?? r.method; },
  lb_kind: (a, r) => { r.method = parseMethod(a) ?? r.method; },
  uthreshold: (a, r) => { r.server.upperThreshold = a.int(0, 0, 0xffffffff); },
  lthreshold: (a, r) => { r.server.lowerThreshold = a.int(0, 0, 0xffffffff); },
  inhibit_on_failure: (a, r) => { r.inhibit = a.bool() ?? r.inhibit; },
  notify_up: (a, r) => { r.server.notifyUp = a.script(); },
  notify_down: (a, r) => { r.server.notifyDown = a.script(); },
  smtp_alert: (a, r) => { r.server.smtpAlert = a.bool(); },
  virtualhost: (a, r) => { r.server.virtualhost = a.string(0); },
  ...ignored('snmp_name'),
};

function parseRealServer(stmt: Statement, diags: Diagnostics): RealServerDraft | undefined {
  const a = new Args(stmt, 'real_server', diags);
  const addr = serverAddress(a, 'real_server');
  if (!addr) return undefined;
  const draft: RealServerDraft = {
    server: { at: stmt.at, ...addr, weight: 1, inhibitOnFailure: false },
    timing: {},
    checkers: [],
  };
  for (const s of stmt.block ?? []) {
    if (isCheckerType(s.keyword)) {
      const c = parseChecker(s, diags);
      if (c) draft.checkers.push(c);
    } else {
      applyBlock([s], 'real_server', REAL_SERVER_HANDLERS, draft, diags);
    }
  }
  return draft;
}

// ---- virtual_server ----

interface VirtualServerDraft {
  vs: VirtualServer;
  timing: TimingOverrides;
  realServers: RealServerDraft[];
  /** inhibit_on_failure may follow the real servers it applies to, so it is resolved at the end. */
  inhibitOnFailure?: boolean;
  sorryMethod?: LvsMethod;
  sorryInhibit: boolean;
  sorry?: Omit<SorryServer, 'method' | 'inhibit'>;
  protocolGiven: boolean;
  quorumGiven: boolean;
  /** The weight of real servers that give none (keepalived's virtual_server "weight"). */
  serverWeight?: number;
}

const VIRTUAL_SERVER_HANDLERS: Handlers<VirtualServerDraft> = {
  ...timingHandlers<VirtualServerDraft>((d) => d.timing),
  lb_algo: (a, d) => { d.vs.scheduler = a.oneOf(0, SCHEDULERS) ?? d.vs.scheduler; },
  lvs_sched: (a, d) => { d.vs.scheduler = a.oneOf(0, SCHEDULERS) ?? d.vs.scheduler; },
  lb_kind: (a, d) => { d.vs.method = parseMethod(a) ?? d.vs.method; },
  lvs_method: (a, d) => { d.vs.method = parseMethod(a) ?? d.vs.method; },
  ...Object.fromEntries(SCHEDULER_FLAGS.map((flag) => [flag, (_a: Args, d: VirtualServerDraft) => {
    if (!d.vs.schedulerFlags.includes(flag)) d.vs.schedulerFlags.push(flag);
  }])),
  ops: (_a, d) => { d.vs.ops = true; },
  persistence_timeout: (a, d) => {
    d.vs.persistenceTimeoutSec = a.count ? a.int(0, 1, MAX_PERSISTENCE_SEC) : DEFAULT_PERSISTENCE_SEC;
  },
  persistence_granularity: (a, d) => {
    const text = a.string(0, 'a netmask or IPv6 prefix length');
    if (text === undefined) return;
    const asMask = ipaddr.IPv4.isValidFourPartDecimal(text) ? ipaddr.IPv4.parse(text).prefixLengthFromSubnetMask() : null;
    if (asMask === null && !(/^\d+$/.test(text) && Number(text) >= 1 && Number(text) <= 128)) {
      a.error(`persistence_granularity "${text}" is not an IPv4 netmask or an IPv6 prefix length in 1..128`);
      return;
    }
    d.vs.persistenceGranularity = text;
  },
  persistence_engine: (a, d) => { d.vs.persistenceEngine = a.string(0); },
  protocol: (a, d) => {
    d.vs.protocol = a.oneOf(0, ['TCP', 'UDP', 'SCTP'] as const) ?? d.vs.protocol;
    d.protocolGiven = true;
  },
  ha_suspend: (a, d) => {
    d.vs.haSuspend = true;
    a.unsupported('the checks run whatever the VRRP state');
  },
  smtp_alert: (a, d) => { d.vs.smtpAlert = a.bool(); },
  virtualhost: (a, d) => { d.vs.virtualhost = a.string(0); },
  alpha: (a, d) => {
    d.vs.alpha = a.bool() ?? d.vs.alpha;
    d.timing.alpha = d.vs.alpha;
  },
  omega: (a, d) => { d.vs.omega = a.bool() ?? d.vs.omega; },
  quorum: (a, d) => {
    const q = a.int(0, 0, MAX_WEIGHT);
    // keepalived takes 0 as 1: a quorum of 0 would hold with every server down, and the sorry server never go in.
    if (q === 0) a.warning('quorum 0 is taken as 1, as keepalived takes it');
    d.vs.quorum = q === 0 ? 1 : q ?? d.vs.quorum;
    d.quorumGiven = true;
  },
  hysteresis: (a, d) => { d.vs.hysteresis = a.int(0, 0, MAX_WEIGHT) ?? d.vs.hysteresis; },
  quorum_up: (a, d) => { d.vs.quorumUp = a.script(); },
  quorum_down: (a, d) => { d.vs.quorumDown = a.script(); },
  ip_family: (a, d) => {
    const f = a.oneOf(0, ['inet', 'inet6'] as const);
    if (f) d.vs.ipFamily = f === 'inet' ? AF_INET : AF_INET6;
  },
  sorry_server: (a, d) => {
    const addr = serverAddress(a, 'sorry_server');
    if (addr) d.sorry = { at: a.stmt.at, ...addr };
  },
  sorry_server_inhibit: (a, d) => { d.sorryInhibit = a.bool() ?? d.sorryInhibit; },
  sorry_server_lvs_method: (a, d) => { d.sorryMethod = parseMethod(a) ?? d.sorryMethod; },
  inhibit_on_failure: (a, d) => { d.inhibitOnFailure = a.bool(); },
  weight: (a, d) => { d.serverWeight = a.int(0, 1, MAX_WEIGHT) ?? d.serverWeight; },
  ...ignored('snmp_name'),
};

function parseKey(a: Args): VirtualServer['key'] | undefined {
  const first = a.text(0);
  if (first === 'fwmark') {
    a.atMost(2);
    const fwmark = a.int(1, 1, 0xffffffff, 'fwmark');
    return fwmark === undefined ? undefined : { kind: 'fwmark', fwmark };
  }
  if (first === 'group') {
    a.atMost(2);
    const group = a.string(1, 'a virtual_server_group name');
    return group === undefined ? undefined : { kind: 'group', group };
  }
  const addr = a.address(0, 'virtual_server address');
  const port = a.count > 1 ? a.port(1, 'virtual_server port') : 0;
  a.atMost(2);
  if (!addr || port === undefined) return undefined;
  return { kind: 'address', ...addr, port };
}

/**
 * The port a real or sorry server gets in the kernel, as keepalived sets it:
 * with NAT its own (the service's when it has none); with DR or TUN the
 * service's, since the packet keeps its destination port (0 for a fwmark).
 * In a group, 0 stands for each entry's own port.
 */
function serverPort(what: string, server: { address: string; port: number; at: SourceLocation }, method: LvsMethod, key: VirtualServer['key'], diags: Diagnostics): number {
  // The group's entries are known only once the whole file is read: validate.ts warns there.
  if (key.kind === 'group') return method.kind === 'NAT' ? server.port : 0;
  const servicePort = key.kind === 'address' ? key.port : 0;
  if (method.kind === 'NAT') return server.port === 0 ? servicePort : server.port;
  if (server.port !== 0 && server.port !== servicePort) {
    diags.warning(server.at, what, `${server.address} port ${server.port} is not the virtual server's (${method.kind} keeps the destination port): ${servicePort === 0 ? 'the port is cleared' : `port ${servicePort} is used`}, as keepalived does`);
  }
  return servicePort;
}

/** An SMTP_CHECK with host { } blocks is one checker per host, as keepalived makes them. */
function smtpHostCheckers(c: Checker): Checker[] {
  if (c.type !== 'SMTP_CHECK' || !c.hosts?.length) return [c];
  const { hosts, ...base } = c;
  return hosts.map((h) => ({ ...base, ...h }));
}

/** A MISC_CHECK program that cannot run: a path that is not an executable file (a bare name is left to the PATH). */
function unrunnable(checker: Checker): string | undefined {
  if (checker.type !== 'MISC_CHECK') return undefined;
  const program = checker.script.argv[0] ?? '';
  if (!program.includes('/')) return undefined;
  try {
    accessSync(program, fsConstants.X_OK);
    return statSync(program).isFile() ? undefined : program;
  } catch {
    return program;
  }
}

function finishRealServer(r: RealServerDraft, d: VirtualServerDraft, diags: Diagnostics): RealServer {
  const checkers = r.checkers.map((c) => ({
    ...c.checker,
    ...resolveTiming(c.checker.type, c.timing, r.timing, d.timing),
  }) as Checker).flatMap(smtpHostCheckers).filter((c) => {
    const program = unrunnable(c);
    if (program === undefined) return true;
    // keepalived drops such a checker at start: the server is then not checked (and stays in), rather than failed.
    diags.warning(c.at, 'MISC_CHECK', `misc_path ${program} is not an executable file: this checker is dropped and ${r.server.address} is not checked by it, as keepalived drops it`);
    return false;
  });
  const method = r.method ?? d.vs.method;
  const port = serverPort('real_server', r.server, method, d.vs.key, diags);
  const inhibit = r.inhibit ?? d.inhibitOnFailure ?? false;
  const weight = r.weightGiven ? r.server.weight : (d.serverWeight ?? r.server.weight);
  const checkPort = r.server.port !== 0 && r.server.port !== port ? { checkPort: r.server.port } : {};
  return { ...r.server, port, ...checkPort, weight, inhibitOnFailure: inhibit, method, checkers };
}

/** What keepalived corrects, with a warning, once a virtual server is read. */
function settleVirtualServer(d: VirtualServerDraft, diags: Diagnostics): void {
  const { vs } = d;
  if (!d.protocolGiven && vs.key.kind === 'address') {
    vs.protocol = 'UDP';
    diags.warning(vs.at, 'virtual_server', 'no protocol line: the service is UDP, as keepalived makes it; say "protocol TCP" for TCP');
  }
  if (vs.key.kind === 'address' && vs.ops && vs.protocol !== 'UDP') {
    diags.warning(vs.at, 'virtual_server', `ops (one-packet scheduling) applies to UDP only: not set for this ${vs.protocol} service, as keepalived resets it`);
    vs.ops = false;
  }
  if (vs.persistenceGranularity !== undefined && vs.persistenceTimeoutSec === undefined) vs.persistenceTimeoutSec = DEFAULT_PERSISTENCE_SEC;
  if (vs.key.kind === 'address' && vs.key.port === 0 && vs.persistenceTimeoutSec === undefined) {
    vs.persistenceTimeoutSec = DEFAULT_PERSISTENCE_SEC;
    diags.warning(vs.at, 'virtual_server', `a service on all ports must be persistent: persistence_timeout ${DEFAULT_PERSISTENCE_SEC}, as keepalived sets it`);
  }
  const weights = vs.realServers.reduce((sum, rs) => sum + rs.weight, 0);
  if (d.quorumGiven && vs.realServers.length > 0 && vs.quorum > weights) {
    // Not reduced, as keepalived would: real servers added through the API count towards quorum too.
    diags.warning(vs.at, 'virtual_server', `quorum ${vs.quorum} exceeds the total weight ${weights} of the real servers in the file: until servers added through the API make up the rest, the service has no quorum (keepalived would reduce quorum to ${weights})`);
  }
  if (vs.quorum > 0 && vs.hysteresis >= vs.quorum) {
    diags.warning(vs.at, 'virtual_server', `hysteresis ${vs.hysteresis} is not below quorum ${vs.quorum}: hysteresis ${vs.quorum - 1}, as keepalived sets it`);
    vs.hysteresis = vs.quorum - 1;
  }
}

/** A virtual server, and whether its block named a protocol (a group's default is only known once its group is read). */
export function parseVirtualServer(stmt: Statement, diags: Diagnostics): { vs: VirtualServer; protocolGiven: boolean } | undefined {
  const a = new Args(stmt, 'virtual_server', diags);
  const key = parseKey(a);
  const body = needBlock(a);
  if (!key || !body) return undefined;
  const d: VirtualServerDraft = {
    vs: {
      at: stmt.at, key, protocol: 'TCP', scheduler: 'wlc', schedulerFlags: [], ops: false, method: { kind: 'NAT' },
      haSuspend: false, alpha: false, omega: false, quorum: 1, hysteresis: 0, inhibitOnFailure: false,
      delayLoopMs: 60_000, realServers: [],
    },
    timing: {},
    realServers: [],
    sorryInhibit: false,
    protocolGiven: false,
    quorumGiven: false,
  };
  for (const s of body) {
    if (s.keyword === 'real_server') {
      const r = parseRealServer(s, diags);
      if (r) d.realServers.push(r);
    } else {
      applyBlock([s], 'virtual_server', VIRTUAL_SERVER_HANDLERS, d, diags);
    }
  }
  d.vs.inhibitOnFailure = d.inhibitOnFailure ?? false;
  d.vs.delayLoopMs = d.timing.delayLoopMs ?? d.vs.delayLoopMs;
  d.vs.realServers = d.realServers.map((r) => finishRealServer(r, d, diags));
  if (d.sorry) {
    const method = d.sorryMethod ?? d.vs.method;
    d.vs.sorryServer = { ...d.sorry, port: serverPort('sorry_server', d.sorry, method, d.vs.key, diags), method, inhibit: d.sorryInhibit };
  }
  else if (d.sorryMethod || d.sorryInhibit) diags.warning(stmt.at, 'virtual_server', 'sorry_server settings given without a sorry_server; ignored');
  settleVirtualServer(d, diags);
  return { vs: d.vs, protocolGiven: d.protocolGiven };
}

/**
 * A virtual_server group without a protocol line: UDP when its group has
 * addresses, as keepalived makes it (the kernel's default for protocol 0).
 */
export function settleGroupProtocol(vs: VirtualServer, groups: VirtualServerGroup[], diags: Diagnostics): void {
  if (vs.key.kind !== 'group') return;
  const name = vs.key.group;
  if (!groups.find((g) => g.name === name)?.entries.some((e) => e.kind === 'range')) return;
  vs.protocol = 'UDP';
  diags.warning(vs.at, 'virtual_server', 'no protocol line: the service is UDP, as keepalived makes it; say "protocol TCP" for TCP');
}
