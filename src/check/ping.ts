// PING_CHECK through iputils ping, run without a shell. Node has no raw or
// ICMP datagram sockets; a native ICMP socket (SOCK_DGRAM/IPPROTO_ICMP, which
// needs net.ipv4.ping_group_range to admit our gid) would avoid a process per
// attempt, which only matters for very many ping checks.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import type { ConnectOptions, PingCheck } from './types';
import { errorCode, type Probe } from './probe';

const PING_PATHS = ['/usr/bin/ping', '/bin/ping', '/usr/sbin/ping', '/sbin/ping'];

export function pingArgs(spec: PingCheck & ConnectOptions): string[] {
  // ping's -W is whole seconds on older iputils; round up so we never wait less than asked.
  const waitS = Math.max(1, Math.ceil(spec.connectTimeoutMs / 1000));
  const args = ['-n', '-q', '-c', '1', '-W', String(waitS)];
  if (isIP(spec.connectIp) === 6) args.unshift('-6');
  if (spec.bindTo !== undefined) args.push('-I', spec.bindTo);
  args.push(spec.connectIp);
  return args;
}

export function pingProbe(spec: PingCheck & ConnectOptions): Probe {
  const args = pingArgs(spec);
  const target = spec.connectIp;
  return (done) => {
    const program = spec.pingPath ?? PING_PATHS.find((p) => existsSync(p));
    if (program === undefined) {
      done({ ok: false, reason: `ping ${target}: no ping program found in ${PING_PATHS.join(', ')} (install iputils-ping)` });
      return () => undefined;
    }
    let finished = false;
    const finish = (ok: boolean, reason: string): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      done({ ok, reason });
    };
    const child = spawn(program, args, { shell: false, stdio: 'ignore' });
    child.once('error', (err) => finish(false, `ping ${target}: cannot run ${program}: ${errorCode(err)}`));
    child.once('exit', (code, signal) => {
      if (code === 0) finish(true, `ping ${target}: echo reply`);
      else if (code === 1) finish(false, `ping ${target}: no echo reply within ${args[args.indexOf('-W') + 1]} s`);
      else finish(false, `ping ${target}: ${program} failed (${code === null ? signal : `exit ${code}`})`);
    });
    // ping bounds itself with -W; this is a backstop against a hung process.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish(false, `ping ${target}: ${program} did not finish`);
    }, spec.connectTimeoutMs + 2000);
    return () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
    };
  };
}
