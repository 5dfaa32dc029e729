// Names for addresses and ports the way ipvsadm gets them from the C library:
// /etc/hosts first, then DNS, for hosts; /etc/services for ports.
import { readFileSync } from 'node:fs';
import { inetPton4, inetPton6, ntop, v4ToNumber, type InetAddr } from './inet';

/** What parsing and formatting need to know about names. */
export interface Names {
  /** gethostbyname for IPv4: the first address, as a number. */
  hostToAddr(name: string): Promise<number | undefined>;
  /** getservbyname for the protocol number (6 tcp, 17 udp, 132 sctp). */
  serviceToPort(name: string, protocol: number): number | undefined;
  /** getservbyport. */
  portToService(port: number, protocol: number): string | undefined;
  /** Looks up host names for these addresses ahead of formatting. */
  prefetchHosts(addrs: InetAddr[]): Promise<void>;
  /** gethostbyaddr, from what prefetchHosts found. */
  addrToHost(addr: InetAddr): string | undefined;
}

const PROTOCOL_NAMES: Record<number, string> = { 6: 'tcp', 17: 'udp', 132: 'sctp' };

interface ServiceEntry { name: string; aliases: string[]; port: number; protocol: string }
interface HostEntry { addr: InetAddr; names: string[] }

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function dataLines(text: string): string[][] {
  return text.split('\n').map((l) => l.replace(/#.*/, '').trim()).filter(Boolean).map((l) => l.split(/\s+/));
}

export function parseServices(text: string): ServiceEntry[] {
  const entries: ServiceEntry[] = [];
  for (const [name, portProto, ...aliases] of dataLines(text)) {
    const m = /^([0-9]+)\/(\S+)$/.exec(portProto ?? '');
    if (m) entries.push({ name, aliases, port: Number(m[1]), protocol: m[2] });
  }
  return entries;
}

export function parseHosts(text: string): HostEntry[] {
  const entries: HostEntry[] = [];
  for (const [addrText, ...names] of dataLines(text)) {
    if (names.length === 0) continue;
    const v4 = inetPton4(addrText);
    if (v4) {
      const bytes = new Uint8Array(16);
      bytes.set(v4);
      entries.push({ addr: { family: 4, bytes }, names });
      continue;
    }
    const v6 = inetPton6(addrText);
    if (v6) entries.push({ addr: { family: 6, bytes: v6 }, names });
  }
  return entries;
}

function sameAddr(a: InetAddr, b: InetAddr): boolean {
  const n = a.family === 4 ? 4 : 16;
  return a.family === b.family && a.bytes.subarray(0, n).every((v, i) => v === b.bytes[i]);
}

export interface SystemNamesOptions {
  hostsFile?: string;
  servicesFile?: string;
  /** Whether DNS is consulted after the hosts file (nsswitch "hosts: files dns"). */
  dns?: boolean;
}

export class SystemNames implements Names {
  private services?: ServiceEntry[];
  private hosts?: HostEntry[];
  private readonly found = new Map<string, string | undefined>();

  constructor(private readonly opts: SystemNamesOptions = {}) {}

  private serviceTable(): ServiceEntry[] {
    this.services ??= parseServices(readText(this.opts.servicesFile ?? '/etc/services'));
    return this.services;
  }

  private hostTable(): HostEntry[] {
    this.hosts ??= parseHosts(readText(this.opts.hostsFile ?? '/etc/hosts'));
    return this.hosts;
  }

  private useDns(): boolean {
    if (this.opts.dns !== undefined) return this.opts.dns;
    const line = /^hosts:(.*)$/m.exec(readText('/etc/nsswitch.conf'));
    return line ? /\bdns\b/.test(line[1]) : true;
  }

  serviceToPort(name: string, protocol: number): number | undefined {
    const proto = PROTOCOL_NAMES[protocol];
    if (!proto) return undefined;
    return this.serviceTable().find((e) => e.protocol === proto && (e.name === name || e.aliases.includes(name)))?.port;
  }

  portToService(port: number, protocol: number): string | undefined {
    const proto = PROTOCOL_NAMES[protocol];
    if (!proto) return undefined;
    return this.serviceTable().find((e) => e.protocol === proto && e.port === port)?.name;
  }

  async hostToAddr(name: string): Promise<number | undefined> {
    const entry = this.hostTable().find((e) => e.addr.family === 4 && e.names.includes(name));
    if (entry) return v4ToNumber(entry.addr.bytes);
    if (!this.useDns() || name === '') return undefined;
    const { lookup } = await import('node:dns/promises');
    try {
      const { address } = await lookup(name, { family: 4 });
      const b = inetPton4(address);
      return b ? v4ToNumber(b) : undefined;
    } catch {
      return undefined;
    }
  }

  async prefetchHosts(addrs: InetAddr[]): Promise<void> {
    const pending = new Map<string, InetAddr>();
    for (const a of addrs) {
      const key = `${a.family}/${ntop(a)}`;
      if (this.found.has(key) || pending.has(key)) continue;
      const entry = this.hostTable().find((e) => sameAddr(e.addr, a));
      if (entry || !this.useDns()) this.found.set(key, entry?.names[0]);
      else pending.set(key, a);
    }
    if (pending.size === 0) return;
    const { Resolver } = await import('node:dns/promises');
    const resolver = new Resolver({ tries: 1 });
    await Promise.all([...pending].map(async ([key, a]) => {
      try {
        const names = await resolver.reverse(ntop(a));
        this.found.set(key, names[0]);
      } catch {
        this.found.set(key, undefined);
      }
    }));
  }

  addrToHost(addr: InetAddr): string | undefined {
    return this.found.get(`${addr.family}/${ntop(addr)}`);
  }
}
