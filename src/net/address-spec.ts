// The address lines of keepalived's virtual_ipaddress block, e.g.
//   10.0.0.1/24 dev eth0 label eth0:vip brd + scope global
// parsed into what an rtnetlink address request needs.
import { type IpAddress, type IpPrefix, parseIp, parsePrefix, fillHostBits, prefixText } from './ip';
import { parseScope, scopeName } from './scope';
import { validateLinkName } from './links';
import { AF_INET } from '../ipvs/types';

export interface AddressSpec {
  /** The local address and its prefix length (/32 or /128 when none is written). */
  prefix: IpPrefix;
  /** Interface; keepalived defaults it to the VRRP instance's interface, so it may be absent. */
  dev?: string;
  /** IPv4 alias label (eth0:vip style); must start with the interface name. */
  label?: string;
  /** RT_SCOPE_* number; 0 (global) when absent. The kernel derives IPv6 scopes from the address and ignores this. */
  scope?: number;
  /** IPv4 broadcast address, with `brd +` / `brd -` already worked out. */
  broadcast?: IpAddress;
  /** Point-to-point peer. */
  peer?: IpPrefix;
  noPrefixRoute?: boolean;
  /**
   * Added without duplicate address detection (IFA_F_NODAD): the default for
   * IPv6, as keepalived has it, since a VIP under DAD is unusable for a second
   * after a takeover and stays "dadfailed" for good after a brief split brain;
   * keepalived's `-nodad` word asks for DAD.
   */
  noDad?: boolean;
  /** keepalived's no_track: the address does not affect the instance's state. */
  noTrack?: boolean;
}

const KEYWORDS_WITH_VALUE = new Set(['dev', 'label', 'scope', 'brd', 'broadcast', 'peer']);
const FLAG_KEYWORDS = new Set(['noprefixroute', '-nodad', 'nodad', 'no_track']);

export function parseAddressSpec(text: string): AddressSpec {
  const tokens = text.trim().split(/\s+/).filter(Boolean);
  const first = tokens.shift();
  if (first === undefined) throw new Error('empty address specification');
  const where = `in address ${JSON.stringify(text.trim())}`;
  const spec: AddressSpec = { prefix: parsePrefix(first, 'address') };
  let brdText: string | undefined;
  const seen = new Set<string>();
  while (tokens.length) {
    const word = tokens.shift()!;
    const key = word.toLowerCase();
    if (FLAG_KEYWORDS.has(key)) {
      if (key === 'noprefixroute') spec.noPrefixRoute = true;
      else if (key === 'no_track') spec.noTrack = true;
      else spec.noDad = key === 'nodad';
      continue;
    }
    if (!KEYWORDS_WITH_VALUE.has(key)) throw new Error(`unknown keyword ${JSON.stringify(word)} ${where}`);
    const canonical = key === 'broadcast' ? 'brd' : key;
    if (seen.has(canonical)) throw new Error(`${word} given twice ${where}`);
    seen.add(canonical);
    const value = tokens.shift();
    if (value === undefined) throw new Error(`${word} needs a value ${where}`);
    switch (canonical) {
      case 'dev':
        validateLinkName(value);
        spec.dev = value;
        break;
      case 'label':
        spec.label = value;
        break;
      case 'scope':
        spec.scope = parseScope(value);
        break;
      case 'brd':
        brdText = value;
        break;
      case 'peer':
        spec.peer = parsePrefix(value, 'peer address');
        if (spec.peer.address.family !== spec.prefix.address.family) {
          throw new Error(`peer ${value} is not of the same family as the address ${where}`);
        }
        break;
    }
  }
  if (brdText !== undefined) spec.broadcast = resolveBroadcast(spec.prefix, brdText, where);
  if (spec.prefix.address.family !== AF_INET) spec.noDad ??= true;
  validateLabel(spec);
  return spec;
}

function resolveBroadcast(prefix: IpPrefix, text: string, where: string): IpAddress {
  if (prefix.address.family !== AF_INET) throw new Error(`brd only applies to IPv4 addresses ${where}`);
  if (text === '+') return fillHostBits(prefix, 1);
  if (text === '-') return fillHostBits(prefix, 0);
  const ip = parseIp(text, 'broadcast address');
  if (ip.family !== AF_INET) throw new Error(`broadcast ${text} must be IPv4 ${where}`);
  return ip;
}

/** Checks the label rules `ip` applies: IPv4 only, at most 15 characters, starting with the interface name. */
export function validateLabel(spec: Pick<AddressSpec, 'prefix' | 'dev' | 'label'>): void {
  if (spec.label === undefined) return;
  const addr = prefixText(spec.prefix);
  if (spec.prefix.address.family !== AF_INET) throw new Error(`label ${spec.label} on ${addr}: labels only apply to IPv4 addresses`);
  if (spec.label.length > 15) throw new Error(`label ${spec.label} on ${addr} is longer than 15 characters`);
  if (spec.dev !== undefined && !spec.label.startsWith(spec.dev)) {
    throw new Error(`label ${spec.label} on ${addr} must start with the interface name ${spec.dev}`);
  }
}

/** The spec in keepalived's own words, for messages and logs. */
export function formatAddressSpec(spec: AddressSpec): string {
  const parts = [prefixText(spec.prefix)];
  if (spec.peer) parts.push('peer', prefixText(spec.peer));
  if (spec.broadcast) parts.push('brd', spec.broadcast.text);
  if (spec.dev !== undefined) parts.push('dev', spec.dev);
  if (spec.scope !== undefined) parts.push('scope', scopeName(spec.scope));
  if (spec.label !== undefined) parts.push('label', spec.label);
  if (spec.noPrefixRoute) parts.push('noprefixroute');
  if (spec.noDad === false && spec.prefix.address.family !== AF_INET) parts.push('-nodad');
  if (spec.noTrack) parts.push('no_track');
  return parts.join(' ');
}
