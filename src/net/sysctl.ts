// Network sysctls (/proc/sys/net/...), optionally inside a named namespace.
//
// /proc/sys/net shows the namespace of the *thread* that reads it (measured
// in the lab on 6.1: after setns on the main thread, /proc/sys/net/ipv4/conf
// lists that namespace's interfaces and values). So every access here is a
// synchronous call made on the main thread inside inNetns: an asynchronous
// fs call would run on a libuv worker thread, which stays in the namespace
// the process started in, and silently read or write the wrong values.
import { readFileSync, writeFileSync } from 'node:fs';
import { inNetns } from './netns';

/**
 * Names are written as sysctl(8) does: dots between levels, and a dot inside
 * an interface name written as '/' (net.ipv4.conf.eth0/100.arp_ignore).
 */
export function sysctlPath(name: string): string {
  const parts = name.split('.');
  if (parts[0] !== 'net' || parts.length < 3 || parts.some((p) => p === '' || p === '..' || p === '.' || p === '/')) {
    throw new Error(`invalid network sysctl name ${JSON.stringify(name)}: expected net.<family>.<...>.<key>`);
  }
  return `/proc/sys/${parts.map((p) => p.replace(/\//g, '.')).join('/')}`;
}

/** The sysctl name of a per-interface setting: conf.all, conf.default or conf.<dev>. */
export function interfaceSysctl(dev: string, key: string, family: 'ipv4' | 'ipv6' = 'ipv4'): string {
  return `net.${family}.conf.${dev.replace(/\./g, '/')}.${key}`;
}

function describe(name: string, netns: string | undefined): string {
  return `sysctl ${name}${netns ? ` in netns ${netns}` : ''}`;
}

export class SysctlError extends Error {
  constructor(message: string, readonly sysctl: string, readonly code: string | undefined) {
    super(message);
    this.name = 'SysctlError';
  }
}

function explain(e: unknown, name: string, netns: string | undefined, action: string): SysctlError {
  const err = e as NodeJS.ErrnoException;
  const what = describe(name, netns);
  const message = ((): string => {
    switch (err.code) {
      case 'ENOENT': return `${what} does not exist (unknown interface or key)`;
      case 'EACCES':
      case 'EPERM': return `${action} ${what}: permission denied (needs root / CAP_NET_ADMIN)`;
      case 'EINVAL': return `${action} ${what}: the kernel rejected the value (EINVAL)`;
      default: return `${action} ${what} failed: ${err.message}`;
    }
  })();
  return new SysctlError(message, name, err.code);
}

export function readSysctl(name: string, opts: { netns?: string } = {}): string {
  const path = sysctlPath(name);
  try {
    return inNetns(opts.netns, () => readFileSync(path, 'utf8')).trim();
  } catch (e) {
    throw explain(e, name, opts.netns, 'read');
  }
}

export function writeSysctl(name: string, value: string | number, opts: { netns?: string } = {}): void {
  const path = sysctlPath(name);
  const text = String(value);
  if (/[\n\0]/.test(text)) throw new Error(`value for ${describe(name, opts.netns)} must be one line`);
  try {
    inNetns(opts.netns, () => writeFileSync(path, `${text}\n`));
  } catch (e) {
    throw explain(e, name, opts.netns, `write ${JSON.stringify(text)} to`);
  }
}

/** Writes the value only when it differs; returns the previous value when it changed something. */
export function ensureSysctl(name: string, value: string | number, opts: { netns?: string } = {}): string | undefined {
  const before = readSysctl(name, opts);
  if (before === String(value)) return undefined;
  writeSysctl(name, value, opts);
  return before;
}
