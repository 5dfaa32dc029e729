// Checks that span blocks: names defined twice or used but never defined,
// duplicate services, address families that cannot work together.
import { AF_INET, AF_INET6, AddressFamily } from '../ipvs/types';
import { Diagnostics, SourceLocation } from './diagnostics';
import { KeepalivedConfig, RealServer, SorryServer, TrackedFile, TrackedScript, VirtualServer, VirtualServerGroup, VrrpInstance } from './model';

function where(at: SourceLocation): string {
  return `${at.file}:${at.line}`;
}

function familyName(f: AddressFamily): string {
  return f === AF_INET ? 'IPv4' : 'IPv6';
}

function checkUniqueNames(items: { name: string; at: SourceLocation }[], keyword: string, diags: Diagnostics): void {
  const seen = new Map<string, SourceLocation>();
  for (const item of items) {
    const first = seen.get(item.name);
    if (first) diags.error(item.at, keyword, `${item.name} is already defined at ${where(first)}`);
    else seen.set(item.name, item.at);
  }
}

function checkVrrpInstance(v: VrrpInstance, config: KeepalivedConfig, diags: Diagnostics): void {
  const scripts = new Set(config.vrrpScripts.map((s) => s.name));
  if (v.interface === undefined) diags.error(v.at, 'vrrp_instance', `${v.name}: missing interface`);
  if (v.virtualRouterId === undefined) diags.error(v.at, 'vrrp_instance', `${v.name}: missing virtual_router_id`);
  for (const t of v.trackScripts) {
    if (!scripts.has(t.name)) diags.warning(t.at, 'track_script', `${v.name}: vrrp_script ${t.name} is not defined; ignored`);
  }
  dropUndefinedTracks(v.name, config, diags, v);
  if (v.unicastSrcIp !== undefined && v.unicastPeers.length > 0) {
    const srcV4 = !v.unicastSrcIp.includes(':');
    if (v.unicastPeers.some((p) => !p.includes(':') !== srcV4)) {
      diags.error(v.at, 'vrrp_instance', `${v.name}: unicast_src_ip ${v.unicastSrcIp} and unicast_peer addresses are of different families`);
    }
  }
}

/** Two instances on one interface and family cannot share a virtual router id. */
function checkVrids(config: KeepalivedConfig, diags: Diagnostics): void {
  const seen = new Map<string, VrrpInstance>();
  for (const v of config.vrrpInstances) {
    if (v.interface === undefined || v.virtualRouterId === undefined) continue;
    const family = v.virtualIpAddresses[0]?.family ?? AF_INET;
    const key = `${v.interface}/${family}/${v.virtualRouterId}`;
    const other = seen.get(key);
    if (other) {
      diags.error(v.at, 'vrrp_instance', `${v.name}: virtual_router_id ${v.virtualRouterId} on ${v.interface} is already used by ${other.name} (${where(other.at)})`);
    } else {
      seen.set(key, v);
    }
  }
}

/** A track_file or track_process naming no block of its kind is dropped, as keepalived ignores it. */
function dropUndefinedTracks(owner: string, config: KeepalivedConfig, diags: Diagnostics, tracks: { trackFiles: TrackedFile[]; trackProcesses: TrackedScript[] }): void {
  const kinds = [
    { tracked: tracks.trackFiles, keyword: 'track_file', block: 'track_file', defined: new Set(config.trackFiles.map((f) => f.name)) },
    { tracked: tracks.trackProcesses, keyword: 'track_process', block: 'vrrp_track_process', defined: new Set(config.trackProcesses.map((p) => p.name)) },
  ];
  for (const { tracked, keyword, block, defined } of kinds) {
    for (const t of [...tracked]) {
      if (defined.has(t.name)) continue;
      diags.warning(t.at, keyword, `${owner}: ${block} ${t.name} is not defined; ignored`);
      tracked.splice(tracked.indexOf(t), 1);
    }
  }
}

/**
 * As keepalived: an instance in a sync group without sync_group_tracking_weight,
 * or an address owner, takes no priority from its own tracked files. The
 * default weight becomes 0 (the file's value then means FAULT or not); another
 * weight drops the track. A group's files lose their weight when a member is an owner.
 */
function settleTrackedFileWeights(config: KeepalivedConfig, diags: Diagnostics): void {
  const files = new Map(config.trackFiles.map((f) => [f.name, f]));
  const groupOf = new Map(config.vrrpSyncGroups.flatMap((g) => g.group.map((m) => [m, g] as const)));
  for (const v of config.vrrpInstances) {
    const group = groupOf.get(v.name);
    const why = v.priority === 255 ? 'it is the address owner (priority 255)' : group && !group.trackingWeight ? `it is in sync group ${group.name}` : undefined;
    if (why === undefined) continue;
    for (const t of [...v.trackFiles]) {
      const weight = t.weight ?? files.get(t.name)?.weight ?? 1;
      if (weight === 0) continue;
      if (weight === 1 && t.weight === undefined) {
        diags.warning(t.at, 'track_file', `${v.name}: ${t.name} is tracked without weight, as ${why}; write weight 0 to say so`);
        t.weight = 0;
      } else {
        diags.warning(t.at, 'track_file', `${v.name}: ${t.name} with weight ${weight} is ignored, as ${why} (keepalived ignores it too)`);
        v.trackFiles.splice(v.trackFiles.indexOf(t), 1);
      }
    }
  }
  for (const g of config.vrrpSyncGroups) {
    const owner = config.vrrpInstances.find((v) => v.priority === 255 && g.group.includes(v.name));
    if (!owner) continue;
    for (const t of g.trackFiles) {
      if ((t.weight ?? files.get(t.name)?.weight ?? 1) === 0) continue;
      diags.warning(t.at, 'track_file', `${g.name}: ${t.name} is tracked without weight, as member ${owner.name} is the address owner`);
      t.weight = 0;
    }
  }
}

function checkSyncGroups(config: KeepalivedConfig, diags: Diagnostics): void {
  const instances = new Set(config.vrrpInstances.map((v) => v.name));
  const member = new Map<string, string>();
  for (const g of config.vrrpSyncGroups) {
    dropUndefinedTracks(g.name, config, diags, g);
    for (const name of g.group) {
      if (!instances.has(name)) diags.error(g.at, 'vrrp_sync_group', `${g.name}: vrrp_instance ${name} is not defined`);
      const other = member.get(name);
      if (other) diags.error(g.at, 'vrrp_sync_group', `${g.name}: vrrp_instance ${name} is already in sync group ${other}`);
      else member.set(name, g.name);
    }
    if (g.group.length === 0) diags.warning(g.at, 'vrrp_sync_group', `${g.name}: no instances in group { }; the sync group does nothing`);
  }
}

function describeKey(vs: VirtualServer): string {
  const k = vs.key;
  if (k.kind === 'fwmark') return `fwmark ${k.fwmark}`;
  if (k.kind === 'group') return `group ${k.group} ${vs.protocol}`;
  const host = k.family === AF_INET6 ? `[${k.address}]` : k.address;
  return `${host}:${k.port} ${vs.protocol}`;
}

/** Families the service answers on; empty when they depend on the real servers (fwmark without ip_family). */
function serviceFamilies(vs: VirtualServer, groups: Map<string, VirtualServerGroup>): Set<AddressFamily> {
  const k = vs.key;
  if (k.kind === 'address') return new Set([k.family]);
  if (vs.ipFamily !== undefined) return new Set([vs.ipFamily]);
  if (k.kind === 'group') {
    return new Set((groups.get(k.group)?.entries ?? []).flatMap((e) => (e.kind === 'range' ? [e.family] : e.family ? [e.family] : [])));
  }
  return new Set();
}

function checkServerFamily(vs: VirtualServer, s: RealServer | SorryServer, families: Set<AddressFamily>, keyword: string, diags: Diagnostics): void {
  // Tunnelled servers may be of another family than the service.
  if (s.method.kind === 'TUN') return;
  for (const f of families) {
    if (f !== s.family) {
      diags.error(s.at, keyword, `${s.address} is ${familyName(s.family)} but virtual server ${describeKey(vs)} is ${familyName(f)}; only TUN forwarding can mix families`);
      return;
    }
  }
}

function checkVirtualServer(vs: VirtualServer, groups: Map<string, VirtualServerGroup>, diags: Diagnostics): void {
  const k = vs.key;
  if (k.kind === 'group' && !groups.has(k.group)) {
    diags.error(vs.at, 'virtual_server', `virtual_server_group ${k.group} is not defined`);
  }
  let families = serviceFamilies(vs, groups);
  if (families.size === 0) {
    // fwmark without ip_family: the first non-tunnelled server sets the family the others must share.
    const first = [...vs.realServers, ...(vs.sorryServer ? [vs.sorryServer] : [])].find((s) => s.method.kind !== 'TUN');
    if (first) families = new Set([first.family]);
  }
  const seen = new Map<string, RealServer>();
  for (const rs of vs.realServers) {
    checkServerFamily(vs, rs, families, 'real_server', diags);
    const id = `${rs.address}:${rs.port}`;
    const other = seen.get(id);
    if (other) diags.error(rs.at, 'real_server', `${rs.address} port ${rs.port} is already a real server of ${describeKey(vs)} (${where(other.at)})`);
    else seen.set(id, rs);
    // DR and TUN in a group take each entry's port: say so when the file writes another.
    const written = rs.checkPort ?? rs.port;
    if (k.kind === 'group' && rs.method.kind !== 'NAT' && written !== 0) {
      const ports = (groups.get(k.group)?.entries ?? []).flatMap((e) => (e.kind === 'range' && e.port !== written ? [e.port] : []));
      if (ports.length > 0) {
        diags.warning(rs.at, 'real_server', `${rs.address} port ${written} is not kept (${rs.method.kind} keeps the destination port): the entries of group ${k.group} use their own (${[...new Set(ports)].join(', ')}), as keepalived does`);
      }
    }
    // The kernel refuses a lower threshold above the upper one, an upper of 0 (none) included.
    if ((rs.lowerThreshold ?? 0) > (rs.upperThreshold ?? 0)) {
      diags.error(rs.at, 'lthreshold', `${rs.address} port ${rs.port}: lthreshold ${rs.lowerThreshold} is above uthreshold ${rs.upperThreshold ?? 0} (the kernel refuses a lower threshold without an upper one at least as high)`);
    }
    if (k.kind === 'fwmark' && rs.method.kind === 'NAT' && rs.port === 0) {
      diags.warning(rs.at, 'real_server', `${rs.address}: NAT for fwmark ${k.fwmark} without a real server port keeps each client's destination port`);
    }
  }
  if (vs.sorryServer) checkServerFamily(vs, vs.sorryServer, families, 'sorry_server', diags);
  const granularity = vs.persistenceGranularity;
  if (granularity !== undefined && /^\d+$/.test(granularity) && Number(granularity) > 32 && families.has(AF_INET)) {
    diags.error(vs.at, 'persistence_granularity', `${granularity} is not an IPv4 prefix length (1..32) for ${describeKey(vs)}`);
  }
}

function serviceIdentity(vs: VirtualServer): string {
  const k = vs.key;
  if (k.kind === 'fwmark') return `fwmark/${k.fwmark}/${vs.ipFamily ?? ''}`;
  if (k.kind === 'group') return `group/${k.group}/${vs.protocol}`;
  return `addr/${k.address}/${k.port}/${vs.protocol}`;
}

function checkDuplicateServices(config: KeepalivedConfig, diags: Diagnostics): void {
  const seen = new Map<string, VirtualServer>();
  for (const vs of config.virtualServers) {
    const id = serviceIdentity(vs);
    const other = seen.get(id);
    if (other) diags.error(vs.at, 'virtual_server', `${describeKey(vs)} is already defined at ${where(other.at)}`);
    else seen.set(id, vs);
  }
}

export function validateConfig(config: KeepalivedConfig, diags: Diagnostics): void {
  checkUniqueNames(config.vrrpScripts, 'vrrp_script', diags);
  checkUniqueNames(config.trackFiles, 'track_file', diags);
  checkUniqueNames(config.trackProcesses, 'vrrp_track_process', diags);
  checkUniqueNames(config.vrrpInstances, 'vrrp_instance', diags);
  checkUniqueNames(config.vrrpSyncGroups, 'vrrp_sync_group', diags);
  checkUniqueNames(config.virtualServerGroups, 'virtual_server_group', diags);
  for (const v of config.vrrpInstances) checkVrrpInstance(v, config, diags);
  checkVrids(config, diags);
  checkSyncGroups(config, diags);
  settleTrackedFileWeights(config, diags);
  const sync = config.global.lvsSyncDaemon;
  if (sync?.vrrpInstance !== undefined && !config.vrrpInstances.some((v) => v.name === sync.vrrpInstance)) {
    diags.error(config.global.at ?? { file: '', line: 0 }, 'global_defs', `lvs_sync_daemon: vrrp_instance ${sync.vrrpInstance} is not defined`);
  }
  const groups = new Map(config.virtualServerGroups.map((g) => [g.name, g]));
  for (const vs of config.virtualServers) checkVirtualServer(vs, groups, diags);
  checkDuplicateServices(config, diags);
  checkNotifyFifos(config, diags);
}

const FIFO_KEYWORD = { all: 'notify_fifo', vrrp: 'vrrp_notify_fifo', lvs: 'lvs_notify_fifo' } as const;

/** A *_fifo_script without its FIFO has nothing to read: dropped, as keepalived drops it. Two kinds in one FIFO are refused. */
function checkNotifyFifos(config: KeepalivedConfig, diags: Diagnostics): void {
  const fifos = config.global.notifyFifos;
  for (const f of [...fifos]) {
    if (f.path !== '') continue;
    diags.warning(f.at, 'global_defs', `${FIFO_KEYWORD[f.events]}_script without ${FIFO_KEYWORD[f.events]}: the script has no FIFO to read and is not run`);
    fifos.splice(fifos.indexOf(f), 1);
  }
  const seen = new Map<string, (typeof fifos)[number]>();
  for (const f of fifos) {
    const first = seen.get(f.path);
    if (first) diags.error(f.at, 'global_defs', `${FIFO_KEYWORD[f.events]} ${f.path}: the FIFO of ${FIFO_KEYWORD[first.events]} too; each needs a FIFO of its own`);
    else seen.set(f.path, f);
  }
}
