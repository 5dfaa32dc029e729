// Shared pieces of the VRRP lab tests: one bridge with routers and a client
// in their own namespaces, lvsd and keepalived started there, and what the
// wire shows (adverts from a tcpdump capture on the bridge, the client's
// neighbour table after it reached a virtual address).
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, segmentScript, segmentTeardownScript, sh } from '../helpers/lab';
import { LineProcess, LVSD_START_MS, until } from '../helpers/procs';

export const ROOT = join(__dirname, '..', '..', '..');
const LVSD = join(ROOT, 'bin', 'lvsd');

export interface Segment {
  bridge: string;
  /** Namespace -> its eth0 MAC. */
  macs: Map<string, string>;
  capture: string;
  dir: string;
  stop(): Promise<void>;
}

/** The segment (see segmentScript), its MACs, and a capture of its VRRP, ARP and IGMP traffic. */
export async function buildSegment(bridge: string, hosts: [ns: string, cidr: string][]): Promise<Segment> {
  mkdirSync(join(ROOT, '.lab'), { recursive: true });
  const dir = mkdtempSync(join(ROOT, '.lab', `${bridge}-`));
  await sh(segmentScript(bridge, hosts));
  const macs = new Map<string, string>();
  for (const [ns] of hosts) macs.set(ns, (await sh(`cat /sys/class/net/eth0/address`, ns)).trim());
  const capture = join(dir, 'wire.pcap');
  const dump = LineProcess.start('tcpdump', undefined, '/usr/bin/tcpdump', ['-U', '--immediate-mode', '-i', bridge, '-w', capture, 'vrrp or arp or igmp']);
  await dump.waitFor(/listening on/, 15_000);
  return {
    bridge, macs, capture, dir,
    async stop() {
      await dump.stop('SIGINT');
      await sh(segmentTeardownScript(bridge, hosts.map(([ns]) => ns)));
    },
  };
}

export interface Advert { t: number; source: string; vrid: number; priority: number }

/** VRRP advertisements in the capture, from `since` (epoch seconds) on. */
export async function adverts(seg: Segment, since = 0): Promise<Advert[]> {
  const out = (await run('/usr/bin/tcpdump', ['-r', seg.capture, '-tt', '-nn', 'vrrp'])).stdout;
  const list: Advert[] = [];
  for (const m of out.matchAll(/^(\d+\.\d+) IP (\S+) > \S+: VRRPv\d, Advertisement, vrid (\d+), prio (\d+)/gm)) {
    const a = { t: Number(m[1]), source: m[2]!, vrid: Number(m[3]), priority: Number(m[4]) };
    if (a.t >= since) list.push(a);
  }
  return list;
}

/**
 * The one priority `source` advertises for `vrid` once two windows of 0.7 s
 * in a row agree, or 'silent' (FAULT); for instances of 0.1 s adverts.
 */
export async function settledPriority(seg: Segment, vrid: number, source: string): Promise<string> {
  let last = '';
  for (let round = 0; round < 12; round++) {
    await new Promise((r) => setTimeout(r, 800));
    const from = Date.now() / 1000 - 0.7;
    const seen = [...new Set((await adverts(seg, from)).filter((a) => a.vrid === vrid && a.source === source && a.priority > 0).map((a) => a.priority))];
    const now = seen.length === 0 ? 'silent' : seen.join('/');
    if (now === last && seen.length <= 1) return now;
    last = now;
  }
  return `unsettled: ${last}`;
}

export async function hasAddress(ns: string, address: string): Promise<boolean> {
  const out = (await run('/usr/sbin/ip', ['-n', ns, '-br', 'addr', 'show', 'dev', 'eth0'])).stdout;
  return out.split(/\s+/).some((w) => w.split('/')[0] === address);
}

/** Which of `routers` hold `vip`. */
export async function holders(routers: string[], vip: string): Promise<string[]> {
  const holding = [];
  for (const r of routers) if (await hasAddress(r, vip)) holding.push(r);
  return holding;
}

/** Waits until exactly `want` holds the VIP and has been the only sender of adverts for `vrid` for a while. */
export async function settledMaster(
  seg: Segment, routers: Map<string, string>, want: string, vip: string, vrid: number, quietSeconds: number, timeoutMs = 20_000,
): Promise<void> {
  const only = async (): Promise<boolean> => (await holders([...routers.keys()], vip)).join() === want;
  await until(`${want} alone holding ${vip}`, timeoutMs, async () => ((await only()) ? true : undefined));
  // The election has settled once a whole quiet window passes with adverts from
  // the wanted master alone and the VIP on it alone; a start-up can take a few.
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const from = Date.now() / 1000;
    await new Promise((r) => setTimeout(r, quietSeconds * 1000));
    const seen = (await adverts(seg, from)).filter((a) => a.vrid === vrid && a.priority > 0);
    const senders = new Set(seen.map((a) => a.source));
    const still = await holders([...routers.keys()], vip);
    let problem: string | undefined;
    if (seen.length === 0 || senders.size !== 1 || !senders.has(routers.get(want)!)) {
      problem = `adverts for VRID ${vrid} in the last ${quietSeconds} s came from ${[...senders].join(', ') || 'nobody'}, expected ${routers.get(want)}`;
    } else if (still.join() !== want) {
      problem = `${vip} is on ${still.join(' and ') || 'nobody'} while ${want} alone was expected to keep it`;
    }
    if (!problem) return;
    if (Date.now() > deadline) throw new Error(problem);
  }
}

/** The MAC the client resolves `vip` to after reaching it with a ping. */
export async function arpAnswer(client: string, vip: string): Promise<string | undefined> {
  await run('/usr/sbin/ip', ['-n', client, 'neigh', 'flush', 'dev', 'eth0']);
  await run('/usr/bin/ping', ['-c', '1', '-W', '1', vip], { ns: client });
  const out = (await run('/usr/sbin/ip', ['-n', client, 'neigh', 'show', vip])).stdout;
  return /lladdr (\S+)/.exec(out)?.[1];
}

export function writeConfig(seg: Segment, name: string, text: string): string {
  const file = join(seg.dir, name);
  writeFileSync(file, text);
  return file;
}

export async function startLvsd(ns: string, file: string): Promise<LineProcess> {
  const p = LineProcess.start(`lvsd ${ns}`, ns, process.execPath, [LVSD, '-f', file, '--state-dir', mkdtempSync(join(ROOT, '.lab', `state-${ns}-`))], { LVSD_LOG_LEVEL: 'info' });
  await p.waitFor(/lvsd running/, LVSD_START_MS);
  return p;
}

export async function startKeepalived(seg: Segment, ns: string, file: string): Promise<LineProcess> {
  const base = join(seg.dir, `keepalived-${ns}`);
  const p = LineProcess.start(`keepalived ${ns}`, ns, '/usr/sbin/keepalived',
    ['-n', '-l', '-D', '--vrrp', '-f', file, '-p', `${base}.pid`, '-r', `${base}-vrrp.pid`, '-c', `${base}-check.pid`]);
  await p.waitFor(/Entering (BACKUP|MASTER|FAULT) STATE/, 20_000);
  return p;
}

/** Processes still running in a namespace. */
async function pidsIn(ns: string): Promise<string[]> {
  return (await run('/usr/sbin/ip', ['netns', 'pids', ns])).stdout.split(/\s+/).filter(Boolean);
}

async function dropPidFiles(seg: Segment, ns: string): Promise<void> {
  const base = join(seg.dir, `keepalived-${ns}`);
  for (const f of ['.pid', '-vrrp.pid', '-check.pid']) rmSync(`${base}${f}`, { force: true });
}

/**
 * A crash of keepalived: SIGKILL to its parent and its VRRP process at once.
 * Killed one at a time, the parent would respawn a VRRP process, or the VRRP
 * process would see its parent die and stop gracefully (priority 0).
 */
export async function killKeepalived(seg: Segment, ns: string, p: LineProcess): Promise<void> {
  const pids = await pidsIn(ns);
  if (pids.length) await run('/bin/kill', ['-9', ...pids]);
  await p.stop('SIGKILL');
  await until(`every process of ${ns} gone`, 10_000, async () => ((await pidsIn(ns)).length ? undefined : true), 50);
  await dropPidFiles(seg, ns);
}

/**
 * A graceful stop of keepalived: SIGTERM to the parent, then wait for its VRRP
 * process too, which may outlive the parent for a moment (and, left running,
 * would keep its VIP and its adverts into the next step of a test).
 */
export async function stopKeepalived(seg: Segment, ns: string, p: LineProcess): Promise<void> {
  await p.stop('SIGTERM');
  await until(`every process of ${ns} gone`, 10_000, async () => ((await pidsIn(ns)).length ? undefined : true), 50);
  await dropPidFiles(seg, ns);
}

export interface LoggedCounters { instance: string; counters: { drops: Record<string, number>; advertsReceived: number } }

/** The counters lvsd logs for each instance as it stops. */
export function stoppedCounters(p: LineProcess): Map<string, LoggedCounters['counters']> {
  const out = new Map<string, LoggedCounters['counters']>();
  for (const line of p.lines) {
    if (!line.includes('VRRP instance stopped')) continue;
    const entry = JSON.parse(line) as LoggedCounters;
    out.set(entry.instance, entry.counters);
  }
  return out;
}
