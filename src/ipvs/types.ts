// The IPVS object model as the kernel holds it, in the operator's words:
// a virtual service and its real servers (the kernel calls them destinations).
// Values mirror include/uapi/linux/ip_vs.h so that nothing is lost between a
// kernel dump and a re-add.

export const AF_INET = 2;
export const AF_INET6 = 10;
export type AddressFamily = typeof AF_INET | typeof AF_INET6;

export type Protocol = 'tcp' | 'udp' | 'sctp';
export const PROTOCOL_NUMBER: Record<Protocol, number> = { tcp: 6, udp: 17, sctp: 132 };

/** Virtual service flags (IP_VS_SVC_F_*). */
export const SVC_F_PERSISTENT = 0x0001;
export const SVC_F_HASHED = 0x0002;
export const SVC_F_ONEPACKET = 0x0004;
export const SVC_F_SCHED1 = 0x0008;
export const SVC_F_SCHED2 = 0x0010;
export const SVC_F_SCHED3 = 0x0020;

/** Forwarding method of a real server (IP_VS_CONN_F_FWD_MASK values). */
export type ForwardMethod = 'masq' | 'local' | 'tunnel' | 'route' | 'bypass';
export const FORWARD_CODE: Record<ForwardMethod, number> = {
  masq: 0, local: 1, tunnel: 2, route: 3, bypass: 4,
};

export type TunnelType = 'ipip' | 'gue' | 'gre';
export const TUNNEL_TYPE_CODE: Record<TunnelType, number> = { ipip: 0, gue: 1, gre: 2 };
/** Tunnel encapsulation flags (IP_VS_TUNNEL_ENCAP_FLAG_*); 0 means nocsum. */
export const TUN_F_CSUM = 0x1;
export const TUN_F_REMCSUM = 0x2;

/**
 * Identifies one virtual service: protocol + address + port, or a firewall mark.
 * Addresses are in canonical text form (ipaddr.js toString()).
 */
export type ServiceKey =
  | { family: AddressFamily; protocol: Protocol; address: string; port: number; fwmark?: undefined }
  | { family: AddressFamily; fwmark: number; protocol?: undefined; address?: undefined; port?: undefined };

export interface ServiceSettings {
  scheduler: string;
  /** IP_VS_SVC_F_* bits, HASHED excluded on input. */
  flags: number;
  /** Persistence timeout in seconds; meaningful when SVC_F_PERSISTENT is set. */
  timeout: number;
  /** Persistence granularity: an IPv4 netmask as a 32-bit number, or an IPv6 prefix length. */
  netmask: number;
  /** Persistence engine, e.g. "sip"; empty when none. */
  peName: string;
}

export type Service = ServiceKey & ServiceSettings;

/** Counters as the kernel reports them (the 64-bit set when present). */
export interface Stats {
  conns: bigint;
  inPkts: bigint;
  outPkts: bigint;
  inBytes: bigint;
  outBytes: bigint;
  cps: bigint;
  inPps: bigint;
  outPps: bigint;
  inBps: bigint;
  outBps: bigint;
}

export interface ServiceStatus {
  service: Service;
  /** 32-bit counters (IPVS_SVC_ATTR_STATS), as old tools see them. */
  stats: Stats;
  /** 64-bit counters (IPVS_SVC_ATTR_STATS64); equal to stats on kernels without them. */
  stats64: Stats;
}

export interface RealServerKey {
  /** Family of the real server's address; may differ from the service's (e.g. IPv4 behind IPv6 via tunnel). */
  family: AddressFamily;
  address: string;
  port: number;
}

export interface RealServerSettings {
  forward: ForwardMethod;
  weight: number;
  upperThreshold: number;
  lowerThreshold: number;
  tunnelType: TunnelType;
  /** GUE destination port; 0 when unused. */
  tunnelPort: number;
  /** TUN_F_* bits. */
  tunnelFlags: number;
}

export type RealServer = RealServerKey & RealServerSettings;

export interface RealServerStatus {
  server: RealServer;
  activeConns: number;
  inactiveConns: number;
  persistConns: number;
  stats: Stats;
  stats64: Stats;
}

export interface Timeouts {
  /** Seconds; 0 in a SET request means "leave unchanged". */
  tcp: number;
  tcpFin: number;
  udp: number;
}

export interface IpvsInfo {
  /** Encoded as 0x00MMmmpp, e.g. 0x010201 for 1.2.1. */
  version: number;
  connTableSize: number;
}

export type SyncDaemonState = 'master' | 'backup';
export const DAEMON_STATE_CODE: Record<SyncDaemonState, number> = { master: 1, backup: 2 };

export interface SyncDaemon {
  state: SyncDaemonState;
  interface: string;
  syncId: number;
  /** Optional fields are omitted in requests when undefined (kernel defaults apply). */
  syncMaxLen?: number;
  mcastGroup?: string;
  mcastPort?: number;
  mcastTtl?: number;
}

/** How a listing reads the table. */
export interface ReadOptions {
  /** Whether to decode the traffic counters (stats, stats64); default true. Without, they read COUNTERS_NOT_READ. */
  counters?: boolean;
}
