// Interface addresses over rtnetlink: list, add and delete, idempotently
// (adding an address that is there, or deleting one that is not, is no error).
import { rt, AttrStream, FlagsNew, type NetlinkMessage } from 'netlink';
import { type Rtnl, isNetlinkError } from './rtnl';
import { type AddressSpec, formatAddressSpec, validateLabel } from './address-spec';
import { type IpAddress, type IpPrefix, ipFromBytes, prefixText } from './ip';
import { listLinks, requireLink } from './links';
import { scopeName } from './scope';
import type { AddressFamily } from '../ipvs/types';

export interface AddressEntry {
  prefix: IpPrefix;
  /** Interface index and name. */
  index: number;
  dev: string;
  label: string | undefined;
  scope: number;
  scopeName: string;
  broadcast: IpAddress | undefined;
  peer: IpAddress | undefined;
  /** Names of the IFA_F_* flags that are set (permanent, secondary, nodad...). */
  flags: string[];
}

export function addressFromMessage(msg: NetlinkMessage, names: Map<number, string>): AddressEntry {
  const { data, attrs } = rt.parseAddressMessage(msg.data);
  const localBytes = attrs.local ?? attrs.address;
  if (!localBytes) throw new Error('address announcement without an address');
  const local = ipFromBytes(localBytes);
  const other = attrs.address && attrs.local && !attrs.address.equals(attrs.local) ? ipFromBytes(attrs.address) : undefined;
  const flags = attrs.flags ?? data.flags ?? {};
  const index = data.index ?? 0;
  return {
    prefix: { address: local, prefixLength: data.prefixlen ?? 0 },
    index,
    dev: names.get(index) ?? `if${index}`,
    label: attrs.label,
    scope: data.scope ?? 0,
    scopeName: scopeName(data.scope ?? 0),
    broadcast: attrs.broadcast ? ipFromBytes(attrs.broadcast) : undefined,
    peer: other,
    flags: Object.entries(flags).filter(([k, v]) => v === true && k !== '__unknown').map(([k]) => k),
  };
}

export async function listAddresses(
  nl: Rtnl, filter: { dev?: string; family?: AddressFamily } = {},
): Promise<AddressEntry[]> {
  const names = new Map((await listLinks(nl)).map((l) => [l.index, l.name]));
  const body = new AttrStream();
  rt.formatAddressMessage({ kind: 'address', data: { family: filter.family ?? 0 }, attrs: {} }, body);
  const reply = await nl.dump(rt.MessageType.GETADDR, body.bufs, { operation: 'list', object: 'addresses' });
  return reply
    .filter((m) => m.type === rt.MessageType.NEWADDR)
    .map((m) => addressFromMessage(m, names))
    .filter((a) => (filter.dev === undefined || a.dev === filter.dev)
      && (filter.family === undefined || a.prefix.address.family === filter.family));
}

/** The ifaddrmsg header and attributes for an add or delete of spec on interface index. */
export function addressMessage(spec: AddressSpec, index: number): rt.AddressMessage {
  const { address } = spec.prefix;
  const attrs: rt.AddressAttrs = {
    local: address.bytes,
    address: spec.peer ? spec.peer.address.bytes : address.bytes,
  };
  if (spec.label !== undefined) attrs.label = spec.label;
  if (spec.broadcast) attrs.broadcast = spec.broadcast.bytes;
  const flags: rt.AddressFlags = {};
  if (spec.noPrefixRoute) flags.noprefixroute = true;
  if (spec.noDad) flags.nodad = true;
  if (Object.keys(flags).length) attrs.flags = flags;
  return {
    kind: 'address',
    data: {
      family: address.family,
      prefixlen: spec.peer ? spec.peer.prefixLength : spec.prefix.prefixLength,
      scope: spec.scope ?? 0,
      index,
    },
    attrs,
  };
}

function requireDev(spec: AddressSpec): string {
  if (spec.dev === undefined) throw new Error(`address ${prefixText(spec.prefix)} has no interface (dev)`);
  validateLabel(spec);
  return spec.dev;
}

/** Adds the address; returns false when it was already there. */
export async function addAddress(nl: Rtnl, spec: AddressSpec): Promise<boolean> {
  const link = await requireLink(nl, requireDev(spec));
  const body = new AttrStream();
  rt.formatAddressMessage(addressMessage(spec, link.index), body);
  try {
    await nl.request(rt.MessageType.NEWADDR, body.bufs, FlagsNew.CREATE | FlagsNew.EXCL,
      { operation: 'add address', object: formatAddressSpec(spec) });
    return true;
  } catch (e) {
    if (isNetlinkError(e, 'EEXIST')) return false;
    throw e;
  }
}

/** Deletes the address; returns false when it was not there. */
export async function deleteAddress(nl: Rtnl, spec: AddressSpec): Promise<boolean> {
  const link = await requireLink(nl, requireDev(spec));
  const body = new AttrStream();
  // Only address, length and interface identify it; a label would have to match too.
  const { label: _label, broadcast: _brd, ...identity } = spec;
  rt.formatAddressMessage(addressMessage(identity, link.index), body);
  try {
    await nl.request(rt.MessageType.DELADDR, body.bufs, 0, { operation: 'delete address', object: formatAddressSpec(spec) });
    return true;
  } catch (e) {
    if (isNetlinkError(e, 'EADDRNOTAVAIL')) return false;
    throw e;
  }
}

/** True when the interface holds this address with this prefix length. */
export async function hasAddress(nl: Rtnl, spec: AddressSpec): Promise<boolean> {
  const dev = requireDev(spec);
  const all = await listAddresses(nl, { dev, family: spec.prefix.address.family });
  return all.some((a) => a.prefix.address.text === spec.prefix.address.text && a.prefix.prefixLength === spec.prefix.prefixLength);
}
