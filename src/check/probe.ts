// A probe runs one attempt of a check and reports once. It returns a cancel
// function that stops the attempt and releases its socket or process without
// reporting, so the scheduler can drop checks at any time.
import type { CheckSpec, ProbeResult } from './types';
import { tcpProbe } from './tcp';
import { httpProbe } from './http';
import { miscProbe } from './misc';
import { pingProbe } from './ping';
import { udpProbe } from './udp';
import { dnsProbe } from './dns';
import { smtpProbe } from './smtp';

export type ProbeDone = (result: ProbeResult) => void;
export type Cancel = () => void;
export type Probe = (done: ProbeDone) => Cancel;
export type ProbeFactory = (spec: CheckSpec) => Probe;

export const createProbe: ProbeFactory = (spec) => {
  switch (spec.kind) {
    case 'TCP_CHECK': return tcpProbe(spec);
    case 'HTTP_GET':
    case 'SSL_GET': return httpProbe(spec);
    case 'MISC_CHECK': return miscProbe(spec);
    case 'PING_CHECK': return pingProbe(spec);
    case 'UDP_CHECK': return udpProbe(spec);
    case 'DNS_CHECK': return dnsProbe(spec);
    case 'SMTP_CHECK': return smtpProbe(spec);
  }
};

/** Runs one attempt and resolves with its result: for tools and tests. */
export function probeOnce(spec: CheckSpec, factory: ProbeFactory = createProbe): Promise<ProbeResult> {
  return new Promise((resolve) => {
    try {
      factory(spec)(resolve);
    } catch (err) {
      resolve({ ok: false, reason: `${spec.kind} could not start: ${(err as Error).message}` });
    }
  });
}

/** "10.0.0.1:80" or "[fe80::1]:80", for messages and Host headers. */
export function hostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

export function errorCode(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e?.code ?? e?.message ?? String(err);
}
