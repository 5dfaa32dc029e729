// DNS_CHECK: ask the server for name/type over UDP; it is up when it answers
// our query (same id and question) with NOERROR. An empty answer section still
// counts: the server is alive and authoritative about the name.
import { randomInt } from 'node:crypto';
import type { ConnectOptions, DnsCheck } from './types';
import { DNS_TYPE_CODE, decodeMessage, encodeQuery, rcodeName } from './dns-codec';
import { hostPort, type Probe } from './probe';
import { udpExchangeProbe } from './udp-exchange';

export function dnsProbe(spec: DnsCheck & ConnectOptions): Probe {
  const what = `dns ${hostPort(spec.connectIp, spec.connectPort)} ${spec.type} ${spec.name}`;
  const wantType = DNS_TYPE_CODE[spec.type];
  const wantName = spec.name.replace(/\.$/, '').toLowerCase() || '.';
  return udpExchangeProbe(spec, what, () => {
    const id = randomInt(0x10000);
    return {
      request: encodeQuery(id, spec.name, spec.type),
      judge: (reply) => {
        let msg;
        try { msg = decodeMessage(reply); } catch (err) { return { ok: false, detail: (err as Error).message }; }
        // A stray or stale datagram is not this attempt's answer: keep waiting.
        if (msg.id !== id || !msg.response) return undefined;
        const q = msg.questions[0];
        if (!q || q.type !== wantType || q.name.toLowerCase() !== wantName) return { ok: false, detail: 'answer is for another question' };
        if (msg.rcode !== 0) return { ok: false, detail: rcodeName(msg.rcode) };
        return { ok: true, detail: `NOERROR with ${msg.answerCount} answer(s)` };
      },
    };
  }, { ok: false, detail: `no answer within ${spec.connectTimeoutMs} ms` });
}
