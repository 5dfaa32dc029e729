// Health checker blocks of a real_server, and the timing settings that
// virtual_server and real_server hand down to them.
import { applyBlock, Handlers, ignored, needBlock } from './block';
import { Diagnostics } from './diagnostics';
import { Checker, CheckTiming, DnsCheck, HttpCheck, HttpUrl, MiscCheck, PortRange, RegexOptions, SmtpCheck, UdpCheck } from './model';
import { Statement } from './tree';
import { Args } from './values';

export const CHECKER_TYPES = ['TCP_CHECK', 'HTTP_GET', 'SSL_GET', 'MISC_CHECK', 'PING_CHECK', 'UDP_CHECK', 'DNS_CHECK', 'SMTP_CHECK'] as const;
export type CheckerType = (typeof CHECKER_TYPES)[number];

/** Timing as written at one level; unset fields come from the enclosing level. */
export type TimingOverrides = Partial<CheckTiming>;

/** Keywords setting timing, accepted in virtual_server, real_server and every checker. */
export function timingHandlers<T>(get: (t: T) => TimingOverrides): Handlers<T> {
  const put = <K extends keyof CheckTiming>(key: K, read: (a: Args) => CheckTiming[K] | undefined) =>
    (a: Args, t: T) => {
      const value = read(a);
      if (value !== undefined) get(t)[key] = value;
    };
  const retry = put('retry', (a) => a.int(0, 0, 1_000_000));
  return {
    connect_timeout: put('connectTimeoutMs', (a) => a.seconds(0, 0.001, 86400)),
    retry,
    nb_get_retry: retry,
    delay_before_retry: put('delayBeforeRetryMs', (a) => a.seconds(0, 0, 86400)),
    warmup: put('warmupMs', (a) => a.seconds(0, 0, 86400)),
    delay_loop: put('delayLoopMs', (a) => a.seconds(0, 0.001, 86400)),
    rise: put('rise', (a) => a.int(0, 1, 1_000_000)),
    fall: put('fall', (a) => a.int(0, 1, 1_000_000)),
    alpha: put('alpha', (a) => a.bool()),
  };
}

/** Resolves a checker's timing: its own, else the real server's, else the virtual server's, else keepalived's defaults. */
export function resolveTiming(type: CheckerType, ...levels: TimingOverrides[]): CheckTiming {
  const pick = <K extends keyof CheckTiming>(key: K): CheckTiming[K] | undefined => {
    for (const level of levels) if (level[key] !== undefined) return level[key];
    return undefined;
  };
  const delayLoopMs = pick('delayLoopMs') ?? 60_000;
  const retry = pick('retry') ?? (type === 'DNS_CHECK' ? 3 : type === 'MISC_CHECK' ? 0 : 1);
  const defaultRetryDelay = type === 'DNS_CHECK' ? delayLoopMs : type === 'HTTP_GET' || type === 'SSL_GET' ? 3000 : 1000;
  return {
    connectTimeoutMs: pick('connectTimeoutMs') ?? 5000,
    retry,
    delayBeforeRetryMs: pick('delayBeforeRetryMs') ?? defaultRetryDelay,
    warmupMs: pick('warmupMs') ?? delayLoopMs,
    delayLoopMs,
    rise: pick('rise') ?? 1,
    fall: pick('fall') ?? 1,
    alpha: pick('alpha') ?? false,
  };
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A checker being parsed: the model object minus the timing resolved later. */
export interface CheckerDraft {
  checker: DistributiveOmit<Checker, keyof CheckTiming>;
  timing: TimingOverrides;
}

function statusCodes(a: Args): PortRange[] {
  const out: PortRange[] = [];
  if (a.count === 0) a.error('status_code needs one or more codes or ranges like 200-299');
  for (let i = 0; i < a.count; i++) {
    const text = a.text(i) ?? '';
    const m = /^(\d{3})(?:-(\d{3}))?$/.exec(text);
    const from = m ? Number(m[1]) : NaN;
    const to = m?.[2] !== undefined ? Number(m[2]) : from;
    if (!m || from < 100 || to > 599 || from > to) a.error(`status_code "${text}" is not an HTTP status code or range in 100..599`, a.stmt.args[i]);
    else out.push({ from, to });
  }
  return out;
}

const URL_HANDLERS: Handlers<Partial<HttpUrl> & { statusCodes: PortRange[] }> = {
  path: (a, u) => { u.path = a.string(0, 'a path'); },
  digest: (a, u) => {
    const d = a.string(0, 'an MD5 digest');
    if (d !== undefined && !/^[0-9a-fA-F]{32}$/.test(d)) a.error(`digest "${d}" is not 32 hexadecimal digits (an MD5 sum)`);
    else if (d !== undefined) u.digest = d.toLowerCase();
  },
  status_code: (a, u) => { u.statusCodes.push(...statusCodes(a)); },
  virtualhost: (a, u) => { u.virtualhost = a.string(0); },
  regex: (a, u) => { u.regex = a.string(0); },
  regex_no_match: (_a, u) => { u.regexNoMatch = true; },
  regex_options: (a, u) => {
    const options: RegexOptions = { ...u.regexOptions };
    for (let i = 0; i < a.count; i++) {
      const word = a.text(i)!;
      const known = Object.hasOwn(REGEX_OPTIONS, word) ? REGEX_OPTIONS[word] : undefined;
      if (known) options[known] = true;
      else a.warning(`regex_options ${word} has no equivalent in lvsd's regular expressions; ignored`);
    }
    u.regexOptions = options;
  },
  regex_min_offset: (a, u) => { u.regexMinOffset = a.int(0, 0, Number.MAX_SAFE_INTEGER) ?? u.regexMinOffset; },
  regex_max_offset: (a, u) => { u.regexMaxOffset = a.int(0, 0, Number.MAX_SAFE_INTEGER) ?? u.regexMaxOffset; },
  ...ignored('regex_stack'),
};

/** keepalived's PCRE2 option words that JavaScript regular expressions can honour. */
const REGEX_OPTIONS: Record<string, keyof RegexOptions> = {
  caseless: 'caseless', multiline: 'multiline', dotall: 'dotall', dollar_endonly: 'dollarEndOnly',
};

function parseUrl(a: Args): HttpUrl | undefined {
  const body = needBlock(a);
  if (!body) return undefined;
  const u: Partial<HttpUrl> & { statusCodes: PortRange[] } = { statusCodes: [], regexNoMatch: false, at: a.stmt.at };
  applyBlock(body, 'url', URL_HANDLERS, u, a.diags);
  if (u.path === undefined) return a.error('url needs a path');
  if (u.regexNoMatch && u.regex === undefined) a.warning('regex_no_match without a regex has nothing to apply to; ignored');
  if (u.statusCodes.length === 0) u.statusCodes.push({ from: 200, to: 299 });
  return u as HttpUrl;
}

const CONNECTION_HANDLERS: Handlers<CheckerDraft> = {
  connect_ip: (a, d) => { d.checker.connectIp = a.address(0)?.address; },
  connect_port: (a, d) => { d.checker.connectPort = a.port(0); },
  bindto: (a, d) => { d.checker.bindto = a.address(0)?.address; },
  bind_port: (a, d) => { d.checker.bindPort = a.port(0); },
  bind_if: (a, d) => {
    d.checker.bindIf = a.string(0, 'an interface name');
    a.unsupported('the check\'s socket is not bound to the interface');
  },
  fwmark: (a, d) => {
    d.checker.fwmark = a.int(0, 1, 0xffffffff);
    a.unsupported('the check\'s packets carry no mark');
  },
};

const COMMON_HANDLERS: Handlers<CheckerDraft> = {
  ...timingHandlers<CheckerDraft>((d) => d.timing),
  ...ignored('log_all_failures'),
};

function httpHandlers(type: 'HTTP_GET' | 'SSL_GET'): Handlers<CheckerDraft> {
  const http = (d: CheckerDraft) => d.checker as HttpCheck;
  const h: Handlers<CheckerDraft> = {
    ...CONNECTION_HANDLERS,
    ...COMMON_HANDLERS,
    url: (a, d) => {
      const url = parseUrl(a);
      if (url) http(d).urls.push(url);
    },
    http_protocol: (a, d) => { http(d).httpProtocol = a.oneOf(0, ['1.0', '1.0C', '1.1'] as const); },
    // lvsd fetches every url each round, which is what fast_recovery asks of keepalived after a failure.
    fast_recovery: (a) => { a.bool(); },
    virtualhost: (a, d) => { http(d).virtualhost = a.string(0); },
  };
  if (type === 'SSL_GET') h.enable_sni = (a, d) => { http(d).enableSni = a.bool() ?? false; };
  return h;
}

const MISC_HANDLERS: Handlers<CheckerDraft> = {
  ...COMMON_HANDLERS,
  misc_path: (a, d) => {
    // keepalived takes the user from `user`, not from words after the command (it ignores those).
    const script = a.script({ runAs: false });
    if (script) (d.checker as MiscCheck).script = { ...script, user: (d.checker as MiscCheck).script?.user };
  },
  // 0, as no misc_timeout, means the virtual server's delay_loop.
  misc_timeout: (a, d) => { (d.checker as MiscCheck).miscTimeoutMs = a.seconds(0, 0, 86400) || undefined; },
  misc_dynamic: (_a, d) => { (d.checker as MiscCheck).dynamic = true; },
  user: (a, d) => {
    const m = d.checker as MiscCheck;
    const user = a.string(0, 'a user name');
    if (user === undefined) return;
    m.script = { ...(m.script ?? { command: '', argv: [] }), user };
    if (a.text(1) !== undefined) m.script.group = a.text(1);
  },
};

const DNS_TYPES = ['A', 'NS', 'CNAME', 'SOA', 'MX', 'TXT', 'AAAA', 'RRSIG', 'DNSKEY'] as const;

const HANDLERS: Record<CheckerType, Handlers<CheckerDraft>> = {
  TCP_CHECK: { ...CONNECTION_HANDLERS, ...COMMON_HANDLERS },
  PING_CHECK: { ...CONNECTION_HANDLERS, ...COMMON_HANDLERS },
  HTTP_GET: httpHandlers('HTTP_GET'),
  SSL_GET: httpHandlers('SSL_GET'),
  MISC_CHECK: MISC_HANDLERS,
  UDP_CHECK: {
    ...CONNECTION_HANDLERS,
    ...COMMON_HANDLERS,
    payload: (a, d) => { (d.checker as UdpCheck).payload = a.stmt.args.map((t) => t.text).join(''); },
    require_reply: (a, d) => { (d.checker as UdpCheck).requireReply = a.count ? a.stmt.args.map((t) => t.text).join('') : true; },
    min_reply_length: (a, d) => { (d.checker as UdpCheck).minReplyLength = a.int(0, 0, 65535) ?? 0; },
    max_reply_length: (a, d) => { (d.checker as UdpCheck).maxReplyLength = a.int(0, 0, 65535) ?? 255; },
  },
  DNS_CHECK: {
    ...CONNECTION_HANDLERS,
    ...COMMON_HANDLERS,
    type: (a, d) => { (d.checker as DnsCheck).queryType = a.oneOf(0, DNS_TYPES) ?? 'SOA'; },
    name: (a, d) => { (d.checker as DnsCheck).name = a.string(0, 'a domain name') ?? '.'; },
  },
  SMTP_CHECK: {
    ...CONNECTION_HANDLERS,
    ...COMMON_HANDLERS,
    helo_name: (a, d) => { (d.checker as SmtpCheck).heloName = a.string(0); },
    host: (a, d) => {
      const body = needBlock(a);
      if (!body) return;
      const host: CheckerDraft = { checker: { type: 'TCP_CHECK', at: a.stmt.at }, timing: {} };
      const { connect_ip, connect_port, bindto, bind_port } = CONNECTION_HANDLERS;
      applyBlock(body, 'host', { connect_ip, connect_port, bindto, bind_port }, host, a.diags);
      const { connectIp, connectPort, bindto: bindTo, bindPort } = host.checker;
      const smtp = d.checker as SmtpCheck;
      (smtp.hosts ??= []).push({
        ...(connectIp !== undefined ? { connectIp } : {}), ...(connectPort !== undefined ? { connectPort } : {}),
        ...(bindTo !== undefined ? { bindto: bindTo } : {}), ...(bindPort !== undefined ? { bindPort } : {}),
      });
    },
  },
};

function emptyChecker(type: CheckerType, at: Statement['at']): CheckerDraft['checker'] {
  switch (type) {
    case 'HTTP_GET':
    case 'SSL_GET':
      return { type, at, urls: [], enableSni: false };
    case 'MISC_CHECK':
      return { type, at, script: { command: '', argv: [] }, dynamic: false };
    case 'UDP_CHECK':
      return { type, at, minReplyLength: 0, maxReplyLength: 255 };
    case 'DNS_CHECK':
      return { type, at, queryType: 'SOA', name: '.' };
    default:
      return { type, at };
  }
}

export function isCheckerType(keyword: string): keyword is CheckerType {
  return (CHECKER_TYPES as readonly string[]).includes(keyword);
}

export function parseChecker(stmt: Statement, diags: Diagnostics): CheckerDraft | undefined {
  const type = stmt.keyword as CheckerType;
  const a = new Args(stmt, type, diags);
  a.atMost(0);
  const body = needBlock(a);
  if (!body) return undefined;
  const draft: CheckerDraft = { checker: emptyChecker(type, stmt.at), timing: {} };
  applyBlock(body, type, HANDLERS[type], draft, diags);
  const c = draft.checker;
  if (c.type === 'MISC_CHECK' && c.script.command === '') return a.error('MISC_CHECK needs misc_path');
  if ((c.type === 'HTTP_GET' || c.type === 'SSL_GET') && c.urls.length === 0) return a.error(`${type} needs at least one url { path ... } block`);
  return draft;
}
