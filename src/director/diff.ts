// The minimal set of kernel changes that turns the current IPVS table into the
// desired one. Untouched entries are never re-created, so their connections
// survive a reload.
import type { IpvsOp } from '../ipvs/client';
import { SVC_F_HASHED, SVC_F_PERSISTENT, type RealServer, type Service } from '../ipvs/types';
import { realServerId, serviceId } from './ids';

/** One virtual service with the real servers it should have, as a table row. */
export interface TableEntry {
  service: Service;
  realServers: RealServer[];
}

function sameService(a: Service, b: Service): boolean {
  const flags = (s: Service) => s.flags & ~SVC_F_HASHED;
  if (a.scheduler !== b.scheduler || flags(a) !== flags(b) || a.peName !== b.peName) return false;
  // Timeout and granularity only mean something for a persistent service.
  if ((a.flags & SVC_F_PERSISTENT) === 0) return true;
  return a.timeout === b.timeout && a.netmask === b.netmask;
}

function sameRealServer(a: RealServer, b: RealServer): boolean {
  if (a.forward !== b.forward || a.weight !== b.weight
    || a.upperThreshold !== b.upperThreshold || a.lowerThreshold !== b.lowerThreshold) return false;
  if (a.forward !== 'tunnel') return true;
  if (a.tunnelType !== b.tunnelType || a.tunnelFlags !== b.tunnelFlags) return false;
  return a.tunnelType !== 'gue' || a.tunnelPort === b.tunnelPort;
}

function byId<T>(items: readonly T[], id: (t: T) => string): Map<string, T> {
  return new Map(items.map((t) => [id(t), t]));
}

// Table rows and their entries are never changed once built: a plan that
// compares a large service again and again reuses their ids and indexes.
const entryIds = new WeakMap<RealServer, string>();
const rowIndexes = new WeakMap<readonly RealServer[], Map<string, RealServer>>();

/** realServerId() of a table entry. */
export function entryId(rs: RealServer): string {
  let id = entryIds.get(rs);
  if (id === undefined) {
    id = realServerId(rs);
    entryIds.set(rs, id);
  }
  return id;
}

function rowIndex(servers: readonly RealServer[]): Map<string, RealServer> {
  let index = rowIndexes.get(servers);
  if (!index) {
    index = byId(servers, entryId);
    rowIndexes.set(servers, index);
  }
  return index;
}

/**
 * Plans the changes from `current` (what the kernel holds) to `desired`.
 * Services in the kernel that are not desired are deleted only when their id is
 * in `owned`: lvsd leaves alone what it never managed.
 */
export function planChanges(
  desired: readonly TableEntry[],
  current: readonly TableEntry[],
  owned: ReadonlySet<string> = new Set(),
): IpvsOp[] {
  const ops: IpvsOp[] = [];
  const want = byId(desired, (e) => serviceId(e.service));
  const have = byId(current, (e) => serviceId(e.service));

  for (const [id, entry] of have) {
    if (!want.has(id) && owned.has(id)) ops.push({ op: 'deleteService', key: entry.service });
  }
  for (const [id, entry] of want) {
    const existing = have.get(id);
    const key = entry.service;
    if (!existing) ops.push({ op: 'addService', service: entry.service });
    else if (!sameService(entry.service, existing.service)) ops.push({ op: 'editService', service: entry.service });

    const wantRs = rowIndex(entry.realServers);
    const haveRs = rowIndex(existing?.realServers ?? []);
    for (const [rsId, rs] of haveRs) {
      if (!wantRs.has(rsId)) ops.push({ op: 'deleteRealServer', key, server: rs });
    }
    for (const [rsId, rs] of wantRs) {
      const old = haveRs.get(rsId);
      if (!old) ops.push({ op: 'addRealServer', key, server: rs });
      else if (old !== rs && !sameRealServer(rs, old)) ops.push({ op: 'editRealServer', key, server: rs });
    }
  }
  return ops;
}

/**
 * One row with some of its real servers replaced (by id; undefined: gone),
 * and the changes that take the kernel from `row` to it. The new row takes
 * over the old one's index, so a change to a large service costs neither a
 * rebuild nor a copy of it.
 */
export function changeRow(row: TableEntry, changes: ReadonlyMap<string, RealServer | undefined>): { row: TableEntry; ops: IpvsOp[] } {
  // The old row's index moves to the new row (the old one is indexed again should it be asked).
  const index = rowIndex(row.realServers);
  rowIndexes.delete(row.realServers);
  const ops: IpvsOp[] = [];
  const key = row.service;
  let onlyAdded = true;
  for (const [id, rs] of changes) {
    const was = index.get(id);
    if (was) onlyAdded = false;
    if (!rs) {
      if (was) ops.push({ op: 'deleteRealServer', key, server: was });
      index.delete(id);
      continue;
    }
    if (!was) ops.push({ op: 'addRealServer', key, server: rs });
    else if (was !== rs && !sameRealServer(rs, was)) ops.push({ op: 'editRealServer', key, server: rs });
    index.set(id, rs);
  }
  const servers = onlyAdded ? row.realServers.concat([...changes.values()].filter((rs): rs is RealServer => rs !== undefined)) : [...index.values()];
  rowIndexes.set(servers, index);
  return { row: { service: row.service, realServers: servers }, ops };
}
