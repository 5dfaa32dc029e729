// Loading the ip_vs module when the kernel has no IPVS family yet. Kernels
// before 5.18 do not load it on a generic netlink lookup, so ipvsadm and
// keepalived run `modprobe -- ip_vs` and try once more; lvsadm and lvsd do too.
import { constants as osConstants } from 'node:os';
import { IpvsUnavailableError } from './errors';

const MODPROBE = '/sbin/modprobe';

/** Whether an open failed because the kernel has no IPVS family (rather than for lack of rights). */
export function isNoIpvs(e: unknown): boolean {
  return e instanceof IpvsUnavailableError && e.errno === osConstants.errno.ENOENT;
}

/**
 * Runs modprobe for ip_vs and waits for it. With 'inherit' its messages go
 * to our stdout and stderr, as ipvsadm's do; with 'pipe' they are returned.
 */
export function loadIpvsModule(stdio: 'inherit' | 'pipe'): { loaded: boolean; output: string } {
  // Required here: child_process brings in streams, net and dgram, a tenth of a listing's time in the lab.
  const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
  const r = spawnSync(MODPROBE, ['--', 'ip_vs'], { stdio: ['ignore', stdio, stdio], encoding: 'utf8' });
  const output = stdio === 'pipe' ? `${r.stdout ?? ''}${r.stderr ?? ''}`.trim() : '';
  if (r.error) return { loaded: false, output: `${MODPROBE}: ${(r.error as NodeJS.ErrnoException).code ?? r.error.message}` };
  return { loaded: r.status === 0, output };
}

/** Opens with `open`; when the kernel has no IPVS yet, loads ip_vs and opens once more. */
export async function openLoadingModule<T>(
  open: () => T | Promise<T>, stdio: 'inherit' | 'pipe', onModprobe?: (r: { loaded: boolean; output: string }) => void,
): Promise<T> {
  try {
    return await open();
  } catch (e) {
    if (!isNoIpvs(e)) throw e;
    const r = loadIpvsModule(stdio);
    onModprobe?.(r);
    if (!r.loaded) throw e;
    return await open();
  }
}
