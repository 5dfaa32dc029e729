// Listings byte for byte as ipvsadm 1.31 prints them: -L in all its
// variants, -S rules, -c connections, --timeout and --daemon.
import type { IpvsInfo, RealServerStatus, ServiceStatus, SyncDaemon, Timeouts } from '../../ipvs/types';
import type { Format } from './args';
import { fromText, inetPton4, inetPton6, ntop, v4FromNumber, v4Number, ntop4, type Family, type InetAddr } from './inet';
import type { Names } from './resolve';

export interface ServiceListing { status: ServiceStatus; servers: RealServerStatus[] }

const PROTOCOL_NUMBERS: Record<string, number> = { tcp: 6, udp: 17, sctp: 132 };
const FORWARD_NAMES: Record<string, string> = { masq: 'Masq', local: 'Local', tunnel: 'Tunnel', route: 'Route' };
const FORWARD_SWITCHES: Record<string, string> = { masq: '-m', tunnel: '-i', local: '-g', route: '-g' };
const TUNNEL_FLAG_MARKS = ['-c', '+c', 'r+c'];
const TUNNEL_FLAG_OPTIONS = ['--tun-nocsum', '--tun-csum', '--tun-remcsum'];
const SCHED_FLAGS_MASK = 0x38;

const familyOf = (af: number): Family => (af === 10 ? 6 : 4);

/** Address of a listed service; fwmark services have none (all zero, like the kernel's dump). */
export function serviceAddr(s: ServiceStatus): InetAddr {
  const svc = s.service;
  if (svc.fwmark !== undefined) return { family: familyOf(svc.family), bytes: new Uint8Array(16) };
  return fromText(familyOf(svc.family), svc.address);
}

export function serverAddr(r: RealServerStatus): InetAddr {
  return fromText(familyOf(r.server.family), r.server.address);
}

function serviceProtocol(s: ServiceStatus): number {
  return s.service.fwmark !== undefined ? 0 : PROTOCOL_NUMBERS[s.service.protocol];
}

/** C's `int r = a - b` on unsigned 32-bit values. */
const wrap = (a: number, b: number): number => (a - b) | 0;

function word(bytes: Uint8Array, i: number): number {
  return ((bytes[i * 4] << 24) | (bytes[i * 4 + 1] << 16) | (bytes[i * 4 + 2] << 8) | bytes[i * 4 + 3]) >>> 0;
}

function compareAddr(family: Family, a: Uint8Array, b: Uint8Array): number {
  let r = 0;
  for (let i = 0; r === 0 && i < (family === 6 ? 4 : 1); i++) r = wrap(word(a, i), word(b, i));
  return r;
}

/** A service with its address parsed once: sorting compares each one many times. */
interface KeyedService<T> { item: T; status: ServiceStatus; bytes: Uint8Array }

function compareServices<T>(ka: KeyedService<T>, kb: KeyedService<T>): number {
  const a = ka.status;
  const b = kb.status;
  let r = wrap(a.service.fwmark ?? 0, b.service.fwmark ?? 0);
  if (r) return r;
  r = a.service.family - b.service.family;
  if (r) return r;
  r = serviceProtocol(a) - serviceProtocol(b);
  if (r) return r;
  r = compareAddr(familyOf(a.service.family), ka.bytes, kb.bytes);
  if (r) return r;
  return (a.service.port ?? 0) - (b.service.port ?? 0);
}

/**
 * A real server with its address parsed once: IPv4 as a number (no byte
 * array for each of thousands of servers), IPv6 as bytes.
 */
interface KeyedServer { r: RealServerStatus; family: Family; v4: number; bytes: Uint8Array | undefined; port: number }

function keyed(r: RealServerStatus): KeyedServer {
  const family = familyOf(r.server.family);
  return family === 4 ? { r, family, v4: v4Number(r.server.address), bytes: undefined, port: r.server.port }
    : { r, family, v4: 0, bytes: serverAddr(r).bytes, port: r.server.port };
}

/** 32-bit word i of the address, as compareAddr reads the 16 bytes. */
const keyedWord = (k: KeyedServer, i: number): number => (k.bytes ? word(k.bytes, i) : i === 0 ? k.v4 : 0);

function compareKeyed(a: KeyedServer, b: KeyedServer): number {
  // Two IPv4 servers, nearly always: the loop below would compare just this word.
  if (a.bytes === undefined && b.bytes === undefined) return wrap(a.v4, b.v4) || a.port - b.port;
  let r = 0;
  for (let i = 0; r === 0 && i < (a.family === 6 ? 4 : 1); i++) r = wrap(keyedWord(a, i), keyedWord(b, i));
  return r || a.port - b.port;
}

/** Items in ipvsadm's listing order of their services. */
export function sortedServices<T>(items: T[], statusOf: (item: T) => ServiceStatus): T[] {
  const keyed = items.map((item) => {
    const status = statusOf(item);
    return { item, status, bytes: serviceAddr(status).bytes };
  });
  return msort(keyed, compareServices).map((k) => k.item);
}

/** glibc's qsort (a top-down merge sort): same result as ipvsadm even for its non-transitive comparisons. */
export function msort<T>(items: T[], cmp: (a: T, b: T) => number): T[] {
  const out = items.slice();
  mergeSort(out, new Array<T>(out.length), 0, out.length, cmp);
  return out;
}

/** Sorts a[lo, lo + n) in place: first half, second half, then merge through tmp (ties keep the first half's). */
function mergeSort<T>(a: T[], tmp: T[], lo: number, n: number, cmp: (a: T, b: T) => number): void {
  if (n <= 1) return;
  const n1 = n >> 1;
  mergeSort(a, tmp, lo, n1, cmp);
  mergeSort(a, tmp, lo + n1, n - n1, cmp);
  let i = lo;
  let j = lo + n1;
  let k = 0;
  const iEnd = lo + n1;
  const jEnd = lo + n;
  while (i < iEnd && j < jEnd) tmp[k++] = cmp(a[i], a[j]) <= 0 ? a[i++] : a[j++];
  while (i < iEnd) tmp[k++] = a[i++];
  // What is left of the second half is already in place.
  for (let m = 0; m < k; m++) a[lo + m] = tmp[m];
}

/** addrport_to_anyname: "[v6]:port" / "v4:port", names unless numeric, cut to 59 bytes. */
export function addrPortName(addr: InetAddr, port: number, protocol: number, numeric: boolean, names: Names): string {
  const host = numeric ? ntop(addr) : names.addrToHost(addr) ?? ntop(addr);
  const service = numeric ? String(port) : names.portToService(port, protocol) ?? String(port);
  const text = addr.family === 4 ? `${host}:${service}` : `[${host}]:${service}`;
  return text.slice(0, 59);
}

/** Runs of spaces by length: padding is then one concatenation, where String#padEnd builds the filler first. */
const SPACES = Array.from({ length: 64 }, (_, n) => ' '.repeat(n));
const spaces = (n: number): string => SPACES[n] ?? ' '.repeat(n);
/** The spaces that pad s to n characters. */
const pad = (s: string, n: number): string => (s.length >= n ? '' : spaces(n - s.length));
/** pad(), then the one space that separates columns. */
const gap = (s: string, n: number): string => spaces(s.length >= n ? 1 : n - s.length + 1);
const padEnd = (s: string, n: number): string => (s.length >= n ? s : s + spaces(n - s.length));
const padStart = (s: string, n: number): string => (s.length >= n ? s : spaces(n - s.length) + s);

function largeNumber(v: bigint, format: Format): string {
  if (format.exact) {
    const s = v.toString();
    return padStart(s, s.length <= 8 ? 9 : s.length + 1);
  }
  if (v < 100000000n) return padStart(v.toString(), 9);
  if (v < 1000000000n) return `${padStart((v / 1000n).toString(), 8)}K`;
  if (v < 100000000000n) return `${padStart((v / 1000000n).toString(), 8)}M`;
  if (v < 100000000000000n) return `${padStart((v / 1000000000n).toString(), 8)}G`;
  return `${padStart((v / 1000000000000n).toString(), 8)}T`;
}

function schedFlags(scheduler: string, flags: number): string {
  const names = scheduler === 'sh' ? ['sh-fallback', 'sh-port'] : scheduler === 'mh' ? ['mh-fallback', 'mh-port']
    : ['flag-1', 'flag-2', 'flag-3'];
  return names.filter((_, i) => flags & (0x8 << i)).join(',');
}

function title(format: Format): string {
  const head = padEnd('Prot LocalAddress:Port', 33);
  if (format.stats) {
    return `${head} ${['Conns', 'InPkts', 'OutPkts', 'InBytes', 'OutBytes'].map((s) => padStart(s, 8)).join(' ')}\n  -> RemoteAddress:Port\n`;
  }
  if (format.rate) {
    return `${head} ${['CPS', 'InPPS', 'OutPPS', 'InBPS', 'OutBPS'].map((s) => padStart(s, 8)).join(' ')}\n  -> RemoteAddress:Port\n`;
  }
  if (format.thresholds) {
    return `${head} ${['Uthreshold', 'Lthreshold', 'ActiveConn', 'InActConn'].map((s) => padEnd(s, 10)).join(' ')}\n  -> RemoteAddress:Port\n`;
  }
  if (format.persistentConn) {
    return `${head} ${padEnd('Weight', 9)} ${padEnd('PersistConn', 11)} ${padEnd('ActiveConn', 10)} ${padEnd('InActConn', 10)}\n  -> RemoteAddress:Port\n`;
  }
  if (format.tunInfo) {
    return 'Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward TunnelInfo    Weight ActiveConn InActConn\n';
  }
  if (!format.rule) {
    return 'Prot LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n';
  }
  return '';
}

function tunnelInfo(r: RealServerStatus): string | undefined {
  const s = r.server;
  if (s.forward !== 'tunnel') return undefined;
  const mark = TUNNEL_FLAG_MARKS[s.tunnelFlags] ?? '';
  if (s.tunnelType === 'ipip') return 'ipip';
  if (s.tunnelType === 'gue') return `gue:${s.tunnelPort}:${mark}`.slice(0, 15);
  if (s.tunnelType === 'gre') return `gre:${mark}`;
  return undefined;
}

function tunnelRule(svcName: string, dest: string, r: RealServerStatus): string {
  const s = r.server;
  const base = `-a ${svcName} -r ${dest} ${FORWARD_SWITCHES[s.forward] ?? '(null)'} -w ${s.weight}`;
  const opt = TUNNEL_FLAG_OPTIONS[s.tunnelFlags] ?? '';
  if (s.tunnelType === 'gre') return `${base} --tun-type gre ${opt}\n`;
  if (s.tunnelType === 'gue') return `${base} --tun-type gue --tun-port ${s.tunnelPort} ${opt}\n`;
  if (s.tunnelType === 'ipip') return `${base} --tun-type ipip\n`;
  return `${base}\n`;
}

/** One service and its real servers, as -L / -S print them. */
export function serviceEntry(entry: ServiceListing, format: Format, names: Names): string {
  const svc = entry.status.service;
  const family = familyOf(svc.family);
  const protocol = serviceProtocol(entry.status);
  let svcName: string;
  if (svc.fwmark !== undefined) {
    const mark = svc.fwmark | 0;
    if (format.rule) svcName = family === 6 ? `-f ${mark} -6` : `-f ${mark}`;
    else svcName = family === 6 ? `FWM  ${mark} IPv6` : `FWM  ${mark}`;
  } else {
    const vname = addrPortName(serviceAddr(entry.status), svc.port, protocol, format.numeric, names);
    if (format.rule) {
      svcName = `${{ tcp: '-t', udp: '-u', sctp: '--sctp-service' }[svc.protocol] ?? '--xxx-service'} ${vname}`;
    } else {
      svcName = `${padEnd({ tcp: 'TCP', udp: 'UDP', sctp: 'SCTP' }[svc.protocol] ?? '?', 4)} ${vname}`;
      if (family !== 6) svcName = svcName.slice(0, 33);
    }
  }
  const persistent = (svc.flags & 0x1) !== 0;
  const stats = entry.status.stats64;
  let text: string;
  if (format.rule) {
    text = `-A ${svcName} -s ${svc.scheduler}`;
    if (persistent) {
      text += ` -p ${svc.timeout >>> 0}`;
      if (family === 4 && svc.netmask >>> 0 !== 0xffffffff) text += ` -M ${ntop4(v4FromNumber(svc.netmask >>> 0).bytes)}`;
      if (family === 6 && svc.netmask !== 128) text += ` -M ${svc.netmask | 0}`;
    }
    if (svc.peName) text += ` --pe ${svc.peName}`;
    if (svc.flags & 0x4) text += ' -o';
    if (svc.flags & SCHED_FLAGS_MASK) text += ` -b ${schedFlags(svc.scheduler, svc.flags)}`;
  } else if (format.stats) {
    text = padEnd(svcName, 33) + [stats.conns, stats.inPkts, stats.outPkts, stats.inBytes, stats.outBytes]
      .map((v) => largeNumber(v, format)).join('');
  } else if (format.rate) {
    text = padEnd(svcName, 33) + [stats.cps, stats.inPps, stats.outPps, stats.inBps, stats.outBps]
      .map((v) => largeNumber(v, format)).join('');
  } else {
    text = `${svcName} ${svc.scheduler}`;
    if (svc.flags & SCHED_FLAGS_MASK) text += ` (${schedFlags(svc.scheduler, svc.flags)})`;
    if (persistent) {
      text += ` persistent ${svc.timeout >>> 0}`;
      if (family === 4 && svc.netmask >>> 0 !== 0xffffffff) text += ` mask ${ntop4(v4FromNumber(svc.netmask >>> 0).bytes)}`;
      if (family === 6 && svc.netmask !== 128) text += ` mask ${svc.netmask | 0}`;
      if (svc.peName) text += ` pe ${svc.peName}`;
    }
    if (svc.flags & 0x4) text += ' ops';
  }
  text += '\n';
  // Joined once: a line built with += is a chain of string pieces, and a
  // listing of thousands of lines would keep every piece alive.
  const lines = [text];
  const servers = entry.servers.map(keyed);
  const line = serverLine(format);
  for (const k of format.noSort ? servers : msort(servers, compareKeyed)) {
    line(lines, k.r, serverName(k, protocol, format, names), svcName, format);
  }
  return lines.join('');
}

/** The real server's column: "address:port", names unless numeric; cut to 28 characters in listings. */
function serverName(k: KeyedServer, protocol: number, format: Format, names: Names): string {
  const s = k.r.server;
  // Numeric IPv4: the client's text is already what inet_ntop prints.
  const dname = format.numeric && !k.bytes ? `${s.address}:${s.port}`
    : addrPortName({ family: k.family, bytes: k.bytes ?? v4FromNumber(k.v4).bytes }, s.port, protocol, format.numeric, names);
  return !format.rule && s.family !== 10 ? dname.slice(0, 28) : dname;
}

/** Appends the text of one real server's line to out (as pieces or whole). */
type ServerLine = (out: string[], r: RealServerStatus, dname: string, svcName: string, format: Format) => void;

/**
 * The line of one real server in this format. One small function per format:
 * a listing runs one of them thousands of times, and the optimizing compiler
 * then works on that one alone (compiling every variant costs a short run more
 * than it saves).
 */
function serverLine(format: Format): ServerLine {
  if (format.rule) return ruleLine;
  if (format.stats) return statsLine;
  if (format.rate) return rateLine;
  if (format.thresholds) return thresholdsLine;
  if (format.persistentConn) return persistentLine;
  if (format.tunInfo) return tunnelInfoLine;
  return plainLine;
}

const forwardName = (s: RealServerStatus['server']): string => FORWARD_NAMES[s.forward] ?? '(null)';

function ruleLine(out: string[], r: RealServerStatus, dname: string, svcName: string): void {
  const s = r.server;
  if (s.forward === 'tunnel') out.push(tunnelRule(svcName, dname, r));
  else out.push('-a ', svcName, ' -r ', dname, ' ', FORWARD_SWITCHES[s.forward] ?? '(null)', ' -w ', String(s.weight), '\n');
}

/**
 * ipvsadm 1.31 reads a real server's 64-bit counters as 32-bit ones, all but
 * the byte counts: its listings show their low 32 bits, and so do these.
 */
const low32 = (v: bigint): bigint => BigInt.asUintN(32, v);

function statsLine(out: string[], r: RealServerStatus, dname: string, _svcName: string, format: Format): void {
  const ds = r.stats64;
  out.push(`  -> ${padEnd(dname, 28)}${[low32(ds.conns), low32(ds.inPkts), low32(ds.outPkts), ds.inBytes, ds.outBytes].map((v) => largeNumber(v, format)).join('')}\n`);
}

function rateLine(out: string[], r: RealServerStatus, dname: string, _svcName: string, format: Format): void {
  const ds = r.stats64;
  out.push(`  -> ${padEnd(dname, 28)} ${padStart(low32(ds.cps).toString(), 8)} ${padStart(low32(ds.inPps).toString(), 8)} ${padStart(low32(ds.outPps).toString(), 8)}`
    + `${largeNumber(low32(ds.inBps), format)}${largeNumber(low32(ds.outBps), format)}\n`);
}

function thresholdsLine(out: string[], r: RealServerStatus, dname: string): void {
  const s = r.server;
  out.push(`  -> ${padEnd(dname, 28)} ${[s.upperThreshold, s.lowerThreshold, r.activeConns, r.inactiveConns].map((v) => padEnd(String(v >>> 0), 10)).join(' ')}\n`);
}

function persistentLine(out: string[], r: RealServerStatus, dname: string): void {
  out.push(`  -> ${padEnd(dname, 28)} ${padEnd(String(r.server.weight), 9)} ${padEnd(String(r.persistConns >>> 0), 11)} ${padEnd(String(r.activeConns >>> 0), 10)} ${padEnd(String(r.inactiveConns >>> 0), 10)}\n`);
}

function tunnelInfoLine(out: string[], r: RealServerStatus, dname: string): void {
  const s = r.server;
  out.push(`  -> ${padEnd(dname, 28)} ${padEnd(forwardName(s), 7)} ${padEnd(tunnelInfo(r) ?? 'n/a', 13)} ${padEnd(String(s.weight), 6)} ${padEnd(String(r.activeConns >>> 0), 10)} ${padEnd(String(r.inactiveConns >>> 0), 10)}\n`);
}

/** Column by column into the service's pieces: the one join per service is the only copy (no string per line). */
function plainLine(out: string[], r: RealServerStatus, dname: string): void {
  const fwd = forwardName(r.server);
  const weight = String(r.server.weight);
  const active = String(r.activeConns >>> 0);
  const inactive = String(r.inactiveConns >>> 0);
  out.push('  -> ', dname, gap(dname, 28), fwd, gap(fwd, 7), weight, gap(weight, 6), active, gap(active, 10), inactive, pad(inactive, 10), '\n');
}

/** Every address a listing would name, for Names.prefetchHosts. */
export function listingAddrs(entries: ServiceListing[]): InetAddr[] {
  const addrs: InetAddr[] = [];
  for (const e of entries) {
    if (e.status.service.fwmark === undefined) addrs.push(serviceAddr(e.status));
    for (const r of e.servers) addrs.push(serverAddr(r));
  }
  return addrs;
}

export function versionHeader(info: IpvsInfo): string {
  const v = info.version;
  return `IP Virtual Server version ${(v >> 16) & 0xff}.${(v >> 8) & 0xff}.${v & 0xff} (size=${info.connTableSize})\n`;
}

/** What -L / -S print before the services: the version line (unless saving) and column titles. */
export function tableHeader(info: IpvsInfo, format: Format): string {
  return (format.rule ? '' : versionHeader(info)) + title(format);
}

/** -L / -S of the whole table (header included unless saving). */
export function formatTable(info: IpvsInfo, entries: ServiceListing[], format: Format, names: Names): string {
  const sorted = format.noSort ? entries : sortedServices(entries, (e) => e.status);
  return [tableHeader(info, format), ...sorted.map((e) => serviceEntry(e, format, names))].join('');
}

/** -L with one service given. */
export function formatService(entry: ServiceListing, format: Format, names: Names): string {
  return title(format) + serviceEntry(entry, format, names);
}

export function formatTimeouts(t: Timeouts): string {
  return `Timeout (tcp tcpfin udp): ${t.tcp} ${t.tcpFin} ${t.udp}\n`;
}

export function formatDaemons(daemons: SyncDaemon[]): string {
  let text = '';
  for (const d of daemons) {
    text += `${d.state} sync daemon (mcast=${d.interface}, syncid=${d.syncId}`;
    if (d.syncMaxLen) text += `, maxlen=${d.syncMaxLen}`;
    if (d.mcastGroup) text += `, group=${ntop(fromText(d.mcastGroup.includes(':') ? 6 : 4, d.mcastGroup))}`;
    if (d.mcastPort) text += `, port=${d.mcastPort}`;
    if (d.mcastTtl) text += `, ttl=${d.mcastTtl}`;
    text += ')\n';
  }
  return text;
}

interface ConnLine {
  protocolName: string; protocol: number; expires: number; state: string;
  client: InetAddr; cport: number; virtual: InetAddr; vport: number; dest: InetAddr; dport: number;
  pe?: { name: string; data: string };
}

function procAddr(text: string): InetAddr {
  const v6 = inetPton6(text);
  if (v6) return { family: 6, bytes: v6 };
  const v4 = inetPton4(text);
  const bytes = new Uint8Array(16);
  if (v4) bytes.set(v4);
  else bytes.set(v4FromNumber(parseInt(text, 16) >>> 0).bytes);
  return { family: 4, bytes };
}

/** Reads /proc/net/ip_vs_conn, skipping its header line. */
export function parseConnections(text: string): ConnLine[] {
  const lines: ConnLine[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 9) continue;
    const client = procAddr(f[1]);
    // ipvsadm takes the client's family for the virtual address too.
    const virtualAddr = client.family === 6 ? procAddr(f[3]) : { family: 4 as const, bytes: procAddr(f[3]).bytes };
    lines.push({
      protocolName: f[0], protocol: PROTOCOL_NUMBERS[f[0].toLowerCase()] ?? 0, state: f[7],
      expires: Number(f[8]) | 0, client, cport: parseInt(f[2], 16) & 0xffff, virtual: virtualAddr,
      vport: parseInt(f[4], 16) & 0xffff, dest: procAddr(f[5]), dport: parseInt(f[6], 16) & 0xffff,
      ...(f.length >= 11 ? { pe: { name: f[9], data: f[10] } } : {}),
    });
  }
  return lines;
}

export function connectionAddrs(lines: ConnLine[]): InetAddr[] {
  return lines.flatMap((l) => [l.client, l.virtual, l.dest]);
}

export function formatConnections(lines: ConnLine[], format: Format, names: Names): string {
  let text = 'IPVS connection entries\n';
  text += format.persistentConn
    ? `pro expire ${padEnd('state', 11)} ${padEnd('source', 18)} ${padEnd('virtual', 18)} ${padEnd('destination', 18)} ${padEnd('pe name', 16)} pe_data\n`
    : `pro expire ${padEnd('state', 11)} ${padEnd('source', 18)} ${padEnd('virtual', 18)} destination\n`;
  for (const l of lines) {
    const c = addrPortName(l.client, l.cport, l.protocol, format.numeric, names);
    const v = addrPortName(l.virtual, l.vport, l.protocol, format.numeric, names);
    const d = addrPortName(l.dest, l.dport, l.protocol, format.numeric, names);
    const expire = `${String(Math.trunc(l.expires / 60)).padStart(2, '0')}:${String(l.expires % 60).padStart(2, '0')}`;
    const head = `${padEnd(l.protocolName, 3)} ${padEnd(expire, 6)} ${padEnd(l.state, 11)} ${padEnd(c, 18)} ${padEnd(v, 18)}`;
    text += format.persistentConn && l.pe ? `${head} ${padEnd(d, 16)} ${padEnd(l.pe.name, 18)} ${l.pe.data}\n` : `${head} ${d}\n`;
  }
  return text;
}
