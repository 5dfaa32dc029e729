// Builds a complete CheckSpec from the options an operator wrote, applying
// keepalived's defaults and rejecting values that could not work, with the
// option's name in the message.
import { isIP } from 'node:net';
import { splitCommandLine } from '../common/command-line';
import { DNS_TYPE_CODE } from './dns-codec';
import type {
  CheckKind, CheckSpec, DnsQueryType, HttpProtocol, StatusRange, UrlCheck,
} from './types';

/** keepalived's UDP_CHECK datagram without a payload: 32 bytes of its greeting repeated (a server may answer it alike). */
const DEFAULT_UDP_PAYLOAD = Buffer.from('keepalived check - '.repeat(2).slice(0, 32));

export interface UrlInput {
  path: string;
  digest?: string;
  /** e.g. "200", "200-299", "200-299 400 503" or an array of those words. */
  statusCode?: string | string[];
  virtualhost?: string;
  regex?: string;
  regexNoMatch?: boolean;
  regexOptions?: { caseless?: boolean; multiline?: boolean; dotall?: boolean; dollarEndOnly?: boolean };
  regexMinOffset?: number;
  regexMaxOffset?: number;
}

/** Options as written in a checker block; durations in seconds as keepalived takes them. */
export interface CheckInput {
  kind: CheckKind;
  /** The real server the check belongs to. */
  server: { address: string; port: number };
  connectIp?: string;
  connectPort?: number;
  bindTo?: string;
  bindPort?: number;
  connectTimeout?: number;
  retry?: number;
  delayBeforeRetry?: number;
  delayLoop?: number;
  warmup?: number;
  rise?: number;
  fall?: number;
  alpha?: boolean;
  urls?: UrlInput[];
  httpProtocol?: string;
  virtualhost?: string;
  enableSni?: boolean;
  /** TLS server name when a url has none; when absent (not merely undefined), the virtualhost. */
  sniHost?: string | undefined;
  miscPath?: string;
  miscTimeout?: number;
  miscDynamic?: boolean;
  uid?: number;
  gid?: number;
  pingPath?: string;
  payload?: string;
  /** true = any reply; a hex string = reply must match it (x nibbles ignored). */
  requireReply?: boolean | string;
  minReplyLength?: number;
  maxReplyLength?: number;
  dnsType?: string;
  dnsName?: string;
  heloName?: string;
}

export class CheckSpecError extends Error {}

const DEFAULT_DELAY_LOOP_S = 60;
const DEFAULT_CONNECT_TIMEOUT_S = 5;
/** keepalived's HELO name when helo_name is not given. */
const DEFAULT_HELO_NAME = 'smtpchecker.keepalived.org';
const DNS_TYPES: readonly DnsQueryType[] = Object.keys(DNS_TYPE_CODE) as DnsQueryType[];

export function buildCheckSpec(input: CheckInput): CheckSpec {
  const where = `${input.kind} of ${input.server.address}:${input.server.port}`;
  const fail = (message: string): never => { throw new CheckSpecError(`${where}: ${message}`); };

  const seconds = (name: string, value: number | undefined, fallback: number): number => {
    const v = value ?? fallback;
    if (!Number.isFinite(v) || v < 0) fail(`${name} must be a non-negative number of seconds, got ${value}`);
    return Math.round(v * 1000);
  };
  const virtualhost = (name: string, value: string | undefined): string | undefined => {
    // Written into the request's Host header: one word, or it would add headers of its own.
    if (value !== undefined && !/^[\x21-\x7e]{1,255}$/.test(value)) fail(`${name} must be one word of printable characters, got ${JSON.stringify(value)}`);
    return value;
  };
  const count = (name: string, value: number | undefined, fallback: number, min: number): number => {
    const v = value ?? fallback;
    if (!Number.isInteger(v) || v < min) fail(`${name} must be an integer >= ${min}, got ${value}`);
    return v;
  };
  const port = (name: string, value: number | undefined): number | undefined => {
    if (value === undefined) return undefined;
    if (!Number.isInteger(value) || value < 0 || value > 65535) fail(`${name} must be a port 0-65535, got ${value}`);
    return value;
  };
  const address = (name: string, value: string | undefined): string | undefined => {
    if (value === undefined) return undefined;
    if (isIP(value) === 0) fail(`${name} must be an IP address, got ${JSON.stringify(value)}`);
    return value;
  };

  const connectIp = address('connect_ip', input.connectIp) ?? address('real server address', input.server.address)!;
  const connectPort = port('connect_port', input.connectPort) ?? port('real server port', input.server.port)!;
  const delayLoopMs = seconds('delay_loop', input.delayLoop, DEFAULT_DELAY_LOOP_S);
  // keepalived's minimum too; 0 would run the check back to back.
  if (delayLoopMs < 1) fail(`delay_loop must be at least 0.001 seconds, got ${input.delayLoop}`);
  const isHttp = input.kind === 'HTTP_GET' || input.kind === 'SSL_GET';
  const defaultRetry = input.kind === 'MISC_CHECK' ? 0 : input.kind === 'DNS_CHECK' ? 3 : 1;
  const defaultRetryDelayS = input.kind === 'DNS_CHECK' ? delayLoopMs / 1000 : isHttp ? 3 : 1;

  const common = {
    connectIp,
    connectPort,
    bindTo: address('bindto', input.bindTo),
    bindPort: port('bind_port', input.bindPort),
    connectTimeoutMs: seconds('connect_timeout', input.connectTimeout, DEFAULT_CONNECT_TIMEOUT_S),
    delayLoopMs,
    retry: count('retry', input.retry, defaultRetry, 0),
    delayBeforeRetryMs: seconds('delay_before_retry', input.delayBeforeRetry, defaultRetryDelayS),
    warmupMs: seconds('warmup', input.warmup, delayLoopMs / 1000),
    rise: count('rise', input.rise, 1, 1),
    fall: count('fall', input.fall, 1, 1),
    alpha: input.alpha ?? false,
  };
  if (common.connectTimeoutMs === 0) fail('connect_timeout must be greater than 0');
  if (connectPort === 0 && input.kind !== 'PING_CHECK' && input.kind !== 'MISC_CHECK') {
    fail('needs a port: give the real server a port or set connect_port');
  }
  if (common.bindTo !== undefined && isIP(common.bindTo) !== isIP(connectIp)) {
    fail(`bindto ${common.bindTo} and connect_ip ${connectIp} are of different address families`);
  }

  switch (input.kind) {
    case 'TCP_CHECK':
      return { kind: 'TCP_CHECK', ...common };
    case 'SMTP_CHECK': {
      const heloName = input.heloName ?? DEFAULT_HELO_NAME;
      if (!/^[\x21-\x7e]{1,255}$/.test(heloName)) fail(`helo_name must be one word of printable characters, got ${JSON.stringify(heloName)}`);
      return { kind: 'SMTP_CHECK', ...common, heloName };
    }
    case 'HTTP_GET':
    case 'SSL_GET': {
      if (!input.urls || input.urls.length === 0) fail('needs at least one url');
      const urls = input.urls!.map((u, i) => buildUrl(u, (m) => fail(`url #${i + 1}: ${m}`)));
      urls.forEach((u, i) => virtualhost(`url #${i + 1}: virtualhost`, u.virtualhost));
      return {
        kind: input.kind, ...common, urls,
        httpProtocol: parseHttpProtocol(input.httpProtocol, fail),
        virtualhost: virtualhost('virtualhost', input.virtualhost),
        enableSni: input.enableSni ?? false,
        ...sniHost(input),
      };
    }
    case 'MISC_CHECK': {
      if (!input.miscPath || input.miscPath.trim() === '') fail('misc_path is required');
      try { splitCommandLine(input.miscPath!); } catch (err) { fail(`misc_path ${(err as Error).message}`); }
      return {
        kind: 'MISC_CHECK', ...common,
        miscPath: input.miscPath!,
        miscTimeoutMs: input.miscTimeout === undefined || input.miscTimeout === 0
          ? Math.max(delayLoopMs, 1000) : seconds('misc_timeout', input.miscTimeout, 0),
        miscDynamic: input.miscDynamic ?? false,
        uid: input.uid === undefined ? undefined : count('user (uid)', input.uid, 0, 0),
        gid: input.gid === undefined ? undefined : count('group (gid)', input.gid, 0, 0),
      };
    }
    case 'PING_CHECK':
      return { kind: 'PING_CHECK', ...common, pingPath: input.pingPath };
    case 'UDP_CHECK': {
      const payload = input.payload === undefined ? DEFAULT_UDP_PAYLOAD : parseHexBytes(input.payload, fail).bytes;
      const pattern = typeof input.requireReply === 'string' ? parseHexBytes(input.requireReply, fail) : undefined;
      const minReplyLength = count('min_reply_length', input.minReplyLength, 0, 0);
      const maxReplyLength = count('max_reply_length', input.maxReplyLength, 255, 0);
      if (minReplyLength > maxReplyLength) fail(`min_reply_length ${minReplyLength} exceeds max_reply_length ${maxReplyLength}`);
      return {
        kind: 'UDP_CHECK', ...common, payload,
        requireReply: input.requireReply !== undefined && input.requireReply !== false,
        replyPattern: pattern,
        minReplyLength, maxReplyLength,
      };
    }
    case 'DNS_CHECK': {
      const type = (input.dnsType ?? 'SOA').toUpperCase() as DnsQueryType;
      if (!DNS_TYPES.includes(type)) fail(`type must be one of ${DNS_TYPES.join('|')}, got ${input.dnsType}`);
      const name = input.dnsName ?? '.';
      if (name.replace(/\.$/, '').split('.').some((label) => label.length > 63 || (label === '' && name !== '.'))) {
        fail(`name ${JSON.stringify(name)} is not a valid domain name`);
      }
      return { kind: 'DNS_CHECK', ...common, type, name };
    }
    default:
      return fail(`unknown checker kind ${JSON.stringify((input as { kind: unknown }).kind)}`);
  }
}

function buildUrl(u: UrlInput, fail: (m: string) => never): UrlCheck {
  if (typeof u.path !== 'string' || !u.path.startsWith('/') || /[\s]/.test(u.path)) {
    fail(`path must start with / and hold no spaces, got ${JSON.stringify(u.path)}`);
  }
  let digest: string | undefined;
  if (u.digest !== undefined) {
    digest = u.digest.toLowerCase();
    if (!/^[0-9a-f]{32}$/.test(digest)) fail(`digest must be 32 hex digits (MD5), got ${JSON.stringify(u.digest)}`);
  }
  const o = u.regexOptions ?? {};
  const flags = `${o.caseless ? 'i' : ''}${o.multiline ? 'm' : ''}${o.dotall ? 's' : ''}`;
  if (u.regex !== undefined) {
    try {
      new RegExp(u.regex, flags);
    } catch (e) {
      fail(`regex ${JSON.stringify(u.regex)} is not a regular expression: ${(e as Error).message}`);
    }
  }
  const words = u.statusCode === undefined ? [] : Array.isArray(u.statusCode) ? u.statusCode : u.statusCode.split(/\s+/);
  const statusCodes = words.filter((w) => w !== '').map((w) => parseStatusRange(w, fail));
  return {
    path: u.path,
    digest,
    statusCodes: statusCodes.length > 0 ? statusCodes : [{ min: 200, max: 299 }],
    virtualhost: u.virtualhost,
    ...(u.regex !== undefined ? {
      regex: u.regex, regexNoMatch: u.regexNoMatch === true,
      ...(flags ? { regexFlags: flags } : {}), ...(o.dollarEndOnly ? { regexDollarEndOnly: true } : {}),
      ...(u.regexMinOffset ? { regexMinOffset: u.regexMinOffset } : {}),
      ...(u.regexMaxOffset !== undefined ? { regexMaxOffset: u.regexMaxOffset } : {}),
    } : {}),
  };
}

export function parseStatusRange(word: string, fail: (m: string) => never): StatusRange {
  const m = /^(\d{3})(?:-(\d{3}))?$/.exec(word);
  if (!m) return fail(`status_code ${JSON.stringify(word)} is not a code or a range like 200-299`);
  const min = Number(m[1]);
  const max = m[2] === undefined ? min : Number(m[2]);
  if (min < 100 || max > 599 || min > max) return fail(`status_code ${word} is outside 100-599 or reversed`);
  return { min, max };
}

function parseHttpProtocol(value: string | undefined, fail: (m: string) => never): HttpProtocol {
  if (value === undefined) return '1.0';
  const v = value.toUpperCase();
  if (v === '1.0' || v === '1.0C' || v === '1.1') return v;
  return fail(`http_protocol must be 1.0, 1.0C or 1.1, got ${JSON.stringify(value)}`);
}

/**
 * keepalived's free hex format: groups separated by spaces, each group read two
 * digits at a time, a lone last digit being one byte ("Ab12f 3" = AB 12 0F 03).
 * X digits are wildcards; the mask says which bits count.
 */
export function parseHexBytes(text: string, fail: (m: string) => never): { bytes: Buffer; mask: Buffer } {
  const bytes: number[] = [];
  const mask: number[] = [];
  for (const group of text.trim().split(/\s+/).filter((g) => g !== '')) {
    if (!/^[0-9a-fA-FxX]+$/.test(group)) fail(`${JSON.stringify(group)} is not hex`);
    for (let i = 0; i < group.length; i += 2) {
      const pair = group.length - i === 1 ? '0' + group[i] : group.slice(i, i + 2);
      let b = 0;
      let m = 0;
      for (const c of pair) {
        const wild = c === 'x' || c === 'X';
        b = (b << 4) | (wild ? 0 : parseInt(c, 16));
        m = (m << 4) | (wild ? 0 : 0xf);
      }
      bytes.push(b);
      mask.push(m);
    }
  }
  if (bytes.length === 0) fail('hex string is empty');
  return { bytes: Buffer.from(bytes), mask: Buffer.from(mask) };
}

/** SSL_GET's server name when a url has no virtualhost of its own: sniHost if the caller chose one (even none), else the virtualhost. */
function sniHost(input: CheckInput): { sniHost?: string } {
  if (!input.enableSni) return {};
  const name = 'sniHost' in input ? input.sniHost : input.virtualhost;
  return name === undefined ? {} : { sniHost: name };
}
