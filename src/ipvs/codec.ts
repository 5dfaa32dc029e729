// Typed codecs between the IPVS object model (types.ts) and the attributes
// of the IPVS generic netlink family. Encoders validate first and throw
// IpvsInputError, so bad input never reaches the kernel; decoders throw
// IpvsProtocolError on anything malformed and ignore unknown attributes.
import { Attrs, AttrWriter, readU32h, writeU32h } from './attrs';
import { addressText, writeAddress } from './address';
import {
  ADDR_LEN, Cmd, CmdAttr, DaemonAttr, DestAttr, FWD_MASK, GENL_HDRLEN, IFNAME_MAX, InfoAttr, IPVS_VERSION,
  PE_NAME_MAX, SCHED_NAME_MAX, StatsAttr, SvcAttr, type CommandName,
} from './constants';
import { daemonStateText, daemonText, realServerText, serviceText } from './describe';
import { IpvsInputError, IpvsProtocolError } from './errors';
import {
  AF_INET, AF_INET6, DAEMON_STATE_CODE, FORWARD_CODE, PROTOCOL_NUMBER, SVC_F_HASHED, TUNNEL_TYPE_CODE,
  type AddressFamily, type ForwardMethod, type IpvsInfo, type Protocol, type RealServer, type RealServerKey,
  type RealServerStatus, type Service, type ServiceKey, type ServiceStatus, type Stats, type SyncDaemon,
  type SyncDaemonState, type Timeouts, type TunnelType,
} from './types';

/** One IPVS command ready to frame: what it is, what it acts on, its encoded payload. */
export interface IpvsRequest {
  command: CommandName;
  target: string;
  /** Generic netlink header + attributes. */
  payload: Buffer;
  dump?: boolean;
  /** What ENOENT from the kernel means for this request, when it names something the kernel lacks. */
  missing?: string;
}

/** Generic netlink header + attributes: the payload after the netlink header. */
export function genlPayload(req: IpvsRequest): Buffer {
  return req.payload;
}

const writer = (command: CommandName): AttrWriter => new AttrWriter(Cmd[command], IPVS_VERSION);

const isUint = (v: unknown, max: number): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max;
const U32 = 0xffffffff;

/** Name by code, looked up in a reverse table built once (decoders run per dumped entry). */
function reverse<K extends string>(table: Record<K, number>): (code: number) => K | undefined {
  const names = new Map<number, K>();
  for (const k of Object.keys(table) as K[]) names.set(table[k], k);
  return (code) => names.get(code);
}
const protocolByNumber = reverse(PROTOCOL_NUMBER);
const forwardByCode = reverse(FORWARD_CODE);
const tunnelTypeByCode = reverse(TUNNEL_TYPE_CODE);
const daemonStateByCode = reverse(DAEMON_STATE_CODE);

function checkFamily(family: unknown, command: string, target: string): AddressFamily {
  if (family !== AF_INET && family !== AF_INET6) {
    throw new IpvsInputError(command, target, `address family ${String(family)} is neither AF_INET (2) nor AF_INET6 (10)`);
  }
  return family;
}

function checkName(value: unknown, what: string, max: number, min: number, command: string, target: string): string {
  // Any other bytes are the kernel's to judge: it answers that no such module is found, as ipvsadm reports.
  const bytes = typeof value === 'string' ? Buffer.byteLength(value) : -1;
  if (typeof value !== 'string' || bytes < min || bytes >= max || value.includes('\0')) {
    throw new IpvsInputError(command, target, `${what} ${JSON.stringify(value)} must be ${min}-${max - 1} bytes without NUL`);
  }
  return value;
}

// ---- services ----

function writeServiceKey(w: AttrWriter, key: ServiceKey, command: CommandName, target: string): void {
  const family = checkFamily(key.family, command, target);
  w.u16(SvcAttr.AF, family);
  if (key.fwmark !== undefined) {
    if (!isUint(key.fwmark, U32) || key.fwmark === 0) {
      throw new IpvsInputError(command, target, `firewall mark ${String(key.fwmark)} must be 1-4294967295`);
    }
    w.u32(SvcAttr.FWMARK, key.fwmark);
    return;
  }
  const proto = PROTOCOL_NUMBER[key.protocol as Protocol];
  if (proto === undefined || !Object.hasOwn(PROTOCOL_NUMBER, key.protocol)) {
    throw new IpvsInputError(command, target, `protocol ${JSON.stringify(key.protocol)} is not tcp, udp or sctp`);
  }
  w.u16(SvcAttr.PROTOCOL, proto);
  writeAddressAttr(w, SvcAttr.ADDR, family, key.address, command, target);
  if (!isUint(key.port, 0xffff)) throw new IpvsInputError(command, target, `port ${String(key.port)} must be 0-65535`);
  w.be16(SvcAttr.PORT, key.port);
}

function writeAddressAttr(w: AttrWriter, type: number, family: AddressFamily, address: string, command: CommandName, target: string): void {
  let ok = false;
  w.fill(type, ADDR_LEN, (out, off) => { ok = writeAddress(family, address, out, off); });
  if (!ok) throw new IpvsInputError(command, target, `${JSON.stringify(address)} is not an IPv${family === AF_INET ? 4 : 6} address`);
}

function safeServiceText(key: ServiceKey): string {
  try { return serviceText(key); } catch { return 'service'; }
}

export function serviceKeyRequest(command: 'DEL_SERVICE' | 'GET_SERVICE' | 'ZERO' | 'GET_DEST', key: ServiceKey): IpvsRequest {
  const target = safeServiceText(key);
  const w = writer(command);
  const svc = w.begin(CmdAttr.SERVICE);
  writeServiceKey(w, key, command, target);
  w.end(svc);
  return { command, target, dump: command === 'GET_DEST', payload: w.finish() };
}

export function serviceRequest(command: 'NEW_SERVICE' | 'SET_SERVICE', s: Service): IpvsRequest {
  const target = safeServiceText(s);
  const w = writer(command);
  const svc = w.begin(CmdAttr.SERVICE);
  writeServiceKey(w, s, command, target);
  const sched = checkName(s.scheduler, 'scheduler', SCHED_NAME_MAX, 1, command, target);
  const pe = checkName(s.peName ?? '', 'persistence engine', PE_NAME_MAX, 0, command, target);
  if (!isUint(s.flags, U32)) throw new IpvsInputError(command, target, `flags ${String(s.flags)} must be a 32-bit unsigned number`);
  if (!isUint(s.timeout, U32)) throw new IpvsInputError(command, target, `persistence timeout ${String(s.timeout)} must be 0-4294967295 seconds`);
  if (!isUint(s.netmask, U32)) throw new IpvsInputError(command, target, `netmask ${String(s.netmask)} must be a 32-bit unsigned number`);
  w.string(SvcAttr.SCHED_NAME, sched);
  if (pe !== '') w.string(SvcAttr.PE_NAME, pe);
  w.fill(SvcAttr.FLAGS, 8, (out, off) => {
    writeU32h(out, s.flags & ~SVC_F_HASHED, off);
    // A full mask, as ipvsadm sends: the flags given are the service's flags.
    writeU32h(out, U32, off + 4);
  });
  w.u32(SvcAttr.TIMEOUT, s.timeout);
  // IPv4: a mask in network order; IPv6: a prefix length in host order (as the kernel reads them).
  if (s.family === AF_INET) w.be32(SvcAttr.NETMASK, s.netmask); else w.u32(SvcAttr.NETMASK, s.netmask);
  w.end(svc);
  return { command, target, payload: w.finish(), missing: missingModules(sched, pe) };
}

/**
 * The kernel loads ip_vs_NAME for a scheduler and ip_vs_pe_NAME for a
 * persistence engine on demand, and answers ENOENT when that fails; which
 * of the two it lacked, it does not say.
 */
function missingModules(sched: string, pe: string): string {
  if (pe === '') return `the kernel has no scheduler ${sched} (module ip_vs_${sched} is not loaded and could not be)`;
  return `the kernel has no scheduler ${sched} (module ip_vs_${sched}) or no persistence engine ${pe} `
    + `(module ip_vs_pe_${pe}): one is not loaded and could not be`;
}

/**
 * What a decoder told to skip the counters puts in their place: a listing
 * without --stats or --rate never shows them, and they are most of a
 * dumped entry's attributes.
 */
export const COUNTERS_NOT_READ: Stats = Object.freeze({
  conns: 0n, inPkts: 0n, outPkts: 0n, inBytes: 0n, outBytes: 0n, cps: 0n, inPps: 0n, outPps: 0n, inBps: 0n, outBps: 0n,
});

function decodeStats(a: Attrs): Stats {
  return {
    conns: a.counter(StatsAttr.CONNS, 'CONNS'),
    inPkts: a.counter(StatsAttr.INPKTS, 'INPKTS'),
    outPkts: a.counter(StatsAttr.OUTPKTS, 'OUTPKTS'),
    inBytes: a.counter(StatsAttr.INBYTES, 'INBYTES'),
    outBytes: a.counter(StatsAttr.OUTBYTES, 'OUTBYTES'),
    cps: a.counter(StatsAttr.CPS, 'CPS'),
    inPps: a.counter(StatsAttr.INPPS, 'INPPS'),
    outPps: a.counter(StatsAttr.OUTPPS, 'OUTPPS'),
    inBps: a.counter(StatsAttr.INBPS, 'INBPS'),
    outBps: a.counter(StatsAttr.OUTBPS, 'OUTBPS'),
  };
}

function decodeFamily(a: Attrs, type: number, name: string): AddressFamily {
  const af = a.u16(type, name);
  if (af !== AF_INET && af !== AF_INET6) throw new IpvsProtocolError(a.where, `${name} is ${af}, not AF_INET or AF_INET6`);
  return af;
}

function decodeAddress(a: Attrs, type: number, name: string, family: AddressFamily): string {
  const size = a.size(type, name);
  const need = family === AF_INET ? 4 : 16;
  if (size < need || size > 16) throw new IpvsProtocolError(a.where, `${name} has ${size} bytes`);
  return family === AF_INET ? a.dottedQuad(type, name) : addressText(family, a.raw(type, name));
}

/** Top-level attributes of a genl message payload, after its 4-byte header. */
export function messageAttrs(payload: Buffer, where: string): Attrs {
  return loadMessage(new Attrs(), payload, where);
}

function loadMessage(into: Attrs, payload: Buffer, where: string, start = 0, end = payload.length): Attrs {
  if (end - start < GENL_HDRLEN) throw new IpvsProtocolError(where, `generic netlink header truncated (${end - start} bytes)`);
  return into.load(payload, start + GENL_HDRLEN, end, where);
}

/**
 * One table per nesting level, reused for every dumped service or real
 * server: decoding is synchronous and returns plain objects, so no table
 * outlives the call that loaded it.
 */
const level = { message: new Attrs(), entry: new Attrs(), stats: new Attrs(), stats64: new Attrs() };

/** The one nested attribute (SERVICE, DEST) a dumped entry's message carries, in payload[start, end). */
function entryAttrs(payload: Buffer, start: number, end: number, where: string, type: number, name: string): Attrs {
  return loadMessage(level.message, payload, where, start, end).nestedInto(level.entry, type, name);
}

export function decodeService(payload: Buffer): ServiceStatus {
  return decodeServiceAt(payload, 0, payload.length);
}

/**
 * decodeService() of the message payload in buf[start, end).
 * @param counters false: stats and stats64 are COUNTERS_NOT_READ
 */
export function decodeServiceAt(buf: Buffer, start: number, end: number, counters = true): ServiceStatus {
  const a = entryAttrs(buf, start, end, 'service', CmdAttr.SERVICE, 'SERVICE');
  const family = decodeFamily(a, SvcAttr.AF, 'AF');
  let key: ServiceKey;
  if (a.has(SvcAttr.FWMARK)) {
    key = { family, fwmark: a.u32(SvcAttr.FWMARK, 'FWMARK') };
  } else {
    const number = a.u16(SvcAttr.PROTOCOL, 'PROTOCOL');
    const protocol = protocolByNumber(number);
    if (!protocol) throw new IpvsProtocolError(a.where, `unknown protocol ${number}`);
    key = {
      family, protocol,
      address: decodeAddress(a, SvcAttr.ADDR, 'ADDR', family),
      port: a.be16(SvcAttr.PORT, 'PORT'),
    };
  }
  const flags = a.raw(SvcAttr.FLAGS, 'FLAGS');
  if (flags.length !== 8) throw new IpvsProtocolError(a.where, `FLAGS has ${flags.length} bytes, expected 8`);
  const stats = counters ? decodeStats(a.nestedInto(level.stats, SvcAttr.STATS, 'STATS')) : COUNTERS_NOT_READ;
  const service: Service = {
    ...key,
    scheduler: a.string(SvcAttr.SCHED_NAME, 'SCHED_NAME'),
    flags: (readU32h(flags, 0) & ~SVC_F_HASHED) >>> 0,
    timeout: a.u32(SvcAttr.TIMEOUT, 'TIMEOUT'),
    netmask: family === AF_INET ? a.be32(SvcAttr.NETMASK, 'NETMASK') : a.u32(SvcAttr.NETMASK, 'NETMASK'),
    peName: a.has(SvcAttr.PE_NAME) ? a.string(SvcAttr.PE_NAME, 'PE_NAME') : '',
  };
  return {
    service,
    stats,
    stats64: counters && a.has(SvcAttr.STATS64) ? decodeStats(a.nestedInto(level.stats64, SvcAttr.STATS64, 'STATS64')) : stats,
  };
}

// ---- real servers ----

function writeRealServerKey(w: AttrWriter, rs: RealServerKey, command: CommandName, target: string): void {
  const family = checkFamily(rs.family, command, target);
  writeAddressAttr(w, DestAttr.ADDR, family, rs.address, command, target);
  if (!isUint(rs.port, 0xffff)) throw new IpvsInputError(command, target, `port ${String(rs.port)} must be 0-65535`);
  w.be16(DestAttr.PORT, rs.port);
  w.u16(DestAttr.ADDR_FAMILY, family);
}

function safeRealServerText(key: ServiceKey, rs: RealServerKey): string {
  try { return realServerText(key, rs); } catch { return 'real server'; }
}

/** A destination request up to the real server's key: the service nest, then the open DEST nest. */
function beginDestRequest(command: 'NEW_DEST' | 'SET_DEST' | 'DEL_DEST', key: ServiceKey, rs: RealServerKey) {
  const target = safeRealServerText(key, rs);
  const w = writer(command);
  const svc = w.begin(CmdAttr.SERVICE);
  writeServiceKey(w, key, command, target);
  w.end(svc);
  const dest = w.begin(CmdAttr.DEST);
  writeRealServerKey(w, rs, command, target);
  return { w, target, dest };
}

export function realServerRequest(command: 'NEW_DEST' | 'SET_DEST', key: ServiceKey, rs: RealServer): IpvsRequest {
  const { w, target, dest } = beginDestRequest(command, key, rs);
  const fwd = FORWARD_CODE[rs.forward as ForwardMethod];
  if (fwd === undefined || !Object.hasOwn(FORWARD_CODE, rs.forward)) {
    throw new IpvsInputError(command, target, `forwarding method ${JSON.stringify(rs.forward)} is not one of ${Object.keys(FORWARD_CODE).join(', ')}`);
  }
  if (!isUint(rs.weight, 0x7fffffff)) throw new IpvsInputError(command, target, `weight ${String(rs.weight)} must be 0-2147483647`);
  if (!isUint(rs.upperThreshold, U32)) throw new IpvsInputError(command, target, `upper threshold ${String(rs.upperThreshold)} must be 0-4294967295`);
  if (!isUint(rs.lowerThreshold, U32)) throw new IpvsInputError(command, target, `lower threshold ${String(rs.lowerThreshold)} must be 0-4294967295`);
  const tun = TUNNEL_TYPE_CODE[rs.tunnelType as TunnelType];
  if (tun === undefined || !Object.hasOwn(TUNNEL_TYPE_CODE, rs.tunnelType)) {
    throw new IpvsInputError(command, target, `tunnel type ${JSON.stringify(rs.tunnelType)} is not ipip, gue or gre`);
  }
  if (!isUint(rs.tunnelPort, 0xffff)) throw new IpvsInputError(command, target, `tunnel port ${String(rs.tunnelPort)} must be 0-65535`);
  if (!isUint(rs.tunnelFlags, 0xffff)) throw new IpvsInputError(command, target, `tunnel flags ${String(rs.tunnelFlags)} must be 0-65535`);
  w.u32(DestAttr.FWD_METHOD, fwd);
  w.u32(DestAttr.WEIGHT, rs.weight);
  w.u32(DestAttr.U_THRESH, rs.upperThreshold);
  w.u32(DestAttr.L_THRESH, rs.lowerThreshold);
  w.u8(DestAttr.TUN_TYPE, tun);
  w.be16(DestAttr.TUN_PORT, rs.tunnelPort);
  w.u16(DestAttr.TUN_FLAGS, rs.tunnelFlags);
  w.end(dest);
  return { command, target, payload: w.finish() };
}

export function realServerKeyRequest(key: ServiceKey, rs: RealServerKey): IpvsRequest {
  const command = 'DEL_DEST';
  const { w, target, dest } = beginDestRequest(command, key, rs);
  w.end(dest);
  return { command, target, payload: w.finish() };
}

/** @param serviceFamily used when the kernel predates IPVS_DEST_ATTR_ADDR_FAMILY */
export function decodeRealServer(payload: Buffer, serviceFamily: AddressFamily): RealServerStatus {
  return decodeRealServerAt(payload, 0, payload.length, serviceFamily);
}

/**
 * decodeRealServer() of the message payload in buf[start, end).
 * @param counters false: stats and stats64 are COUNTERS_NOT_READ
 */
export function decodeRealServerAt(buf: Buffer, start: number, end: number, serviceFamily: AddressFamily, counters = true): RealServerStatus {
  const a = entryAttrs(buf, start, end, 'real server', CmdAttr.DEST, 'DEST');
  const family = a.has(DestAttr.ADDR_FAMILY) ? decodeFamily(a, DestAttr.ADDR_FAMILY, 'ADDR_FAMILY') : serviceFamily;
  const fwdCode = a.u32(DestAttr.FWD_METHOD, 'FWD_METHOD') & FWD_MASK;
  const forward = forwardByCode(fwdCode);
  if (!forward) throw new IpvsProtocolError(a.where, `unknown forwarding method ${fwdCode}`);
  const tunCode = a.has(DestAttr.TUN_TYPE) ? a.u8(DestAttr.TUN_TYPE, 'TUN_TYPE') : 0;
  const tunnelType = tunnelTypeByCode(tunCode);
  if (!tunnelType) throw new IpvsProtocolError(a.where, `unknown tunnel type ${tunCode}`);
  const stats = counters ? decodeStats(a.nestedInto(level.stats, DestAttr.STATS, 'STATS')) : COUNTERS_NOT_READ;
  return {
    server: {
      family,
      address: decodeAddress(a, DestAttr.ADDR, 'ADDR', family),
      port: a.be16(DestAttr.PORT, 'PORT'),
      forward,
      weight: a.u32(DestAttr.WEIGHT, 'WEIGHT'),
      upperThreshold: a.u32(DestAttr.U_THRESH, 'U_THRESH'),
      lowerThreshold: a.u32(DestAttr.L_THRESH, 'L_THRESH'),
      tunnelType,
      tunnelPort: a.has(DestAttr.TUN_PORT) ? a.be16(DestAttr.TUN_PORT, 'TUN_PORT') : 0,
      tunnelFlags: a.has(DestAttr.TUN_FLAGS) ? a.u16(DestAttr.TUN_FLAGS, 'TUN_FLAGS') : 0,
    },
    activeConns: a.u32(DestAttr.ACTIVE_CONNS, 'ACTIVE_CONNS'),
    inactiveConns: a.u32(DestAttr.INACT_CONNS, 'INACT_CONNS'),
    persistConns: a.u32(DestAttr.PERSIST_CONNS, 'PERSIST_CONNS'),
    stats,
    stats64: counters && a.has(DestAttr.STATS64) ? decodeStats(a.nestedInto(level.stats64, DestAttr.STATS64, 'STATS64')) : stats,
  };
}

// ---- sync daemons ----

function checkState(state: unknown, command: CommandName, target: string): number {
  const code = DAEMON_STATE_CODE[state as SyncDaemonState];
  if (code === undefined || !Object.hasOwn(DAEMON_STATE_CODE, state as string)) {
    throw new IpvsInputError(command, target, `sync daemon state ${JSON.stringify(state)} is not master or backup`);
  }
  return code;
}

export function daemonRequest(d: SyncDaemon): IpvsRequest {
  const command = 'NEW_DAEMON';
  const target = daemonText(d);
  const w = writer(command);
  const daemon = w.begin(CmdAttr.DAEMON);
  w.u32(DaemonAttr.STATE, checkState(d.state, command, target));
  w.string(DaemonAttr.MCAST_IFN, checkName(d.interface, 'interface', IFNAME_MAX, 1, command, target));
  if (!isUint(d.syncId, 255)) throw new IpvsInputError(command, target, `sync id ${String(d.syncId)} must be 0-255`);
  w.u32(DaemonAttr.SYNC_ID, d.syncId);
  if (d.syncMaxLen !== undefined) {
    if (!isUint(d.syncMaxLen, 0xffff)) throw new IpvsInputError(command, target, `sync message length ${String(d.syncMaxLen)} must be 0-65535`);
    w.u16(DaemonAttr.SYNC_MAXLEN, d.syncMaxLen);
  }
  if (d.mcastGroup !== undefined) {
    const group = Buffer.alloc(ADDR_LEN);
    if (writeAddress(AF_INET, d.mcastGroup, group, 0)) w.fill(DaemonAttr.MCAST_GROUP, 4, (out, off) => group.copy(out, off, 0, 4));
    else if (writeAddress(AF_INET6, d.mcastGroup, group, 0)) w.fill(DaemonAttr.MCAST_GROUP6, ADDR_LEN, (out, off) => group.copy(out, off));
    else throw new IpvsInputError(command, target, `multicast group ${JSON.stringify(d.mcastGroup)} is not an IP address`);
  }
  if (d.mcastPort !== undefined) {
    if (!isUint(d.mcastPort, 0xffff)) throw new IpvsInputError(command, target, `multicast port ${String(d.mcastPort)} must be 0-65535`);
    w.u16(DaemonAttr.MCAST_PORT, d.mcastPort);
  }
  if (d.mcastTtl !== undefined) {
    if (!isUint(d.mcastTtl, 255)) throw new IpvsInputError(command, target, `multicast TTL ${String(d.mcastTtl)} must be 0-255`);
    w.u8(DaemonAttr.MCAST_TTL, d.mcastTtl);
  }
  w.end(daemon);
  return { command, target, payload: w.finish() };
}

export function daemonStopRequest(state: SyncDaemonState): IpvsRequest {
  const command = 'DEL_DAEMON';
  const target = daemonStateText(state);
  const w = writer(command);
  const daemon = w.begin(CmdAttr.DAEMON);
  w.u32(DaemonAttr.STATE, checkState(state, command, target));
  w.end(daemon);
  return { command, target, payload: w.finish() };
}

export function decodeDaemon(payload: Buffer): SyncDaemon {
  const a = messageAttrs(payload, 'sync daemon').nested(CmdAttr.DAEMON, 'DAEMON');
  const code = a.u32(DaemonAttr.STATE, 'STATE');
  const state = daemonStateByCode(code);
  if (!state) throw new IpvsProtocolError(a.where, `unknown sync daemon state ${code}`);
  const d: SyncDaemon = { state, interface: a.string(DaemonAttr.MCAST_IFN, 'MCAST_IFN'), syncId: a.u32(DaemonAttr.SYNC_ID, 'SYNC_ID') };
  const maxLen = a.optional(DaemonAttr.SYNC_MAXLEN, (t) => a.u16(t, 'SYNC_MAXLEN'));
  if (maxLen !== undefined) d.syncMaxLen = maxLen;
  if (a.has(DaemonAttr.MCAST_GROUP)) {
    const raw = a.raw(DaemonAttr.MCAST_GROUP, 'MCAST_GROUP');
    if (raw.length !== 4) throw new IpvsProtocolError(a.where, `MCAST_GROUP has ${raw.length} bytes, expected 4`);
    d.mcastGroup = addressText(AF_INET, raw);
  } else if (a.has(DaemonAttr.MCAST_GROUP6)) {
    const raw = a.raw(DaemonAttr.MCAST_GROUP6, 'MCAST_GROUP6');
    if (raw.length !== 16) throw new IpvsProtocolError(a.where, `MCAST_GROUP6 has ${raw.length} bytes, expected 16`);
    d.mcastGroup = addressText(AF_INET6, raw);
  }
  const port = a.optional(DaemonAttr.MCAST_PORT, (t) => a.u16(t, 'MCAST_PORT'));
  if (port !== undefined) d.mcastPort = port;
  const ttl = a.optional(DaemonAttr.MCAST_TTL, (t) => a.u8(t, 'MCAST_TTL'));
  if (ttl !== undefined) d.mcastTtl = ttl;
  return d;
}

// ---- configuration and info ----

export function timeoutsRequest(t: Timeouts): IpvsRequest {
  const command = 'SET_CONFIG';
  const target = 'timeouts';
  for (const [name, v] of [['tcp', t.tcp], ['tcpFin', t.tcpFin], ['udp', t.udp]] as const) {
    if (!isUint(v, 0x7fffffff)) throw new IpvsInputError(command, target, `${name} timeout ${String(v)} must be 0-2147483647 seconds`);
  }
  const w = writer(command);
  w.u32(CmdAttr.TIMEOUT_TCP, t.tcp);
  w.u32(CmdAttr.TIMEOUT_TCP_FIN, t.tcpFin);
  w.u32(CmdAttr.TIMEOUT_UDP, t.udp);
  return { command, target, payload: w.finish() };
}

/** Timeouts the kernel does not report (protocol support compiled out) read as 0. */
export function decodeTimeouts(payload: Buffer): Timeouts {
  const a = messageAttrs(payload, 'timeouts');
  const get = (type: number, name: string): number => a.optional(type, (t) => a.u32(t, name)) ?? 0;
  return { tcp: get(CmdAttr.TIMEOUT_TCP, 'TIMEOUT_TCP'), tcpFin: get(CmdAttr.TIMEOUT_TCP_FIN, 'TIMEOUT_TCP_FIN'), udp: get(CmdAttr.TIMEOUT_UDP, 'TIMEOUT_UDP') };
}

export function decodeInfo(payload: Buffer): IpvsInfo {
  const a = messageAttrs(payload, 'info');
  return { version: a.u32(InfoAttr.VERSION, 'VERSION'), connTableSize: a.u32(InfoAttr.CONN_TAB_SIZE, 'CONN_TAB_SIZE') };
}

export function plainRequest(command: CommandName, target: string, dump = false): IpvsRequest {
  return { command, target, payload: writer(command).finish(), dump };
}

