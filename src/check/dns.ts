// DNS_CHECK: ask the server for name/type over UDP; it is up when it answers
// our query (same id and question) with NOERROR. An empty answer section still
// counts: the server is alive and authoritative about the name.
import { randomInt } from 'node:crypto';
import type { ConnectOptions, DnsCheck } from './types';
import { DNS_TYPE_CODE, decodeMessage, encodeQuery, rcodeName } from './dns-codec';
import { openConnected } from './udp';
import { errorCode, hostPort, type Probe } from './probe';

export function dnsProbe(spec: DnsCheck & ConnectOptions): Probe {
  const target = hostPort(spec.connectIp, spec.connectPort);
  const what = `dns ${target} ${spec.type} ${spec.name}`;
  const wantType = DNS_TYPE_CODE[spec.type];
  const wantName = spec.name.replace(/\.$/, '').toLowerCase() || '.';
  return (done) => {
    const id = randomInt(0x10000);
    let finished = false;
    const finish = (ok: boolean, reason: string): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      socket.close();
      done({ ok, reason });
    };
    const socket = openConnected(spec, (err) => {
      if (err) { finish(false, `${what}: ${errorCode(err)}`); return; }
      socket.send(encodeQuery(id, spec.name, spec.type));
    });
    socket.on('error', (err) => finish(false, `${what}: ${errorCode(err)}`));
    socket.on('message', (reply: Buffer) => {
      let msg;
      try { msg = decodeMessage(reply); } catch (err) { finish(false, `${what}: ${(err as Error).message}`); return; }
      // A stray or stale datagram is not this attempt's answer: keep waiting.
      if (msg.id !== id || !msg.response) return;
      const q = msg.questions[0];
      if (!q || q.type !== wantType || q.name.toLowerCase() !== wantName) {
        finish(false, `${what}: answer is for another question`);
        return;
      }
      if (msg.rcode !== 0) { finish(false, `${what}: ${rcodeName(msg.rcode)}`); return; }
      finish(true, `${what}: NOERROR with ${msg.answerCount} answer(s)`);
    });
    const timer = setTimeout(() => finish(false, `${what}: no answer within ${spec.connectTimeoutMs} ms`), spec.connectTimeoutMs);
    return () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      socket.close();
    };
  };
}
