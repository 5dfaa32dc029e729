// keepalived's lvs_flush_on_stop: when the daemon stops, remove either every
// IPVS service (no argument) or only those of the running configuration (VS).
// Without it the table stays, so that traffic keeps flowing while lvsd restarts.
import type { KeepalivedConfig } from '../config/model';
import type { Log } from '../director/director';
import { buildDesiredTable } from '../director/desired';
import { serviceId } from '../director/ids';
import type { IpvsClient, IpvsOp } from '../ipvs/client';

export interface FlushResult {
  mode: 'vs' | 'all';
  removed: number;
  /** The ids of the services removed. */
  gone: string[];
  /** Services the kernel refused to remove, with why. */
  failed: { service: string; error: string }[];
}

/** The services a configuration puts in the table, whatever the health of its real servers. */
export function configuredServices(config: KeepalivedConfig): IpvsOp[] {
  return buildDesiredTable(config, () => ({ up: true }), new Map()).table.map((e) => ({ op: 'deleteService', key: e.service }));
}

export async function flushOnStop(
  config: KeepalivedConfig | undefined, client: Pick<IpvsClient, 'listServices' | 'apply'>,
): Promise<FlushResult | undefined> {
  const mode = config?.global.lvsFlushOnStop;
  if (!config || !mode) return undefined;
  const present = new Set((await client.listServices()).map((s) => serviceId(s.service)));
  const ops = mode === 'all'
    ? [{ op: 'flush' } as const]
    // A service already gone (removed by hand) is nothing to report.
    : configuredServices(config).filter((op) => op.op === 'deleteService' && present.has(serviceId(op.key)));
  const results = ops.length ? await client.apply(ops) : [];
  const failed: FlushResult['failed'] = [];
  results.forEach((r, i) => {
    const op = ops[i]!;
    if (!r.ok) failed.push({ service: op.op === 'deleteService' ? serviceId(op.key) : 'all services', error: r.error.message });
  });
  const gone = mode === 'all'
    ? (failed.length ? [] : [...present])
    : ops.flatMap((op, i) => (op.op === 'deleteService' && results[i]?.ok ? [serviceId(op.key)] : []));
  return { mode, removed: gone.length, gone, failed };
}

/** flushOnStop for the daemon's shutdown: says what it removed, and returns their ids; a failure is logged, never thrown. */
export async function flushOnStopLogged(
  config: KeepalivedConfig | undefined, client: Pick<IpvsClient, 'listServices' | 'apply'>, log: Log,
): Promise<string[]> {
  try {
    const result = await flushOnStop(config, client);
    if (!result) return [];
    for (const f of result.failed) log.error({ service: f.service, err: f.error }, 'lvs_flush_on_stop: could not remove');
    log.info({ mode: result.mode, removed: result.removed }, 'lvs_flush_on_stop: services removed');
    return result.gone;
  } catch (e) {
    log.error({ err: (e as Error).message }, 'lvs_flush_on_stop failed');
    return [];
  }
}
