// DNS_CHECK: ask the server for name/type over UDP; it is up when it answers
// our query (same id, a response) with NOERROR, as keepalived judges it: the
// header alone decides, and an empty answer section still counts.
import { randomInt } from 'node:crypto';
import type { ConnectOptions, DnsCheck } from './types';
import { decodeHeader, encodeQuery, rcodeName } from './dns-codec';
import { hostPort, type Probe } from './probe';
import { udpExchangeProbe } from './udp-exchange';

export function dnsProbe(spec: DnsCheck & ConnectOptions): Probe {
  const what = `dns ${hostPort(spec.connectIp, spec.connectPort)} ${spec.type} ${spec.name}`;
  return udpExchangeProbe(spec, what, () => {
    const id = randomInt(0x10000);
    return {
      request: encodeQuery(id, spec.name, spec.type),
      judge: (reply) => {
        // A stray, stale or too short datagram is not this attempt's answer: keep waiting.
        if (reply.length < 12) return undefined;
        const msg = decodeHeader(reply);
        if (msg.id !== id || !msg.response) return undefined;
        if (msg.rcode !== 0) return { ok: false, detail: rcodeName(msg.rcode) };
        return { ok: true, detail: `NOERROR with ${msg.answerCount} answer(s)` };
      },
    };
  }, { ok: false, detail: `no answer within ${spec.connectTimeoutMs} ms` });
}
