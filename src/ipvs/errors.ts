// Errors of the IPVS client. The kernel's errno survives untouched on
// IpvsError because callers (lvsadm) map (command, errno) to exact messages.
import { constants as osConstants } from 'node:os';
import { getSystemErrorMap } from 'node:util';

const errnoNames = new Map<number, string>(
  Object.entries(osConstants.errno).map(([name, value]) => [value, name]),
);

/** Symbolic name of a positive errno ('EEXIST'); `ERRNO_<n>` for numbers the platform does not name. */
export function errnoCode(errno: number): string {
  return errnoNames.get(errno) ?? `ERRNO_${errno}`;
}

/** Human reason for a positive errno, e.g. "file already exists". */
export function errnoReason(errno: number): string {
  return getSystemErrorMap().get(-errno)?.[1] ?? `error ${errno}`;
}

export interface IpvsErrorInit {
  errno: number;
  command: string;
  target: string;
  kernelMessage?: string;
  /** Overrides the kernel's reason in the message (used for errors found before sending). */
  reason?: string;
}

/** The kernel (or the client, before sending) refused one IPVS command. */
export class IpvsError extends Error {
  override name = 'IpvsError';
  readonly errno: number;
  readonly code: string;
  readonly command: string;
  readonly target: string;
  /** The kernel's extended ack text (NLMSGERR_ATTR_MSG), when it sent one. */
  readonly kernelMessage?: string;

  constructor(init: IpvsErrorInit) {
    const code = errnoCode(init.errno);
    const reason = init.reason ?? errnoReason(init.errno);
    const extra = init.kernelMessage ? ` (kernel: ${init.kernelMessage})` : '';
    super(`IPVS ${init.command} ${init.target}: ${reason} [${code}]${extra}`);
    this.errno = init.errno;
    this.code = code;
    this.command = init.command;
    this.target = init.target;
    if (init.kernelMessage !== undefined) this.kernelMessage = init.kernelMessage;
  }
}

/** Input that cannot be encoded (bad address, port, name...): nothing was sent. */
export class IpvsInputError extends IpvsError {
  override name = 'IpvsInputError';
  constructor(command: string, target: string, problem: string) {
    super({ errno: osConstants.errno.EINVAL, command, target, reason: `invalid input: ${problem}` });
  }
}

/** The kernel's reply could not be decoded: truncated, malformed or unexpected. */
export class IpvsProtocolError extends Error {
  override name = 'IpvsProtocolError';
  constructor(readonly where: string, problem: string) {
    super(`malformed IPVS netlink reply (${where}): ${problem}`);
  }
}

/** IPVS cannot be used at all from this process: no module, or no privilege. */
export class IpvsUnavailableError extends Error {
  override name = 'IpvsUnavailableError';
  readonly code: string;
  constructor(readonly errno: number, message: string) {
    super(message);
    this.code = errnoCode(errno);
  }

  static noFamily(errno: number): IpvsUnavailableError {
    return new IpvsUnavailableError(errno,
      'the kernel has no IPVS: load it with `modprobe ip_vs` (or run inside the lab: scripts/lab ...)');
  }

  static noPermission(errno: number): IpvsUnavailableError {
    return new IpvsUnavailableError(errno,
      `controlling IPVS needs root or CAP_NET_ADMIN (${errnoCode(errno)})`);
  }
}
