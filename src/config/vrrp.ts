// vrrp_script, vrrp_instance and vrrp_sync_group blocks.
import { AF_INET, AF_INET6, AddressFamily } from '../ipvs/types';
import { applyBlock, Handlers, ignored, needBlock, unsupported } from './block';
import { Diagnostics } from './diagnostics';
import {
  GarpGroup, KeepalivedConfig, TrackedFile, TrackedInterface, TrackedScript, TrackFile, TrackProcess, VirtualIpAddress, VirtualRoute, VrrpInstance, VrrpNotify, VrrpScript, VrrpSyncGroup,
} from './model';
import { Statement } from './tree';
import { Address, Args, parseAddress } from './values';

const WEIGHT_MIN = -253;
const WEIGHT_MAX = 253;

/** A track weight: keepalived still takes the old ±254, as ±253. */
function trackWeight(e: Args, i: number, what: string): number | undefined {
  const w = e.int(i, WEIGHT_MIN - 1, WEIGHT_MAX + 1, what);
  if (w === undefined || Math.abs(w) <= WEIGHT_MAX) return w;
  const taken = Math.sign(w) * WEIGHT_MAX;
  e.warning(`${what} ${w} is outside ${WEIGHT_MIN}..${WEIGHT_MAX}; ${taken} is used, as keepalived uses it`);
  return taken;
}

/** A count of gratuitous ARPs to send: keepalived takes 0 (accepted before 2.0.7) as 1. */
export function garpRepeat(a: Args): number | undefined {
  const n = a.int(0, 0, 10000);
  if (n !== 0) return n;
  a.warning(`${a.keyword} 0 sends nothing; 1 is used, as keepalived uses it`);
  return 1;
}

function nameOf(a: Args): string | undefined {
  const name = a.string(0, 'a name');
  a.atMost(1);
  return name;
}

/** "ADDR[/LEN]" with the prefix length checked against the family. */
export function parsePrefix(text: string): (Address & { prefixLength: number }) | undefined {
  const [addr, len, ...rest] = text.split('/');
  if (rest.length) return undefined;
  const a = parseAddress(addr);
  if (!a) return undefined;
  const max = a.family === AF_INET ? 32 : 128;
  if (len === undefined) return { ...a, prefixLength: max };
  if (!/^\d+$/.test(len) || Number(len) > max) return undefined;
  return { ...a, prefixLength: Number(len) };
}

// ---- vrrp_script ----

/** A script's interval or timeout: keepalived takes 0 (accepted before 2.0.7) as 1 s. */
function scriptSeconds(a: Args): number | undefined {
  const ms = a.seconds(0, 0, 86400);
  if (ms !== 0) return ms;
  a.warning(`${a.keyword} 0 is taken as 1 second, as keepalived takes it`);
  return 1000;
}

const SCRIPT_HANDLERS: Handlers<VrrpScript> = {
  script: (a, s) => { s.script = a.script() ?? s.script; },
  interval: (a, s) => { s.intervalMs = scriptSeconds(a) ?? s.intervalMs; },
  timeout: (a, s) => { s.timeoutMs = scriptSeconds(a) ?? s.timeoutMs; },
  weight: (a, s) => {
    s.weight = a.int(0, WEIGHT_MIN, WEIGHT_MAX) ?? s.weight;
    if (a.count > 1) s.weightReverse = a.oneOf(1, ['reverse', 'noreverse'] as const) === 'reverse';
  },
  rise: (a, s) => { s.rise = a.int(0, 1, 1_000_000) ?? s.rise; },
  fall: (a, s) => { s.fall = a.int(0, 1, 1_000_000) ?? s.fall; },
  user: (a, s) => {
    const user = a.string(0, 'a user name');
    if (user !== undefined && s.script) {
      s.script.user = user;
      if (a.text(1) !== undefined) s.script.group = a.text(1);
    } else if (user !== undefined) {
      a.warning('user given before script; ignored');
    }
  },
  init_fail: (_a, s) => { s.initFail = true; },
};

export function parseVrrpScript(stmt: Statement, diags: Diagnostics): VrrpScript | undefined {
  const a = new Args(stmt, 'vrrp_script', diags);
  const name = nameOf(a);
  const body = needBlock(a);
  if (name === undefined || !body) return undefined;
  const s: VrrpScript = { name, at: stmt.at, intervalMs: 1000, weight: 0, weightReverse: false, rise: 1, fall: 1, initFail: false };
  applyBlock(body, 'vrrp_script', SCRIPT_HANDLERS, s, diags);
  if (!s.script) diags.warning(stmt.at, 'vrrp_script', `${name}: no script set; instances tracking it ignore it`);
  return s;
}

// ---- track_file ----

/** A tracked file's weight: keepalived takes -254..254, as a file's value may be negative. */
const FILE_WEIGHT = 254;

/** A track_file or vrrp_track_process block's "weight N [reverse]", the default of the instances tracking it. */
function blockWeight(block: string): (a: Args, t: { weight: number; weightReverse: boolean }) => void {
  return (a, t) => {
    t.weight = a.int(0, -FILE_WEIGHT, FILE_WEIGHT, `${block} weight`) ?? t.weight;
    if (a.count > 1) t.weightReverse = a.oneOf(1, ['reverse'] as const) === 'reverse';
    a.atMost(2);
  };
}

const TRACK_FILE_HANDLERS: Handlers<TrackFile> = {
  file: (a, f) => {
    const path = a.string(0, 'a file name');
    a.atMost(1);
    if (path === undefined) return;
    if (f.path !== undefined) a.warning(`file already set to ${f.path}; ${path} ignored, as keepalived ignores it`);
    else f.path = path;
  },
  weight: blockWeight('track_file'),
  init_file: (a, f) => {
    const init = { value: 0, overwrite: false };
    for (let i = 0; i < a.count; i++) {
      if (a.text(i) === 'overwrite') init.overwrite = true;
      else init.value = a.int(i, -(2 ** 31), 2 ** 31 - 1, 'init_file value') ?? init.value;
    }
    if (Math.abs(init.value) > FILE_WEIGHT) a.warning(`init_file value ${init.value} is outside -${FILE_WEIGHT}..${FILE_WEIGHT}, where instances can use it`);
    f.init = init;
  },
};

export function parseTrackFile(stmt: Statement, diags: Diagnostics): TrackFile | undefined {
  const a = new Args(stmt, stmt.keyword, diags);
  const name = nameOf(a);
  const body = needBlock(a);
  if (name === undefined || !body) return undefined;
  const f: TrackFile = { name, at: stmt.at, weight: 1, weightReverse: false };
  applyBlock(body, stmt.keyword, TRACK_FILE_HANDLERS, f, diags);
  if (f.path === undefined) {
    diags.warning(stmt.at, stmt.keyword, `${name}: no file set; instances tracking it ignore it, as keepalived ignores it`);
    return undefined;
  }
  return f;
}

// ---- garp_group ----

const GARP_GROUP_HANDLERS: Handlers<GarpGroup> = {
  garp_interval: (a, g) => { g.garpIntervalMs = a.seconds(0, 0, 1) ?? g.garpIntervalMs; },
  gna_interval: (a, g) => { g.gnaIntervalMs = a.seconds(0, 0, 1) ?? g.gnaIntervalMs; },
  interface: (a, g) => {
    const name = a.string(0, 'an interface name');
    if (name !== undefined) g.interfaces.push(name);
  },
  interfaces: (a, g) => {
    for (const stmt of needBlock(a) ?? []) g.interfaces.push(stmt.keyword, ...stmt.args.map((t) => t.text));
  },
};

export function parseGarpGroup(stmt: Statement, diags: Diagnostics): GarpGroup | undefined {
  const a = new Args(stmt, 'garp_group', diags);
  const body = needBlock(a);
  if (!body) return undefined;
  const g: GarpGroup = { at: stmt.at, interfaces: [] };
  applyBlock(body, 'garp_group', GARP_GROUP_HANDLERS, g, diags);
  if (g.interfaces.length === 0) {
    diags.warning(stmt.at, 'garp_group', 'no interface or interfaces { }; the group paces nothing');
    return undefined;
  }
  return g;
}

// ---- vrrp_track_process ----

const PROCESS_HANDLERS: Handlers<TrackProcess> = {
  process: (a, p) => {
    const process = a.string(0, 'a process name');
    if (process === undefined) return;
    if (p.process !== undefined) return a.warning(`process already set to ${p.process}; ${process} ignored, as keepalived ignores it`);
    p.process = process;
    p.params = a.stmt.args.slice(1).map((t) => t.text);
    // Parameters can only be seen on the command line.
    if (p.params.length) {
      p.paramMatch ??= 'exact';
      p.fullCommand = true;
    }
  },
  param_match: (a, p) => {
    p.paramMatch = a.count === 0 ? 'exact' : a.oneOf(0, ['initial', 'partial'] as const, 'param_match') ?? p.paramMatch;
    p.fullCommand = true;
  },
  weight: blockWeight('vrrp_track_process'),
  quorum: (a, p) => { p.quorum = a.int(0, 1, 65535) ?? p.quorum; },
  // 0: up only while no such process runs.
  quorum_max: (a, p) => { p.quorumMax = a.int(0, 0, 65535) ?? p.quorumMax; },
  fork_delay: (a, p) => { p.forkDelayMs = a.seconds(0, 0, 3600) ?? p.forkDelayMs; },
  terminate_delay: (a, p) => { p.terminateDelayMs = a.seconds(0, 0, 3600) ?? p.terminateDelayMs; },
  delay: (a, p) => {
    const ms = a.seconds(0, 0, 3600);
    if (ms !== undefined) p.forkDelayMs = p.terminateDelayMs = ms;
  },
  full_command: (_a, p) => { p.fullCommand = true; },
};

export function parseTrackProcess(stmt: Statement, diags: Diagnostics): TrackProcess | undefined {
  const a = new Args(stmt, 'vrrp_track_process', diags);
  const name = nameOf(a);
  const body = needBlock(a);
  if (name === undefined || !body) return undefined;
  const p: TrackProcess = {
    name, at: stmt.at, params: [], fullCommand: false, weight: 1, weightReverse: false, quorum: 1, quorumMax: 65535, forkDelayMs: 0, terminateDelayMs: 0,
  };
  applyBlock(body, 'vrrp_track_process', PROCESS_HANDLERS, p, diags);
  if (p.process === undefined) {
    diags.warning(stmt.at, 'vrrp_track_process', `${name}: no process set; instances tracking it ignore it, as keepalived ignores it`);
    return undefined;
  }
  if (p.quorumMax === 0) p.quorum = 0;
  else if (p.quorum > p.quorumMax) diags.error(stmt.at, 'vrrp_track_process', `${name}: quorum ${p.quorum} is above quorum_max ${p.quorumMax}`);
  return p;
}

// ---- tracking and addresses ----

function trackInterfaces(a: Args, diags: Diagnostics): TrackedInterface[] {
  const body = needBlock(a) ?? [];
  const out: TrackedInterface[] = [];
  for (const stmt of body) {
    const e = new Args(stmt, a.keyword, diags);
    const t: TrackedInterface = { name: stmt.keyword, weight: 0, reverse: false, at: stmt.at };
    if (e.count > 0) {
      if (e.text(0) !== 'weight') e.error(`${stmt.keyword}: expected "weight N", found "${e.text(0)}"`);
      else t.weight = trackWeight(e, 1, `${stmt.keyword} weight`) ?? 0;
      if (e.count > 2) t.reverse = e.oneOf(2, ['reverse', 'noreverse'] as const) === 'reverse';
      e.atMost(3);
    }
    out.push(t);
  }
  return out;
}

/**
 * track_script, track_process and track_file: "NAME [weight N [reverse|noreverse]]"
 * a line; keepalived ignores a line with anything else after NAME. `once`: a
 * name listed again is ignored (keepalived's rule for track_file).
 */
function trackLines(a: Args, diags: Diagnostics, weight: (e: Args, i: number, what: string) => number | undefined, once = false): TrackedScript[] {
  const out: TrackedScript[] = [];
  for (const stmt of needBlock(a) ?? []) {
    const e = new Args(stmt, a.keyword, diags);
    const t: TrackedScript = { name: stmt.keyword, at: stmt.at };
    if (e.count > 0 && e.text(0) !== 'weight') {
      e.warning(`${stmt.keyword}: unknown option "${e.text(0)}" (expected weight N [reverse|noreverse]): this ${a.keyword} is ignored, as keepalived ignores it`);
      continue;
    }
    if (e.count > 0) t.weight = weight(e, 1, `${stmt.keyword} weight`);
    if (e.count > 2) t.reverse = e.oneOf(2, ['reverse', 'noreverse'] as const, `${stmt.keyword} weight option`) === 'reverse';
    e.atMost(3);
    if (once && out.some((o) => o.name === t.name)) {
      e.warning(`${stmt.keyword} is listed twice; the second is ignored, as keepalived ignores it`);
      continue;
    }
    out.push(t);
  }
  return out;
}

const trackScripts = (a: Args, diags: Diagnostics): TrackedScript[] => trackLines(a, diags, trackWeight);
const trackFiles = (a: Args, diags: Diagnostics): TrackedFile[] => trackLines(a, diags, (e, i, what) => e.int(i, -FILE_WEIGHT, FILE_WEIGHT, what), true);

const VIP_OPTIONS_WITH_VALUE = ['brd', 'broadcast', 'dev', 'scope', 'label', 'peer', 'preferred_lft'];
const VIP_FLAGS = ['home', '-nodad', 'nodad', 'mngtmpaddr', 'noprefixroute', 'autojoin', 'no_track', 'use_vmac', 'track'];
const SCOPES = ['site', 'link', 'host', 'nowhere', 'global'];

export function virtualIpAddresses(a: Args, diags: Diagnostics): VirtualIpAddress[] {
  const body = needBlock(a) ?? [];
  const out: VirtualIpAddress[] = [];
  for (const stmt of body) {
    const e = new Args(stmt, a.keyword, diags);
    const prefix = parsePrefix(stmt.keyword);
    if (!prefix) {
      e.error(`"${stmt.keyword}" is not an IP address with optional /prefix length`);
      continue;
    }
    const vip: VirtualIpAddress = { ...prefix, noTrack: false, at: stmt.at };
    for (let i = 0; i < e.count; i++) {
      const word = e.text(i) ?? '';
      if (VIP_FLAGS.includes(word)) {
        if (word === 'no_track') vip.noTrack = true;
        else if (word !== 'track') e.warning(`${stmt.keyword}: ${word} is not supported and is ignored: the address is added without it`);
        continue;
      }
      if (!VIP_OPTIONS_WITH_VALUE.includes(word)) {
        e.error(`${stmt.keyword}: unknown option "${word}"`);
        continue;
      }
      const value = e.string(++i, `a value after ${word}`);
      if (value === undefined) continue;
      if (word === 'preferred_lft') e.warning(`${stmt.keyword}: preferred_lft is not supported and is ignored: the address is added with the kernel's default lifetime`);
      if (word === 'brd' || word === 'broadcast') {
        // "+" and "-": the prefix's address with its host bits set or cleared, as ip(8) takes them.
        if (value === '+' || value === '-') {
          if (prefix.family === AF_INET) vip.broadcast = value;
          else e.error(`${stmt.keyword}: brd applies to IPv4 addresses only`);
        } else vip.broadcast = e.address(i, `${stmt.keyword} brd`)?.address;
      }
      else if (word === 'peer') vip.peer = e.address(i, `${stmt.keyword} peer`)?.address;
      else if (word === 'dev') vip.dev = value;
      else if (word === 'label') vip.label = value;
      else if (word === 'scope') {
        if (SCOPES.includes(value) || /^\d+$/.test(value)) vip.scope = value;
        else e.error(`${stmt.keyword} scope "${value}" is not one of ${SCOPES.join('|')} or a number`);
      }
    }
    out.push(vip);
  }
  return out;
}

const ROUTE_TYPES = ['blackhole', 'unreachable', 'prohibit', 'throw'];

export function virtualRoutes(a: Args, diags: Diagnostics): VirtualRoute[] {
  const body = needBlock(a) ?? [];
  const out: VirtualRoute[] = [];
  for (const stmt of body) {
    const e = new Args(stmt, a.keyword, diags);
    const words = [stmt.keyword, ...stmt.args.map((t) => t.text)];
    const route: Partial<VirtualRoute> & { noTrack: boolean; at: typeof stmt.at } = { noTrack: false, at: stmt.at };
    // words[0] is the keyword; e.text(i) is words[i + 1].
    const addressAt = (i: number, what: string): string | undefined =>
      i === 0 ? (parseAddress(words[0])?.address ?? e.error(`${what} "${words[0]}" is not an IP address`)) : e.address(i - 1, what)?.address;
    for (let i = 0; i < words.length; i++) {
      const word = words[i];
      const next = (): string | undefined => (i + 1 < words.length ? words[++i] : e.error(`route: ${word} needs a value`));
      if (ROUTE_TYPES.includes(word) && route.destination === undefined) route.type = word;
      else if (word === 'src') route.src = addressAt(++i, 'route src');
      else if (word === 'via' || word === 'gw') route.via = addressAt(++i, `route ${word}`);
      else if (word === 'or') next();
      else if (word === 'dev') route.dev = next();
      else if (word === 'scope') route.scope = next();
      else if (word === 'table') route.table = next();
      else if (word === 'metric' || word === 'preference' || word === 'priority') route.metric = e.int(++i - 1, 0, 0xffffffff, `route ${word}`);
      else if (word === 'no_track') route.noTrack = true;
      else if (word === 'to' || route.destination === undefined) {
        const text = word === 'to' ? next() : word;
        if (text === undefined) continue;
        const p = text === 'default' ? { family: AF_INET as AddressFamily, address: '0.0.0.0', prefixLength: 0 } : parsePrefix(text);
        if (!p) {
          e.error(`route destination "${text}" is not an IP prefix`);
          route.destination = text;
          continue;
        }
        route.family = p.family;
        route.destination = `${p.address}/${p.prefixLength}`;
      } else {
        e.warning(`route option "${word}" not supported; ignored`);
        i++;
      }
    }
    if (route.destination === undefined || route.family === undefined) {
      e.error('route has no destination');
      continue;
    }
    out.push(route as VirtualRoute);
  }
  return out;
}

function notifyHandlers<T extends { notify: VrrpNotify; smtpAlert?: boolean }>(): Handlers<T> {
  const notify = (key: keyof VrrpNotify) => (a: Args, t: T) => { t.notify[key] = a.script() ?? t.notify[key]; };
  return {
    notify_master: notify('master'),
    notify_backup: notify('backup'),
    notify_fault: notify('fault'),
    notify_stop: notify('stop'),
    notify: notify('any'),
    smtp_alert: (a, t) => { t.smtpAlert = a.bool() ?? t.smtpAlert; },
  };
}

// ---- vrrp_instance ----

const TRACKING_UNSUPPORTED = {
  track_bfd: 'the priority does not follow the BFD sessions',
};

const INSTANCE_UNSUPPORTED = {
  ...TRACKING_UNSUPPORTED,
  mcast_dst_ip: 'adverts go to 224.0.0.18 or ff02::12, where peers using another group do not hear them',
  vrf: 'the instance runs outside the VRF',
  use_vmac_addr: 'adverts leave with the base interface\'s own MAC address',
  use_ipvlan: 'no ipvlan interface is made',
  virtual_rules: 'no ip rules are added or removed with the state',
  no_accept: 'a master accepts traffic to the VIPs it does not own (no filter rule is added)',
  strict_mode: 'the RFC\'s strict checks that keepalived adds are not made',
  unicast_fault_no_peer: 'an instance with no unicast peers is not put in FAULT',
  old_unicast_checksum: 'unicast adverts use the RFC\'s checksum, which keepalived before 1.3.6 did not',
  garp_extra_if: 'no gratuitous ARP is sent on other interfaces',
  track_src_ip: 'the source address does not follow the interface',
};

const INSTANCE_HANDLERS: Handlers<VrrpInstance> = {
  ...notifyHandlers<VrrpInstance>(),
  state: (a, v) => { v.state = a.oneOf(0, ['MASTER', 'BACKUP'] as const) ?? v.state; },
  interface: (a, v) => { v.interface = a.string(0, 'an interface name') ?? v.interface; },
  virtual_router_id: (a, v) => { v.virtualRouterId = a.int(0, 1, 255) ?? v.virtualRouterId; },
  priority: (a, v) => { v.priority = a.int(0, 1, 255) ?? v.priority; },
  advert_int: (a, v) => { v.advertIntMs = a.seconds(0, 0.01, 255) ?? v.advertIntMs; },
  version: (a, v) => { v.version = (a.int(0, 2, 3) as 2 | 3 | undefined) ?? v.version; },
  authentication: (a, v) => {
    const body = needBlock(a);
    if (!body) return;
    const auth: { type?: 'PASS' | 'AH'; password?: string } = {};
    applyBlock(body, 'authentication', {
      auth_type: (b, t) => { t.type = b.oneOf(0, ['PASS', 'AH'] as const) ?? t.type; },
      auth_pass: (b, t) => {
        t.password = b.string(0, 'a password');
        // VRRPv2 carries 8 bytes of password; keepalived sends and compares the first 8 bytes
        // (which may end inside a multi-byte character), and so do the adverts built from it.
        if (t.password !== undefined && Buffer.byteLength(t.password) > 8) {
          const kept = Buffer.from(t.password).subarray(0, 8);
          b.warning(`auth_pass is longer than 8 bytes; only its first 8 bytes are used (hex ${kept.toString('hex')})`);
        }
      },
    }, auth, a.diags);
    if (auth.type === undefined) a.error('authentication needs auth_type PASS or AH');
    else v.authentication = { type: auth.type, password: auth.password ?? '' };
  },
  virtual_ipaddress: (a, v) => { v.virtualIpAddresses.push(...virtualIpAddresses(a, a.diags)); },
  virtual_ipaddress_excluded: (a, v) => { v.virtualIpAddressesExcluded.push(...virtualIpAddresses(a, a.diags)); },
  virtual_routes: (a, v) => { v.virtualRoutes.push(...virtualRoutes(a, a.diags)); },
  preempt: (_a, v) => { v.preempt = true; },
  nopreempt: (_a, v) => { v.preempt = false; },
  preempt_delay: (a, v) => { v.preemptDelayMs = a.seconds(0, 0, 1000) ?? v.preemptDelayMs; },
  garp_master_delay: (a, v) => { v.garpMasterDelaySec = a.int(0, 0, 86400) ?? v.garpMasterDelaySec; },
  garp_master_repeat: (a, v) => { v.garpMasterRepeat = garpRepeat(a) ?? v.garpMasterRepeat; },
  garp_master_refresh: (a, v) => { v.garpMasterRefreshSec = a.int(0, 0, 86400) ?? v.garpMasterRefreshSec; },
  garp_master_refresh_repeat: (a, v) => { v.garpMasterRefreshRepeat = garpRepeat(a) ?? v.garpMasterRefreshRepeat; },
  garp_lower_prio_delay: (a, v) => { v.garpLowerPrioDelaySec = a.int(0, 0, 86400) ?? v.garpLowerPrioDelaySec; },
  garp_lower_prio_repeat: (a, v) => { v.garpLowerPrioRepeat = a.int(0, 0, 10000) ?? v.garpLowerPrioRepeat; },
  down_timer_adverts: (a, v) => { v.downTimerAdverts = a.int(0, 1, 100) ?? v.downTimerAdverts; },
  check_unicast_src: (_a, v) => { v.checkUnicastSrc = true; },
  lower_prio_no_advert: (a, v) => { v.lowerPrioNoAdvert = a.bool() ?? v.lowerPrioNoAdvert; },
  higher_prio_send_advert: (a, v) => { v.higherPrioSendAdvert = a.bool() ?? v.higherPrioSendAdvert; },
  track_interface: (a, v) => { v.trackInterfaces.push(...trackInterfaces(a, a.diags)); },
  track_script: (a, v) => { v.trackScripts.push(...trackScripts(a, a.diags)); },
  track_file: (a, v) => { v.trackFiles.push(...trackFiles(a, a.diags)); },
  track_process: (a, v) => { v.trackProcesses.push(...trackScripts(a, a.diags)); },
  notify_master_rx_lower_pri: (a, v) => { v.notify.masterRxLowerPri = a.script() ?? v.notify.masterRxLowerPri; },
  dont_track_primary: (_a, v) => { v.dontTrackPrimary = true; },
  mcast_src_ip: (a, v) => { v.mcastSrcIp = a.address(0)?.address ?? v.mcastSrcIp; },
  unicast_src_ip: (a, v) => { v.unicastSrcIp = a.address(0)?.address ?? v.unicastSrcIp; },
  unicast_peer: (a, v) => {
    for (const stmt of needBlock(a) ?? []) {
      const peer = parseAddress(stmt.keyword);
      if (peer) v.unicastPeers.push(peer.address);
      else a.diags.error(stmt.at, 'unicast_peer', `"${stmt.keyword}" is not an IPv4 or IPv6 address`);
      // keepalived takes one peer a line, with optional TTL bounds lvsd does not check.
      const words = stmt.args.map((t) => t.text);
      for (let i = 0; i < words.length; i++) {
        const word = words[i]!;
        if ((word === 'min_ttl' || word === 'max_ttl') && i + 1 < words.length) {
          a.diags.warning(stmt.at, 'unicast_peer', `${word} is not checked: adverts from ${stmt.keyword} are taken whatever their TTL`);
          i++;
        } else {
          a.diags.warning(stmt.at, 'unicast_peer', `"${word}" ignored: one peer a line (${stmt.keyword})`);
        }
      }
    }
  },
  lvs_sync_daemon_interface: (a, v) => { v.lvsSyncDaemonInterface = a.string(0, 'an interface name') ?? v.lvsSyncDaemonInterface; },
  use_vmac: (a, v) => { v.useVmac = a.text(0) ?? true; },
  vmac_xmit_base: (_a, v) => { v.vmacXmitBase = true; },
  promote_secondaries: (_a, v) => { v.promoteSecondaries = true; },
  ...ignored<VrrpInstance>(
    'native_ipv6', 'unicast_ttl', 'accept', 'skip_check_adv_addr', 'debug', 'notify_priority_changes', 'kernel_rx_buf_size',
    'linkbeat_use_polling', 'notify_deleted',
  ),
  ...unsupported<VrrpInstance>(INSTANCE_UNSUPPORTED),
};

export function parseVrrpInstance(stmt: Statement, diags: Diagnostics): VrrpInstance | undefined {
  const a = new Args(stmt, 'vrrp_instance', diags);
  const name = nameOf(a);
  const body = needBlock(a);
  if (name === undefined || !body) return undefined;
  const v: VrrpInstance = {
    // 0: not given; settled below from the state, as keepalived does.
    name, at: stmt.at, priority: 0, advertIntMs: 1000,
    virtualIpAddresses: [], virtualIpAddressesExcluded: [], virtualRoutes: [],
    preempt: true, trackInterfaces: [], trackScripts: [], trackFiles: [], trackProcesses: [], dontTrackPrimary: false, unicastPeers: [], notify: {},
  };
  applyBlock(body, 'vrrp_instance', INSTANCE_HANDLERS, v, diags);
  // Without a priority, an instance that starts as MASTER is the address owner (255), as in keepalived.
  if (v.priority === 0) v.priority = v.state === 'MASTER' ? 255 : 100;
  return v;
}

const familyName = (f: AddressFamily): string => (f === AF_INET ? 'IPv4' : 'IPv6');

/**
 * The family of an instance, as keepalived sets it: its first virtual address's,
 * else (an instance without addresses) its source's or first peer's, else IPv4.
 */
export function instanceFamily(v: VrrpInstance): AddressFamily {
  const first = v.virtualIpAddresses[0]?.address ?? v.unicastSrcIp ?? v.mcastSrcIp ?? v.unicastPeers[0];
  return first?.includes(':') ? AF_INET6 : AF_INET;
}

/**
 * Settles an instance as keepalived does once the whole file is read (the
 * global vrrp_version is known then), with a warning for each change it makes
 * to what the file says.
 */
function settleVrrpInstance(v: VrrpInstance, config: KeepalivedConfig, diags: Diagnostics): void {
  const say = (message: string): void => diags.warning(v.at, 'vrrp_instance', `${v.name}: ${message}`);
  // keepalived ignores virtual addresses of the other family than the instance's.
  const family = instanceFamily(v);
  for (const odd of v.virtualIpAddresses.filter((a) => a.family !== family)) {
    diags.warning(odd.at, 'virtual_ipaddress', `${v.name}: ${odd.address} is not ${familyName(family)} like the first virtual address; ignored, as keepalived ignores it (virtual_ipaddress_excluded takes either family)`);
  }
  v.virtualIpAddresses = v.virtualIpAddresses.filter((a) => a.family === family);
  // An IPv6 instance without its own version is VRRPv3, whatever the global vrrp_version says.
  v.version ??= family === AF_INET6 ? 3 : config.global.vrrp.version ?? 2;
  if (v.virtualIpAddresses.length === 0) {
    // keepalived refuses this for VRRPv3 only.
    if (v.version === 3) diags.error(v.at, 'vrrp_instance', `${v.name}: no virtual_ipaddress; VRRP version 3 needs at least one`);
    else say('no virtual_ipaddress: the instance elects a master and runs its notify scripts, but carries no address');
  }
  if (v.authentication && v.version === 3) {
    say('VRRP version 3 has no authentication; the authentication block is ignored, as keepalived ignores it');
    delete v.authentication;
  } else if (v.authentication?.password === '') {
    say('authentication without auth_pass is ignored, as keepalived ignores it');
    delete v.authentication;
  }
  settleAdvertInterval(v, say);
}

/** Version 2 counts whole seconds up to 255; version 3 hundredths up to 40.95 s. keepalived rounds and caps. */
function settleAdvertInterval(v: VrrpInstance, say: (message: string) => void): void {
  const [unitMs, maxMs] = v.version === 2 ? [1000, 255_000] : [10, 40_950];
  const rounded = Math.min(maxMs, Math.max(unitMs, Math.floor((v.advertIntMs + unitMs / 2) / unitMs) * unitMs));
  if (rounded === v.advertIntMs) return;
  const range = v.version === 2 ? 'whole seconds' : 'hundredths of a second up to 40.95 s';
  say(`advert_int ${v.advertIntMs / 1000} is not in ${range} for VRRP version ${v.version}; ${rounded / 1000} is used, as keepalived uses it`);
  v.advertIntMs = rounded;
}

export function settleVrrpInstances(config: KeepalivedConfig, diags: Diagnostics): void {
  for (const v of config.vrrpInstances) settleVrrpInstance(v, config, diags);
}

// ---- vrrp_sync_group ----

const SYNC_GROUP_HANDLERS: Handlers<VrrpSyncGroup> = {
  ...notifyHandlers<VrrpSyncGroup>(),
  group: (a, g) => {
    // As keepalived reads it: every word of the block names an instance, several to a line or not.
    for (const stmt of needBlock(a) ?? []) g.group.push(stmt.keyword, ...stmt.args.map((t) => t.text));
  },
  track_interface: (a, g) => { g.trackInterfaces.push(...trackInterfaces(a, a.diags)); },
  track_script: (a, g) => { g.trackScripts.push(...trackScripts(a, a.diags)); },
  track_file: (a, g) => { g.trackFiles.push(...trackFiles(a, a.diags)); },
  track_process: (a, g) => { g.trackProcesses.push(...trackScripts(a, a.diags)); },
  sync_group_tracking_weight: (_a, g) => { g.trackingWeight = true; },
  ...ignored<VrrpSyncGroup>('global_tracking', 'notify_priority_changes'),
  ...unsupported<VrrpSyncGroup>(TRACKING_UNSUPPORTED),
};

export function parseVrrpSyncGroup(stmt: Statement, diags: Diagnostics): VrrpSyncGroup | undefined {
  const a = new Args(stmt, 'vrrp_sync_group', diags);
  const name = nameOf(a);
  const body = needBlock(a);
  if (name === undefined || !body) return undefined;
  const g: VrrpSyncGroup = { name, at: stmt.at, group: [], notify: {}, trackInterfaces: [], trackScripts: [], trackFiles: [], trackProcesses: [], trackingWeight: false };
  applyBlock(body, 'vrrp_sync_group', SYNC_GROUP_HANDLERS, g, diags);
  return g;
}
