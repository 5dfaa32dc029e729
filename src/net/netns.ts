// Runs synchronous work with the calling thread inside a named network
// namespace. Sockets opened there stay bound to it after we switch back, which
// is how one lvsd process can drive the IPVS table of another namespace.
import { native } from '../native';

export function netnsPath(name: string): string {
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name) || name === '.' || name === '..') {
    throw new Error(`invalid network namespace name: ${JSON.stringify(name)}`);
  }
  return `/run/netns/${name}`;
}

export function inNetns<T>(name: string | undefined, work: () => T): T {
  if (name === undefined) return work();
  const addon = native();
  const previous = addon.enterNetns(netnsPath(name));
  try {
    return work();
  } finally {
    addon.leaveNetns(previous);
  }
}
