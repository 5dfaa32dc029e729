// Operator-facing text for the objects a command acts on, used in error
// messages: "TCP 10.0.0.1:80", "FWM 5", "TCP 10.0.0.1:80 -> 10.0.0.2:80".
import { endpointText } from './address';
import { AF_INET6, type RealServerKey, type ServiceKey, type SyncDaemon, type SyncDaemonState } from './types';

export function serviceText(key: ServiceKey): string {
  const v6 = key.family === AF_INET6 ? ' (IPv6)' : '';
  if (key.fwmark !== undefined) return `FWM ${String(key.fwmark)}${v6}`;
  return `${String(key.protocol).toUpperCase()} ${endpointText(key.family, key.address, key.port)}`;
}

export function realServerText(key: ServiceKey, server: RealServerKey): string {
  return `${serviceText(key)} -> ${endpointText(server.family, server.address, server.port)}`;
}

export function daemonText(d: SyncDaemon): string {
  return `sync daemon ${d.state} on ${d.interface} (syncid ${d.syncId})`;
}

export function daemonStateText(state: SyncDaemonState): string {
  return `sync daemon ${state}`;
}
