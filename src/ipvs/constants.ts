// Numbers of the IPVS generic netlink family (include/uapi/linux/ip_vs.h)
// and of the netlink framing around it (include/uapi/linux/netlink.h).

export const IPVS_FAMILY_NAME = 'IPVS';
export const IPVS_VERSION = 1;

export const Cmd = {
  NEW_SERVICE: 1,
  SET_SERVICE: 2,
  DEL_SERVICE: 3,
  GET_SERVICE: 4,
  NEW_DEST: 5,
  SET_DEST: 6,
  DEL_DEST: 7,
  GET_DEST: 8,
  NEW_DAEMON: 9,
  DEL_DAEMON: 10,
  GET_DAEMON: 11,
  SET_CONFIG: 12,
  GET_CONFIG: 13,
  SET_INFO: 14,
  GET_INFO: 15,
  ZERO: 16,
  FLUSH: 17,
} as const;
export type CommandName = keyof typeof Cmd;

export const CmdAttr = {
  SERVICE: 1,
  DEST: 2,
  DAEMON: 3,
  TIMEOUT_TCP: 4,
  TIMEOUT_TCP_FIN: 5,
  TIMEOUT_UDP: 6,
} as const;

export const SvcAttr = {
  AF: 1,
  PROTOCOL: 2,
  ADDR: 3,
  PORT: 4,
  FWMARK: 5,
  SCHED_NAME: 6,
  FLAGS: 7,
  TIMEOUT: 8,
  NETMASK: 9,
  STATS: 10,
  PE_NAME: 11,
  STATS64: 12,
} as const;

export const DestAttr = {
  ADDR: 1,
  PORT: 2,
  FWD_METHOD: 3,
  WEIGHT: 4,
  U_THRESH: 5,
  L_THRESH: 6,
  ACTIVE_CONNS: 7,
  INACT_CONNS: 8,
  PERSIST_CONNS: 9,
  STATS: 10,
  ADDR_FAMILY: 11,
  STATS64: 12,
  TUN_TYPE: 13,
  TUN_PORT: 14,
  TUN_FLAGS: 15,
} as const;

export const DaemonAttr = {
  STATE: 1,
  MCAST_IFN: 2,
  SYNC_ID: 3,
  SYNC_MAXLEN: 4,
  MCAST_GROUP: 5,
  MCAST_GROUP6: 6,
  MCAST_PORT: 7,
  MCAST_TTL: 8,
} as const;

export const StatsAttr = {
  CONNS: 1,
  INPKTS: 2,
  OUTPKTS: 3,
  INBYTES: 4,
  OUTBYTES: 5,
  CPS: 6,
  INPPS: 7,
  OUTPPS: 8,
  INBPS: 9,
  OUTBPS: 10,
} as const;

export const InfoAttr = {
  VERSION: 1,
  CONN_TAB_SIZE: 2,
} as const;

/** Sizes of fixed fields, including the terminating NUL for names. */
export const SCHED_NAME_MAX = 16;
export const PE_NAME_MAX = 32;
export const IFNAME_MAX = 16;
export const ADDR_LEN = 16;
/** IP_VS_CONN_F_FWD_MASK */
export const FWD_MASK = 0x7;

// Generic netlink controller (include/uapi/linux/genetlink.h).
export const GENL_ID_CTRL = 16;
export const CTRL_CMD_GETFAMILY = 3;
export const CTRL_VERSION = 1;
export const CtrlAttr = { FAMILY_ID: 1, FAMILY_NAME: 2 } as const;

// Netlink framing.
export const NETLINK_GENERIC = 16;
export const NLMSG_HDRLEN = 16;
export const GENL_HDRLEN = 4;
export const NLA_HDRLEN = 4;
export const NlmsgType = { NOOP: 1, ERROR: 2, DONE: 3, OVERRUN: 4 } as const;
export const NlmFlag = {
  REQUEST: 0x1,
  MULTI: 0x2,
  ACK: 0x4,
  DUMP: 0x300,
  /** On NLMSG_ERROR: the original request was not echoed back (NETLINK_CAP_ACK). */
  CAPPED: 0x100,
  /** On NLMSG_ERROR: extended ack attributes follow. */
  ACK_TLVS: 0x200,
} as const;
export const NlmsgerrAttr = { MSG: 1, OFFS: 2 } as const;
/** Attribute type bits that are flags, not part of the type. */
export const NLA_TYPE_MASK = 0x3fff;
