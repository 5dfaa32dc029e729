// Network links (interfaces): list them, look one up by name, bring it up or
// down, and create or delete the virtual kinds a director or real server
// needs (dummy, ipip and gre tunnels, and the macvlan of a VRRP VMAC).
import { rt, FlagsNew, AttrStream } from 'netlink';
import type { NetlinkMessage } from 'netlink';
import { type Rtnl, isNetlinkError } from './rtnl';
import { nlattr, nlString, nlU8, parseNlattrs, nlStringValue } from './attrs';
import { parseIp } from './ip';
import { AF_INET } from '../ipvs/types';

/** RFC 2863 operational states as the kernel reports them (IF_OPER_*). */
export const OPER_STATES = ['unknown', 'notpresent', 'down', 'lowerlayerdown', 'testing', 'dormant', 'up'] as const;
export type OperState = (typeof OPER_STATES)[number];

export interface Link {
  index: number;
  name: string;
  /** Hardware address as aa:bb:cc:dd:ee:ff, or the tunnel's endpoint bytes in the same notation. */
  mac: string | undefined;
  mtu: number | undefined;
  operstate: OperState;
  /** Set by the administrator (IFF_UP). */
  adminUp: boolean;
  /** Carrier present and operational (IFF_RUNNING). */
  running: boolean;
  /** Names of the IFF_* flags that are set, e.g. ['up', 'broadcast', 'running', 'multicast']. */
  flags: string[];
  /** Driver kind from IFLA_LINKINFO (dummy, veth, ipip, gre, bridge...), undefined for plain devices. */
  kind: string | undefined;
}

const IFLA_INFO_KIND = 1;
const IFLA_INFO_DATA = 2;
const IFLA_IPTUN_LOCAL = 2;
const IFLA_IPTUN_REMOTE = 3;
const IFLA_IPTUN_TTL = 4;
const IFLA_GRE_LOCAL = 6;
const IFLA_GRE_REMOTE = 7;
const IFLA_GRE_TTL = 8;
const IFLA_MACVLAN_MODE = 1;
const MACVLAN_MODE_PRIVATE = 1;

export function validateLinkName(name: string): void {
  // IFNAMSIZ is 16 including the terminating NUL.
  if (!/^[^\s/:]{1,15}$/.test(name) || name === '.' || name === '..') {
    throw new Error(`invalid interface name ${JSON.stringify(name)}: 1-15 characters, no spaces, '/' or ':'`);
  }
}

function formatMac(bytes: Buffer | undefined): string | undefined {
  if (!bytes || bytes.length === 0) return undefined;
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(':');
}

export function linkFromMessage(msg: NetlinkMessage): Link {
  const { data, attrs } = rt.parseLinkMessage(msg.data);
  const flags = data.flags ?? {};
  const kind = attrs.linkinfo ? nlStringValue(parseNlattrs(attrs.linkinfo).get(IFLA_INFO_KIND)) : undefined;
  return {
    index: data.index ?? 0,
    name: attrs.ifname ?? '',
    mac: formatMac(attrs.address),
    mtu: attrs.mtu,
    operstate: OPER_STATES[attrs.operstate ?? 0] ?? 'unknown',
    adminUp: flags.up === true,
    running: flags.running === true,
    flags: Object.entries(flags).filter(([k, v]) => v === true && k !== '__unknown').map(([k]) => k),
    kind,
  };
}

export async function listLinks(nl: Rtnl): Promise<Link[]> {
  const body = new AttrStream();
  rt.formatLinkMessage({ kind: 'link', data: {}, attrs: {} }, body);
  const reply = await nl.dump(rt.MessageType.GETLINK, body.bufs, { operation: 'list', object: 'links' });
  return reply.filter((m) => m.type === rt.MessageType.NEWLINK).map(linkFromMessage);
}

/** The link called name, or undefined when there is none. */
export async function findLink(nl: Rtnl, name: string): Promise<Link | undefined> {
  validateLinkName(name);
  const body = new AttrStream();
  rt.formatLinkMessage({ kind: 'link', data: {}, attrs: { ifname: name } }, body);
  try {
    const reply = await nl.request(rt.MessageType.GETLINK, body.bufs, 0, { operation: 'look up', object: `link ${name}` });
    const msg = reply.find((m) => m.type === rt.MessageType.NEWLINK);
    return msg ? linkFromMessage(msg) : undefined;
  } catch (e) {
    if (isNetlinkError(e, 'ENODEV')) return undefined;
    throw e;
  }
}

export async function requireLink(nl: Rtnl, name: string): Promise<Link> {
  const link = await findLink(nl, name);
  if (!link) throw new Error(`no interface named ${name}${nl.netns ? ` in netns ${nl.netns}` : ''}`);
  return link;
}

/** Sets IFF_UP on or off; returns false when the link already was in that state. */
export async function setLinkUp(nl: Rtnl, name: string, up: boolean): Promise<boolean> {
  const link = await requireLink(nl, name);
  if (link.adminUp === up) return false;
  const body = new AttrStream();
  rt.formatLinkMessage({
    kind: 'link',
    data: { index: link.index, flags: up ? { up: true } : {}, change: { up: true } },
    attrs: {},
  }, body);
  await nl.request(rt.MessageType.SETLINK, body.bufs, 0, { operation: `set ${up ? 'up' : 'down'}`, object: `link ${name}` });
  return true;
}

export type LinkSpec =
  | { kind: 'dummy'; name: string }
  | { kind: 'ipip' | 'gre'; name: string; local?: string; remote?: string; ttl?: number }
  /** Private mode: the macvlan gets only the frames sent to its own MAC, never its siblings'. */
  | { kind: 'macvlan'; name: string; parentIndex: number; mac: string };

/** aa:bb:cc:dd:ee:ff as 6 bytes. */
export function macBytes(mac: string): Buffer {
  if (!/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(mac)) throw new Error(`${JSON.stringify(mac)} is not a MAC address (aa:bb:cc:dd:ee:ff)`);
  return Buffer.from(mac.split(':').map((h) => parseInt(h, 16)));
}

/** The IFLA_LINKINFO payload that tells the kernel which driver to use and with what parameters. */
export function linkInfoFor(spec: LinkSpec): Buffer {
  const parts = [nlString(IFLA_INFO_KIND, spec.kind)];
  if (spec.kind === 'macvlan') {
    const mode = Buffer.alloc(4);
    mode.writeUInt32LE(MACVLAN_MODE_PRIVATE);
    parts.push(nlattr(IFLA_INFO_DATA, nlattr(IFLA_MACVLAN_MODE, mode), true));
  } else if (spec.kind !== 'dummy') {
    const [localType, remoteType, ttlType] = spec.kind === 'ipip'
      ? [IFLA_IPTUN_LOCAL, IFLA_IPTUN_REMOTE, IFLA_IPTUN_TTL]
      : [IFLA_GRE_LOCAL, IFLA_GRE_REMOTE, IFLA_GRE_TTL];
    const data: Buffer[] = [];
    for (const [type, text, what] of [[localType, spec.local, 'local'], [remoteType, spec.remote, 'remote']] as const) {
      if (text === undefined) continue;
      const ip = parseIp(text, `${spec.kind} tunnel ${spec.name} ${what} address`);
      if (ip.family !== AF_INET) throw new Error(`${spec.kind} tunnel ${spec.name}: ${what} address ${text} must be IPv4`);
      data.push(nlattr(type, ip.bytes));
    }
    if (spec.ttl !== undefined) {
      if (!Number.isInteger(spec.ttl) || spec.ttl < 0 || spec.ttl > 255) {
        throw new Error(`${spec.kind} tunnel ${spec.name}: ttl ${spec.ttl} is not in 0..255`);
      }
      data.push(nlU8(ttlType, spec.ttl));
    }
    if (data.length) parts.push(nlattr(IFLA_INFO_DATA, Buffer.concat(data), true));
  }
  return Buffer.concat(parts);
}

/** Creates the link; returns false when a link of that name already exists. */
export async function createLink(nl: Rtnl, spec: LinkSpec): Promise<boolean> {
  validateLinkName(spec.name);
  const body = new AttrStream();
  const attrs: { ifname: string; linkinfo: Buffer; link?: Buffer; address?: Buffer } = { ifname: spec.name, linkinfo: linkInfoFor(spec) };
  if (spec.kind === 'macvlan') {
    attrs.link = Buffer.alloc(4);
    attrs.link.writeUInt32LE(spec.parentIndex);
    attrs.address = macBytes(spec.mac);
  }
  rt.formatLinkMessage({ kind: 'link', data: {}, attrs }, body);
  try {
    await nl.request(rt.MessageType.NEWLINK, body.bufs, FlagsNew.CREATE | FlagsNew.EXCL,
      { operation: 'create', object: `${spec.kind} link ${spec.name}` });
    return true;
  } catch (e) {
    if (isNetlinkError(e, 'EEXIST')) return false;
    throw e;
  }
}

/** Deletes the link; returns false when there was no such link. */
export async function deleteLink(nl: Rtnl, name: string): Promise<boolean> {
  const link = await findLink(nl, name);
  if (!link) return false;
  const body = new AttrStream();
  rt.formatLinkMessage({ kind: 'link', data: { index: link.index }, attrs: {} }, body);
  try {
    await nl.request(rt.MessageType.DELLINK, body.bufs, 0, { operation: 'delete', object: `link ${name}` });
    return true;
  } catch (e) {
    if (isNetlinkError(e, 'ENODEV')) return false;
    throw e;
  }
}
