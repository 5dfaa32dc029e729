// Typed codecs between the IPVS object model (types.ts) and the attributes
// of the IPVS generic netlink family. Encoders validate first and throw
// IpvsInputError, so bad input never reaches the kernel; decoders throw
// IpvsProtocolError on anything malformed and ignore unknown attributes.
import {
  Attrs, attr, be16Attr, be32Attr, nested, stringAttr, u16Attr, u32Attr, u8Attr, readU32h, writeU32h,
} from './attrs';
import { addressBytes, addressText } from './address';
import {
  Cmd, CmdAttr, DaemonAttr, DestAttr, FWD_MASK, GENL_HDRLEN, IFNAME_MAX, InfoAttr, IPVS_VERSION,
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

/** One IPVS command ready to frame: what it is, what it acts on, its attributes. */
export interface IpvsRequest {
  command: CommandName;
  target: string;
  attrs: Buffer[];
  dump?: boolean;
}

/** Generic netlink header + attributes: the payload after the netlink header. */
export function genlPayload(req: IpvsRequest): Buffer {
  const head = Buffer.from([Cmd[req.command], IPVS_VERSION, 0, 0]);
  return Buffer.concat([head, ...req.attrs]);
}

const isUint = (v: unknown, max: number): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max;
const U32 = 0xffffffff;
const NAME_RE = /^[\x21-\x7e]*$/;

function byCode<K extends string>(table: Record<K, number>, code: number): K | undefined {
  return (Object.keys(table) as K[]).find((k) => table[k] === code);
}

function checkFamily(family: unknown, command: string, target: string): AddressFamily {
  if (family !== AF_INET && family !== AF_INET6) {
    throw new IpvsInputError(command, target, `address family ${String(family)} is neither AF_INET (2) nor AF_INET6 (10)`);
  }
  return family;
}

function checkName(value: unknown, what: string, max: number, min: number, command: string, target: string): string {
  if (typeof value !== 'string' || value.length < min || value.length >= max || !NAME_RE.test(value)) {
    throw new IpvsInputError(command, target,
      `${what} ${JSON.stringify(value)} must be ${min}-${max - 1} printable ASCII characters without spaces`);
  }
  return value;
}

// ---- services ----

function serviceKeyAttrs(key: ServiceKey, command: CommandName, target: string): Buffer[] {
  const family = checkFamily(key.family, command, target);
  const out = [u16Attr(SvcAttr.AF, family)];
  if (key.fwmark !== undefined) {
    if (!isUint(key.fwmark, U32) || key.fwmark === 0) {
      throw new IpvsInputError(command, target, `firewall mark ${String(key.fwmark)} must be 1-4294967295`);
    }
    out.push(u32Attr(SvcAttr.FWMARK, key.fwmark));
    return out;
  }
  const proto = PROTOCOL_NUMBER[key.protocol as Protocol];
  if (proto === undefined || !Object.hasOwn(PROTOCOL_NUMBER, key.protocol)) {
    throw new IpvsInputError(command, target, `protocol ${JSON.stringify(key.protocol)} is not tcp, udp or sctp`);
  }
  const addr = addressBytes(family, key.address);
  if (!addr) throw new IpvsInputError(command, target, `${JSON.stringify(key.address)} is not an IPv${family === AF_INET ? 4 : 6} address`);
  if (!isUint(key.port, 0xffff)) throw new IpvsInputError(command, target, `port ${String(key.port)} must be 0-65535`);
  out.push(u16Attr(SvcAttr.PROTOCOL, proto), attr(SvcAttr.ADDR, addr), be16Attr(SvcAttr.PORT, key.port));
  return out;
}

function safeServiceText(key: ServiceKey): string {
  try { return serviceText(key); } catch { return 'service'; }
}

export function serviceKeyRequest(command: 'DEL_SERVICE' | 'GET_SERVICE' | 'ZERO' | 'GET_DEST', key: ServiceKey): IpvsRequest {
  const target = safeServiceText(key);
  return {
    command, target, dump: command === 'GET_DEST',
    attrs: [nested(CmdAttr.SERVICE, serviceKeyAttrs(key, command, target))],
  };
}

export function serviceRequest(command: 'NEW_SERVICE' | 'SET_SERVICE', s: Service): IpvsRequest {
  const target = safeServiceText(s);
  const children = serviceKeyAttrs(s, command, target);
  const sched = checkName(s.scheduler, 'scheduler', SCHED_NAME_MAX, 1, command, target);
  const pe = checkName(s.peName ?? '', 'persistence engine', PE_NAME_MAX, 0, command, target);
  if (!isUint(s.flags, U32)) throw new IpvsInputError(command, target, `flags ${String(s.flags)} must be a 32-bit unsigned number`);
  if (!isUint(s.timeout, U32)) throw new IpvsInputError(command, target, `persistence timeout ${String(s.timeout)} must be 0-4294967295 seconds`);
  if (!isUint(s.netmask, U32)) throw new IpvsInputError(command, target, `netmask ${String(s.netmask)} must be a 32-bit unsigned number`);
  const flags = Buffer.alloc(8);
  writeU32h(flags, s.flags & ~SVC_F_HASHED, 0);
  // A full mask, as ipvsadm sends: the flags given are the service's flags.
  writeU32h(flags, U32, 4);
  children.push(stringAttr(SvcAttr.SCHED_NAME, sched));
  if (pe !== '') children.push(stringAttr(SvcAttr.PE_NAME, pe));
  children.push(
    attr(SvcAttr.FLAGS, flags),
    u32Attr(SvcAttr.TIMEOUT, s.timeout),
    // IPv4: a mask in network order; IPv6: a prefix length in host order (as the kernel reads them).
    s.family === AF_INET ? be32Attr(SvcAttr.NETMASK, s.netmask) : u32Attr(SvcAttr.NETMASK, s.netmask),
  );
  return { command, target, attrs: [nested(CmdAttr.SERVICE, children)] };
}

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
  const raw = a.raw(type, name);
  const need = family === AF_INET ? 4 : 16;
  if (raw.length < need || raw.length > 16) throw new IpvsProtocolError(a.where, `${name} has ${raw.length} bytes`);
  return addressText(family, raw);
}

/** Top-level attributes of a genl message payload, after its 4-byte header. */
export function messageAttrs(payload: Buffer, where: string): Attrs {
  if (payload.length < GENL_HDRLEN) throw new IpvsProtocolError(where, `generic netlink header truncated (${payload.length} bytes)`);
  return Attrs.parse(payload.subarray(GENL_HDRLEN), where);
}

export function decodeService(payload: Buffer): ServiceStatus {
  const a = messageAttrs(payload, 'service').nested(CmdAttr.SERVICE, 'SERVICE');
  const family = decodeFamily(a, SvcAttr.AF, 'AF');
  let key: ServiceKey;
  if (a.has(SvcAttr.FWMARK)) {
    key = { family, fwmark: a.u32(SvcAttr.FWMARK, 'FWMARK') };
  } else {
    const number = a.u16(SvcAttr.PROTOCOL, 'PROTOCOL');
    const protocol = byCode(PROTOCOL_NUMBER, number);
    if (!protocol) throw new IpvsProtocolError(a.where, `unknown protocol ${number}`);
    key = {
      family, protocol,
      address: decodeAddress(a, SvcAttr.ADDR, 'ADDR', family),
      port: a.be16(SvcAttr.PORT, 'PORT'),
    };
  }
  const flags = a.raw(SvcAttr.FLAGS, 'FLAGS');
  if (flags.length !== 8) throw new IpvsProtocolError(a.where, `FLAGS has ${flags.length} bytes, expected 8`);
  const stats = decodeStats(a.nested(SvcAttr.STATS, 'STATS'));
  const service: Service = {
    ...key,
    scheduler: a.string(SvcAttr.SCHED_NAME, 'SCHED_NAME'),
    flags: (readU32h(flags, 0) & ~SVC_F_HASHED) >>> 0,
    timeout: a.u32(SvcAttr.TIMEOUT, 'TIMEOUT'),
    netmask: family === AF_INET ? a.be32(SvcAttr.NETMASK, 'NETMASK') : a.u32(SvcAttr.NETMASK, 'NETMASK'),
    peName: a.optional(SvcAttr.PE_NAME, (t) => a.string(t, 'PE_NAME')) ?? '',
  };
  return {
    service,
    stats,
    stats64: a.optional(SvcAttr.STATS64, (t) => decodeStats(a.nested(t, 'STATS64'))) ?? stats,
  };
}

// ---- real servers ----

function realServerKeyAttrs(rs: RealServerKey, command: CommandName, target: string): Buffer[] {
  const family = checkFamily(rs.family, command, target);
  const addr = addressBytes(family, rs.address);
  if (!addr) throw new IpvsInputError(command, target, `${JSON.stringify(rs.address)} is not an IPv${family === AF_INET ? 4 : 6} address`);
  if (!isUint(rs.port, 0xffff)) throw new IpvsInputError(command, target, `port ${String(rs.port)} must be 0-65535`);
  return [attr(DestAttr.ADDR, addr), be16Attr(DestAttr.PORT, rs.port), u16Attr(DestAttr.ADDR_FAMILY, family)];
}

function safeRealServerText(key: ServiceKey, rs: RealServerKey): string {
  try { return realServerText(key, rs); } catch { return 'real server'; }
}

export function realServerRequest(command: 'NEW_DEST' | 'SET_DEST', key: ServiceKey, rs: RealServer): IpvsRequest {
  const target = safeRealServerText(key, rs);
  const svc = serviceKeyAttrs(key, command, target);
  const dest = realServerKeyAttrs(rs, command, target);
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
  dest.push(
    u32Attr(DestAttr.FWD_METHOD, fwd),
    u32Attr(DestAttr.WEIGHT, rs.weight),
    u32Attr(DestAttr.U_THRESH, rs.upperThreshold),
    u32Attr(DestAttr.L_THRESH, rs.lowerThreshold),
    u8Attr(DestAttr.TUN_TYPE, tun),
    be16Attr(DestAttr.TUN_PORT, rs.tunnelPort),
    u16Attr(DestAttr.TUN_FLAGS, rs.tunnelFlags),
  );
  return { command, target, attrs: [nested(CmdAttr.SERVICE, svc), nested(CmdAttr.DEST, dest)] };
}

export function realServerKeyRequest(key: ServiceKey, rs: RealServerKey): IpvsRequest {
  const command = 'DEL_DEST';
  const target = safeRealServerText(key, rs);
  return {
    command, target,
    attrs: [nested(CmdAttr.SERVICE, serviceKeyAttrs(key, command, target)), nested(CmdAttr.DEST, realServerKeyAttrs(rs, command, target))],
  };
}

/** @param serviceFamily used when the kernel predates IPVS_DEST_ATTR_ADDR_FAMILY */
export function decodeRealServer(payload: Buffer, serviceFamily: AddressFamily): RealServerStatus {
  const a = messageAttrs(payload, 'real server').nested(CmdAttr.DEST, 'DEST');
  const family = a.has(DestAttr.ADDR_FAMILY) ? decodeFamily(a, DestAttr.ADDR_FAMILY, 'ADDR_FAMILY') : serviceFamily;
  const fwdCode = a.u32(DestAttr.FWD_METHOD, 'FWD_METHOD') & FWD_MASK;
  const forward = byCode(FORWARD_CODE, fwdCode);
  if (!forward) throw new IpvsProtocolError(a.where, `unknown forwarding method ${fwdCode}`);
  const tunCode = a.optional(DestAttr.TUN_TYPE, (t) => a.u8(t, 'TUN_TYPE')) ?? 0;
  const tunnelType = byCode(TUNNEL_TYPE_CODE, tunCode);
  if (!tunnelType) throw new IpvsProtocolError(a.where, `unknown tunnel type ${tunCode}`);
  const stats = decodeStats(a.nested(DestAttr.STATS, 'STATS'));
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
      tunnelPort: a.optional(DestAttr.TUN_PORT, (t) => a.be16(t, 'TUN_PORT')) ?? 0,
      tunnelFlags: a.optional(DestAttr.TUN_FLAGS, (t) => a.u16(t, 'TUN_FLAGS')) ?? 0,
    },
    activeConns: a.u32(DestAttr.ACTIVE_CONNS, 'ACTIVE_CONNS'),
    inactiveConns: a.u32(DestAttr.INACT_CONNS, 'INACT_CONNS'),
    persistConns: a.u32(DestAttr.PERSIST_CONNS, 'PERSIST_CONNS'),
    stats,
    stats64: a.optional(DestAttr.STATS64, (t) => decodeStats(a.nested(t, 'STATS64'))) ?? stats,
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
  const children = [
    u32Attr(DaemonAttr.STATE, checkState(d.state, command, target)),
    stringAttr(DaemonAttr.MCAST_IFN, checkName(d.interface, 'interface', IFNAME_MAX, 1, command, target)),
  ];
  if (!isUint(d.syncId, 255)) throw new IpvsInputError(command, target, `sync id ${String(d.syncId)} must be 0-255`);
  children.push(u32Attr(DaemonAttr.SYNC_ID, d.syncId));
  if (d.syncMaxLen !== undefined) {
    if (!isUint(d.syncMaxLen, 0xffff)) throw new IpvsInputError(command, target, `sync message length ${String(d.syncMaxLen)} must be 0-65535`);
    children.push(u16Attr(DaemonAttr.SYNC_MAXLEN, d.syncMaxLen));
  }
  if (d.mcastGroup !== undefined) {
    const v4 = addressBytes(AF_INET, d.mcastGroup);
    const v6 = v4 ? undefined : addressBytes(AF_INET6, d.mcastGroup);
    if (v4) children.push(attr(DaemonAttr.MCAST_GROUP, v4.subarray(0, 4)));
    else if (v6) children.push(attr(DaemonAttr.MCAST_GROUP6, v6));
    else throw new IpvsInputError(command, target, `multicast group ${JSON.stringify(d.mcastGroup)} is not an IP address`);
  }
  if (d.mcastPort !== undefined) {
    if (!isUint(d.mcastPort, 0xffff)) throw new IpvsInputError(command, target, `multicast port ${String(d.mcastPort)} must be 0-65535`);
    children.push(u16Attr(DaemonAttr.MCAST_PORT, d.mcastPort));
  }
  if (d.mcastTtl !== undefined) {
    if (!isUint(d.mcastTtl, 255)) throw new IpvsInputError(command, target, `multicast TTL ${String(d.mcastTtl)} must be 0-255`);
    children.push(u8Attr(DaemonAttr.MCAST_TTL, d.mcastTtl));
  }
  return { command, target, attrs: [nested(CmdAttr.DAEMON, children)] };
}

export function daemonStopRequest(state: SyncDaemonState): IpvsRequest {
  const command = 'DEL_DAEMON';
  const target = daemonStateText(state);
  return { command, target, attrs: [nested(CmdAttr.DAEMON, [u32Attr(DaemonAttr.STATE, checkState(state, command, target))])] };
}

export function decodeDaemon(payload: Buffer): SyncDaemon {
  const a = messageAttrs(payload, 'sync daemon').nested(CmdAttr.DAEMON, 'DAEMON');
  const code = a.u32(DaemonAttr.STATE, 'STATE');
  const state = byCode(DAEMON_STATE_CODE, code);
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
  return {
    command, target,
    attrs: [u32Attr(CmdAttr.TIMEOUT_TCP, t.tcp), u32Attr(CmdAttr.TIMEOUT_TCP_FIN, t.tcpFin), u32Attr(CmdAttr.TIMEOUT_UDP, t.udp)],
  };
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
  return { command, target, attrs: [], dump };
}

