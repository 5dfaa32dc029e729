// Prometheus metrics, read from the kernel and the director at scrape time.
// Names shared with node_exporter's IPVS collector keep its meaning and
// labels (node_ipvs_*: totals over the table, backends labelled by
// local/remote address, port, protocol and mark), so dashboards built for it
// work; lvsd_* adds per-service counters, rates, health and VRRP.
//
// The families with a series per real server are written here, not kept in
// prom-client: it hashes every label set it is given and escapes it again
// at every scrape, which for 10,000 real servers (15 families of 10,000
// series) took 5 to 7 s a scrape in the lab. Here each server's label text
// is made once a scrape and shared by its families, and the text is sent as
// it is made, in small pieces, each family from a turn of the event loop of
// its own: a scrape of a large table never holds VRRP's adverts, the checks
// or the API for long, nor 14 MB of memory.
// The few other families stay in prom-client's registry.
import { Readable } from 'node:stream';
import { Counter, Gauge, Registry } from 'prom-client';
import type { CheckStatus } from '../check/types';
import { effectiveServerId } from '../director/api-state';
import { serverName } from '../director/health';
import type { ServiceKey, Stats } from '../ipvs/types';
import type { VrrpView } from '../vrrp/view';
import { kernelCounters, type DirectorView, type KernelTable } from './views';

export interface MetricsSources {
  kernel: KernelTable;
  director: DirectorView;
  vrrp(): VrrpView[];
}

const VRRP_STATES = ['INIT', 'BACKUP', 'MASTER', 'FAULT', 'STOP'];

/** One scrape's reading of the kernel, shared by all families of that scrape. */
type Snapshot = Awaited<ReturnType<typeof kernelCounters>>;

/** A label value as the exposition format quotes it. */
function labelValue(v: string): string {
  return /[\\"\n]/.test(v) ? v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"') : v;
}

/** node_exporter's backend labels of a real server of service `key`, as the text between braces. */
function backendLabels(key: ServiceKey, address: string, port: number): string {
  const remote = `remote_address="${labelValue(address)}",remote_port="${port}"`;
  if (key.fwmark !== undefined) return `local_address="",local_port="0",${remote},proto="",local_mark="${key.fwmark}"`;
  return `local_address="${labelValue(key.address)}",local_port="${key.port}",${remote},proto="${key.protocol.toUpperCase()}",local_mark=""`;
}

const serverLabels = (service: string, server: string): string => `service="${labelValue(service)}",server="${labelValue(server)}"`;

/** One row of the kernel's table: a virtual service (server "") or one of its real servers. */
interface KernelRow { labels: string; backend?: string; stats: Stats; activeConns: number; inactiveConns: number; weight: number }

/** A configured real server and what its checks say. */
interface HealthRow { labels: string; up: boolean; checks: CheckStatus[] }

interface Family<Row> {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  /** The series of one row: the text between braces and the value; none for a row it does not cover. */
  series(row: Row, out: (labels: string, value: number) => void): void;
}

/**
 * Pieces of the text are about this long: below V8's large-object size, so
 * that each is made and freed in memory the next one reuses (a whole scrape
 * of 10,000 real servers is 14 MB, and fresh memory is what it cost most).
 */
const PIECE_CHARS = 32 * 1024;

/** One family's text (after the blank line that separates it from the one before), in pieces. */
function* familyText<Row>(f: Family<Row>, rows: readonly Row[]): Generator<string> {
  let text = `\n\n# HELP ${f.name} ${f.help}\n# TYPE ${f.name} ${f.type}`;
  const line = (labels: string, value: number): void => { text += `\n${f.name}{${labels}} ${value}`; };
  for (const row of rows) {
    f.series(row, line);
    if (text.length >= PIECE_CHARS) {
      yield text;
      text = '';
    }
  }
  if (text !== '') yield text;
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const backend = (name: string, help: string, pick: (r: KernelRow) => number): Family<KernelRow> => ({
  name, help, type: 'gauge', series: (r, out) => { if (r.backend !== undefined) out(r.backend, pick(r)); },
});
const what = 'of a virtual service (server="") or of one of its real servers';
const perServer = (name: string, help: string, type: 'counter' | 'gauge', pick: (s: Stats) => bigint): Family<KernelRow> => ({
  name, help: `${help} ${what}.`, type, series: (r, out) => out(r.labels, Number(pick(r.stats))),
});

const KERNEL_FAMILIES: Family<KernelRow>[] = [
  backend('node_ipvs_backend_connections_active', 'The current active connections by local and remote address.', (r) => r.activeConns),
  backend('node_ipvs_backend_connections_inactive', 'The current inactive connections by local and remote address.', (r) => r.inactiveConns),
  backend('node_ipvs_backend_weight', 'The current backend weight by local and remote address.', (r) => r.weight),
  perServer('lvsd_connections_total', 'Connections scheduled', 'counter', (s) => s.conns),
  perServer('lvsd_incoming_packets_total', 'Packets in', 'counter', (s) => s.inPkts),
  perServer('lvsd_outgoing_packets_total', 'Packets out', 'counter', (s) => s.outPkts),
  perServer('lvsd_incoming_bytes_total', 'Bytes in', 'counter', (s) => s.inBytes),
  perServer('lvsd_outgoing_bytes_total', 'Bytes out', 'counter', (s) => s.outBytes),
  perServer('lvsd_connections_per_second', 'Connection rate (kernel estimate)', 'gauge', (s) => s.cps),
  perServer('lvsd_incoming_packets_per_second', 'Incoming packet rate', 'gauge', (s) => s.inPps),
  perServer('lvsd_outgoing_packets_per_second', 'Outgoing packet rate', 'gauge', (s) => s.outPps),
  perServer('lvsd_incoming_bytes_per_second', 'Incoming byte rate', 'gauge', (s) => s.inBps),
  perServer('lvsd_outgoing_bytes_per_second', 'Outgoing byte rate', 'gauge', (s) => s.outBps),
];

const HEALTH_FAMILIES: Family<HealthRow>[] = [
  {
    name: 'lvsd_backend_up', help: 'Health of a real server as its checks see it (1 up, 0 down; 1 without checks).', type: 'gauge',
    series: (r, out) => out(r.labels, r.up ? 1 : 0),
  },
  {
    name: 'lvsd_check_latency_seconds', help: 'Duration of the last attempt of each health check of a real server.', type: 'gauge',
    series: (r, out) => r.checks.forEach((c, i) => { if (c.last) out(`${r.labels},check="${labelValue(`${c.kind}#${i + 1}`)}"`, c.last.latencyMs / 1000); }),
  },
];

function kernelRows(all: Snapshot): KernelRow[] {
  const rows: KernelRow[] = [];
  for (const [sid, e] of all) {
    const key = e.service.service;
    rows.push({ labels: serverLabels(sid, ''), stats: e.service.stats64, activeConns: 0, inactiveConns: 0, weight: 0 });
    for (const [rid, r] of e.servers) {
      rows.push({
        labels: serverLabels(sid, rid), backend: backendLabels(key, r.server.address, r.server.port), stats: r.stats64,
        activeConns: r.activeConns, inactiveConns: r.inactiveConns, weight: r.server.weight,
      });
    }
  }
  return rows;
}

function healthRows(director: DirectorView): HealthRow[] {
  const effective = director.effectiveConfig;
  if (!effective) return [];
  const states = director.serverStates();
  const rows: HealthRow[] = [];
  for (const [sid, origin] of effective.services) {
    for (const rs of origin.vs.realServers) {
      const name = serverName(origin.vs, rs);
      rows.push({ labels: serverLabels(sid, effectiveServerId(origin.vs, rs)), up: states.get(name) ?? true, checks: director.checkStatuses(name) });
    }
  }
  return rows;
}

export interface Metrics {
  contentType: string;
  /** One scrape: reads the kernel (its failure rejects), then gives the exposition text in pieces. */
  scrape(): Promise<Readable>;
}

export function createMetrics(src: MetricsSources): Metrics {
  const registry = new Registry();
  let pending: Promise<Snapshot> | undefined;
  // Every family of one scrape reads the same kernel dump.
  const snapshot = (): Promise<Snapshot> => {
    pending ??= kernelCounters(src.kernel).finally(() => setImmediate(() => { pending = undefined; }));
    return pending;
  };

  const total = (name: string, help: string, pick: (s: Stats) => bigint): void => {
    new Counter({
      name, help, registers: [registry],
      async collect() {
        this.reset();
        let sum = 0n;
        for (const e of (await snapshot()).values()) sum += pick(e.service.stats64);
        this.inc(Number(sum));
      },
    });
  };
  total('node_ipvs_connections_total', 'The total number of connections made.', (s) => s.conns);
  total('node_ipvs_incoming_packets_total', 'The total number of incoming packets.', (s) => s.inPkts);
  total('node_ipvs_outgoing_packets_total', 'The total number of outgoing packets.', (s) => s.outPkts);
  total('node_ipvs_incoming_bytes_total', 'The total amount of incoming data.', (s) => s.inBytes);
  total('node_ipvs_outgoing_bytes_total', 'The total amount of outgoing data.', (s) => s.outBytes);
  new Gauge({
    name: 'lvsd_service_servers', help: 'Real servers of a virtual service in the kernel table.',
    labelNames: ['service'], registers: [registry],
    async collect() {
      this.reset();
      for (const [sid, e] of await snapshot()) this.set({ service: sid }, e.servers.size);
    },
  });
  new Gauge({
    name: 'lvsd_vrrp_state', help: 'VRRP state of an instance: 1 for the state it is in, 0 for the others.',
    labelNames: ['instance', 'state'], registers: [registry],
    collect() {
      this.reset();
      for (const v of src.vrrp()) for (const s of VRRP_STATES) this.set({ instance: v.name, state: s }, v.state === s ? 1 : 0);
    },
  });
  new Gauge({
    name: 'lvsd_vrrp_effective_priority', help: 'Priority of a VRRP instance after tracking.',
    labelNames: ['instance'], registers: [registry],
    collect() {
      this.reset();
      for (const v of src.vrrp()) this.set({ instance: v.name }, v.effectivePriority);
    },
  });
  new Counter({
    name: 'lvsd_vrrp_transitions_total', help: 'State transitions of a VRRP instance.',
    labelNames: ['instance'], registers: [registry],
    collect() {
      this.reset();
      for (const v of src.vrrp()) this.inc({ instance: v.name }, v.transitions);
    },
  });

  async function* pieces(all: Snapshot, head: string): AsyncGenerator<string> {
    yield head;
    const kernel = kernelRows(all);
    for (const f of KERNEL_FAMILIES) {
      await nextTurn();
      yield* familyText(f, kernel);
    }
    const health = healthRows(src.director);
    for (const f of HEALTH_FAMILIES) {
      await nextTurn();
      yield* familyText(f, health);
    }
    yield '\n';
  }

  return {
    contentType: registry.contentType,
    async scrape(): Promise<Readable> {
      const all = await snapshot();
      const head = (await registry.metrics()).trimEnd();
      return Readable.from(pieces(all, head), { objectMode: false });
    },
  };
}
