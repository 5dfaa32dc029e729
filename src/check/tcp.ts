// TCP_CHECK: a server is up when it accepts a connection within connect_timeout.
import { Socket, type TcpSocketConnectOpts } from 'node:net';
import type { ConnectOptions, TcpCheck } from './types';
import { errorCode, hostPort, type Probe } from './probe';

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
      clearTimeout(timer);
      socket.destroy();
      done({ ok, reason });
    };
    const timer = setTimeout(finish, spec.connectTimeoutMs, false, timeoutReason);
    socket.once('connect', () => finish(true, okReason));
    socket.once('error', (err) => finish(false, `connect ${target}: ${errorCode(err)}`));
    try {
      socket.connect(options);
    } catch (err) {
      process.nextTick(finish, false, `connect ${target}: ${errorCode(err)}`);
    }
    return () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
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
