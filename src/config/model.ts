// The typed model of a keepalived.conf, in keepalived's own terms. Durations
// carry their unit in the field name; addresses are canonical text
// (ipaddr.js toString()); every object remembers where it was defined.
import { AddressFamily } from '../ipvs/types';
import { SourceLocation } from './diagnostics';

/** A program to run: the command line as written plus keepalived's split of it into words. */
export interface Script {
  command: string;
  argv: string[];
  user?: string;
  group?: string;
}

export interface ScriptUser {
  user: string;
  group?: string;
}

export interface LvsTimeouts {
  tcpSec?: number;
  tcpFinSec?: number;
  udpSec?: number;
}

export interface LvsSyncDaemon {
  interface: string;
  /** The vrrp_instance whose state drives the daemon (master or backup). */
  vrrpInstance?: string;
  syncId?: number;
  maxLen?: number;
  port?: number;
  ttl?: number;
  group?: string;
}

export interface VrrpGlobals {
  mcastGroup4?: string;
  mcastGroup6?: string;
  garpMasterDelaySec?: number;
  garpMasterRepeat?: number;
  garpMasterRefreshSec?: number;
  garpMasterRefreshRepeat?: number;
  garpLowerPrioDelaySec?: number;
  garpLowerPrioRepeat?: number;
  garpIntervalMs?: number;
  gnaIntervalMs?: number;
  version?: 2 | 3;
  strict: boolean;
  skipCheckAdvAddr: boolean;
  checkUnicastSrc: boolean;
  startupDelayMs?: number;
  downTimerAdverts?: number;
  lowerPrioNoAdvert?: boolean;
  higherPrioSendAdvert?: boolean;
}

export interface GlobalDefs {
  at?: SourceLocation;
  routerId?: string;
  notificationEmail: string[];
  notificationEmailFrom?: string;
  smtpServer?: { host: string; port: number };
  smtpHeloName?: string;
  smtpConnectTimeoutMs?: number;
  smtpAlert?: boolean;
  smtpAlertVrrp?: boolean;
  smtpAlertChecker?: boolean;
  noEmailFaults: boolean;
  enableScriptSecurity: boolean;
  scriptUser?: ScriptUser;
  defaultInterface?: string;
  lvsTimeouts?: LvsTimeouts;
  lvsSyncDaemon?: LvsSyncDaemon;
  lvsFlush: boolean;
  /** lvs_flush_on_stop: on stop remove lvsd's own services ('vs') or every service ('all'); unset keeps the table. */
  lvsFlushOnStop?: 'vs' | 'all';
  /** rs_init_notifies: a real server that starts up (not alpha) says so as it goes in, notify_up included. */
  rsInitNotifies: boolean;
  /** startup_script: run to its end (or its timeout) before lvsd changes anything. */
  startupScript?: Script;
  /** shutdown_script: run to its end (or its timeout) once lvsd has stopped everything. */
  shutdownScript?: Script;
  /** *_script_timeout (keepalived's default 10 s): then the script's process group is ended. */
  startupScriptTimeoutMs: number;
  shutdownScriptTimeoutMs: number;
  /** notify_fifo, vrrp_notify_fifo, lvs_notify_fifo: FIFOs state changes are written to, a line each. */
  notifyFifos: NotifyFifo[];
  vrrp: VrrpGlobals;
}

export interface NotifyFifo {
  /** notify_fifo takes both kinds of lines; vrrp_notify_fifo and lvs_notify_fifo one kind. */
  events: 'all' | 'vrrp' | 'lvs';
  at: SourceLocation;
  path: string;
  /** Made the FIFO's owner when lvsd creates it. */
  owner?: ScriptUser;
  /** *_fifo_script: runs while lvsd does, with the FIFO's path as its last argument. */
  script?: Script;
}

// ---- VRRP ----

export type VrrpState = 'MASTER' | 'BACKUP';

export interface VrrpScript {
  name: string;
  at: SourceLocation;
  script?: Script;
  intervalMs: number;
  timeoutMs?: number;
  /** Added to (or, negative, subtracted from) the priority of tracking instances. */
  weight: number;
  weightReverse: boolean;
  rise: number;
  fall: number;
  initFail: boolean;
}

export interface TrackedInterface {
  name: string;
  weight: number;
  reverse: boolean;
  at: SourceLocation;
}

export interface TrackedScript {
  name: string;
  /** Overrides the vrrp_script's weight when set. */
  weight?: number;
  /** Overrides the vrrp_script's reverse when set (only after a weight, as in keepalived). */
  reverse?: boolean;
  at: SourceLocation;
}

/** track_file (vrrp_track_file): a file holding a number, read each time it is written. */
export interface TrackFile {
  name: string;
  at: SourceLocation;
  path?: string;
  /** The weight of trackers that give none (keepalived's default 1). */
  weight: number;
  weightReverse: boolean;
  /** init_file: the value written at start where the file is missing, or always with overwrite. */
  init?: { value: number; overwrite: boolean };
}

export interface GarpGroup {
  at: SourceLocation;
  garpIntervalMs?: number;
  gnaIntervalMs?: number;
  /** interface NAME, or the interfaces { } whose announcements share one pace. */
  interfaces: string[];
}

/** vrrp_track_process: up while the number of matching processes is within quorum..quorum_max. */
export interface TrackProcess {
  name: string;
  at: SourceLocation;
  /** The process name (comm), or with full_command the program as its command line gives it. */
  process?: string;
  /** Parameters its command line must have (see paramMatch). */
  params: string[];
  /** exact: those parameters and no more; partial: those first; initial: the last may be longer. */
  paramMatch?: 'exact' | 'partial' | 'initial';
  fullCommand: boolean;
  weight: number;
  weightReverse: boolean;
  quorum: number;
  quorumMax: number;
  /** How long the quorum must hold before it counts as up (fork_delay), or be lost before down (terminate_delay). */
  forkDelayMs: number;
  terminateDelayMs: number;
}

export interface TrackedFile {
  name: string;
  /** Overrides the track_file's weight when set. */
  weight?: number;
  /** Overrides the track_file's reverse when set (only after a weight, as in keepalived). */
  reverse?: boolean;
  at: SourceLocation;
}

export interface VirtualIpAddress {
  family: AddressFamily;
  address: string;
  prefixLength: number;
  broadcast?: string;
  dev?: string;
  label?: string;
  scope?: string;
  peer?: string;
  noTrack: boolean;
  at: SourceLocation;
}

export interface VirtualRoute {
  family: AddressFamily;
  /** Destination prefix in CIDR form, e.g. "192.168.1.0/24". */
  destination: string;
  /** "blackhole", "unreachable", "prohibit" or "throw"; absent for ordinary routes. */
  type?: string;
  src?: string;
  via?: string;
  dev?: string;
  scope?: string;
  table?: string;
  metric?: number;
  noTrack: boolean;
  at: SourceLocation;
}

export interface VrrpAuthentication {
  type: 'PASS' | 'AH';
  password: string;
}

export interface VrrpNotify {
  master?: Script;
  backup?: Script;
  fault?: Script;
  stop?: Script;
  /** Called on every transition with type, name, state and priority as arguments. */
  any?: Script;
  /** notify_master_rx_lower_pri: run each time the master hears a lower priority advert. */
  masterRxLowerPri?: Script;
}

export interface VrrpInstance {
  name: string;
  at: SourceLocation;
  /** Initial state; keepalived starts as BACKUP when unset. */
  state?: VrrpState;
  interface?: string;
  virtualRouterId?: number;
  priority: number;
  advertIntMs: number;
  version?: 2 | 3;
  authentication?: VrrpAuthentication;
  virtualIpAddresses: VirtualIpAddress[];
  virtualIpAddressesExcluded: VirtualIpAddress[];
  virtualRoutes: VirtualRoute[];
  preempt: boolean;
  preemptDelayMs?: number;
  garpMasterDelaySec?: number;
  garpMasterRepeat?: number;
  garpMasterRefreshSec?: number;
  garpMasterRefreshRepeat?: number;
  garpLowerPrioDelaySec?: number;
  garpLowerPrioRepeat?: number;
  /** Adverts missed before a backup takes over; 3 in the RFCs. */
  downTimerAdverts?: number;
  /** Verify that adverts come from a unicast_peer address. */
  checkUnicastSrc?: boolean;
  /** A master that hears a lower priority does not answer it with an advert. */
  lowerPrioNoAdvert?: boolean;
  /** A master that hears a higher priority sends one advert before yielding. */
  higherPrioSendAdvert?: boolean;
  trackInterfaces: TrackedInterface[];
  trackScripts: TrackedScript[];
  trackFiles: TrackedFile[];
  /** track_process: vrrp_track_process names, with the same optional weight as a tracked script. */
  trackProcesses: TrackedScript[];
  dontTrackPrimary: boolean;
  mcastSrcIp?: string;
  unicastSrcIp?: string;
  unicastPeers: string[];
  notify: VrrpNotify;
  smtpAlert?: boolean;
  lvsSyncDaemonInterface?: string;
  useVmac?: string | true;
  /** vmac_xmit_base: adverts from the base interface, not from the VMAC. */
  vmacXmitBase?: boolean;
  /** promote_secondaries: the interface's promote_secondaries sysctl is 1 while the instance runs. */
  promoteSecondaries?: boolean;
}

export interface VrrpSyncGroup {
  name: string;
  at: SourceLocation;
  group: string[];
  notify: VrrpNotify;
  smtpAlert?: boolean;
  trackInterfaces: TrackedInterface[];
  trackScripts: TrackedScript[];
  trackFiles: TrackedFile[];
  trackProcesses: TrackedScript[];
  /** sync_group_tracking_weight: members keep weighted tracks (otherwise a tracked failure is a FAULT). */
  trackingWeight: boolean;
}

// ---- LVS ----

export type LvsProtocol = 'TCP' | 'UDP' | 'SCTP';

export interface Tunnel {
  type: 'ipip' | 'gue' | 'gre';
  /** GUE destination port. */
  port?: number;
  checksum?: 'nocsum' | 'csum' | 'remcsum';
}

export type LvsMethod =
  | { kind: 'NAT' }
  | { kind: 'DR' }
  | { kind: 'TUN'; tunnel: Tunnel };

export interface PortRange {
  from: number;
  to: number;
}

export interface HttpUrl {
  path: string;
  digest?: string;
  /** Accepted HTTP status codes; keepalived's default is 200-299. */
  statusCodes: PortRange[];
  virtualhost?: string;
  regex?: string;
  regexNoMatch: boolean;
  /** regex_options keepalived passes to PCRE2 that have a JavaScript equivalent. */
  regexOptions?: RegexOptions;
  /** regex_min_offset / regex_max_offset: where in the body a match may start. */
  regexMinOffset?: number;
  regexMaxOffset?: number;
  at: SourceLocation;
}

export interface RegexOptions {
  caseless?: boolean;
  multiline?: boolean;
  dotall?: boolean;
  /** $ matches at the very end only (not also before a final newline). */
  dollarEndOnly?: boolean;
}

/** Timing and retry settings, inherited virtual_server -> real_server -> checker. */
export interface CheckTiming {
  connectTimeoutMs: number;
  /** Extra attempts before a failing server is declared down. */
  retry: number;
  delayBeforeRetryMs: number;
  /** Upper bound of the random delay before the first check. */
  warmupMs: number;
  delayLoopMs: number;
  /** Consecutive successful checks needed to bring a server up (1 = keepalived's behaviour). */
  rise: number;
  /**
   * Consecutive failed checks needed to bring a server down, each check having
   * used its retries: 1 (the default) is keepalived's behaviour, down after
   * retry + 1 failed attempts.
   */
  fall: number;
  alpha: boolean;
}

interface CheckerBase extends CheckTiming {
  at: SourceLocation;
  connectIp?: string;
  connectPort?: number;
  bindto?: string;
  bindPort?: number;
  bindIf?: string;
  fwmark?: number;
}

export interface TcpCheck extends CheckerBase { type: 'TCP_CHECK' }
export interface PingCheck extends CheckerBase { type: 'PING_CHECK' }
export interface HttpCheck extends CheckerBase {
  type: 'HTTP_GET' | 'SSL_GET';
  urls: HttpUrl[];
  httpProtocol?: '1.0' | '1.0C' | '1.1';
  virtualhost?: string;
  enableSni: boolean;
}
export interface MiscCheck extends CheckerBase {
  type: 'MISC_CHECK';
  script: Script;
  miscTimeoutMs?: number;
  /** Exit status 2..255 adjusts the weight. */
  dynamic: boolean;
}
export interface UdpCheck extends CheckerBase {
  type: 'UDP_CHECK';
  payload?: string;
  requireReply?: string | true;
  minReplyLength: number;
  maxReplyLength: number;
}
export interface DnsCheck extends CheckerBase {
  type: 'DNS_CHECK';
  queryType: 'A' | 'NS' | 'CNAME' | 'SOA' | 'MX' | 'TXT' | 'AAAA' | 'RRSIG' | 'DNSKEY';
  name: string;
}
export interface SmtpCheck extends CheckerBase {
  type: 'SMTP_CHECK';
  heloName?: string;
  /**
   * keepalived's host { } blocks, each a connection to check: the first
   * replaces the checker's own target, each further one is a checker of its own.
   */
  hosts?: SmtpHost[];
}

export type SmtpHost = Pick<CheckerBase, 'connectIp' | 'connectPort' | 'bindto' | 'bindPort'>;

export type Checker = TcpCheck | PingCheck | HttpCheck | MiscCheck | UdpCheck | DnsCheck | SmtpCheck;

export interface RealServer {
  at: SourceLocation;
  family: AddressFamily;
  address: string;
  /** 0 when omitted: the virtual server's port applies (or the packet's, for fwmark). */
  port: number;
  /**
   * The port as the file writes it, when the kernel gets another (DR and TUN
   * keep the service's, fwmark none): checkers probe this one, as keepalived's do.
   */
  checkPort?: number;
  weight: number;
  /** Effective method: the real server's own, else the virtual server's. */
  method: LvsMethod;
  upperThreshold?: number;
  lowerThreshold?: number;
  inhibitOnFailure: boolean;
  notifyUp?: Script;
  notifyDown?: Script;
  smtpAlert?: boolean;
  virtualhost?: string;
  checkers: Checker[];
}

export interface SorryServer {
  at: SourceLocation;
  family: AddressFamily;
  address: string;
  port: number;
  method: LvsMethod;
  inhibit: boolean;
}

export type VirtualServerKey =
  | { kind: 'address'; family: AddressFamily; address: string; port: number }
  | { kind: 'fwmark'; fwmark: number }
  | { kind: 'group'; group: string };

export interface VirtualServer {
  at: SourceLocation;
  key: VirtualServerKey;
  protocol: LvsProtocol;
  /** IPVS scheduler name (lb_algo / lvs_sched); keepalived's default is wlc. */
  scheduler: string;
  /** Scheduler flags as ipvsadm -b names them: flag-1, sh-port, mh-fallback... */
  schedulerFlags: string[];
  /** One-packet scheduling (UDP). */
  ops: boolean;
  method: LvsMethod;
  persistenceTimeoutSec?: number;
  persistenceGranularity?: string;
  persistenceEngine?: string;
  ipFamily?: AddressFamily;
  haSuspend: boolean;
  virtualhost?: string;
  alpha: boolean;
  omega: boolean;
  quorum: number;
  hysteresis: number;
  quorumUp?: Script;
  quorumDown?: Script;
  inhibitOnFailure: boolean;
  smtpAlert?: boolean;
  /** Defaults handed down to real servers' checkers. */
  delayLoopMs: number;
  sorryServer?: SorryServer;
  realServers: RealServer[];
}

export type VirtualServerGroupEntry =
  | {
    kind: 'range';
    family: AddressFamily;
    /** First and last address, inclusive; equal for a single address. */
    first: string;
    last: string;
    port: number;
    at: SourceLocation;
  }
  | { kind: 'fwmark'; fwmark: number; family?: AddressFamily; at: SourceLocation };

export interface VirtualServerGroup {
  name: string;
  at: SourceLocation;
  entries: VirtualServerGroupEntry[];
}

export interface KeepalivedConfig {
  global: GlobalDefs;
  vrrpScripts: VrrpScript[];
  trackFiles: TrackFile[];
  trackProcesses: TrackProcess[];
  /** garp_group: announcement intervals of some interfaces, paced together. */
  garpGroups: GarpGroup[];
  /** static_ipaddress: held while lvsd runs, whatever the VRRP state. */
  staticAddresses: VirtualIpAddress[];
  /** static_routes: held while lvsd runs, whatever the VRRP state. */
  staticRoutes: VirtualRoute[];
  vrrpSyncGroups: VrrpSyncGroup[];
  vrrpInstances: VrrpInstance[];
  virtualServerGroups: VirtualServerGroup[];
  virtualServers: VirtualServer[];
}
