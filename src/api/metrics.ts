// Prometheus metrics, read from the kernel and the director at scrape time.
// Names shared with node_exporter's IPVS collector keep its meaning and
// labels (node_ipvs_*: totals over the table, backends labelled by
// local/remote address, port, protocol and mark), so dashboards built for it
// work; lvsd_* adds per-service counters, rates, health and VRRP.
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

const BACKEND_LABELS = ['local_address', 'local_port', 'remote_address', 'remote_port', 'proto', 'local_mark'] as const;
const SERVICE_LABELS = ['service'] as const;
const SERVER_LABELS = ['service', 'server'] as const;
const VRRP_STATES = ['INIT', 'BACKUP', 'MASTER', 'FAULT', 'STOP'];

function serviceLabels(key: ServiceKey): Record<(typeof BACKEND_LABELS)[number], string> {
  if (key.fwmark !== undefined) return { local_address: '', local_port: '0', remote_address: '', remote_port: '', proto: '', local_mark: String(key.fwmark) };
  return { local_address: key.address, local_port: String(key.port), remote_address: '', remote_port: '', proto: key.protocol.toUpperCase(), local_mark: '' };
}

/** One scrape's reading of everything, shared by all metrics of that scrape. */
type Snapshot = Awaited<ReturnType<typeof kernelCounters>>;

/**
 * Runs each piece of work on a turn of the event loop of its own, one after
 * the other. prom-client collects and formats every family of a scrape in
 * one go; with a large table (10,000 real servers: 14 families of 10,000
 * series each, about a second) that would hold the loop, and with it VRRP's
 * adverts, the checks and the API, for the whole scrape.
 */
function oneTurnEach(): <T>(work: () => T | Promise<T>) => Promise<T> {
  let last: Promise<unknown> = Promise.resolve();
  return (work) => {
    const run = last.then(() => new Promise<void>((resolve) => setImmediate(resolve))).then(work);
    last = run.catch(() => undefined);
    return run;
  };
}

export function createMetrics(src: MetricsSources): Registry {
  const registry = new Registry();
  const inTurn = oneTurnEach();
  let pending: Promise<Snapshot> | undefined;
  // Every metric's collect() of one scrape waits on the same kernel read.
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

  const backend = (name: string, help: string, pick: (r: { activeConns: number; inactiveConns: number; weight: number }) => number): void => {
    new Gauge({
      name, help, labelNames: BACKEND_LABELS, registers: [registry],
      async collect() {
        const all = await snapshot();
        await inTurn(() => {
          this.reset();
          for (const e of all.values()) {
            const base = serviceLabels(e.service.service);
            for (const r of e.servers.values()) {
              const labels = { ...base, remote_address: r.server.address, remote_port: String(r.server.port) };
              this.set(labels, pick({ activeConns: r.activeConns, inactiveConns: r.inactiveConns, weight: r.server.weight }));
            }
          }
        });
      },
    });
  };
  backend('node_ipvs_backend_connections_active', 'The current active connections by local and remote address.', (r) => r.activeConns);
  backend('node_ipvs_backend_connections_inactive', 'The current inactive connections by local and remote address.', (r) => r.inactiveConns);
  backend('node_ipvs_backend_weight', 'The current backend weight by local and remote address.', (r) => r.weight);

  const perService = (name: string, help: string, pick: (s: Stats) => bigint, kind: 'counter' | 'gauge'): void => {
    const opts = { name, help, labelNames: SERVER_LABELS, registers: [registry] };
    const fill = async (m: Counter<(typeof SERVER_LABELS)[number]> | Gauge<(typeof SERVER_LABELS)[number]>): Promise<void> => {
      const all = await snapshot();
      await inTurn(() => {
        m.reset();
        for (const [sid, e] of all) {
          const put = (labels: { service: string; server: string }, v: bigint): void => {
            if (m instanceof Counter) m.inc(labels, Number(v));
            else m.set(labels, Number(v));
          };
          put({ service: sid, server: '' }, pick(e.service.stats64));
          for (const [rid, r] of e.servers) put({ service: sid, server: rid }, pick(r.stats64));
        }
      });
    };
    if (kind === 'counter') new Counter({ ...opts, async collect() { await fill(this); } });
    else new Gauge({ ...opts, async collect() { await fill(this); } });
  };
  const what = 'of a virtual service (server="") or of one of its real servers';
  perService('lvsd_connections_total', `Connections scheduled ${what}.`, (s) => s.conns, 'counter');
  perService('lvsd_incoming_packets_total', `Packets in ${what}.`, (s) => s.inPkts, 'counter');
  perService('lvsd_outgoing_packets_total', `Packets out ${what}.`, (s) => s.outPkts, 'counter');
  perService('lvsd_incoming_bytes_total', `Bytes in ${what}.`, (s) => s.inBytes, 'counter');
  perService('lvsd_outgoing_bytes_total', `Bytes out ${what}.`, (s) => s.outBytes, 'counter');
  perService('lvsd_connections_per_second', `Connection rate (kernel estimate) ${what}.`, (s) => s.cps, 'gauge');
  perService('lvsd_incoming_packets_per_second', `Incoming packet rate ${what}.`, (s) => s.inPps, 'gauge');
  perService('lvsd_outgoing_packets_per_second', `Outgoing packet rate ${what}.`, (s) => s.outPps, 'gauge');
  perService('lvsd_incoming_bytes_per_second', `Incoming byte rate ${what}.`, (s) => s.inBps, 'gauge');
  perService('lvsd_outgoing_bytes_per_second', `Outgoing byte rate ${what}.`, (s) => s.outBps, 'gauge');

  const checked = (each: (labels: { service: string; server: string }, up: boolean, checks: CheckStatus[]) => void): void => {
    const effective = src.director.effectiveConfig;
    if (!effective) return;
    const states = src.director.serverStates();
    for (const [sid, origin] of effective.services) {
      for (const rs of origin.vs.realServers) {
        const name = serverName(origin.vs, rs);
        each({ service: sid, server: effectiveServerId(origin.vs, rs) }, states.get(name) ?? true, src.director.checkStatuses(name));
      }
    }
  };
  new Gauge({
    name: 'lvsd_backend_up', help: 'Health of a real server as its checks see it (1 up, 0 down; 1 without checks).',
    labelNames: SERVER_LABELS, registers: [registry],
    async collect() {
      await inTurn(() => {
        this.reset();
        checked((labels, up) => this.set(labels, up ? 1 : 0));
      });
    },
  });
  new Gauge({
    name: 'lvsd_check_latency_seconds', help: 'Duration of the last attempt of each health check of a real server.',
    labelNames: [...SERVER_LABELS, 'check'], registers: [registry],
    async collect() {
      await inTurn(() => {
        this.reset();
        checked((labels, _up, checks) => checks.forEach((c, i) => {
          if (c.last) this.set({ ...labels, check: `${c.kind}#${i + 1}` }, c.last.latencyMs / 1000);
        }));
      });
    },
  });
  new Gauge({
    name: 'lvsd_service_servers', help: 'Real servers of a virtual service in the kernel table.',
    labelNames: SERVICE_LABELS, registers: [registry],
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
  return registry;
}
