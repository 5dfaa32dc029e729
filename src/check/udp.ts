// UDP_CHECK: send the payload on a connected UDP socket. Success is a fitting
// reply when one is required, otherwise no ICMP error (port/host unreachable,
// which the kernel reports as ECONNREFUSED/EHOSTUNREACH) within connect_timeout.
import type { ConnectOptions, UdpCheck } from './types';
import { hostPort, type Probe } from './probe';
import { udpExchangeProbe } from './udp-exchange';

export function udpProbe(spec: UdpCheck & ConnectOptions): Probe {
  const silence = spec.requireReply
    ? { ok: false, detail: `no reply within ${spec.connectTimeoutMs} ms` }
    : { ok: true, detail: `no ICMP error within ${spec.connectTimeoutMs} ms` };
  return udpExchangeProbe(spec, `udp ${hostPort(spec.connectIp, spec.connectPort)}`, () => ({
    request: spec.payload,
    judge: (reply) => {
      const problem = replyProblem(spec, reply);
      return { ok: problem === undefined, detail: problem ?? `reply of ${reply.length} bytes` };
    },
  }), silence);
}

/** Why a reply does not satisfy require_reply, or undefined when it does. */
export function replyProblem(spec: UdpCheck, reply: Buffer): string | undefined {
  const pattern = spec.replyPattern;
  // As keepalived: without reply data to compare, any reply will do, whatever its length.
  if (!spec.requireReply || !pattern) return undefined;
  if (reply.length < spec.minReplyLength || reply.length > spec.maxReplyLength) {
    return `reply of ${reply.length} bytes outside ${spec.minReplyLength}-${spec.maxReplyLength}`;
  }
  const n = Math.min(reply.length, pattern.bytes.length);
  for (let i = 0; i < n; i++) {
    if ((reply[i]! & pattern.mask[i]!) !== pattern.bytes[i]) return `reply differs from require_reply at byte ${i}`;
  }
  return undefined;
}
