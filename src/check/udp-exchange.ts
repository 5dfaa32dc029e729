// One request and its answer over a connected UDP socket, the shape shared by
// UDP_CHECK and DNS_CHECK: errors (ICMP unreachable included) and silence end
// the attempt; each reply is judged, and a stray one is ignored.
import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import type { ConnectOptions } from './types';
import { errorCode, type Probe } from './probe';

export interface UdpAttempt {
  request: Buffer;
  /** The verdict on a reply ({ ok, detail }), or undefined to keep waiting (a stray or stale datagram). */
  judge(reply: Buffer): { ok: boolean; detail: string } | undefined;
}

/**
 * A probe that sends each attempt's request to the target; its results read
 * "`what`: detail". silence gives the verdict when connect_timeout passes.
 */
export function udpExchangeProbe(
  spec: ConnectOptions, what: string, attempt: () => UdpAttempt, silence: { ok: boolean; detail: string },
): Probe {
  return (done) => {
    const { request, judge } = attempt();
    let finished = false;
    const stop = (): boolean => {
      if (finished) return false;
      finished = true;
      clearTimeout(timer);
      socket.close();
      return true;
    };
    const finish = (ok: boolean, detail: string): void => {
      if (stop()) done({ ok, reason: `${what}: ${detail}` });
    };
    const socket = openConnected(spec, (err) => {
      if (err) finish(false, errorCode(err));
      else socket.send(request);
    });
    socket.on('error', (err) => finish(false, errorCode(err)));
    socket.on('message', (reply: Buffer) => {
      const verdict = judge(reply);
      if (verdict) finish(verdict.ok, verdict.detail);
    });
    const timer = setTimeout(() => finish(silence.ok, silence.detail), spec.connectTimeoutMs);
    return () => { stop(); };
  };
}

/** A UDP socket bound as configured and connected to the target, so ICMP errors reach it. */
function openConnected(spec: ConnectOptions, ready: (err?: Error) => void): Socket {
  const socket = createSocket(isIP(spec.connectIp) === 6 ? 'udp6' : 'udp4');
  const connect = (): void => socket.connect(spec.connectPort, spec.connectIp, ready);
  if (spec.bindTo !== undefined || spec.bindPort !== undefined) {
    socket.bind({ address: spec.bindTo, port: spec.bindPort ?? 0 }, connect);
  } else {
    connect();
  }
  return socket;
}
