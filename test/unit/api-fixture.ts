// An lvsd API over an in-memory IPVS table that refuses what the kernel
// refuses (duplicates, unknown entries, an unknown scheduler, one
// "unroutable" address), for the API's unit and browser tests.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { EventLog } from '../../src/api/events';
import { buildApi } from '../../src/api/server';
import { readStateFile } from '../../src/api/state-file';
import { ApiStore } from '../../src/api/store';
import { CheckScheduler } from '../../src/check/scheduler';
import { loadConfig } from '../../src/config';
import { Director } from '../../src/director/director';
import { realServerId, serviceId } from '../../src/director/ids';
import type { IpvsOp, IpvsOpResult } from '../../src/ipvs/client';
import { IpvsError } from '../../src/ipvs/errors';
import type { RealServer, Service, ServiceKey, Stats } from '../../src/ipvs/types';
import type { VrrpView } from '../../src/vrrp/view';

const ZERO: Stats = { conns: 0n, inPkts: 0n, outPkts: 0n, inBytes: 0n, outBytes: 0n, cps: 0n, inPps: 0n, outPps: 0n, inBps: 0n, outBps: 0n };
export const UNROUTABLE = '10.99.99.99';
export const TOKEN = 'test-token-0123456789abcdef';

export class FakeKernel {
  readonly table = new Map<string, { service: Service; servers: Map<string, RealServer> }>();
  /** Active connections the kernel reports, by "service real-server". */
  readonly active = new Map<string, number>();
  conns = 0n;

  async listServices() {
    return [...this.table.values()].map((e) => ({ service: e.service, stats: ZERO, stats64: { ...ZERO, conns: this.conns } }));
  }

  async listRealServers(key: ServiceKey) {
    const sid = serviceId(key);
    const e = this.table.get(sid);
    return [...(e?.servers.values() ?? [])].map((server) => ({
      server, activeConns: this.active.get(`${sid} ${realServerId(server)}`) ?? 0, inactiveConns: 0, persistConns: 0, stats: ZERO, stats64: ZERO,
    }));
  }

  async setTimeouts(): Promise<void> {}

  async apply(ops: IpvsOp[]): Promise<IpvsOpResult[]> {
    return ops.map((op) => {
      const fail = (errno: number) => ({ ok: false as const, error: new IpvsError({ errno, command: op.op, target: JSON.stringify(op) }) });
      if (op.op === 'addService' || op.op === 'editService') {
        const id = serviceId(op.service);
        const exists = this.table.has(id);
        if (op.service.scheduler === 'nosuch') return fail(2);
        if (op.op === 'addService' && exists) return fail(17);
        if (op.op === 'editService' && !exists) return fail(3);
        this.table.set(id, { service: op.service, servers: this.table.get(id)?.servers ?? new Map() });
        return { ok: true as const };
      }
      if (op.op === 'deleteService') return this.table.delete(serviceId(op.key)) ? { ok: true as const } : fail(3);
      if (op.op === 'addRealServer' || op.op === 'editRealServer' || op.op === 'deleteRealServer') {
        const e = this.table.get(serviceId(op.key));
        if (!e) return fail(3);
        const id = realServerId(op.server);
        if (op.op === 'deleteRealServer') return e.servers.delete(id) ? { ok: true as const } : fail(2);
        if (op.server.address === UNROUTABLE) return fail(22);
        if (op.op === 'addRealServer' && e.servers.has(id)) return fail(17);
        if (op.op === 'editRealServer' && !e.servers.has(id)) return fail(2);
        e.servers.set(id, op.server);
        return { ok: true as const };
      }
      return { ok: true as const };
    });
  }

  /** ipvsadm -Sn in spirit: every entry with its weight, sorted. */
  snapshot(): string {
    return [...this.table.entries()].map(([id, e]) => `${id} ${e.service.scheduler} [${[...e.servers.entries()].map(([r, s]) => `${r}/${s.weight}/${s.forward}`).sort().join(' ')}]`).sort().join('\n');
  }
}

export const BASE_CONFIG = `
virtual_server 10.0.0.1 80 {
  lb_algo rr
  lb_kind NAT
  protocol TCP
  real_server 192.168.1.11 8080 {
    weight 3
  }
}
`;

export interface Harness {
  app: FastifyInstance;
  kernel: FakeKernel;
  director: Director;
  scheduler: CheckScheduler;
  store: ApiStore;
  stateDir: string;
  vrrp: VrrpView[];
  close(): Promise<void>;
}

const quiet = { info() {}, warn() {}, error() {} };

/** A director loaded with `config`, its API state read from `stateDir` (fresh when omitted). */
export async function harness(opts: { config?: string; stateDir?: string; kernel?: FakeKernel } = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'lvsd-api-'));
  const file = join(dir, 'keepalived.conf');
  writeFileSync(file, opts.config ?? BASE_CONFIG);
  const loaded = loadConfig(file);
  if (!loaded.ok) throw new Error(`bad test configuration: ${JSON.stringify(loaded.diagnostics)}`);
  const kernel = opts.kernel ?? new FakeKernel();
  const scheduler = new CheckScheduler();
  const director = new Director({ table: kernel, scheduler, log: quiet, runScript: () => undefined });
  const stateDir = opts.stateDir ?? join(dir, 'state');
  const initial = readStateFile(stateDir);
  void director.setApiState(initial);
  await director.load(loaded.config, 'start');
  const store = new ApiStore(stateDir, director, initial);
  const vrrp: VrrpView[] = [];
  const app = await buildApi({ director, kernel, store, token: TOKEN, vrrp: () => vrrp, reload: () => undefined, events: new EventLog() });
  return {
    app, kernel, director, scheduler, store, stateDir, vrrp,
    async close() {
      await app.close();
      await director.stop();
      scheduler.close();
    },
  };
}

export const auth = { authorization: `Bearer ${TOKEN}` };
export const enc = encodeURIComponent;
