// Prepares a real server for LVS direct routing (DR) or IP tunnelling (TUN),
// as operators do by hand: the VIP as a /32 (or /128) on lo (DR) or on the
// fallback tunnel device tunl0 / ip6tnl0 (TUN), the ARP sysctls that keep the
// server from answering ARP for the VIP, and for TUN a relaxed rp_filter so
// tunnelled packets from clients are not dropped. Each step is done only when
// needed and reported; `down` undoes it.
//
// Original sysctl values are saved in a small state file (one per network
// namespace) so that `down` restores what was there before; without that
// file, down restores the kernel defaults. Sysctls are restored only when the
// last VIP prepared on this server is taken down.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withRtnl, type Rtnl } from '../net/rtnl';
import { addAddress, deleteAddress } from '../net/addresses';
import { findLink, setLinkUp } from '../net/links';
import { parseIp, maxPrefix, type IpAddress } from '../net/ip';
import { SysctlError, interfaceSysctl, readSysctl, writeSysctl } from '../net/sysctl';
import type { AddressSpec } from '../net/address-spec';
import { AF_INET } from '../ipvs/types';

export type RealServerMode = 'dr' | 'tun';

export interface RealServerOptions {
  vip: string;
  mode: RealServerMode;
  down?: boolean;
  netns?: string;
  /** Where the saved sysctl values live; /run/lvsd by default. */
  stateDir?: string;
}

export type Change =
  | { kind: 'address'; action: 'add' | 'delete'; address: string; dev: string }
  | { kind: 'sysctl'; name: string; from: string; to: string }
  | { kind: 'link'; action: 'up' | 'down'; dev: string };

/** One line per change, in the words of the commands an operator would have typed. */
export function describeChange(c: Change): string {
  switch (c.kind) {
    case 'address': return `${c.action} address ${c.address} dev ${c.dev}`;
    case 'sysctl': return `set ${c.name} ${c.from} -> ${c.to}`;
    case 'link': return `set link ${c.dev} ${c.action}`;
  }
}

interface SavedState {
  /** Prepared VIPs and their mode. */
  vips: Record<string, RealServerMode>;
  /** Sysctl values found before the first change, by name. */
  sysctls: Record<string, string>;
  /** Links this tool brought up. */
  linksUp: string[];
}

const DEFAULT_STATE_DIR = '/run/lvsd';

function statePath(opts: RealServerOptions): string {
  return join(opts.stateDir ?? DEFAULT_STATE_DIR, `realserver-${opts.netns ?? 'host'}.json`);
}

function loadState(path: string): SavedState | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read real server state ${path}: ${(e as Error).message}`);
  }
  try {
    const parsed = JSON.parse(text) as Partial<SavedState>;
    return { vips: parsed.vips ?? {}, sysctls: parsed.sysctls ?? {}, linksUp: parsed.linksUp ?? [] };
  } catch (e) {
    throw new Error(`real server state ${path} is not valid JSON (${(e as Error).message}): remove it to start afresh`);
  }
}

function saveState(path: string, state: SavedState): void {
  try {
    if (Object.keys(state.vips).length === 0) {
      rmSync(path, { force: true });
      return;
    }
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, `${JSON.stringify(state, null, 2)}\n`);
  } catch (e) {
    throw new Error(`cannot write real server state ${path}: ${(e as Error).message}`);
  }
}

/** The device that carries the VIP: lo for DR, the fallback tunnel of the VIP's family for TUN. */
export function vipDevice(mode: RealServerMode, vip: IpAddress): string {
  if (mode === 'dr') return 'lo';
  return vip.family === AF_INET ? 'tunl0' : 'ip6tnl0';
}

interface SysctlTarget {
  name: string;
  /** The value to write, or undefined when the current value is already acceptable. */
  want(current: string): string | undefined;
}

/** The sysctls the mode needs, in the order they are applied. ARP settings only concern IPv4. */
export function sysctlTargets(mode: RealServerMode, vip: IpAddress): SysctlTarget[] {
  if (vip.family !== AF_INET) return [];
  const dev = vipDevice(mode, vip);
  const exactly = (value: string) => (current: string) => (current === value ? undefined : value);
  // Strict reverse-path filtering (1) drops tunnelled packets whose client
  // address is not routed back through tunl0; loose (2) and off (0) let them in.
  const relaxed = (current: string) => (current === '1' ? '0' : undefined);
  const targets: SysctlTarget[] = [];
  for (const scope of ['all', dev]) {
    targets.push({ name: interfaceSysctl(scope, 'arp_ignore'), want: exactly('1') });
    targets.push({ name: interfaceSysctl(scope, 'arp_announce'), want: exactly('2') });
  }
  if (mode === 'tun') {
    for (const scope of ['all', dev]) targets.push({ name: interfaceSysctl(scope, 'rp_filter'), want: relaxed });
  }
  return targets;
}

function vipSpec(vip: IpAddress, dev: string): AddressSpec {
  return { prefix: { address: vip, prefixLength: maxPrefix(vip.family) }, dev };
}

async function requireVipDevice(nl: Rtnl, dev: string, mode: RealServerMode): Promise<void> {
  if (await findLink(nl, dev)) return;
  const module = dev === 'tunl0' ? 'ipip' : dev === 'ip6tnl0' ? 'ip6_tunnel' : undefined;
  const hint = mode === 'tun' && module ? `: load the ${module} kernel module (modprobe ${module}), which creates it` : '';
  throw new Error(`real server ${mode.toUpperCase()} needs interface ${dev}${nl.netns ? ` in netns ${nl.netns}` : ''}${hint}`);
}

export async function prepareRealServer(opts: RealServerOptions): Promise<Change[]> {
  if (opts.mode !== 'dr' && opts.mode !== 'tun') {
    throw new Error(`invalid real server mode ${JSON.stringify(opts.mode)}: expected dr or tun`);
  }
  const vip = parseIp(opts.vip, 'VIP');
  return opts.down ? takeDown(opts, vip) : bringUp(opts, vip);
}

async function bringUp(opts: RealServerOptions, vip: IpAddress): Promise<Change[]> {
  const path = statePath(opts);
  const state = loadState(path) ?? { vips: {}, sysctls: {}, linksUp: [] };
  const dev = vipDevice(opts.mode, vip);
  const ns = opts.netns === undefined ? {} : { netns: opts.netns };
  const changes: Change[] = [];
  const before = JSON.stringify(state);

  await withRtnl(opts.netns, async (nl) => {
    await requireVipDevice(nl, dev, opts.mode);
    // ARP settings first, so the server never answers ARP for the VIP in between.
    for (const target of sysctlTargets(opts.mode, vip)) {
      const current = readSysctl(target.name, ns);
      const value = target.want(current);
      if (value === undefined) continue;
      writeSysctl(target.name, value, ns);
      if (!(target.name in state.sysctls)) state.sysctls[target.name] = current;
      changes.push({ kind: 'sysctl', name: target.name, from: current, to: value });
    }
    if (opts.mode === 'tun' && await setLinkUp(nl, dev, true)) {
      if (!state.linksUp.includes(dev)) state.linksUp.push(dev);
      changes.push({ kind: 'link', action: 'up', dev });
    }
    const spec = vipSpec(vip, dev);
    if (await addAddress(nl, spec)) {
      changes.push({ kind: 'address', action: 'add', address: `${vip.text}/${spec.prefix.prefixLength}`, dev });
    }
  });
  state.vips[vip.text] = opts.mode;
  if (JSON.stringify(state) !== before) saveState(path, state);
  return changes;
}

/** Kernel defaults: per-interface settings take conf.default's value, "all" settings are 0. */
function defaultValue(name: string, ns: { netns?: string }): string {
  const m = /^net\.ipv4\.conf\.([^.]+)\.(\w+)$/.exec(name);
  if (!m || m[1] === 'all') return '0';
  return readSysctl(interfaceSysctl('default', m[2]!), ns);
}

async function takeDown(opts: RealServerOptions, vip: IpAddress): Promise<Change[]> {
  const path = statePath(opts);
  const saved = loadState(path);
  const state = saved ?? { vips: {}, sysctls: {}, linksUp: [] };
  const mode = state.vips[vip.text] ?? opts.mode;
  const dev = vipDevice(mode, vip);
  const ns = opts.netns === undefined ? {} : { netns: opts.netns };
  const changes: Change[] = [];
  delete state.vips[vip.text];
  const lastVip = Object.keys(state.vips).length === 0;

  await withRtnl(opts.netns, async (nl) => {
    const spec = vipSpec(vip, dev);
    const removed = await findLink(nl, dev) !== undefined && await deleteAddress(nl, spec);
    if (removed) changes.push({ kind: 'address', action: 'delete', address: `${vip.text}/${spec.prefix.prefixLength}`, dev });
    // Without saved state, only a VIP that was really there says the defaults need restoring.
    if (!lastVip || (!saved && !removed)) return;
    const restore = saved
      ? Object.entries(state.sysctls)
      : sysctlTargets(mode, vip).map((t) => [t.name, defaultValue(t.name, ns)] as const);
    for (const [name, value] of restore) {
      let current: string;
      try {
        current = readSysctl(name, ns);
      } catch (e) {
        if (e instanceof SysctlError && e.code === 'ENOENT') continue; // the interface is gone, and its settings with it
        throw e;
      }
      if (current === value) continue;
      writeSysctl(name, value, ns);
      changes.push({ kind: 'sysctl', name, from: current, to: value });
    }
    for (const link of state.linksUp) {
      if (await findLink(nl, link) && await setLinkUp(nl, link, false)) changes.push({ kind: 'link', action: 'down', dev: link });
    }
  });
  if (saved) saveState(path, lastVip ? { vips: {}, sysctls: {}, linksUp: [] } : state);
  return changes;
}
