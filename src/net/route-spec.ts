// The route lines of keepalived's virtual_routes block, e.g.
//   src 192.168.100.1 to 192.168.109.0/24 via 192.168.200.254 dev eth1 table 100 metric 5
//   blackhole 10.20.0.0/16
// parsed into what an rtnetlink route request needs.
import { type IpAddress, type IpPrefix, parseIp, parsePrefix, prefixText } from './ip';
import { parseScope, scopeName } from './scope';
import { validateLinkName } from './links';
import { AF_INET, type AddressFamily } from '../ipvs/types';

export const ROUTE_TYPES = ['unicast', 'local', 'blackhole', 'unreachable', 'prohibit', 'throw'] as const;
export type RouteKind = (typeof ROUTE_TYPES)[number];

/** RTN_* numbers of the route types above. */
export const ROUTE_TYPE_CODE: Record<RouteKind, number> = {
  unicast: 1, local: 2, blackhole: 6, unreachable: 7, prohibit: 8, throw: 9,
};

const TABLE_BY_NAME: Record<string, number> = { default: 253, main: 254, local: 255 };
const NAME_BY_TABLE = new Map(Object.entries(TABLE_BY_NAME).map(([k, v]) => [v, k]));

export const MAIN_TABLE = 254;

export interface RouteSpec {
  type: RouteKind;
  dst: IpPrefix;
  gateway?: IpAddress;
  dev?: string;
  /** Preferred source address (RTA_PREFSRC). */
  src?: IpAddress;
  metric?: number;
  /** Table id; main (254) when absent. */
  table?: number;
  scope?: number;
  /** RTPROT_* number; static (4) when absent. */
  protocol?: number;
  onlink?: boolean;
  noTrack?: boolean;
}

export function parseTable(text: string): number {
  const named = TABLE_BY_NAME[text.toLowerCase()];
  if (named !== undefined) return named;
  if (/^\d{1,10}$/.test(text) && Number(text) >= 1 && Number(text) <= 0xffffffff) return Number(text);
  throw new Error(`invalid table ${JSON.stringify(text)}: expected main, local, default or 1..4294967295`);
}

export function tableName(table: number): string {
  return NAME_BY_TABLE.get(table) ?? String(table);
}

function parseUint(text: string, what: string, max: number): number {
  if (!/^\d{1,10}$/.test(text) || Number(text) > max) throw new Error(`invalid ${what} ${JSON.stringify(text)}: expected 0..${max}`);
  return Number(text);
}

const PROTOCOL_BY_NAME: Record<string, number> = { redirect: 1, kernel: 2, boot: 3, static: 4, keepalived: 18 };

function defaultPrefix(family: AddressFamily): IpPrefix {
  return { address: parseIp(family === AF_INET ? '0.0.0.0' : '::'), prefixLength: 0 };
}

export function parseRouteSpec(text: string): RouteSpec {
  const tokens = text.trim().split(/\s+/).filter(Boolean);
  const where = `in route ${JSON.stringify(text.trim())}`;
  if (tokens.length === 0) throw new Error('empty route specification');
  let type: RouteKind = 'unicast';
  if ((ROUTE_TYPES as readonly string[]).includes(tokens[0]!.toLowerCase())) type = tokens.shift()!.toLowerCase() as RouteKind;

  let dstText: string | undefined;
  const opts: Omit<RouteSpec, 'type' | 'dst'> = {};
  const seen = new Set<string>();
  const value = (word: string): string => {
    const v = tokens.shift();
    if (v === undefined) throw new Error(`${word} needs a value ${where}`);
    return v;
  };
  while (tokens.length) {
    const word = tokens.shift()!;
    const key = word.toLowerCase();
    const canonical = key === 'gw' ? 'via' : key === 'priority' || key === 'preference' ? 'metric' : key;
    if (seen.has(canonical)) throw new Error(`${word} given twice ${where}`);
    seen.add(canonical);
    switch (canonical) {
      case 'src': opts.src = parseIp(value(word), 'source address'); break;
      case 'via': opts.gateway = parseIp(value(word), 'gateway'); break;
      case 'dev': opts.dev = value(word); validateLinkName(opts.dev); break;
      case 'scope': opts.scope = parseScope(value(word)); break;
      case 'table': opts.table = parseTable(value(word)); break;
      case 'metric': opts.metric = parseUint(value(word), 'metric', 0xffffffff); break;
      case 'protocol': {
        const p = value(word);
        opts.protocol = PROTOCOL_BY_NAME[p.toLowerCase()] ?? parseUint(p, 'protocol', 255);
        break;
      }
      case 'onlink': opts.onlink = true; break;
      case 'no_track': opts.noTrack = true; break;
      default: {
        // The destination may stand alone or follow `to`; anything else after it is a typo.
        if (dstText !== undefined) throw new Error(`unknown keyword ${JSON.stringify(word)} ${where}`);
        seen.delete(canonical);
        dstText = canonical === 'to' ? value(word) : word;
      }
    }
  }
  if (dstText === undefined) throw new Error(`no destination ${where}`);
  const family = opts.gateway?.family ?? opts.src?.family ?? AF_INET;
  const dst = dstText.toLowerCase() === 'default' ? defaultPrefix(family) : parsePrefix(dstText, 'destination');
  for (const [what, ip] of [['gateway', opts.gateway], ['src', opts.src]] as const) {
    if (ip && ip.family !== dst.address.family) throw new Error(`${what} ${ip.text} is not of the destination's family ${where}`);
  }
  if (type !== 'unicast' && opts.gateway) throw new Error(`a ${type} route takes no gateway ${where}`);
  return { type, dst, ...opts };
}

/** The scope the kernel expects when none is given, as `ip route` chooses it. */
export function effectiveScope(spec: RouteSpec): number {
  if (spec.scope !== undefined) return spec.scope;
  if (spec.type === 'local') return 254;
  if (spec.type === 'unicast' && !spec.gateway && spec.dev !== undefined) return 253;
  return 0;
}

export function formatRouteSpec(spec: RouteSpec): string {
  const parts: string[] = spec.type === 'unicast' ? [] : [spec.type];
  parts.push(spec.dst.prefixLength === 0 ? 'default' : prefixText(spec.dst));
  if (spec.gateway) parts.push('via', spec.gateway.text);
  if (spec.dev !== undefined) parts.push('dev', spec.dev);
  if (spec.src) parts.push('src', spec.src.text);
  if (spec.metric !== undefined) parts.push('metric', String(spec.metric));
  if (spec.table !== undefined && spec.table !== MAIN_TABLE) parts.push('table', tableName(spec.table));
  if (spec.scope !== undefined) parts.push('scope', scopeName(spec.scope));
  if (spec.onlink) parts.push('onlink');
  return parts.join(' ');
}
