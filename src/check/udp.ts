// UDP_CHECK: send the payload on a connected UDP socket. Success is a fitting
// reply when one is required, otherwise no ICMP error (port/host unreachable,
// which the kernel reports as ECONNREFUSED/EHOSTUNREACH) within connect_timeout.
import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import type { ConnectOptions, UdpCheck } from './types';
import { errorCode, hostPort, type Probe } from './probe';

export function udpProbe(spec: UdpCheck & ConnectOptions): Probe {
  const target = hostPort(spec.connectIp, spec.connectPort);
  return (done) => {
    let finished = false;
    const finish = (ok: boolean, reason: string): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      socket.close();
      done({ ok, reason });
    };
    const socket = openConnected(spec, (err) => {
      if (err) { finish(false, `udp ${target}: ${errorCode(err)}`); return; }
      socket.send(spec.payload);
    });
    socket.on('error', (err) => finish(false, `udp ${target}: ${errorCode(err)}`));
    socket.on('message', (reply: Buffer) => {
      const problem = replyProblem(spec, reply);
      finish(problem === undefined, `udp ${target}: ${problem ?? `reply of ${reply.length} bytes`}`);
    });
    const timer = setTimeout(() => {
      if (spec.requireReply) finish(false, `udp ${target}: no reply within ${spec.connectTimeoutMs} ms`);
      else finish(true, `udp ${target}: no ICMP error within ${spec.connectTimeoutMs} ms`);
    }, spec.connectTimeoutMs);
    return () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      socket.close();
    };
  };
}

/** A UDP socket bound as configured and connected to the target, so ICMP errors reach it. */
export function openConnected(spec: ConnectOptions, ready: (err?: Error) => void): Socket {
  const socket = createSocket(isIP(spec.connectIp) === 6 ? 'udp6' : 'udp4');
  const connect = (): void => socket.connect(spec.connectPort, spec.connectIp, ready);
  if (spec.bindTo !== undefined || spec.bindPort !== undefined) {
    socket.bind({ address: spec.bindTo, port: spec.bindPort ?? 0 }, connect);
  } else {
    connect();
  }
  return socket;
}

/** Why a reply does not satisfy require_reply, or undefined when it does. */
export function replyProblem(spec: UdpCheck, reply: Buffer): string | undefined {
  if (!spec.requireReply) return undefined;
  if (reply.length < spec.minReplyLength || reply.length > spec.maxReplyLength) {
    return `reply of ${reply.length} bytes outside ${spec.minReplyLength}-${spec.maxReplyLength}`;
  }
  const pattern = spec.replyPattern;
  if (pattern) {
    const n = Math.min(reply.length, pattern.bytes.length);
    for (let i = 0; i < n; i++) {
      if ((reply[i]! & pattern.mask[i]!) !== pattern.bytes[i]) return `reply differs from require_reply at byte ${i}`;
    }
  }
  return undefined;
}
