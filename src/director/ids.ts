// Stable text identities for virtual services and real servers, the same ones
// the REST API uses in its paths: tcp:10.0.0.1:80, udp:[fd00::1]:53, fwm:7,
// fwm6:7 for services; 10.0.0.2:80 or [fd00::2]:80 for real servers.
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { AF_INET, AF_INET6, type AddressFamily, type Protocol, type RealServerKey, type ServiceKey } from '../ipvs/types';

// Every plan and every API change names each address several times; parsing
// dominated their cost, so canonical forms are remembered (bounded).
const canonical = new Map<string, string>();
const CANONICAL_CACHE_SIZE = 200_000;

/** Canonical text of an address, so that "fd00:0::1" and "fd00::1" compare equal. */
export function canonicalAddress(address: string): string {
  let text = canonical.get(address);
  if (text === undefined) {
    text = ipaddr.process(address).toString();
    if (canonical.size >= CANONICAL_CACHE_SIZE) canonical.clear();
    canonical.set(address, text);
  }
  return text;
}

/**
 * An address as written in a table: a dotted quad (no octal, hex or short
 * forms) or IPv6 without a zone, which no IPVS entry can hold.
 */
export function isTableAddress(text: string): boolean {
  return isIP(text) !== 0 && !text.includes('%');
}

export function familyOf(address: string): AddressFamily {
  return canonicalAddress(address).includes(':') ? AF_INET6 : AF_INET;
}

function hostPort(address: string, port: number): string {
  const a = canonicalAddress(address);
  return a.includes(':') ? `[${a}]:${port}` : `${a}:${port}`;
}

export function serviceId(key: ServiceKey): string {
  if (key.fwmark !== undefined) return `${key.family === AF_INET6 ? 'fwm6' : 'fwm'}:${key.fwmark}`;
  return `${key.protocol}:${hostPort(key.address, key.port)}`;
}

export function realServerId(key: RealServerKey): string {
  return hostPort(key.address, key.port);
}

const SERVICE_ID = /^(tcp|udp|sctp):(?:\[([0-9a-fA-F:.]+)\]|([0-9.]+)):(\d{1,5})$/;
const FWMARK_ID = /^(fwm6?):(\d{1,10})$/;

/** Parses a service id; returns an error text naming what is wrong instead of throwing. */
export function parseServiceId(id: string): ServiceKey | { error: string } {
  const fw = FWMARK_ID.exec(id);
  if (fw) {
    const mark = Number(fw[2]);
    if (mark < 1 || mark > 0xffffffff) return { error: `firewall mark ${fw[2]} is out of range 1..4294967295` };
    return { family: fw[1] === 'fwm6' ? AF_INET6 : AF_INET, fwmark: mark };
  }
  const m = SERVICE_ID.exec(id);
  if (!m) return { error: `"${id}" is not a service id (protocol:address:port, [v6]:port, fwm:N or fwm6:N)` };
  const address = m[2] ?? m[3] ?? '';
  if (!isTableAddress(address)) return { error: `"${address}" is not an IP address` };
  if (m[2] !== undefined && isIP(address) !== 6) return { error: `"${address}" in brackets must be IPv6` };
  const port = Number(m[4]);
  if (port > 65535) return { error: `port ${port} is out of range 0..65535` };
  return { family: familyOf(address), protocol: m[1] as Protocol, address: canonicalAddress(address), port };
}

export function parseRealServerId(id: string): RealServerKey | { error: string } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([0-9.]+)):(\d{1,5})$/.exec(id);
  if (!m) return { error: `"${id}" is not a real server id (address:port or [v6]:port)` };
  const address = m[1] ?? m[2] ?? '';
  if (!isTableAddress(address)) return { error: `"${address}" is not an IP address` };
  if (m[1] !== undefined && isIP(address) !== 6) return { error: `"${address}" in brackets must be IPv6` };
  const port = Number(m[3]);
  if (port > 65535) return { error: `port ${port} is out of range 0..65535` };
  return { family: familyOf(address), address: canonicalAddress(address), port };
}
