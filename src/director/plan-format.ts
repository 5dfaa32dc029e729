// Kernel changes as ipvsadm rules (-A -E -D -a -e -d), the syntax operators
// read and that `lvsadm -R` / `ipvsadm -R` accept.
import type { IpvsOp } from '../ipvs/client';
import {
  AF_INET6, SVC_F_ONEPACKET, SVC_F_PERSISTENT, SVC_F_SCHED1, SVC_F_SCHED2, SVC_F_SCHED3, TUN_F_CSUM, TUN_F_REMCSUM,
  type RealServer, type RealServerKey, type Service, type ServiceKey,
} from '../ipvs/types';
import { realServerId } from './ids';

function serviceArg(k: ServiceKey): string {
  if (k.fwmark !== undefined) return k.family === AF_INET6 ? `-f ${k.fwmark} -6` : `-f ${k.fwmark}`;
  const flag = { tcp: '-t', udp: '-u', sctp: '--sctp-service' }[k.protocol];
  return `${flag} ${realServerId({ family: k.family, address: k.address, port: k.port })}`;
}

function schedulerFlags(s: Service): string {
  const names = s.scheduler === 'sh' ? ['sh-fallback', 'sh-port'] : s.scheduler === 'mh' ? ['mh-fallback', 'mh-port'] : ['flag-1', 'flag-2', 'flag-3'];
  return [SVC_F_SCHED1, SVC_F_SCHED2, SVC_F_SCHED3].flatMap((bit, i) => (s.flags & bit && names[i] ? [names[i]] : [])).join(',');
}

function netmaskText(s: Service): string | undefined {
  if (s.family === AF_INET6) return s.netmask === 128 ? undefined : String(s.netmask);
  const m = s.netmask >>> 0;
  if (m === 0xffffffff) return undefined;
  return [24, 16, 8, 0].map((shift) => (m >>> shift) & 0xff).join('.');
}

function serviceRule(cmd: '-A' | '-E', s: Service): string {
  let line = `${cmd} ${serviceArg(s)} -s ${s.scheduler}`;
  const flags = schedulerFlags(s);
  if (flags) line += ` -b ${flags}`;
  if (s.flags & SVC_F_PERSISTENT) {
    line += ` -p ${s.timeout}`;
    const mask = netmaskText(s);
    if (mask) line += ` -M ${mask}`;
  }
  if (s.peName) line += ` --pe ${s.peName}`;
  if (s.flags & SVC_F_ONEPACKET) line += ' -o';
  return line;
}

const METHOD = { masq: '-m', route: '-g', local: '-g', bypass: '-g', tunnel: '-i' } as const;

function serverRule(cmd: '-a' | '-e', k: ServiceKey, r: RealServer): string {
  let line = `${cmd} ${serviceArg(k)} -r ${realServerId(r)} ${METHOD[r.forward]} -w ${r.weight}`;
  if (r.upperThreshold) line += ` -x ${r.upperThreshold}`;
  if (r.lowerThreshold) line += ` -y ${r.lowerThreshold}`;
  if (r.forward === 'tunnel' && r.tunnelType !== 'ipip') {
    line += ` --tun-type ${r.tunnelType}`;
    if (r.tunnelType === 'gue') line += ` --tun-port ${r.tunnelPort}`;
    line += r.tunnelFlags & TUN_F_REMCSUM ? ' --tun-remcsum' : r.tunnelFlags & TUN_F_CSUM ? ' --tun-csum' : ' --tun-nocsum';
  }
  return line;
}

function deleteServer(k: ServiceKey, r: RealServerKey): string {
  return `-d ${serviceArg(k)} -r ${realServerId(r)}`;
}

/** One rule per change; changes that have no rule form (zero, flush, daemons) are described in words. */
export function formatPlan(ops: readonly IpvsOp[]): string {
  return ops.map((op) => {
    switch (op.op) {
      case 'addService': return serviceRule('-A', op.service);
      case 'editService': return serviceRule('-E', op.service);
      case 'deleteService': return `-D ${serviceArg(op.key)}`;
      case 'addRealServer': return serverRule('-a', op.key, op.server);
      case 'editRealServer': return serverRule('-e', op.key, op.server);
      case 'deleteRealServer': return deleteServer(op.key, op.server);
      case 'zero': return op.key ? `-Z ${serviceArg(op.key)}` : '-Z';
      case 'flush': return '-C';
      case 'setTimeouts': return `--set ${op.timeouts.tcp} ${op.timeouts.tcpFin} ${op.timeouts.udp}`;
      case 'startDaemon': return `--start-daemon ${op.daemon.state} --mcast-interface ${op.daemon.interface} --syncid ${op.daemon.syncId}`;
      case 'stopDaemon': return `--stop-daemon ${op.state}`;
    }
  }).map((line) => `${line}\n`).join('');
}
