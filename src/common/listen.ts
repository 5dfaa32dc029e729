// The REST API's listen address as `lvsd --api` takes it, shared with
// `lvsd doctor --api` so that both read the same text the same way.
import { lookup } from 'node:dns/promises';

/** "ADDR:PORT" or "[V6]:PORT" into host and port ("off" is handled by the caller); an error names what is wrong. */
export function parseListen(text: string): { host: string; port: number } | { error: string } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  const port = Number(m?.[3]);
  if (!m || port < 1 || port > 65535) return { error: `"${text}" is not ADDR:PORT (e.g. 127.0.0.1:7080 or [::1]:7080)` };
  return { host: m[1] ?? m[2]!, port };
}

/** host:port as an operator writes it, IPv6 in brackets. */
export function listenText(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Every address a listen name stands for, as the system resolves it (getaddrinfo: /etc/hosts, then DNS), each once. */
export async function resolveListenName(name: string): Promise<string[]> {
  return [...new Set((await lookup(name, { all: true })).map((a) => a.address))];
}
