// Health check specifications, in keepalived's terms (TCP_CHECK, HTTP_GET...),
// independent of the config file syntax: the config model is mapped onto
// these, and checkers only read them. Durations are milliseconds.

export type CheckKind =
  | 'TCP_CHECK' | 'HTTP_GET' | 'SSL_GET' | 'MISC_CHECK' | 'PING_CHECK' | 'UDP_CHECK' | 'DNS_CHECK' | 'SMTP_CHECK';

/** Where a checker connects, and from where. */
export interface ConnectOptions {
  /** Address to probe (keepalived connect_ip; defaults to the real server's address). */
  connectIp: string;
  /** Port to probe (connect_port; defaults to the real server's port). */
  connectPort: number;
  /** Source address (bindto). */
  bindTo?: string;
  /** Source port (bind_port). */
  bindPort?: number;
  /** Time allowed for one attempt, connect and reply included (connect_timeout). */
  connectTimeoutMs: number;
}

/** When a checker runs and how results turn into up/down. */
export interface CheckTiming {
  /** Interval between rounds (delay_loop). */
  delayLoopMs: number;
  /** Extra attempts before a round of an up server counts as failed (retry / nb_get_retry). */
  retry: number;
  /** Pause before each extra attempt (delay_before_retry). */
  delayBeforeRetryMs: number;
  /** First round starts after a random delay in [0, warmup) (warmup). */
  warmupMs: number;
  /** Consecutive successful rounds needed to come up (HAProxy rise; keepalived behaves as 1). */
  rise: number;
  /** Consecutive failed rounds needed to go down (HAProxy fall; keepalived behaves as 1). */
  fall: number;
  /** Start as down until proven up (alpha). */
  alpha: boolean;
}

export interface UrlCheck {
  path: string;
  /** Lower-case MD5 hex of the body, as genhash prints it. */
  digest?: string;
  /** Accepted status codes as inclusive ranges; default 200-299. */
  statusCodes: StatusRange[];
  /** Host header (and TLS SNI) for this URL; overrides the checker's. */
  virtualhost?: string;
  /** A regular expression the body must match (or, with regexNoMatch, must not). */
  regex?: string;
  regexNoMatch?: boolean;
  /** JavaScript flags for the regex (from keepalived's regex_options). */
  regexFlags?: string;
  /** $ matches at the very end only; otherwise also before a final newline, as PCRE's does. */
  regexDollarEndOnly?: boolean;
  /** A match must start at or after this body offset, and before regexMaxOffset when set. */
  regexMinOffset?: number;
  regexMaxOffset?: number;
}

export interface StatusRange { min: number; max: number }

export type HttpProtocol = '1.0' | '1.0C' | '1.1';

export interface TcpCheck { kind: 'TCP_CHECK' }

export interface SmtpCheck {
  kind: 'SMTP_CHECK';
  /** The name sent with HELO. */
  heloName: string;
}

export interface HttpCheck {
  kind: 'HTTP_GET' | 'SSL_GET';
  urls: UrlCheck[];
  httpProtocol: HttpProtocol;
  virtualhost?: string;
  /** SSL_GET only: send a virtualhost as TLS server name. */
  enableSni: boolean;
  /** The server name when a url has no virtualhost: the checker's or virtual server's (never the real server's, as keepalived). */
  sniHost?: string;
}

export interface MiscCheck {
  kind: 'MISC_CHECK';
  /** Program and arguments, split like a shell word list but never run by a shell. */
  miscPath: string;
  /** Kill the program's whole process group after this long; defaults to delay_loop. */
  miscTimeoutMs: number;
  /** Exit codes 2-255 mean up with weight code - 2. */
  miscDynamic: boolean;
  uid?: number;
  gid?: number;
}

export interface PingCheck {
  kind: 'PING_CHECK';
  /** The ping program (iputils); found on the usual paths when unset. */
  pingPath?: string;
}

export interface UdpCheck {
  kind: 'UDP_CHECK';
  payload: Buffer;
  /** A reply must arrive; otherwise success is the absence of an ICMP error. */
  requireReply: boolean;
  /** Reply prefix to match, with a mask of the bits that count (X nibbles are ignored). */
  replyPattern?: { bytes: Buffer; mask: Buffer };
  minReplyLength: number;
  maxReplyLength: number;
}

export type DnsQueryType = 'A' | 'NS' | 'CNAME' | 'SOA' | 'MX' | 'TXT' | 'AAAA' | 'RRSIG' | 'DNSKEY';

export interface DnsCheck {
  kind: 'DNS_CHECK';
  type: DnsQueryType;
  name: string;
}

export type CheckMethod = TcpCheck | HttpCheck | MiscCheck | PingCheck | UdpCheck | DnsCheck | SmtpCheck;

/** One fully specified health check of one real server. */
export type CheckSpec = CheckMethod & ConnectOptions & CheckTiming;

/** The outcome of a single attempt. */
export interface ProbeResult {
  ok: boolean;
  /** Why, in words an operator can act on: "connect ECONNREFUSED", "status 503 not in 200-299". */
  reason: string;
  /** MISC_CHECK with misc_dynamic: the weight asked for by the exit code. */
  weight?: number;
}

/** Published when a check's verdict (or dynamic weight) changes. */
export interface CheckEvent {
  checkId: string;
  up: boolean;
  weight?: number;
  reason: string;
  latencyMs: number;
  /** Epoch milliseconds. */
  at: number;
}

/** What the status display shows for one check. */
export interface CheckStatus {
  checkId: string;
  kind: CheckKind;
  up: boolean;
  weight?: number;
  /** Last attempt; undefined before the first one finished. */
  last?: { ok: boolean; reason: string; latencyMs: number; at: number };
  consecutiveSuccesses: number;
  consecutiveFailures: number;
  attempts: number;
}
