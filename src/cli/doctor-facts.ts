// Gathers what lvsd doctor judges: privileges, IPVS, kernel modules, sysctls,
// interfaces, local addresses and listening sockets, all read-only, of the
// current network namespace or a named one.
import { readdirSync, readFileSync } from 'node:fs';
import { release } from 'node:os';
import ipaddr from 'ipaddr.js';
import type { KeepalivedConfig } from '../config/model';
import { IpvsClient } from '../ipvs/client';
import { IpvsUnavailableError } from '../ipvs/errors';
import { listAddresses } from '../net/addresses';
import { listLinks } from '../net/links';
import { inNetns } from '../net/netns';
import { withRtnl } from '../net/rtnl';
import { readSysctl } from '../net/sysctl';
import { INSTANCE_SOCKET } from '../daemon/instance-lock';
import { type HostFacts, type IpvsFact, type Listener, sysctlsToRead } from './doctor-checks';

/** The effective capability set from the text of /proc/self/status. */
export function parseCapEff(status: string): bigint | undefined {
  const m = /^CapEff:\s*([0-9a-fA-F]+)\s*$/m.exec(status);
  return m ? BigInt(`0x${m[1]}`) : undefined;
}

/** Module names from modules.dep or modules.builtin lines ("kernel/net/netfilter/ipvs/ip_vs_rr.ko.xz: ..."). */
export function parseModuleList(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const path = line.split(':')[0]?.trim();
    if (!path) continue;
    const m = /([^/]+)\.ko(?:\.\w+)?$/.exec(path);
    // The kernel treats '-' and '_' in module names alike and shows '_' in /sys/module.
    if (m) out.push(m[1]!.replace(/-/g, '_'));
  }
  return out;
}

function hexAddress(hex: string): string {
  // The kernel prints each 32-bit word of the address in host (little-endian) order.
  const bytes: number[] = [];
  for (let i = 0; i < hex.length; i += 8) bytes.push(...Buffer.from(hex.slice(i, i + 8), 'hex').reverse());
  return ipaddr.fromByteArray(bytes).toString();
}

/**
 * Sockets from /proc/net/{tcp,tcp6,udp,udp6}: TCP ones in LISTEN (state 0A),
 * every bound UDP one (state 07).
 */
export function parseProcNet(text: string, protocol: 'tcp' | 'udp'): Listener[] {
  const out: Listener[] = [];
  for (const line of text.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 4) continue;
    const [local, state] = [fields[1]!, fields[3]!];
    if (state !== (protocol === 'tcp' ? '0A' : '07')) continue;
    const [addr, port] = local.split(':');
    if (!addr || !port) continue;
    out.push({ protocol, address: hexAddress(addr), port: parseInt(port, 16) });
  }
  return out;
}

function readOr<T>(path: string, parse: (text: string) => T): T | undefined {
  try {
    return parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

async function ipvsFact(netns: string | undefined): Promise<IpvsFact> {
  try {
    const client = await IpvsClient.open(netns !== undefined ? { netns } : {});
    try {
      const info = await client.getInfo();
      const v = info.version;
      return { ok: true, version: `${(v >> 16) & 0xff}.${(v >> 8) & 0xff}.${v & 0xff}`, connTableSize: info.connTableSize };
    } finally {
      client.close();
    }
  } catch (e) {
    const noPermission = e instanceof IpvsUnavailableError && (e.code === 'EPERM' || e.code === 'EACCES');
    return { ok: false, error: (e as Error).message, noPermission };
  }
}

function loadedModules(): Set<string> {
  try {
    return new Set(readdirSync('/sys/module'));
  } catch {
    return new Set();
  }
}

function modulesAvailable(): Set<string> | undefined {
  const dir = `/lib/modules/${release()}`;
  const lists = ['modules.dep', 'modules.builtin'].map((f) => readOr(`${dir}/${f}`, parseModuleList));
  if (lists.every((l) => l === undefined)) return undefined;
  return new Set(lists.flatMap((l) => l ?? []));
}

function sysctls(config: KeepalivedConfig | undefined, netns: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of sysctlsToRead(config)) {
    try {
      out.set(name, readSysctl(name, netns !== undefined ? { netns } : {}));
    } catch {
      // Absent: the module that owns it is not loaded, or no such interface.
    }
  }
  return out;
}

function listeners(netns: string | undefined): Listener[] {
  // thread-self: the namespace of the thread inNetns switched, not of the process's first view.
  return inNetns(netns, () => (['tcp', 'tcp6', 'udp', 'udp6'] as const).flatMap((file) =>
    readOr(`/proc/thread-self/net/${file}`, (t) => parseProcNet(t, file.startsWith('tcp') ? 'tcp' : 'udp')) ?? []));
}

/** The names of the unix sockets bound in /proc/net/unix, abstract ones with a leading @. */
export function parseProcNetUnix(text: string): string[] {
  // Num RefCount Protocol Flags Type St Inode Path: the path, when there is one, is the eighth column.
  return text.split('\n').slice(1).map((l) => l.trim().split(/\s+/)[7]).filter((p): p is string => p !== undefined);
}

function directorRunning(netns: string | undefined): boolean {
  const names = inNetns(netns, () => readOr('/proc/thread-self/net/unix', parseProcNetUnix)) ?? [];
  // Node binds an abstract name padded with NULs to the full address size: shown as trailing @s.
  return names.some((name) => name.replace(/@+$/, '') === `@${INSTANCE_SOCKET}`);
}

export async function gatherFacts(config: KeepalivedConfig | undefined, netns: string | undefined): Promise<HostFacts> {
  const network = await withRtnl(netns, async (nl) => ({
    links: (await listLinks(nl)).map((l) => ({ name: l.name, adminUp: l.adminUp, operstate: l.operstate })),
    addresses: (await listAddresses(nl)).map((a) => a.prefix.address.text),
  })).catch((e: Error) => ({ links: { error: e.message }, addresses: [] as string[] }));
  return {
    ...(netns !== undefined ? { netns } : {}),
    uid: process.getuid?.() ?? -1,
    capEff: readOr('/proc/self/status', parseCapEff),
    ipvs: await ipvsFact(netns),
    modulesLoaded: loadedModules(),
    modulesAvailable: modulesAvailable(),
    sysctls: sysctls(config, netns),
    links: network.links,
    localAddresses: network.addresses,
    listeners: listeners(netns),
    directorRunning: directorRunning(netns),
  };
}
