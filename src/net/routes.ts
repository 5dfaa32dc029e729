// Routes over rtnetlink: list, add and delete, idempotently (adding a route
// that exists, or deleting one that does not, is no error).
import { rt, AttrStream, FlagsNew, type NetlinkMessage } from 'netlink';
import { type Rtnl, isNetlinkError } from './rtnl';
import {
  type RouteSpec, type RouteKind, ROUTE_TYPE_CODE, MAIN_TABLE, effectiveScope, formatRouteSpec,
} from './route-spec';
import { type IpAddress, type IpPrefix, ipFromBytes, parseIp } from './ip';
import { listLinks, requireLink } from './links';
import { AF_INET, type AddressFamily } from '../ipvs/types';

const RTPROT_STATIC = 4;
const RT_SCOPE_NOWHERE = 255;
/** rtm_flags bit telling the kernel the gateway is on the link even without a matching prefix. */
const RTNH_F_ONLINK = 4;

export interface RouteEntry {
  type: RouteKind | `type ${number}`;
  dst: IpPrefix;
  gateway: IpAddress | undefined;
  dev: string | undefined;
  src: IpAddress | undefined;
  metric: number | undefined;
  table: number;
  scope: number;
  protocol: number;
}

const KIND_BY_CODE = new Map(Object.entries(ROUTE_TYPE_CODE).map(([k, v]) => [v, k as RouteKind]));

function numeric<T>(value: T | string | undefined, table: Record<string, unknown>): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return Number(table[value] ?? 0);
  return 0;
}

export function routeFromMessage(msg: NetlinkMessage, names: Map<number, string>): RouteEntry {
  const { data, attrs } = rt.parseRouteMessage(msg.data);
  const family = (data.family ?? AF_INET) as AddressFamily;
  const typeCode = numeric(data.type, rt.RouteType as unknown as Record<string, unknown>);
  return {
    type: KIND_BY_CODE.get(typeCode) ?? `type ${typeCode}`,
    dst: attrs.dst
      ? { address: ipFromBytes(attrs.dst), prefixLength: data.dstLen ?? 0 }
      : { address: parseIp(family === AF_INET ? '0.0.0.0' : '::'), prefixLength: 0 },
    gateway: attrs.gateway ? ipFromBytes(attrs.gateway) : undefined,
    dev: attrs.oif !== undefined ? names.get(attrs.oif) ?? `if${attrs.oif}` : undefined,
    src: attrs.prefsrc ? ipFromBytes(attrs.prefsrc) : undefined,
    metric: attrs.priority,
    table: attrs.table ?? data.table ?? 0,
    scope: numeric(data.scope, rt.RouteScope as unknown as Record<string, unknown>),
    protocol: numeric(data.protocol, rt.RouteProtocol as unknown as Record<string, unknown>),
  };
}

/** Routes of one table (main by default) and, if given, one family. */
export async function listRoutes(
  nl: Rtnl, filter: { table?: number; family?: AddressFamily } = {},
): Promise<RouteEntry[]> {
  const names = new Map((await listLinks(nl)).map((l) => [l.index, l.name]));
  const body = new AttrStream();
  rt.formatRouteMessage({ kind: 'route', data: { family: filter.family ?? 0 }, attrs: {} }, body);
  const reply = await nl.dump(rt.MessageType.GETROUTE, body.bufs, { operation: 'list', object: 'routes' });
  const table = filter.table ?? MAIN_TABLE;
  return reply
    .filter((m) => m.type === rt.MessageType.NEWROUTE)
    .map((m) => routeFromMessage(m, names))
    .filter((r) => r.table === table && (filter.family === undefined || r.dst.address.family === filter.family));
}

/**
 * The rtmsg header and attributes for an add or delete of spec (oif: the
 * interface index, if any). A delete leaves scope and protocol open unless the
 * spec names them, so that it matches the route however it was added.
 */
export function routeMessage(spec: RouteSpec, oif: number | undefined, purpose: 'add' | 'delete' = 'add'): rt.RouteMessage {
  const add = purpose === 'add';
  const table = spec.table ?? MAIN_TABLE;
  const attrs: rt.RouteAttrs = { table };
  if (spec.dst.prefixLength > 0) attrs.dst = spec.dst.address.bytes;
  if (spec.gateway) attrs.gateway = spec.gateway.bytes;
  if (oif !== undefined) attrs.oif = oif;
  if (spec.src) attrs.prefsrc = spec.src.bytes;
  if (spec.metric !== undefined) attrs.priority = spec.metric;
  return {
    kind: 'route',
    data: {
      family: spec.dst.address.family,
      dstLen: spec.dst.prefixLength,
      // Table ids above 255 only fit in RTA_TABLE; the header then says "unspecified".
      table: table < 256 ? table : 0,
      protocol: spec.protocol ?? (add ? RTPROT_STATIC : 0),
      scope: add ? effectiveScope(spec) : spec.scope ?? RT_SCOPE_NOWHERE,
      type: ROUTE_TYPE_CODE[spec.type],
      flags: spec.onlink ? { __unknown: RTNH_F_ONLINK } : {},
    },
    attrs,
  };
}

async function oifOf(nl: Rtnl, spec: RouteSpec): Promise<number | undefined> {
  return spec.dev === undefined ? undefined : (await requireLink(nl, spec.dev)).index;
}

/** Adds the route; returns false when it already existed. */
export async function addRoute(nl: Rtnl, spec: RouteSpec): Promise<boolean> {
  const body = new AttrStream();
  rt.formatRouteMessage(routeMessage(spec, await oifOf(nl, spec)), body);
  try {
    await nl.request(rt.MessageType.NEWROUTE, body.bufs, FlagsNew.CREATE | FlagsNew.EXCL,
      { operation: 'add route', object: formatRouteSpec(spec) });
    return true;
  } catch (e) {
    if (isNetlinkError(e, 'EEXIST')) return false;
    throw e;
  }
}

/** Deletes the route; returns false when there was no such route. */
export async function deleteRoute(nl: Rtnl, spec: RouteSpec): Promise<boolean> {
  const body = new AttrStream();
  rt.formatRouteMessage(routeMessage(spec, await oifOf(nl, spec), 'delete'), body);
  try {
    await nl.request(rt.MessageType.DELROUTE, body.bufs, 0, { operation: 'delete route', object: formatRouteSpec(spec) });
    return true;
  } catch (e) {
    if (isNetlinkError(e, 'ESRCH')) return false;
    throw e;
  }
}
