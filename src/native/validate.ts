// Argument checks shared by the VRRP socket and the address announcements:
// bad input is refused here, with a message naming it, before any syscall.
import { isIPv4, isIPv6 } from 'node:net';
import ipaddr from 'ipaddr.js';

/** The kernel's rule for device names: 1-15 bytes, no '/', ':' or white space, not '.' or '..'. */
export function checkInterfaceName(name: unknown): string {
  if (typeof name !== 'string' || name.length === 0 || Buffer.byteLength(name) > 15
    || name === '.' || name === '..' || /[/:\s\0]/.test(name)) {
    throw new TypeError(`invalid interface name ${JSON.stringify(name)}`);
  }
  return name;
}

/** An IPv4 or IPv6 address in text form, of the given family; returns its bytes. */
export function addressBytes(family: 4 | 6, text: unknown, role: string): Buffer {
  if (typeof text !== 'string') throw new TypeError(`${role} must be a string, got ${typeof text}`);
  if (text.includes('%')) {
    throw new TypeError(`${role} ${JSON.stringify(text)}: zone index not accepted, the interface is the zone`);
  }
  const ok = family === 4 ? isIPv4(text) : isIPv6(text);
  if (!ok) {
    const other = family === 4 ? isIPv6(text) : isIPv4(text);
    throw new TypeError(other
      ? `${role} ${text} is an IPv${family === 4 ? 6 : 4} address, expected IPv${family}`
      : `${role} ${JSON.stringify(text)} is not an IPv${family} address`);
  }
  return Buffer.from(ipaddr.parse(text).toByteArray());
}

/** A unicast Ethernet address "aa:bb:cc:dd:ee:ff"; returns its 6 bytes. */
export function parseMac(text: unknown, role = 'MAC address'): Buffer {
  if (typeof text !== 'string' || !/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(text)) {
    throw new TypeError(`${role} ${JSON.stringify(text)} is not of the form aa:bb:cc:dd:ee:ff`);
  }
  const bytes = Buffer.from(text.replace(/:/g, ''), 'hex');
  if ((bytes[0]! & 1) !== 0 || bytes.every((b) => b === 0)) {
    throw new TypeError(`${role} ${text} cannot be a sender: it is multicast or all zeros`);
  }
  return bytes;
}
