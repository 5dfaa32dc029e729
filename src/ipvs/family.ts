// Finding the IPVS generic netlink family, and the errors that say IPVS
// cannot be used from here: shared by the pipelined and the blocking client.
import { constants as osConstants } from 'node:os';
import { Attrs, AttrWriter } from './attrs';
import { CTRL_CMD_GETFAMILY, CTRL_VERSION, CtrlAttr, GENL_HDRLEN, GENL_ID_CTRL, IPVS_FAMILY_NAME } from './constants';
import { IpvsError, IpvsProtocolError, IpvsUnavailableError } from './errors';

/** The nlctrl GETFAMILY request for IPVS, ready for a transport. */
export function familyRequest(): { type: number; payload: Buffer; dump: false; command: string; target: string } {
  const w = new AttrWriter(CTRL_CMD_GETFAMILY, CTRL_VERSION);
  w.string(CtrlAttr.FAMILY_NAME, IPVS_FAMILY_NAME);
  return { type: GENL_ID_CTRL, payload: w.finish(), dump: false, command: 'GETFAMILY', target: IPVS_FAMILY_NAME };
}

/** The family id from GETFAMILY's reply messages. */
export function decodeFamilyId(parts: Buffer[]): number {
  const reply = single(parts, 'GETFAMILY');
  if (reply.length < GENL_HDRLEN) throw new IpvsProtocolError('GETFAMILY', 'generic netlink header truncated');
  const attrs = Attrs.parse(reply.subarray(GENL_HDRLEN), 'GETFAMILY');
  return attrs.u16(CtrlAttr.FAMILY_ID, 'FAMILY_ID');
}

/** The one reply message of a request that is not a dump. */
export function single(parts: Buffer[], command: string): Buffer {
  if (parts.length !== 1) throw new IpvsProtocolError(command, `expected one reply message, got ${parts.length}`);
  return parts[0]!;
}

/** A failed GETFAMILY: no such family means no IPVS in the kernel. */
export function familyError(e: unknown): unknown {
  return e instanceof IpvsError && e.errno === osConstants.errno.ENOENT ? IpvsUnavailableError.noFamily(e.errno) : e;
}

/** Opening failed for lack of privilege (the socket, or a first request): say what is needed. */
export function accessError(e: unknown): unknown {
  const errno = (e as { errno?: unknown } | undefined)?.errno;
  return errno === osConstants.errno.EPERM || errno === osConstants.errno.EACCES ? IpvsUnavailableError.noPermission(errno) : e;
}
