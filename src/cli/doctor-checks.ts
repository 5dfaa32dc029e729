// lvsd doctor's checks: pure functions from what was gathered about the host
// (HostFacts) and the configuration to findings, each saying what to change.
// Nothing here touches the system, so every rule is unit tested with made-up facts.
import { listenText } from '../common/listen';
import type { SourceLocation } from '../config/diagnostics';
import type { KeepalivedConfig, VirtualServer } from '../config/model';
import { AF_INET, AF_INET6, type AddressFamily } from '../ipvs/types';

export type Level = 'ok' | 'warning' | 'problem';

export interface Finding {
  level: Level;
  /** What was checked, in the operator's words: "ip_forward", "interface eth0". */
  check: string;
  message: string;
  /** What to change; set on warnings and problems. */
  fix?: string;
}

export interface LinkFact {
  name: string;
  /** IFF_UP: set by the administrator. */
  adminUp: boolean;
  /** RFC 2863 operational state: "up", "down", "lowerlayerdown", "unknown"... */
  operstate: string;
}

export interface Listener {
  protocol: 'tcp' | 'udp';
  address: string;
  port: number;
}

export type IpvsFact =
  | { ok: true; version: string; connTableSize: number }
  | { ok: false; error: string; noPermission: boolean };

export interface HostFacts {
  /** The network namespace examined; undefined for the one doctor runs in. */
  netns?: string;
  uid: number;
  /** Effective capabilities (CapEff of /proc/self/status); undefined when unreadable. */
  capEff: bigint | undefined;
  ipvs: IpvsFact;
  /** Modules loaded now (/sys/module). */
  modulesLoaded: ReadonlySet<string>;
  /** Modules the running kernel can load or has built in; undefined when its module lists are unreadable. */
  modulesAvailable: ReadonlySet<string> | undefined;
  /** Network sysctls by name; a name that does not exist is absent. */
  sysctls: ReadonlyMap<string, string>;
  links: LinkFact[] | { error: string };
  localAddresses: readonly string[];
  listeners: readonly Listener[];
  /** An lvsd holds this namespace's claim (the abstract unix socket of src/daemon/instance-lock.ts). */
  directorRunning: boolean;
}

export interface DoctorOptions {
  /** The REST API's listening addresses (those of `name`, when it was given as one), when they should be free. */
  api?: { address: string; port: number; name?: string }[];
}

export const CAP_NET_ADMIN = 12;
export const CAP_NET_RAW = 13;

const PERSIST = 'and persist it in /etc/sysctl.d/90-lvsd.conf';

function where(at: SourceLocation): string {
  return `${at.file}:${at.line}`;
}

function hasCap(facts: HostFacts, cap: number): boolean {
  if (facts.capEff === undefined) return facts.uid === 0;
  return ((facts.capEff >> BigInt(cap)) & 1n) === 1n;
}

export function checkPrivileges(facts: HostFacts, config: KeepalivedConfig | undefined): Finding[] {
  const who = facts.uid === 0 ? 'root' : `uid ${facts.uid}`;
  const out: Finding[] = [];
  if (hasCap(facts, CAP_NET_ADMIN)) {
    out.push({ level: 'ok', check: 'privileges', message: `${who} with CAP_NET_ADMIN: IPVS, addresses and sysctls can be changed` });
  } else {
    out.push({
      level: 'problem', check: 'privileges', message: `${who} without CAP_NET_ADMIN: lvsd cannot change the IPVS table, addresses or sysctls`,
      fix: 'run lvsd as root, or grant CAP_NET_ADMIN (systemd: AmbientCapabilities=CAP_NET_ADMIN CAP_NET_RAW, as in scripts/lvsd.service)',
    });
  }
  const rawUsers = [
    ...(config?.vrrpInstances.length ? ['VRRP'] : []),
    ...(config?.virtualServers.some((vs) => vs.realServers.some((rs) => rs.checkers.some((c) => c.type === 'PING_CHECK'))) ? ['PING_CHECK'] : []),
  ];
  if (rawUsers.length && !hasCap(facts, CAP_NET_RAW)) {
    out.push({
      level: 'problem', check: 'privileges', message: `${rawUsers.join(' and ')} need raw sockets, and ${who} has no CAP_NET_RAW`,
      fix: 'run lvsd as root, or grant CAP_NET_RAW as well',
    });
  }
  return out;
}

export function checkIpvs(facts: HostFacts): Finding {
  const ipvs = facts.ipvs;
  if (ipvs.ok) return { level: 'ok', check: 'ipvs', message: `IPVS ${ipvs.version} answers over generic netlink (connection table ${ipvs.connTableSize} buckets)` };
  if (ipvs.noPermission) {
    return { level: 'problem', check: 'ipvs', message: ipvs.error, fix: 'run lvsd as root or with CAP_NET_ADMIN' };
  }
  if (facts.modulesAvailable?.has('ip_vs')) {
    // lvsd runs modprobe itself when it starts (as keepalived does), so this alone stops nothing.
    return {
      level: 'warning', check: 'ipvs', message: `IPVS is not loaded yet (${ipvs.error}); lvsd loads it with modprobe ip_vs when it starts`,
      fix: 'nothing is needed; to have it from boot: echo ip_vs > /etc/modules-load.d/ipvs.conf',
    };
  }
  if (facts.modulesAvailable) {
    return { level: 'problem', check: 'ipvs', message: `this kernel has no IPVS module (${ipvs.error})`, fix: 'boot a kernel built with CONFIG_IP_VS (every distribution kernel has it as a module)' };
  }
  return { level: 'problem', check: 'ipvs', message: `IPVS does not answer (${ipvs.error}) and the kernel's module list is unreadable`, fix: 'modprobe ip_vs, or boot a kernel built with CONFIG_IP_VS' };
}

export function checkSchedulers(facts: HostFacts, config: KeepalivedConfig): Finding[] {
  const users = new Map<string, VirtualServer[]>();
  for (const vs of config.virtualServers) users.set(vs.scheduler, [...(users.get(vs.scheduler) ?? []), vs]);
  return [...users].map(([sched, vss]): Finding => {
    const module = `ip_vs_${sched}`;
    const check = `scheduler ${sched}`;
    const first = `lb_algo ${sched} at ${where(vss[0]!.at)}`;
    if (facts.modulesLoaded.has(module)) return { level: 'ok', check, message: `${module} is loaded` };
    if (facts.modulesAvailable?.has(module)) return { level: 'ok', check, message: `${module} is available; the kernel loads it when the first service uses it` };
    if (facts.modulesAvailable === undefined) {
      return { level: 'warning', check, message: `cannot tell whether the kernel has ${module} (${first}): its module list is unreadable`, fix: `modprobe ${module} to make sure` };
    }
    return { level: 'problem', check, message: `the kernel has no ${module} (${first})`, fix: `choose a scheduler this kernel has, or boot a kernel built with ${module}` };
  });
}

interface MethodUse { families: Set<AddressFamily>; at: SourceLocation }

function methodUse(config: KeepalivedConfig, kinds: string[]): MethodUse | undefined {
  let use: MethodUse | undefined;
  for (const vs of config.virtualServers) {
    for (const server of [...vs.realServers, ...(vs.sorryServer ? [vs.sorryServer] : [])]) {
      if (!kinds.includes(server.method.kind)) continue;
      use ??= { families: new Set(), at: vs.at };
      use.families.add(server.family);
    }
  }
  return use;
}

export function checkForwarding(facts: HostFacts, config: KeepalivedConfig): Finding[] {
  const nat = methodUse(config, ['NAT']);
  if (!nat) return [{ level: 'ok', check: 'forwarding', message: 'no NAT real server: IP forwarding is not needed' }];
  const out: Finding[] = [];
  for (const [family, name] of [[AF_INET, 'net.ipv4.ip_forward'], [AF_INET6, 'net.ipv6.conf.all.forwarding']] as const) {
    if (!nat.families.has(family)) continue;
    const value = facts.sysctls.get(name);
    if (value === '1') {
      out.push({ level: 'ok', check: 'forwarding', message: `${name} is 1, as NAT needs` });
    } else {
      out.push({
        level: 'problem', check: 'forwarding',
        message: `${name} is ${value ?? 'missing'}, but NAT real servers (first at ${where(nat.at)}) answer through this director, which must route their replies`,
        fix: `sysctl -w ${name}=1 ${PERSIST}`,
      });
    }
  }
  return out;
}

export function checkConntrack(facts: HostFacts, config: KeepalivedConfig): Finding[] {
  if (!methodUse(config, ['NAT'])) return [];
  const max = facts.sysctls.get('net.netfilter.nf_conntrack_max');
  if (!facts.modulesLoaded.has('nf_conntrack') && max === undefined) {
    return [{ level: 'ok', check: 'conntrack', message: 'netfilter connection tracking is not loaded: IPVS NAT needs nothing from it' }];
  }
  const out: Finding[] = [];
  const vsConntrack = facts.sysctls.get('net.ipv4.vs.conntrack');
  if (vsConntrack === '0') {
    out.push({
      level: 'warning', check: 'conntrack',
      message: 'nf_conntrack is loaded and net.ipv4.vs.conntrack is 0: connections IPVS forwards get no conntrack entry, '
        + 'so firewall rules of this host that match the connection state, or SNAT/MASQUERADE it, do not see them',
      fix: 'if this host\'s netfilter rules must see the IPVS traffic: sysctl -w net.ipv4.vs.conntrack=1 ' + PERSIST,
    });
  } else if (vsConntrack === '1') {
    out.push({ level: 'ok', check: 'conntrack', message: 'net.ipv4.vs.conntrack is 1: netfilter sees the connections IPVS forwards' });
  }
  const count = Number(facts.sysctls.get('net.netfilter.nf_conntrack_count'));
  const limit = Number(max);
  if (max !== undefined && Number.isFinite(count) && limit > 0) {
    const full = Math.round((count / limit) * 100);
    if (full >= 80) {
      out.push({
        level: 'warning', check: 'conntrack',
        message: `the conntrack table is ${full}% full (${count} of net.netfilter.nf_conntrack_max ${limit}); when it is full new connections are dropped`,
        fix: `raise it: sysctl -w net.netfilter.nf_conntrack_max=${limit * 2} ${PERSIST}`,
      });
    } else {
      out.push({ level: 'ok', check: 'conntrack', message: `${count} of net.netfilter.nf_conntrack_max ${limit} conntrack entries in use (${full}%)` });
    }
  }
  return out;
}

/** Interfaces that carry the virtual addresses: VRRP interfaces and virtual_ipaddress devices. */
export function vipInterfaces(config: KeepalivedConfig): string[] {
  const names = new Set<string>();
  for (const v of config.vrrpInstances) {
    if (v.interface) names.add(v.interface);
    for (const vip of [...v.virtualIpAddresses, ...v.virtualIpAddressesExcluded]) if (vip.dev) names.add(vip.dev);
  }
  return [...names];
}

/** sysctl(8) writes a dot inside an interface name as '/'. */
function rpFilterName(dev: string): string {
  return `net.ipv4.conf.${dev.replace(/\./g, '/')}.rp_filter`;
}

export function checkReversePath(facts: HostFacts, config: KeepalivedConfig): Finding[] {
  const use = methodUse(config, ['DR', 'TUN']);
  if (!use) return [];
  const all = Number(facts.sysctls.get('net.ipv4.conf.all.rp_filter') ?? 0);
  const devices = vipInterfaces(config).filter((d) => facts.sysctls.has(rpFilterName(d)));
  const targets = devices.length ? devices : ['all'];
  return targets.map((dev): Finding => {
    // The kernel applies the larger of conf.all and conf.<dev>.
    const value = Math.max(all, Number(facts.sysctls.get(rpFilterName(dev)) ?? 0));
    const check = `rp_filter ${dev}`;
    if (value !== 1) return { level: 'ok', check, message: `reverse-path filter is ${value === 2 ? 'loose (2)' : 'off (0)'}` };
    return {
      level: 'warning', check,
      message: `strict reverse-path filtering (1) drops packets arriving on ${dev === 'all' ? 'an interface' : dev} `
        + `when the route back to their source leaves by another one; DR/TUN directors (first at ${where(use.at)}) with asymmetric paths lose client traffic that way`,
      fix: `sysctl -w net.ipv4.conf.all.rp_filter=2${dev === 'all' ? '' : ` ${rpFilterName(dev)}=2`} (loose) ${PERSIST}`,
    };
  });
}

/** A VMAC gets rp_filter 0 from lvsd, but the kernel applies conf.all's value when that is larger. */
export function checkVmacReversePath(facts: HostFacts, config: KeepalivedConfig): Finding[] {
  const v = config.vrrpInstances.find((i) => i.useVmac !== undefined);
  if (!v) return [];
  const all = Number(facts.sysctls.get('net.ipv4.conf.all.rp_filter') ?? 0);
  const check = 'rp_filter all (use_vmac)';
  if (all !== 1) return [{ level: 'ok', check, message: `reverse-path filter is ${all === 2 ? 'loose (2)' : 'off (0)'}` }];
  return [{
    level: 'warning', check,
    message: `strict reverse-path filtering (1) in conf.all also applies to the VMAC of vrrp_instance ${v.name} (${where(v.at)}): `
      + 'traffic to its VIPs arrives on the VMAC while the route back to the client leaves by the base interface, so it is dropped',
    fix: `sysctl -w net.ipv4.conf.all.rp_filter=2 (loose) ${PERSIST}`,
  }];
}

export function checkIpvsKnobs(facts: HostFacts, config: KeepalivedConfig): Finding[] {
  const nodest = facts.sysctls.get('net.ipv4.vs.expire_nodest_conn');
  const quiescent = facts.sysctls.get('net.ipv4.vs.expire_quiescent_template');
  if (nodest === undefined || quiescent === undefined) return [];
  const checked = config.virtualServers.flatMap((vs) => vs.realServers.filter((rs) => rs.checkers.length > 0).map((rs) => ({ vs, rs })));
  const removed = checked.find(({ rs }) => !rs.inhibitOnFailure);
  const inhibitedPersistent = checked.find(({ vs, rs }) => rs.inhibitOnFailure && vs.persistenceTimeoutSec !== undefined);
  const out: Finding[] = [];
  if (removed && nodest === '0') {
    out.push({
      level: 'warning', check: 'ipvs expire_nodest_conn',
      message: `a real server that fails its checks is removed (no inhibit_on_failure, e.g. ${where(removed.rs.at)}), `
        + 'but with net.ipv4.vs.expire_nodest_conn 0 its connections stay in the IPVS table and their packets are dropped until they time out',
      fix: `sysctl -w net.ipv4.vs.expire_nodest_conn=1 so that they end at once and clients reconnect ${PERSIST}`,
    });
  } else if (removed) {
    out.push({ level: 'ok', check: 'ipvs expire_nodest_conn', message: 'connections to a removed real server end at once' });
  }
  if (inhibitedPersistent && quiescent === '0') {
    out.push({
      level: 'warning', check: 'ipvs expire_quiescent_template',
      message: `inhibit_on_failure on a persistent service (${where(inhibitedPersistent.rs.at)}) leaves a failed server at weight 0, `
        + 'but with net.ipv4.vs.expire_quiescent_template 0 returning clients keep being sent to it until their persistence template expires',
      fix: `sysctl -w net.ipv4.vs.expire_quiescent_template=1 ${PERSIST}`,
    });
  } else if (inhibitedPersistent) {
    out.push({ level: 'ok', check: 'ipvs expire_quiescent_template', message: 'persistent clients of a quiesced real server are scheduled anew' });
  }
  return out;
}

interface InterfaceUse { name: string; role: string; at: SourceLocation; tracked: boolean }

/** Every interface the configuration names, with where and why. */
export function namedInterfaces(config: KeepalivedConfig): InterfaceUse[] {
  const out: InterfaceUse[] = [];
  const g = config.global;
  const use = (name: string | undefined, role: string, at: SourceLocation | undefined, tracked = false): void => {
    if (name !== undefined && at !== undefined) out.push({ name, role, at, tracked });
  };
  use(g.defaultInterface, 'default_interface', g.at);
  use(g.lvsSyncDaemon?.interface, 'lvs_sync_daemon', g.at);
  for (const v of config.vrrpInstances) {
    use(v.interface, `vrrp_instance ${v.name} interface`, v.at);
    use(v.lvsSyncDaemonInterface, `vrrp_instance ${v.name} lvs_sync_daemon_interface`, v.at);
    for (const vip of [...v.virtualIpAddresses, ...v.virtualIpAddressesExcluded]) use(vip.dev, `virtual_ipaddress ${vip.address} dev`, vip.at);
    for (const r of v.virtualRoutes) use(r.dev, `virtual_route ${r.destination} dev`, r.at);
    for (const t of v.trackInterfaces) use(t.name, `vrrp_instance ${v.name} track_interface`, t.at, true);
  }
  for (const s of config.vrrpSyncGroups) for (const t of s.trackInterfaces) use(t.name, `vrrp_sync_group ${s.name} track_interface`, t.at, true);
  // As the plan places them: on their dev, else default_interface, else eth0.
  for (const a of config.staticAddresses) use(a.dev ?? g.defaultInterface ?? 'eth0', `static_ipaddress ${a.address}`, a.at);
  for (const r of config.staticRoutes) use(r.dev, `static_routes ${r.destination} dev`, r.at);
  for (const vs of config.virtualServers) {
    for (const rs of vs.realServers) for (const c of rs.checkers) use(c.bindIf, `${c.type} bind_if`, c.at);
  }
  return out;
}

export function checkInterfaces(facts: HostFacts, config: KeepalivedConfig): Finding[] {
  const uses = namedInterfaces(config);
  if (!uses.length) return [];
  if ('error' in facts.links) {
    return [{ level: 'problem', check: 'interfaces', message: `cannot list the interfaces: ${facts.links.error}`, fix: 'run lvsd doctor as root' }];
  }
  const links = new Map(facts.links.map((l) => [l.name, l]));
  const byName = new Map<string, InterfaceUse[]>();
  for (const u of uses) byName.set(u.name, [...(byName.get(u.name) ?? []), u]);
  const inNs = facts.netns ? ` in netns ${facts.netns}` : '';
  return [...byName].map(([name, list]): Finding => {
    const check = `interface ${name}`;
    const roles = list.map((u) => `${u.role} at ${where(u.at)}`).join('; ');
    const onlyTracked = list.every((u) => u.tracked);
    const link = links.get(name);
    if (!link) {
      return { level: 'problem', check, message: `no interface ${name}${inNs}, named by ${roles}`, fix: `correct the name in the configuration, or create ${name}` };
    }
    if (!link.adminUp) {
      return { level: onlyTracked ? 'warning' : 'problem', check, message: `${name} is down (${roles})`, fix: `ip link set ${name} up` };
    }
    if (link.operstate === 'down' || link.operstate === 'lowerlayerdown') {
      return { level: 'warning', check, message: `${name} is up but has no carrier (${link.operstate}) (${roles})`, fix: `check the cable or the peer of ${name}` };
    }
    return { level: 'ok', check, message: `${name} is up (${roles})` };
  });
}

function isWildcard(address: string): boolean {
  return address === '0.0.0.0' || address === '::';
}

function listenerOn(facts: HostFacts, protocol: 'tcp' | 'udp', address: string, port: number): Listener | undefined {
  return facts.listeners.find((l) => l.protocol === protocol && l.port === port
    && (l.address === address || isWildcard(l.address) || isWildcard(address)));
}

function isLocal(facts: HostFacts, address: string): boolean {
  return facts.localAddresses.includes(address) || address.startsWith('127.') || address === '::1';
}

export function checkPorts(facts: HostFacts, config: KeepalivedConfig | undefined, opts: DoctorOptions): Finding[] {
  const out: Finding[] = [];
  for (const { address, port, name } of opts.api ?? []) {
    const taken = listenerOn(facts, 'tcp', address, port);
    const text = `${listenText(address, port)}${name !== undefined ? ` (${name})` : ''}`;
    out.push(taken
      ? { level: 'problem', check: 'api port', message: `${text} is taken: something listens on ${taken.address}:${taken.port}`, fix: 'stop that program (a running lvsd?) or give the API another port' }
      : { level: 'ok', check: 'api port', message: `${text} is free` });
  }
  for (const vs of config?.virtualServers ?? []) {
    const key = vs.key;
    if (key.kind !== 'address' || vs.protocol === 'SCTP') continue;
    const protocol = vs.protocol === 'TCP' ? 'tcp' : 'udp';
    const taken = listenerOn(facts, protocol, key.address, key.port);
    if (!taken) continue;
    // A real server on this very host is the one case where a local listener is meant to get the traffic.
    if (vs.realServers.some((rs) => isLocal(facts, rs.address) && (rs.port === key.port || rs.port === 0))) continue;
    const vip = `${key.address.includes(':') ? `[${key.address}]` : key.address}:${key.port}`;
    out.push({
      level: 'warning', check: `virtual server ${vs.protocol} ${vip}`,
      message: `a local program listens on ${taken.address}:${taken.port}/${protocol}; IPVS takes the traffic to ${vip} before it (${where(vs.at)})`,
      fix: `bind that program to other addresses than ${key.address}, or stop it`,
    });
  }
  return out;
}

/** A running lvsd is no fault, but a second one would refuse to start. */
export function checkRunningDirector(facts: HostFacts): Finding {
  const where = facts.netns ? ` in netns ${facts.netns}` : ' here';
  return facts.directorRunning
    ? { level: 'warning', check: 'lvsd', message: `an lvsd already drives the IPVS table${where}`, fix: 'a second one refuses to start: stop the running one first (systemctl stop lvsd)' }
    : { level: 'ok', check: 'lvsd', message: `no lvsd runs${where} yet` };
}

/** Every check, in the order an operator fixes things: rights, kernel, configuration, network. */
export function diagnose(facts: HostFacts, config: KeepalivedConfig | undefined, opts: DoctorOptions = {}): Finding[] {
  const out: Finding[] = [...checkPrivileges(facts, config), checkIpvs(facts), checkRunningDirector(facts)];
  if (config) {
    out.push(
      ...checkSchedulers(facts, config), ...checkForwarding(facts, config), ...checkConntrack(facts, config),
      ...checkReversePath(facts, config), ...checkVmacReversePath(facts, config), ...checkIpvsKnobs(facts, config), ...checkInterfaces(facts, config),
    );
  }
  out.push(...checkPorts(facts, config, opts));
  return out;
}

/** The sysctls the checks read: the fixed ones and the reverse-path filter of each VIP interface. */
export function sysctlsToRead(config: KeepalivedConfig | undefined): string[] {
  return [
    'net.ipv4.ip_forward', 'net.ipv6.conf.all.forwarding', 'net.ipv4.vs.conntrack', 'net.ipv4.vs.expire_nodest_conn',
    'net.ipv4.vs.expire_quiescent_template', 'net.netfilter.nf_conntrack_max', 'net.netfilter.nf_conntrack_count',
    'net.ipv4.conf.all.rp_filter',
    ...(config ? vipInterfaces(config).map(rpFilterName) : []),
  ];
}

export function formatFinding(f: Finding): string {
  return `${f.level.padEnd(7)} ${f.check}: ${f.message}${f.fix ? ` -> ${f.fix}` : ''}`;
}
