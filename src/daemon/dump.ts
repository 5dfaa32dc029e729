// SIGUSR1: a JSON picture of the running daemon for an operator or a bug
// report: what the configuration asks for, the desired and the kernel's IPVS
// tables, the health of every real server with its last check results, and
// the VRRP view of any component that offers one. Written whole or not at all
// (temporary file, then rename), so a reader never sees half a dump.
import { readdirSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { temporaryName } from '../api/state-file';
import type { CheckScheduler } from '../check/scheduler';
import type { CheckStatus } from '../check/types';
import type { KeepalivedConfig } from '../config/model';
import type { Log } from '../director/director';
import type { TableEntry } from '../director/diff';
import { configuredChecks, serverName } from '../director/health';
import { realServerId, serviceId } from '../director/ids';
import type { IpvsClient } from '../ipvs/client';
import type { RealServer, Service } from '../ipvs/types';

export const DUMP_FILE = 'lvsd.json';

/** A component that can describe its VRRP instances (the VRRP component does). */
export interface VrrpViewSource {
  name: string;
  vrrpView?: () => unknown;
}

export interface DumpSources {
  configFile: string;
  config: KeepalivedConfig | undefined;
  /** The table the director is keeping the kernel to (configuration, API objects and health). */
  desired: TableEntry[];
  client: Pick<IpvsClient, 'listServices' | 'listRealServers'>;
  scheduler: Pick<CheckScheduler, 'status'>;
  components: readonly VrrpViewSource[];
}

/**
 * Where dumps go: the first of systemd's StateDirectory= ($STATE_DIRECTORY may
 * list several, colon-separated), else LVSD_STATE_DIR, else /tmp as keepalived does.
 */
export function dumpDirectory(env: NodeJS.ProcessEnv = process.env): string {
  const systemd = env.STATE_DIRECTORY?.split(':').find((d) => d !== '');
  return systemd ?? (env.LVSD_STATE_DIR || '/tmp');
}

function serviceView(s: Service): object {
  return { id: serviceId(s), scheduler: s.scheduler, flags: s.flags, timeout: s.timeout, netmask: s.netmask, peName: s.peName };
}

function realServerView(r: RealServer): object {
  return {
    id: realServerId(r), forward: r.forward, weight: r.weight, upperThreshold: r.upperThreshold, lowerThreshold: r.lowerThreshold,
    ...(r.forward === 'tunnel' ? { tunnelType: r.tunnelType, tunnelPort: r.tunnelPort, tunnelFlags: r.tunnelFlags } : {}),
  };
}

function tableView(table: readonly TableEntry[]): object[] {
  return table.map((e) => ({ ...serviceView(e.service), realServers: e.realServers.map(realServerView) }));
}

async function kernelView(client: DumpSources['client']): Promise<object[]> {
  const out: object[] = [];
  for (const { service } of await client.listServices()) {
    const servers = await client.listRealServers(service);
    out.push({
      ...serviceView(service),
      realServers: servers.map((r) => ({ ...realServerView(r.server), activeConns: r.activeConns, inactiveConns: r.inactiveConns, persistConns: r.persistConns })),
    });
  }
  return out;
}

interface ServerView { server: string; up: boolean; weight?: number; checks: (CheckStatus | { checkId: string; state: 'not scheduled' })[] }

/** Health of every configured real server from its checks' latest verdicts: up when every check is. */
function serverViews(config: KeepalivedConfig, scheduler: DumpSources['scheduler']): ServerView[] {
  const byServer = new Map<string, ServerView>();
  for (const vs of config.virtualServers) {
    for (const rs of vs.realServers) byServer.set(serverName(vs, rs), { server: serverName(vs, rs), up: true, checks: [] });
  }
  for (const c of configuredChecks(config)) {
    const view = byServer.get(c.server)!;
    const status = scheduler.status(c.id);
    view.checks.push(status ?? { checkId: c.id, state: 'not scheduled' });
    if (!status?.up) view.up = false;
    else if (status.weight !== undefined) view.weight = status.weight;
  }
  for (const v of byServer.values()) if (!v.up) delete v.weight;
  return [...byServer.values()];
}

function configView(file: string, config: KeepalivedConfig): object {
  return {
    file,
    routerId: config.global.routerId,
    virtualServers: config.virtualServers.length,
    realServers: config.virtualServers.reduce((n, vs) => n + vs.realServers.length, 0),
    vrrpInstances: config.vrrpInstances.map((v) => v.name),
    vrrpSyncGroups: config.vrrpSyncGroups.map((g) => g.name),
    lvsFlushOnStop: config.global.lvsFlushOnStop ?? 'no',
  };
}

export async function buildStateDump(src: DumpSources, now = new Date()): Promise<object> {
  const config = src.config;
  const servers = config ? serverViews(config, src.scheduler) : [];
  const vrrp = src.components.filter((c) => typeof c.vrrpView === 'function').map((c) => ({ component: c.name, view: c.vrrpView!() }));
  return {
    pid: process.pid,
    writtenAt: now.toISOString(),
    config: config ? configView(src.configFile, config) : { file: src.configFile, loaded: false },
    desired: tableView(src.desired),
    kernel: await kernelView(src.client),
    servers,
    ...(vrrp.length ? { vrrp } : {}),
  };
}

/** temporaryName(DUMP_FILE, pid), the pid captured. */
const TEMP_NAME = new RegExp(`^${DUMP_FILE.replace('.', '\\.')}\\.(\\d+)\\.tmp$`);

/** Whether process `pid` exists (EPERM: it does, another user's). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Temporary dump files of lvsd processes that died while writing one (a
 * kill -9 mid-write): removed before the next dump, so they do not pile up.
 * A live writer's file (another lvsd sharing the directory) is left alone.
 */
function removeDeadWritersFiles(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(TEMP_NAME.exec(name)?.[1]);
    if (!(pid > 0) || pid === process.pid || alive(pid)) continue;
    try { unlinkSync(join(dir, name)); } catch { /* gone already, or not ours to remove */ }
  }
}

/** Writes the dump to DIR/lvsd.json through a temporary file and a rename; returns the path. */
export async function writeStateDump(src: DumpSources, dir = dumpDirectory()): Promise<string> {
  const dump = await buildStateDump(src);
  const file = join(dir, DUMP_FILE);
  const temp = join(dir, temporaryName(DUMP_FILE, process.pid));
  removeDeadWritersFiles(dir);
  const text = JSON.stringify(dump, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2) + '\n';
  try {
    writeFileSync(temp, text, { mode: 0o600 });
    renameSync(temp, file);
  } catch (e) {
    try { unlinkSync(temp); } catch { /* the temporary file was never created */ }
    throw new Error(`writing the state dump ${file}: ${(e as Error).message}`);
  }
  return file;
}

/** The SIGUSR1 handler: dumps what `sources` returns at that moment and logs where it went; never rejects. */
export function stateDumper(sources: () => DumpSources, log: Log, dir?: string): () => Promise<void> {
  return () => writeStateDump(sources(), dir).then(
    (file) => { log.info({ file }, 'state dumped'); },
    (err: Error) => { log.error({ err: err.message }, 'state dump failed'); },
  );
}
