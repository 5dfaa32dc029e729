// Health-check benchmark of lvsd against keepalived's checker, inside the lab
// (started by scripts/bench-check.sh, which builds the namespaces):
//   node dist/scripts/bench-check-lab.js --rs-ns NS --rs-links L1,L2 --lvsd-ns NS --keepalived-ns NS --out DIR
//        [--sizes 10000,1000] [--warmup 5] [--window 10] [--reps 5 (0: no detection runs)] [--rounds 2] [--checkers lvsd,keepalived]
// LVSD_BENCH_NODE_ARGS, when set, are node options for lvsd only (e.g. --cpu-prof --cpu-prof-dir=DIR).
// Throughput: one virtual_server with N TCP_CHECK real servers at delay_loop 1,
// all on one address of the real-server namespace, served by one listener
// process. For each checker, after warm-up: accepted connections per second,
// CPU per accepted check (/proc/PID/stat) and peak RSS (VmHWM).
// Detection: a few real servers with inhibit_on_failure; one server fails at a
// known time (its listener closes, or tc drops its packets) and the kernel
// table is polled until its weight is 0.
import { spawn } from 'node:child_process';
import { mkdirSync, openSync, closeSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { IpvsClient } from '../src/ipvs/client';
import { AF_INET, type ServiceKey } from '../src/ipvs/types';
import { LineProcess } from '../test/helpers/procs';

const ROOT = join(__dirname, '..', '..');
const NODE = process.execPath;
const LVSD = join(ROOT, 'bin', 'lvsd');
const LISTENER = join(__dirname, 'bench-check-listener.js');
const KEEPALIVED = '/usr/sbin/keepalived';
const IP = '/usr/sbin/ip';

const RS_ADDRESS = '10.202.0.10';
const THROUGHPUT_FIRST_PORT = 20000;
const THROUGHPUT_VIP = '10.203.0.1';
const DELAY_BEFORE_RETRY_S = 1;
/** Detection services: retry 0, then retry 1. */
const DETECTION = [
  { vip: '10.203.0.2', firstPort: 30001, retry: 0 },
  { vip: '10.203.0.3', firstPort: 30011, retry: 1 },
] as const;
const DETECTION_SERVERS = 3;
const DELAY_LOOP_S = 1;
const CONNECT_TIMEOUT_S = 1;
const CLK_TCK = 100;

interface Options {
  rsNs: string;
  /** Links of the real servers' namespace toward the directors, each with a clsact qdisc. */
  rsLinks: string[];
  lvsdNs: string;
  keepalivedNs: string;
  out: string;
  sizes: number[];
  warmupS: number;
  windowS: number;
  reps: number;
  rounds: number;
  checkers: string[];
}

function parseOptions(argv: string[]): Options {
  const get = (name: string, fallback?: string): string => {
    const i = argv.indexOf(`--${name}`);
    const v = i >= 0 ? argv[i + 1] : fallback;
    if (v === undefined || v === '') throw new Error(`--${name} is required`);
    return v;
  };
  const num = (name: string, fallback: string, max: number): number => {
    const v = Number(get(name, fallback));
    if (!Number.isFinite(v) || v <= 0 || v > max) throw new Error(`--${name} must be a number in (0, ${max}], got ${get(name, fallback)}`);
    return v;
  };
  const sizes = get('sizes', '10000,1000').split(',').map(Number);
  if (sizes.some((n) => !Number.isInteger(n) || n < 1 || n > 10000)) throw new Error(`--sizes must list integers in [1, 10000], got ${get('sizes')}`);
  if (!(Number.isInteger(Number(get('reps', '5'))) && Number(get('reps', '5')) >= 0 && Number(get('reps', '5')) <= 50)) {
    throw new Error(`--reps must be an integer in [0, 50] (0 skips the detection runs), got ${get('reps', '5')}`);
  }
  const checkers = get('checkers', 'lvsd,keepalived').split(',');
  if (checkers.some((c) => c !== 'lvsd' && c !== 'keepalived')) throw new Error(`--checkers lists lvsd and/or keepalived, got ${get('checkers')}`);
  return {
    rounds: Math.floor(num('rounds', '2', 20)),
    checkers, rsNs: get('rs-ns'), rsLinks: get('rs-links').split(','), lvsdNs: get('lvsd-ns'), keepalivedNs: get('keepalived-ns'), out: get('out'), sizes,
    warmupS: num('warmup', '5', 120), windowS: num('window', '10', 300), reps: Math.floor(Number(get('reps', '5'))),
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function throughputConfig(servers: number): string {
  const lines = ['global_defs {', '  router_id bench-check', '}', `virtual_server ${THROUGHPUT_VIP} 80 {`,
    `  delay_loop ${DELAY_LOOP_S}`, '  lb_algo rr', '  lb_kind NAT', '  protocol TCP'];
  for (let i = 0; i < servers; i++) {
    lines.push(`  real_server ${RS_ADDRESS} ${THROUGHPUT_FIRST_PORT + i} {`, '    weight 1',
      '    TCP_CHECK {', '      connect_timeout 3', '      retry 0', '    }', '  }');
  }
  lines.push('}', '');
  return lines.join('\n');
}

function detectionConfig(): string {
  const lines = ['global_defs {', '  router_id bench-check', '}'];
  for (const d of DETECTION) {
    lines.push(`virtual_server ${d.vip} 80 {`, `  delay_loop ${DELAY_LOOP_S}`, '  lb_algo rr', '  lb_kind NAT', '  protocol TCP');
    for (let i = 0; i < DETECTION_SERVERS; i++) {
      lines.push(`  real_server ${RS_ADDRESS} ${d.firstPort + i} {`, '    weight 1', '    inhibit_on_failure',
        '    TCP_CHECK {', `      connect_timeout ${CONNECT_TIMEOUT_S}`, `      retry ${d.retry}`,
        `      delay_before_retry ${DELAY_BEFORE_RETRY_S}`, '    }', '  }');
    }
    lines.push('}');
  }
  lines.push('');
  return lines.join('\n');
}

const serviceKey = (vip: string): ServiceKey => ({ family: AF_INET, protocol: 'tcp', address: vip, port: 80 });

/** "port -> weight" of a service's real servers in the kernel, empty when the service is absent. */
async function kernelWeights(client: IpvsClient, vip: string): Promise<Map<number, number>> {
  const weights = new Map<number, number>();
  try {
    for (const rs of await client.listRealServers(serviceKey(vip))) weights.set(rs.server.port, rs.server.weight);
  } catch {
    // The service is not (yet, or any more) in the table.
  }
  return weights;
}

/** utime + stime in clock ticks, threads included; 0 once the process is gone. */
function cpuTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

function peakRssKb(pid: number): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

class Listener {
  private constructor(private readonly proc: LineProcess) {}

  static async start(ns: string, firstPort: number, count: number): Promise<Listener> {
    const child = spawn(IP, ['netns', 'exec', ns, NODE, LISTENER, RS_ADDRESS, String(firstPort), String(count)], { stdio: ['pipe', 'pipe', 'pipe'] });
    const listener = new Listener(new LineProcess(`listener ${firstPort}+${count}`, child));
    await listener.proc.waitFor(/^ready$/, 120_000);
    return listener;
  }

  get pid(): number {
    return this.proc.child.pid!;
  }

  private async ask(command: string, reply: RegExp): Promise<string> {
    const from = this.proc.lines.length;
    this.proc.child.stdin!.write(`${command}\n`);
    const line = await this.proc.waitFor((l) => reply.test(l) || l.startsWith('error'), 10_000, from);
    if (line.startsWith('error')) throw new Error(`listener: ${command}: ${line}`);
    return line;
  }

  async count(): Promise<number> {
    return Number((await this.ask('count', /^count /)).split(' ')[1]);
  }

  /** Stops listening on a port; resolves with the time it stopped (Date.now() of the listener). */
  async close(port: number): Promise<number> {
    return Number((await this.ask(`close ${port}`, new RegExp(`^closed ${port} `))).split(' ')[2]);
  }

  async open(port: number): Promise<void> {
    await this.ask(`open ${port}`, new RegExp(`^opened ${port}$`));
  }

  async stop(): Promise<void> {
    this.proc.child.stdin!.end();
    await this.proc.stop();
  }
}

/** A checker under test: lvsd, or keepalived's checker process with its parent. */
interface Checker {
  label: string;
  ns: string;
  /** Processes whose CPU is counted. */
  pids(): number[];
  /** The process whose peak RSS is reported. */
  mainPid(): number;
  stop(): Promise<void>;
}

function logFile(out: string, name: string): number {
  return openSync(join(out, `${name}.log`), 'w');
}

async function waitExit(child: ReturnType<typeof spawn>, what: string, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const timer = setTimeout(() => { console.error(`${what} did not stop within ${timeoutMs} ms; killing it`); child.kill('SIGKILL'); }, timeoutMs);
  await gone;
  clearTimeout(timer);
}

/** lvsd with --resync 0: kernel table reads stay out of the measurement. */
function startLvsd(opts: Options, config: string, name: string): Checker {
  const fd = logFile(opts.out, name);
  const nodeArgs = (process.env.LVSD_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(IP, ['netns', 'exec', opts.lvsdNs, NODE, ...nodeArgs, LVSD, '-f', config, '--resync', '0', '--state-dir', join(opts.out, `${name}.state`)],
    { stdio: ['ignore', fd, fd], env: { ...process.env, LVSD_LOG_LEVEL: 'warn' } });
  closeSync(fd);
  return {
    label: 'lvsd',
    ns: opts.lvsdNs,
    pids: () => [child.pid!],
    mainPid: () => child.pid!,
    stop: async () => {
      child.kill('SIGTERM');
      await waitExit(child, 'lvsd', 60_000);
    },
  };
}

async function startKeepalived(opts: Options, config: string, name: string): Promise<Checker> {
  const run = join('/run', 'bench-check', name);
  mkdirSync(run, { recursive: true });
  const pidFiles = { main: join(run, 'keepalived.pid'), vrrp: join(run, 'vrrp.pid'), checkers: join(run, 'checkers.pid') };
  for (const f of Object.values(pidFiles)) rmSync(f, { force: true });
  const fd = logFile(opts.out, name);
  const child = spawn(IP, ['netns', 'exec', opts.keepalivedNs, KEEPALIVED, '-n', '-l', '-D', '-C', '-f', config,
    '-p', pidFiles.main, '-r', pidFiles.vrrp, '-c', pidFiles.checkers], { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const deadline = Date.now() + 60_000;
  while (!existsSync(pidFiles.checkers) || readFileSync(pidFiles.checkers, 'utf8').trim() === '') {
    if (child.exitCode !== null) throw new Error(`keepalived exited (${child.exitCode}); see ${join(opts.out, `${name}.log`)}`);
    if (Date.now() > deadline) throw new Error(`keepalived wrote no checker pid file ${pidFiles.checkers} within 60 s`);
    await sleep(200);
  }
  const checkerPid = Number(readFileSync(pidFiles.checkers, 'utf8').trim());
  return {
    label: 'keepalived',
    ns: opts.keepalivedNs,
    pids: () => [child.pid!, checkerPid],
    mainPid: () => checkerPid,
    stop: async () => {
      child.kill('SIGTERM');
      await waitExit(child, 'keepalived', 120_000);
    },
  };
}

/** Waits until the checker's namespace has `servers` real servers of `vip`, all weight 1. */
async function waitLoaded(client: IpvsClient, vip: string, servers: number, what: string): Promise<void> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    const weights = await kernelWeights(client, vip);
    if (weights.size === servers && [...weights.values()].every((w) => w === 1)) return;
    if (Date.now() > deadline) throw new Error(`${what}: ${vip}:80 has ${weights.size} of ${servers} real servers after 180 s`);
    await sleep(500);
  }
}

interface Throughput {
  label: string;
  servers: number;
  checksPerS: number;
  cpuMsPerCheck: number;
  coreShare: number;
  peakRssMb: number;
  listenerCoreShare: number;
  inTableAtEnd: number;
}

async function throughputRun(opts: Options, listener: Listener, servers: number, start: (config: string, name: string) => Promise<Checker> | Checker): Promise<Throughput> {
  const config = join(opts.out, `throughput-${servers}.conf`);
  writeFileSync(config, throughputConfig(servers));
  const checker = await start(config, `${servers}`);
  const name = `${checker.label.replace(/\W+/g, '-')}-${servers}`;
  const client = await IpvsClient.open({ netns: checker.ns });
  try {
    await waitLoaded(client, THROUGHPUT_VIP, servers, checker.label);
    await sleep(opts.warmupS * 1000);
    const pids = checker.pids();
    const sumTicks = (): number => pids.reduce((s, pid) => s + cpuTicks(pid), 0);
    const t0 = process.hrtime.bigint();
    const count0 = await listener.count();
    const ticks0 = sumTicks();
    const listenerTicks0 = cpuTicks(listener.pid);
    await sleep(opts.windowS * 1000);
    const count1 = await listener.count();
    const ticks1 = sumTicks();
    const listenerTicks1 = cpuTicks(listener.pid);
    const elapsedS = Number(process.hrtime.bigint() - t0) / 1e9;
    const rssKb = peakRssKb(checker.mainPid());
    const inTable = [...(await kernelWeights(client, THROUGHPUT_VIP)).values()].filter((w) => w > 0).length;
    const checks = count1 - count0;
    const cpuS = (ticks1 - ticks0) / CLK_TCK;
    const result: Throughput = {
      label: checker.label, servers,
      checksPerS: checks / elapsedS,
      cpuMsPerCheck: checks > 0 ? (cpuS * 1000) / checks : NaN,
      coreShare: cpuS / elapsedS,
      peakRssMb: rssKb / 1024,
      listenerCoreShare: (listenerTicks1 - listenerTicks0) / CLK_TCK / elapsedS,
      inTableAtEnd: inTable,
    };
    console.log(`  ${name}: ${result.checksPerS.toFixed(0)} checks/s, ${result.cpuMsPerCheck.toFixed(3)} ms CPU/check, ` +
      `${(result.coreShare * 100).toFixed(0)}% core, ${result.peakRssMb.toFixed(1)} MB, ${inTable}/${servers} up`);
    return result;
  } finally {
    await checker.stop();
    await client.flush().catch(() => undefined);
    client.close();
  }
}

/** How a server dies: its listener closes (connections refused), or its packets are dropped (connect_timeout runs out). */
type FailureMode = 'refused' | 'dropped';
const FAILURE_MODES: FailureMode[] = ['refused', 'dropped'];

interface Detection {
  label: string;
  mode: FailureMode;
  retry: number;
  delaysMs: number[];
  /** Half the time the failure took to set up: the uncertainty on when it began. */
  setupUncertaintyMs: number[];
}

/** Silent drops of one real-server port on every link into the real servers' namespace (a clsact qdisc is on each). */
class PortDropper {
  constructor(private readonly ns: string, private readonly links: string[]) {}

  private async tc(args: string[]): Promise<void> {
    for (const link of this.links) {
      const child = spawn(IP, ['netns', 'exec', this.ns, '/usr/sbin/tc', ...args.map((a) => a.replace('LINK', link))], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      if (code !== 0) throw new Error(`tc ${args.join(' ').replace('LINK', link)} in ${this.ns}: exit ${code}: ${stderr.trim()}`);
    }
  }

  drop(port: number): Promise<void> {
    return this.tc(['filter', 'add', 'dev', 'LINK', 'ingress', 'protocol', 'ip', 'prio', '1', 'flower', 'ip_proto', 'tcp', 'dst_port', String(port), 'action', 'drop']);
  }

  restore(): Promise<void> {
    return this.tc(['filter', 'del', 'dev', 'LINK', 'ingress', 'prio', '1']);
  }
}

/** Makes a server fail; resolves with when the failure began and half the time it took to set up. */
async function fail(mode: FailureMode, port: number, listener: Listener, dropper: PortDropper): Promise<{ at: number; uncertaintyMs: number }> {
  if (mode === 'refused') return { at: await listener.close(port), uncertaintyMs: 0 };
  const t0 = Date.now();
  await dropper.drop(port);
  const t1 = Date.now();
  return { at: (t0 + t1) / 2, uncertaintyMs: (t1 - t0) / 2 };
}

function recover(mode: FailureMode, port: number, listener: Listener, dropper: PortDropper): Promise<void> {
  return mode === 'refused' ? listener.open(port) : dropper.restore();
}

async function detectionRun(opts: Options, listener: Listener, dropper: PortDropper, checker: Checker): Promise<Detection[]> {
  const client = await IpvsClient.open({ netns: checker.ns });
  const results: Detection[] = [];
  try {
    for (const d of DETECTION) await waitLoaded(client, d.vip, DETECTION_SERVERS, checker.label);
    await sleep(2000);
    for (const mode of FAILURE_MODES) {
      for (const d of DETECTION) {
        const result: Detection = { label: checker.label, mode, retry: d.retry, delaysMs: [], setupUncertaintyMs: [] };
        const port = d.firstPort;
        for (let rep = 0; rep < opts.reps; rep++) {
          // A random phase against the checker's own loop.
          await sleep(Math.floor(Math.random() * DELAY_LOOP_S * 1000));
          const failed = await fail(mode, port, listener, dropper);
          let detectedAt = 0;
          const deadline = failed.at + 20_000;
          while (detectedAt === 0) {
            if ((await kernelWeights(client, d.vip)).get(port) === 0) detectedAt = Date.now();
            else if (Date.now() > deadline) throw new Error(`${checker.label}: ${RS_ADDRESS}:${port} still has its weight 20 s after it failed (${mode})`);
            else await sleep(20);
          }
          result.delaysMs.push(Math.round(detectedAt - failed.at));
          result.setupUncertaintyMs.push(Math.round(failed.uncertaintyMs));
          await recover(mode, port, listener, dropper);
          const backBy = Date.now() + 20_000;
          while ((await kernelWeights(client, d.vip)).get(port) !== 1) {
            if (Date.now() > backBy) throw new Error(`${checker.label}: ${RS_ADDRESS}:${port} did not get its weight back within 20 s (${mode})`);
            await sleep(50);
          }
        }
        console.log(`  ${checker.label} ${mode} retry ${d.retry}: ${result.delaysMs.join(' ')} ms`);
        results.push(result);
      }
    }
    return results;
  } finally {
    await checker.stop();
    await client.flush().catch(() => undefined);
    client.close();
  }
}

/** Earliest detection in theory: the attempts that must fail and the waits between them; the first comes up to delay_loop later. */
function theoryMinMs(mode: FailureMode, retry: number): number {
  const attemptMs = mode === 'dropped' ? CONNECT_TIMEOUT_S * 1000 : 0;
  return (retry + 1) * attemptMs + retry * DELAY_BEFORE_RETRY_S * 1000;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const pad = (cells: string[], widths: number[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
const ratio = (a: number, b: number): string => (Number.isFinite(a / b) ? (a / b).toFixed(2) : '-');

/** Per checker and size, the median of each figure over the rounds. */
function medians(rows: Throughput[]): Throughput[] {
  const groups = new Map<string, Throughput[]>();
  for (const r of rows) {
    const key = `${r.label}\0${r.servers}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()].map((g) => ({
    label: g[0]!.label, servers: g[0]!.servers,
    checksPerS: median(g.map((r) => r.checksPerS)), cpuMsPerCheck: median(g.map((r) => r.cpuMsPerCheck)),
    coreShare: median(g.map((r) => r.coreShare)), peakRssMb: median(g.map((r) => r.peakRssMb)),
    listenerCoreShare: median(g.map((r) => r.listenerCoreShare)), inTableAtEnd: median(g.map((r) => r.inTableAtEnd)),
  }));
}

function printThroughputRows(title: string, rows: Throughput[]): void {
  const widths = [22, 7, 10, 12, 7, 9, 10, 9];
  console.log(`\n${title}`);
  console.log(pad(['checker', 'servers', 'checks/s', 'CPU ms/check', 'core', 'peak RSS', 'listener', 'up at end'], widths));
  for (const r of rows) {
    console.log(pad([r.label, String(r.servers), `${r.checksPerS.toFixed(0)}`, r.cpuMsPerCheck.toFixed(3),
      `${(r.coreShare * 100).toFixed(0)}%`, `${r.peakRssMb.toFixed(1)} MB`, `${(r.listenerCoreShare * 100).toFixed(0)}%`, String(r.inTableAtEnd)], widths));
  }
}

function printThroughput(runs: Throughput[], rounds: number): void {
  printThroughputRows('Throughput, every run: TCP_CHECK, delay_loop 1, one listener process, after warm-up', runs);
  const rows = medians(runs);
  printThroughputRows(`Throughput, medians of ${rounds} round${rounds > 1 ? 's' : ''}`, rows);
  const widths = [22, 7, 10, 12, 7, 9];
  console.log('\nRatios lvsd / keepalived of the medians (checks/s: higher is better; CPU per check and RSS: lower is better)');
  console.log(pad(['checker', 'servers', 'checks/s', 'CPU ms/check', 'core', 'peak RSS'], widths));
  for (const r of rows.filter((x) => x.label !== 'keepalived')) {
    const k = rows.find((x) => x.label === 'keepalived' && x.servers === r.servers);
    if (!k) continue;
    console.log(pad([r.label, String(r.servers), ratio(r.checksPerS, k.checksPerS), ratio(r.cpuMsPerCheck, k.cpuMsPerCheck),
      ratio(r.coreShare, k.coreShare), ratio(r.peakRssMb, k.peakRssMb)], widths));
  }
}

function printDetection(rows: Detection[]): void {
  console.log(`\nDetection: server fails -> its weight is 0 in the kernel (inhibit_on_failure), polled every 20 ms`);
  console.log(`delay_loop ${DELAY_LOOP_S} s, connect_timeout ${CONNECT_TIMEOUT_S} s, delay_before_retry ${DELAY_BEFORE_RETRY_S} s`);
  console.log('refused: the listener closes, each attempt fails at once; dropped: SYNs are dropped, each attempt waits connect_timeout');
  console.log('theory: min = (retry+1) x attempt + retry x delay_before_retry; the first failing attempt starts up to delay_loop later');
  const widths = [12, 8, 6, 13, 7, 8, 7, 10, 30];
  console.log(pad(['checker', 'failure', 'retry', 'theory ms', 'mean', 'median', 'max', '+/- setup', 'all (ms)'], widths));
  for (const r of rows) {
    const min = theoryMinMs(r.mode, r.retry);
    console.log(pad([r.label, r.mode, String(r.retry), `${min}..${min + DELAY_LOOP_S * 1000}`, String(min + DELAY_LOOP_S * 500),
      String(Math.round(median(r.delaysMs))), String(Math.max(...r.delaysMs)), String(Math.round(median(r.setupUncertaintyMs))), r.delaysMs.join(' ')], widths));
  }
  console.log('\nRatios lvsd / keepalived of the median detection delay');
  for (const r of rows.filter((x) => x.label === 'lvsd')) {
    const k = rows.find((x) => x.label === 'keepalived' && x.retry === r.retry && x.mode === r.mode);
    if (k) console.log(`  ${r.mode} retry ${r.retry}: ${ratio(median(r.delaysMs), median(k.delaysMs))}`);
  }
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  mkdirSync(opts.out, { recursive: true });
  const throughput: Throughput[] = [];
  const biggest = Math.max(...opts.sizes);
  console.log(`starting a listener on ${biggest} ports of ${RS_ADDRESS}`);
  const big = await Listener.start(opts.rsNs, THROUGHPUT_FIRST_PORT, biggest);
  try {
    for (const servers of opts.sizes) {
      for (let round = 0; round < opts.rounds; round++) {
        console.log(`throughput at ${servers} real servers, round ${round + 1} of ${opts.rounds}`);
        // Alternate which checker goes first so that drifting load on the host does not favour one.
        const order = round % 2 === 0 ? opts.checkers : [...opts.checkers].reverse();
        for (const checker of order) {
          throughput.push(await throughputRun(opts, big, servers, checker === 'lvsd'
            ? (config, name) => startLvsd(opts, config, `lvsd-${name}-${round + 1}`)
            : (config, name) => startKeepalived(opts, config, `keepalived-${name}-${round + 1}`)));
        }
      }
    }
  } finally {
    await big.stop();
  }
  printThroughput(throughput, opts.rounds);

  if (opts.reps === 0) return;
  const detection: Detection[] = [];
  const small = await Listener.start(opts.rsNs, DETECTION[0].firstPort, DETECTION[1].firstPort + DETECTION_SERVERS - DETECTION[0].firstPort);
  try {
    const config = join(opts.out, 'detection.conf');
    writeFileSync(config, detectionConfig());
    console.log(`\ndetection, ${opts.reps} repetitions per failure mode and retry setting`);
    const dropper = new PortDropper(opts.rsNs, opts.rsLinks);
    if (opts.checkers.includes('lvsd')) detection.push(...await detectionRun(opts, small, dropper, startLvsd(opts, config, 'lvsd-detection')));
    if (opts.checkers.includes('keepalived')) detection.push(...await detectionRun(opts, small, dropper, await startKeepalived(opts, config, 'keepalived-detection')));
  } finally {
    await small.stop();
  }
  printDetection(detection);
  writeFileSync(join(opts.out, 'results.json'), JSON.stringify({ throughput, detection }, null, 2));
}

main().catch((err: unknown) => {
  console.error(`bench-check: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  process.exitCode = 1;
});
