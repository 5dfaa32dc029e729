// The kernel services lvsd owns, kept under --state-dir in owned-services.json
// so that a new run removes those the last one created and no one wants any
// more (a kill -9 during an API deletion, a restart on a file with fewer
// services), and never one it did not own (added by hand with ipvsadm). The
// record names the boot and the network namespace of its table: a reboot
// empties IPVS, and another namespace's table holds nothing of this run's. A
// namespace is named by its cookie, which no other namespace of the boot
// gets; its inode number, which a namespace made after it was deleted can
// take again, only on kernels without cookies (before 5.14) and in records
// written before cookies were kept.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readText, StateFileError, writeWhole } from '../api/state-file';
import type { Log } from '../director/director';
import { parseServiceId } from '../director/ids';
import type { OwnershipRecord } from '../director/reconciler';
import { native } from '../native';
import { inNetns, netnsPath } from '../net/netns';

export const OWNED_FILE = 'owned-services.json';

/** Which IPVS table a record describes. */
export interface TableIdentity {
  /** /proc/sys/kernel/random/boot_id */
  boot: string;
  /** The inode of the network namespace. */
  netns: number;
  /** The network namespace's cookie (SO_NETNS_COOKIE, decimal), when the kernel has them. */
  netnsCookie?: string;
}

interface OwnedFile extends TableIdentity {
  version: 1;
  services: string[];
}

/** The identity of the table of the current network namespace, or of /run/netns/NETNS. */
export function tableIdentity(netns?: string): TableIdentity {
  const cookie = inNetns(netns, () => native().netnsCookie());
  return {
    boot: readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(),
    netns: statSync(netns === undefined ? '/proc/self/ns/net' : netnsPath(netns)).ino,
    ...(cookie !== undefined ? { netnsCookie: cookie } : {}),
  };
}

/**
 * The services recorded under `dir` for the table `table`: none when there is
 * no record, or when it describes another boot or namespace (`stale` says
 * which). A damaged record is an error naming the file and what is wrong.
 */
export function readOwnedServices(dir: string, table: TableIdentity): { services: Set<string>; stale?: string } {
  const file = join(dir, OWNED_FILE);
  const text = readText(file);
  if (text === undefined) return { services: new Set() };
  let data: Partial<OwnedFile>;
  try {
    data = JSON.parse(text) as Partial<OwnedFile>;
  } catch (err) {
    throw new StateFileError(`${file}: not JSON: ${(err as Error).message}`);
  }
  if (typeof data !== 'object' || data === null || data.version !== 1 || typeof data.boot !== 'string' || typeof data.netns !== 'number'
    || (data.netnsCookie !== undefined && (typeof data.netnsCookie !== 'string' || !/^[0-9]+$/.test(data.netnsCookie))) || !Array.isArray(data.services)) {
    throw new StateFileError(`${file}: not an lvsd record of owned services of version 1`);
  }
  for (const id of data.services) {
    const key = typeof id === 'string' ? parseServiceId(id) : { error: 'not a string' };
    if ('error' in key) throw new StateFileError(`${file}: service ${JSON.stringify(id)}: ${key.error}`);
  }
  if (data.boot !== table.boot) return { services: new Set(), stale: 'an earlier boot' };
  if (data.netnsCookie !== undefined && table.netnsCookie !== undefined) {
    if (data.netnsCookie !== table.netnsCookie) return { services: new Set(), stale: `another network namespace (cookie ${data.netnsCookie})` };
  } else if (data.netns !== table.netns) {
    return { services: new Set(), stale: `another network namespace (inode ${data.netns})` };
  }
  return { services: new Set(data.services) };
}

/**
 * The ownership record of the daemon. A record that cannot be read or written
 * never stops lvsd: without it lvsd leaves in the table, after a restart,
 * services it created and no longer wants, and still never removes one that
 * was not its own. A damaged record is replaced at the next change.
 */
export function ownershipRecord(dir: string, netns: string | undefined, log: Log): OwnershipRecord | undefined {
  const file = join(dir, OWNED_FILE);
  let table: TableIdentity;
  try {
    table = tableIdentity(netns);
  } catch (err) {
    log.error({ err: (err as Error).message }, 'cannot tell which IPVS table this is: the services lvsd owns are not recorded');
    return undefined;
  }
  let recorded = new Set<string>();
  try {
    const read = readOwnedServices(dir, table);
    if (read.stale) log.info({ file }, `the services recorded were those of ${read.stale}: none is owned`);
    recorded = read.services;
  } catch (err) {
    log.error({ err: (err as Error).message }, 'cannot read the services lvsd owns: those it created and no longer wants stay in the table');
  }
  return {
    recorded,
    record(ids) {
      const data: OwnedFile = { version: 1, ...table, services: [...ids].sort() };
      try {
        writeWhole(dir, OWNED_FILE, Buffer.from(JSON.stringify(data)), `${OWNED_FILE} is kept as it was`);
        return true;
      } catch (err) {
        log.error({ err: (err as Error).message }, 'cannot record the services lvsd owns');
        return false;
      }
    },
  };
}
