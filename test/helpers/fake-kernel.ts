// An in-memory IPVS table for unit tests that refuses what the kernel refuses:
// duplicates, unknown entries, the scheduler "nosuch" (ENOENT) and the
// "unroutable" real server address UNROUTABLE (EINVAL).
import { realServerId, serviceId } from '../../src/director/ids';
import type { IpvsOp, IpvsOpResult } from '../../src/ipvs/client';
import { IpvsError } from '../../src/ipvs/errors';
import type { RealServer, Service, ServiceKey, Stats } from '../../src/ipvs/types';

const ZERO: Stats = { conns: 0n, inPkts: 0n, outPkts: 0n, inBytes: 0n, outBytes: 0n, cps: 0n, inPps: 0n, outPps: 0n, inBps: 0n, outBps: 0n };
export const UNROUTABLE = '10.99.99.99';

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
