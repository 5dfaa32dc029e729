// lvsadm: ipvsadm 1.31's command line on lvsd's IPVS client. Same
// arguments, same kernel requests, same listings, errors and exit statuses.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { ReadOptions } from '../../ipvs/types';
import type { IpvsInfo, RealServer, RealServerKey, SyncDaemonState, RealServerStatus, Service, ServiceKey, ServiceStatus, SyncDaemon, Timeouts } from '../../ipvs/types';
import {
  emptyFormat, parseCommandLine, tryHelpExit, FWD_MASQ, FWD_TUNNEL, IPPROTO_UDP, IPPROTO_SCTP, TUNNEL_NAMES,
  type ParsedCommand, type ServiceSpec, type ServerSpec,
} from './args';
import { EXIT_ERROR, EXIT_LIST_ERROR, Exit, Output } from './exit';
import { ipvsMessage, type Request } from './errors';
import { toClientText } from './inet';
import { SystemNames, type Names } from './resolve';
import { eachRestoreLine } from './restore-lines';
import { descriptorChunks, descriptorSink } from './stdio';
import { endOnWriteFailure } from '../write-failure';
import {
  connectionAddrs, formatConnections, formatDaemons, formatService, formatTimeouts, listingAddrs, parseConnections,
  serviceEntry, sortedServices, tableHeader, type ServiceListing,
} from './format';

/** The batched requests of IpvsClient.apply(). */
export type IpvsOp =
  | { op: 'addService'; service: Service } | { op: 'editService'; service: Service }
  | { op: 'deleteService'; key: ServiceKey } | { op: 'addRealServer'; key: ServiceKey; server: RealServer }
  | { op: 'editRealServer'; key: ServiceKey; server: RealServer }
  | { op: 'deleteRealServer'; key: ServiceKey; server: RealServerKey } | { op: 'zero'; key?: ServiceKey }
  | { op: 'flush' } | { op: 'setTimeouts'; timeouts: Timeouts } | { op: 'startDaemon'; daemon: SyncDaemon }
  | { op: 'stopDaemon'; state: SyncDaemonState };
export type IpvsOpResult = { ok: true } | { ok: false; error: { errno: number } };

/** The part of IpvsClient lvsadm uses. */
export interface IpvsTable {
  getInfo(): Promise<IpvsInfo>;
  getTimeouts(): Promise<Timeouts>;
  /** counters false: the listing does not show them, so they may be left unread (zero). */
  listServices(opts?: ReadOptions): Promise<ServiceStatus[]>;
  getService(key: ServiceKey): Promise<ServiceStatus>;
  listRealServers(key: ServiceKey, opts?: ReadOptions): Promise<RealServerStatus[]>;
  listDaemons(): Promise<SyncDaemon[]>;
  apply(ops: IpvsOp[], opts?: { stopOnError?: boolean }): Promise<IpvsOpResult[]>;
  close(): void;
}

export interface LvsadmIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** -R input: text, or chunks as they arrive (called only when -R reads). */
  stdin?: string | (() => AsyncIterable<Buffer>);
  /** Network namespace whose IPVS table to drive. */
  netns?: string;
  /** A ready table (tests); otherwise IpvsClient.open() is used. */
  table?: IpvsTable;
  names?: Names;
  /** /proc/net/ip_vs_conn text for -c (tests); otherwise read from the namespace. */
  readConnections?: () => string;
  /** Called when -R starts: a run long enough to earn back optimizing compilation. */
  longRun?: () => void;
}

interface Run {
  table: IpvsTable;
  names: Names;
  out: Output;
  io: LvsadmIo;
  program: string;
  pending: Pending[];
}

type Pending = { op: IpvsOp; request: Request } | { message: string };

const errnoOf = (e: unknown): number | undefined => {
  const n = (e as { errno?: unknown }).errno;
  return typeof n === 'number' ? Math.abs(n) : undefined;
};

function familyCode(f: 0 | 4 | 6): 2 | 10 {
  return f === 6 ? 10 : 2;
}

function protocolName(p: number): 'tcp' | 'udp' | 'sctp' {
  return p === IPPROTO_UDP ? 'udp' : p === IPPROTO_SCTP ? 'sctp' : 'tcp';
}

function serviceKey(s: ServiceSpec): ServiceKey {
  const family = familyCode(s.family);
  if (s.fwmark) return { family, fwmark: s.fwmark };
  return { family, protocol: protocolName(s.protocol), address: toClientText(s.addr), port: s.port };
}

function service(s: ServiceSpec): Service {
  return { ...serviceKey(s), scheduler: s.scheduler, flags: s.flags, timeout: s.timeout, netmask: s.netmask >>> 0, peName: s.pe };
}

function server(d: ServerSpec): RealServer {
  const forward = d.forward === FWD_MASQ ? 'masq' : d.forward === FWD_TUNNEL ? 'tunnel' : 'route';
  return {
    family: familyCode(d.family), address: toClientText(d.addr), port: d.port, forward, weight: d.weight,
    upperThreshold: d.upperThreshold, lowerThreshold: d.lowerThreshold, tunnelType: TUNNEL_NAMES[d.tunnelType],
    tunnelPort: d.tunnelPort, tunnelFlags: d.tunnelFlags,
  };
}

function daemon(c: ParsedCommand): SyncDaemon {
  const d = c.daemon;
  return {
    state: d.state, interface: d.interface, syncId: d.syncId,
    ...(d.syncMaxLen ? { syncMaxLen: d.syncMaxLen } : {}),
    ...(d.mcastGroup ? { mcastGroup: d.mcastGroup } : {}),
    ...(d.mcastPort ? { mcastPort: d.mcastPort } : {}),
    ...(d.mcastTtl ? { mcastTtl: d.mcastTtl } : {}),
  };
}

/** The kernel request a table-changing command makes, or undefined for the others. */
function requestOf(c: ParsedCommand): { op: IpvsOp; request: Request } | undefined {
  switch (c.command) {
    case 'flush': return { op: { op: 'flush' }, request: 'flush' };
    case 'add-service': return { op: { op: 'addService', service: service(c.service) }, request: 'add-service' };
    case 'edit-service': return { op: { op: 'editService', service: service(c.service) }, request: 'edit-service' };
    case 'delete-service': return { op: { op: 'deleteService', key: serviceKey(c.service) }, request: 'delete-service' };
    case 'zero': {
      const s = c.service;
      const any = s.fwmark || s.port || s.addr.bytes.some((b) => b !== 0);
      return { op: any ? { op: 'zero', key: serviceKey(s) } : { op: 'zero' }, request: 'zero' };
    }
    case 'add-server':
      return { op: { op: 'addRealServer', key: serviceKey(c.service), server: server(c.server) }, request: 'add-server' };
    case 'edit-server':
      return { op: { op: 'editRealServer', key: serviceKey(c.service), server: server(c.server) }, request: 'edit-server' };
    case 'delete-server': {
      const { family, address, port } = server(c.server);
      return { op: { op: 'deleteRealServer', key: serviceKey(c.service), server: { family, address, port } }, request: 'delete-server' };
    }
    case 'set': return { op: { op: 'setTimeouts', timeouts: c.timeouts }, request: 'set' };
    case 'start-daemon': return { op: { op: 'startDaemon', daemon: daemon(c) }, request: 'start-daemon' };
    case 'stop-daemon': return { op: { op: 'stopDaemon', state: c.daemon.state }, request: 'stop-daemon' };
    default: return undefined;
  }
}

/** Sends queued requests in one pipelined batch and reports failures in order; returns the last status. */
async function flush(run: Run): Promise<number> {
  const pending = run.pending.splice(0);
  if (pending.length === 0) return 0;
  const ops = pending.flatMap((p) => ('op' in p ? [p.op] : []));
  const results = ops.length ? await run.table.apply(ops, { stopOnError: false }) : [];
  let next = 0;
  let status = 0;
  for (const p of pending) {
    if ('message' in p) {
      run.out.err(p.message);
      status = EXIT_ERROR;
      continue;
    }
    const r = results[next++];
    if (r && !r.ok) {
      run.out.err(`${ipvsMessage(p.request, errnoOf(r.error) ?? 0)}\n`);
      status = EXIT_ERROR;
    } else {
      status = 0;
    }
  }
  return status;
}

/** Whether a listing in this format shows traffic counters. */
const showsCounters = (format: ParsedCommand['format']): boolean => format.stats || format.rate;

async function withServers(run: Run, services: ServiceStatus[], format: ParsedCommand['format']): Promise<ServiceListing[]> {
  const counters = showsCounters(format);
  return await Promise.all(services.map(async (status) => ({
    status,
    servers: await run.table.listRealServers(status.service as ServiceKey, { counters })
      .catch((e: unknown) => listFailure(run, 'list-servers', e)),
  })));
}

function listFailure(run: Run, request: Request, e: unknown): never {
  const errno = errnoOf(e);
  if (errno === undefined) throw e;
  run.out.err(`${ipvsMessage(request, errno)}\n`);
  throw new Exit(EXIT_LIST_ERROR);
}

async function list(run: Run, c: ParsedCommand): Promise<void> {
  const { table, out, names } = run;
  const format = c.format;
  if (c.options.has('connection')) {
    let text: string;
    try {
      text = (run.io.readConnections ?? (() => readConnections(run.io.netns)))();
    } catch (e) {
      if (typeof (e as NodeJS.ErrnoException).code !== 'string') throw e;
      out.err('cannot open file /proc/net/ip_vs_conn\n');
      throw new Exit(EXIT_LIST_ERROR);
    }
    const lines = parseConnections(text);
    if (!format.numeric) await names.prefetchHosts(connectionAddrs(lines));
    out.out(formatConnections(lines, format, names));
  } else if (c.options.has('service-address')) {
    const status = await table.getService(serviceKey(c.service)).catch((e: unknown) => listFailure(run, 'get-service', e));
    const [entry] = await withServers(run, [status], format);
    if (!format.numeric) await names.prefetchHosts(listingAddrs([entry]));
    out.out(formatService(entry, format, names));
  } else if (c.options.has('timeout')) {
    out.out(formatTimeouts(await table.getTimeouts().catch((e: unknown) => listFailure(run, 'get-timeouts', e))));
  } else if (c.options.has('daemon')) {
    out.out(formatDaemons(await table.listDaemons().catch((e: unknown) => listFailure(run, 'list-daemons', e))));
  } else {
    await listAll(run, c.format);
  }
}

/**
 * -L / -S of the whole table. Each service's real servers are fetched in
 * listing order, formatted and dropped before the next: a large table never
 * sits in memory whole (unless names must be looked up first).
 */
async function listAll(run: Run, format: ParsedCommand['format']): Promise<void> {
  const info = await run.table.getInfo();
  const counters = showsCounters(format);
  const services = await run.table.listServices({ counters }).catch((e: unknown) => listFailure(run, 'list-services', e));
  const ordered = format.noSort ? services : sortedServices(services, (s) => s);
  if (!format.numeric) {
    const entries = await withServers(run, ordered, format);
    await run.names.prefetchHosts(listingAddrs(entries));
    run.out.out(tableHeader(info, format));
    for (const entry of entries) run.out.out(serviceEntry(entry, format, run.names));
  } else {
    run.out.out(tableHeader(info, format));
    for (const status of ordered) {
      const servers = await run.table.listRealServers(status.service as ServiceKey, { counters })
        .catch((e: unknown) => listFailure(run, 'list-servers', e));
      run.out.out(serviceEntry({ status, servers }, format, run.names));
    }
  }
}

function readConnections(netns: string | undefined): string {
  const read = (): string => readFileSync('/proc/net/ip_vs_conn', 'utf8');
  if (netns === undefined) return read();
  const { inNetns } = require('../../net/netns') as typeof import('../../net/netns');
  return inNetns(netns, read);
}

/**
 * Handles one command line; table changes are queued in run.pending. Returns a
 * status, or 'queued'; synchronously when the line only queues a change (a
 * restore's thousands of lines then make no promise each).
 */
function execute(run: Run, argv: string[], fromRestore: boolean): number | 'queued' | Promise<number | 'queued'> {
  // What parsing prints must follow the reports of requests still queued.
  const lineOut = new Output();
  const unparsed = async (e: unknown): Promise<never> => {
    await flush(run);
    run.out.out(lineOut.takeStdout());
    run.out.err(lineOut.takeStderr());
    throw e;
  };
  let parsed: ReturnType<typeof parseCommandLine>;
  try {
    parsed = parseCommandLine(argv, lineOut, run.names);
  } catch (e) {
    return unparsed(e);
  }
  if (parsed instanceof Promise) return parsed.then((p) => executeParsed(run, p, fromRestore), unparsed);
  return executeParsed(run, parsed, fromRestore);
}

function executeParsed(run: Run, parsed: Awaited<ReturnType<typeof parseCommandLine>>, fromRestore: boolean): number | 'queued' | Promise<number | 'queued'> {
  if ('failure' in parsed) {
    run.pending.push({ message: parsed.failure });
    return 'queued';
  }
  const request = requestOf(parsed);
  if (request) {
    run.pending.push(request);
    return 'queued';
  }
  return runNow(run, parsed, fromRestore);
}

/** A command that reads the table or restores: everything queued goes first. */
async function runNow(run: Run, parsed: ParsedCommand, fromRestore: boolean): Promise<number> {
  await flush(run);
  switch (parsed.command) {
    case 'list':
      await list(run, parsed);
      return 0;
    case 'save':
      await listAll(run, { ...parsed.format, rule: true });
      return 0;
    default:
      if (fromRestore) tryHelpExit(run.out, run.program);
      return await restore(run);
  }
}

/**
 * -R input in runs of whole lines as they arrive (the last run may end
 * unterminated): a line is never cut, nor a UTF-8 sequence, since both end
 * before a newline byte.
 */
async function* restoreText(source: LvsadmIo['stdin']): AsyncGenerator<string> {
  if (source === undefined) return;
  if (typeof source === 'string') {
    yield source;
    return;
  }
  let rest = Buffer.alloc(0);
  for await (const chunk of source()) {
    const data = rest.length ? Buffer.concat([rest, chunk]) : chunk;
    const end = data.lastIndexOf(0x0a) + 1;
    rest = Buffer.from(data.subarray(end));
    if (end > 0) yield data.subarray(0, end).toString('utf8');
  }
  if (rest.length) yield rest.toString('utf8');
}

/**
 * Queued -R lines sent per pipelined batch (several messages per sendmsg all
 * the same). Small: lines held across garbage collections are promoted to the
 * old generation, whose fresh pages each cost a page fault; 64 lines instead
 * of 1,024 took a 10,000-line restore from about 9,000 faults to 7,000 in the
 * lab kernel, and about a tenth off its time.
 */
const RESTORE_BATCH = 64;

/** -R: each input line is a command line of its own; the status is the last line's. */
async function restore(run: Run): Promise<number> {
  run.io.longRun?.();
  let status: number | 'queued' = 0;
  for await (const text of restoreText(run.io.stdin)) {
    for (const words of eachRestoreLine(text)) {
      // Bounded batches keep memory flat on large inputs. Sent before the next
      // line is queued, so the last line's outcome still comes from the final flush.
      if (run.pending.length >= RESTORE_BATCH) await flush(run);
      const done = execute(run, [run.program, ...words], true);
      status = done instanceof Promise ? await done : done;
    }
    // What has arrived is in the kernel, and its refusals said, before waiting for more (ipvsadm's stderr is unbuffered).
    if (run.pending.length > 0) {
      const last = await flush(run);
      if (status === 'queued') status = last;
    }
    const said = run.out.takeStderr();
    if (said) run.io.stderr.write(said);
  }
  const last = await flush(run);
  return status === 'queued' ? last : status;
}

async function openTable(argv: string[], io: LvsadmIo, out: Output): Promise<IpvsTable> {
  if (io.table) return io.table;
  try {
    const { openKernelTable, readsFirst } = require('./table') as typeof import('./table');
    return await openKernelTable(io.netns, readsFirst(argv));
  } catch (e) {
    if ((e as Error).name !== 'IpvsUnavailableError') throw e;
    const errno = errnoOf(e);
    // ipvsadm falls back to the old socket options (a raw socket) when netlink
    // has no IPVS family: a missing module reads "Protocol not available" for
    // root, and "Permission denied" for anyone else, who may not open one.
    const denied = errno === 1 || errno === 13 || process.geteuid?.() !== 0;
    out.err(`Can't initialize ipvs: ${denied ? ipvsMessage('init', 1) : 'Protocol not available'}\n`
      + 'Are you sure that IP Virtual Server is built in the kernel or as module?\n');
    throw new Exit(2);
  }
}

/** Runs one ipvsadm command line; argv[0] is the program name as it should appear in messages. */
export async function lvsadm(argv: string[], io: LvsadmIo): Promise<number> {
  const out = new Output(io.stdout);
  let status: number;
  let table: IpvsTable | undefined;
  try {
    table = await openTable(argv, io, out);
    const run: Run = { table, names: io.names ?? new SystemNames(), out, io, program: argv[0] ?? 'lvsadm', pending: [] };
    try {
      if (argv.length <= 1) {
        await listAll(run, emptyFormat());
        status = 0;
      } else {
        const result = await execute(run, argv, false);
        const last = await flush(run);
        status = result === 'queued' ? last : result;
      }
    } catch (e) {
      if (e instanceof Exit) await flush(run);
      throw e;
    }
  } catch (e) {
    if (!(e instanceof Exit)) {
      out.err(`${argv[0] ?? 'lvsadm'}: ${(e as Error).message}\n`);
      status = EXIT_ERROR;
    } else {
      status = e.code;
    }
  } finally {
    if (table && !io.table) table.close();
  }
  const stdout = out.takeStdout();
  const stderr = out.takeStderr();
  if (stdout) io.stdout.write(stdout);
  if (stderr) io.stderr.write(stderr);
  return status;
}

/** The process entry used by bin/lvsadm. */
export function runProcess(): void {
  const program = basename(process.argv[1] ?? 'lvsadm');
  const io: LvsadmIo = {
    stdout: descriptorSink(1, () => process.stdout, endOnWriteFailure(program, 'stdout', EXIT_ERROR)),
    stderr: descriptorSink(2, () => process.stderr, endOnWriteFailure(program, 'stderr', EXIT_ERROR)),
    stdin: () => descriptorChunks(0, () => process.stdin),
    // bin/lvsadm starts without V8's optimizing compiler (see there); a restore
    // runs long enough to earn it back. node:v8 is required only here: it
    // brings in streams, which a listing would pay for.
    longRun: () => (require('node:v8') as typeof import('node:v8')).setFlagsFromString('--opt'),
  };
  void lvsadm([program, ...process.argv.slice(2)], io)
    .then((code) => { process.exitCode = code; });
}

