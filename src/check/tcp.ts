// TCP_CHECK: a server is up when it accepts a connection within connect_timeout.
import { Socket, type TcpSocketConnectOpts } from 'node:net';
import type { ConnectOptions, TcpCheck } from './types';
import { errorCode, hostPort, type Probe } from './probe';
import { systemClock, TimerGroups } from './clock';

/** Connect timeouts of all TCP_CHECKs, on shared wake-ups. */
const timeouts = new TimerGroups(systemClock);

export function tcpProbe(spec: TcpCheck & ConnectOptions): Probe {
  const target = hostPort(spec.connectIp, spec.connectPort);
  const options = connectOptions(spec);
  const timeoutReason = `connect ${target}: no answer within ${spec.connectTimeoutMs} ms`;
  const okReason = `connect ${target}: accepted`;
  return (done) => {
    const socket = new Socket();
    let finished = false;
    const finish = (ok: boolean, reason: string): void => {
      if (finished) return;
      finished = true;
      timeouts.cancel(timer);
      socket.destroy();
      done({ ok, reason });
    };
    const timer = timeouts.add(() => finish(false, timeoutReason), spec.connectTimeoutMs);
    // finish() runs once and destroys the socket, so plain listeners do (once() allocates a wrapper per attempt).
    socket.on('connect', () => finish(true, okReason));
    socket.on('error', (err: Error) => finish(false, `connect ${target}: ${errorCode(err)}`));
    try {
      socket.connect(options);
    } catch (err) {
      process.nextTick(finish, false, `connect ${target}: ${errorCode(err)}`);
    }
    return () => {
      if (finished) return;
      finished = true;
      timeouts.cancel(timer);
      socket.destroy();
    };
  };
}

export function connectOptions(spec: ConnectOptions): TcpSocketConnectOpts {
  const options: TcpSocketConnectOpts = { host: spec.connectIp, port: spec.connectPort };
  if (spec.bindTo !== undefined) options.localAddress = spec.bindTo;
  if (spec.bindPort !== undefined) options.localPort = spec.bindPort;
  return options;
}
