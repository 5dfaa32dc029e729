// Health check scheduler micro benchmark, loopback only:
//   node dist/scripts/bench-check.js [--checks 10000] [--ports 100] [--seconds 10] [--delay-loop 1] [--max-in-flight 512]
// A child process listens on --ports loopback ports and counts accepted
// connections; this process runs --checks TCP_CHECKs spread over those ports
// and, after one warm-up delay_loop, measures for --seconds: checks/s, CPU ms
// per check (process.cpuUsage of this process only) and peak RSS.
import { fork, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { CheckScheduler } from '../src/check/scheduler';
import { buildCheckSpec } from '../src/check/spec';

const LIMITS = { checks: 50_000, ports: 1_000, seconds: 120 };

function option(name: string, fallback: number, max: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i < 0 ? fallback : Number(process.argv[i + 1]);
  if (!Number.isFinite(value) || value <= 0 || value > max) {
    throw new Error(`--${name} must be a number in (0, ${max}], got ${process.argv[i + 1]}`);
  }
  return value;
}

/** Child side: listen, count, report the count when asked. */
async function listener(ports: number): Promise<void> {
  let accepted = 0;
  const servers: Server[] = [];
  const bound: number[] = [];
  for (let i = 0; i < ports; i++) {
    const server = createServer((socket) => { accepted++; socket.destroy(); });
    servers.push(server);
    bound.push(await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', 4096, () => resolve((server.address() as AddressInfo).port))));
  }
  process.send!({ ports: bound });
  process.on('message', (msg: string) => {
    if (msg === 'count') process.send!({ accepted, cpu: process.cpuUsage() });
    if (msg === 'stop') { for (const s of servers) s.close(); process.disconnect(); }
  });
}

function ask<T>(child: ChildProcess, message: string | undefined, key: string): Promise<T> {
  return new Promise((resolve) => {
    const onMessage = (msg: Record<string, unknown>): void => {
      if (key in msg) { child.off('message', onMessage); resolve(msg[key] as T); }
    };
    child.on('message', onMessage);
    if (message !== undefined) child.send(message);
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  if (process.argv.includes('--listener')) { await listener(option('ports', 100, LIMITS.ports)); return; }
  const checks = Math.floor(option('checks', 10_000, LIMITS.checks));
  const portCount = Math.floor(option('ports', 100, LIMITS.ports));
  const seconds = option('seconds', 10, LIMITS.seconds);
  const delayLoop = option('delay-loop', 1, 60);

  const child = fork(__filename, ['--listener', '--ports', String(portCount)], { stdio: 'inherit' });
  const ports = await ask<number[]>(child, undefined, 'ports');
  const maxInFlight = Math.floor(option('max-in-flight', 512, 20_000));
  const scheduler = new CheckScheduler({ maxInFlight });
  const failures = new Map<string, number>();
  scheduler.on('change', (e) => {
    if (e.up) return;
    const why = e.reason.replace(/^connect \S+: /, '');
    failures.set(why, (failures.get(why) ?? 0) + 1);
  });
  for (let i = 0; i < checks; i++) {
    scheduler.add(`rs${i}`, buildCheckSpec({
      kind: 'TCP_CHECK',
      server: { address: '127.0.0.1', port: ports[i % ports.length]! },
      delayLoop, warmup: delayLoop, connectTimeout: Math.max(2, delayLoop),
    }));
  }
  let peakRss = 0;
  const sampler = setInterval(() => { peakRss = Math.max(peakRss, process.memoryUsage().rss); }, 200);

  await sleep(delayLoop * 1000);
  const attemptsBefore = totalAttempts(scheduler);
  const listenerCpuBefore = ask<NodeJS.CpuUsage>(child, undefined, 'cpu');
  const acceptedBefore = await ask<number>(child, 'count', 'accepted');
  const cpuBefore = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await sleep(seconds * 1000);
  const cpu = process.cpuUsage(cpuBefore);
  const elapsedS = Number(process.hrtime.bigint() - t0) / 1e9;
  const attempts = totalAttempts(scheduler) - attemptsBefore;
  const listenerCpuAfter = ask<NodeJS.CpuUsage>(child, undefined, 'cpu');
  const accepted = (await ask<number>(child, 'count', 'accepted')) - acceptedBefore;
  const listenerCpu = await listenerCpuAfter;
  const listenerCpuMs = (listenerCpu.user + listenerCpu.system - (await listenerCpuBefore).user - (await listenerCpuBefore).system) / 1000;
  const inFlightAtEnd = scheduler.inFlightCount;
  const down = scheduler.statuses().filter((s) => !s.up).length;

  clearInterval(sampler);
  scheduler.close();
  child.send('stop');
  peakRss = Math.max(peakRss, process.resourceUsage().maxRSS * 1024);

  const cpuMs = (cpu.user + cpu.system) / 1000;
  console.log(`checks configured     ${checks} TCP_CHECK on ${portCount} ports, delay_loop ${delayLoop} s`);
  console.log(`measured for          ${elapsedS.toFixed(1)} s (after ${delayLoop} s warm-up)`);
  console.log(`checks/s              ${(attempts / elapsedS).toFixed(0)} (target ${(checks / delayLoop).toFixed(0)})`);
  console.log(`accepted/s (listener) ${(accepted / elapsedS).toFixed(0)}`);
  console.log(`CPU ms per check      ${(cpuMs / Math.max(attempts, 1)).toFixed(4)} (${(cpuMs / elapsedS / 10).toFixed(1)}% of one core)`);
  console.log(`listener CPU          ${(listenerCpuMs / elapsedS / 10).toFixed(1)}% of one core (a busy listener delays handshakes)`);
  console.log(`in flight (cap)       ${inFlightAtEnd} (${maxInFlight})`);
  console.log(`peak RSS              ${(peakRss / 2 ** 20).toFixed(1)} MB`);
  console.log(`servers down at end   ${down}${failures.size ? ` (${[...failures].map(([r, n]) => `${r} x${n}`).join(', ')})` : ''}`);
}

function totalAttempts(scheduler: CheckScheduler): number {
  let n = 0;
  for (const s of scheduler.statuses()) n += s.attempts;
  return n;
}

main().catch((err: unknown) => {
  console.error(`bench-check: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
