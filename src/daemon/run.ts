// `lvsd -f FILE`: the director in the foreground, as systemd runs it. It loads
// the configuration, adopts the kernel table, checks the real servers, and
// reloads on SIGHUP (an invalid file is refused and the running state stays).
// Each part of the daemon is a Component: it starts with the first
// configuration, follows reloads, and stops on SIGTERM/SIGINT.
import pino from 'pino';
import { CheckScheduler } from '../check/scheduler';
import { formatDiagnostic, loadConfig, type KeepalivedConfig, type SourceOptions } from '../config';
import { ConfigRefusedError, Director } from '../director/director';
import { IpvsClient } from '../ipvs/client';
import { openLoadingModule } from '../ipvs/module';
import { apiComponent, DEFAULT_STATE_DIR } from './api';
import { runToEnd, scriptRunner } from './scripts';
import { stateDumper } from './dump';
import { flushOnStopLogged } from './flush-on-stop';
import { claimInstance, type InstanceClaim } from './instance-lock';
import { ownershipRecord } from './owned-services';
import { claimStateDir, type StateDirClaim } from './state-dir-lock';
import type { SignalInbox } from './signals';
import { vrrpComponent } from './vrrp';
import { notifyFifoComponent } from './notify-fifo';
import { problemText, vrrpPlanProblems } from '../vrrp/settings';

export interface RunOptions {
  configFile: string;
  configId?: string;
  /** Open the IPVS socket inside this named network namespace (lab and multi-tenant use). */
  netns?: string;
  /** How often the kernel table is re-read and repaired; 0 disables. */
  resyncMs: number;
  /** REST API listen address, ADDR:PORT (default 127.0.0.1:7080). */
  api?: string;
  /** File holding the bearer token REST API changes need; without it the API is read-only. */
  apiTokenFile?: string;
  /** Where the REST API's objects are saved (default /var/lib/lvsd). */
  stateDir?: string;
}

/** What every component of the daemon can reach. */
export interface DaemonContext {
  options: RunOptions;
  log: pino.Logger;
  client: IpvsClient;
  scheduler: CheckScheduler;
  director: Director;
  /** Every component of the daemon, for those that read others (filled once all are made). */
  components: readonly Component[];
  /** Re-reads the configuration file, as SIGHUP does, once the daemon runs; says whether it was applied. */
  reload(): Promise<ReloadOutcome>;
}

export type ReloadOutcome = { applied: true } | { applied: false; reason: string };

export interface Component {
  name: string;
  /**
   * Throws, before anything reaches the kernel, when what the component needs
   * at start is missing or damaged: failing later would leave a table built without it.
   */
  precheck?(): void | Promise<void>;
  /** Called with each configuration the director accepted (the first one included). */
  apply(config: KeepalivedConfig, cause: 'start' | 'reload'): Promise<void>;
  stop(): Promise<void>;
  /** Stops once the director has (whose last events, omega's, it still takes), not before it. */
  stopsAfterDirector?: boolean;
}

/**
 * Components beyond the director, started in this order and stopped in
 * reverse. VRRP comes last: the API's start-up (schema compilation) would
 * otherwise hold the event loop while advertisements are due.
 */
const COMPONENTS: ((ctx: DaemonContext) => Component)[] = [
  // First, and it stops after the director: the instances' STOP lines and omega's lines are written before the FIFOs close.
  notifyFifoComponent,
  apiComponent,
  vrrpComponent,
];

function makeLogger(): pino.Logger {
  const level = process.env.LVSD_LOG_LEVEL ?? 'info';
  if (process.stdout.isTTY) {
    return pino({ level, transport: { target: 'pino-pretty', options: { destination: 1 } } });
  }
  return pino({ level, base: { name: 'lvsd' } });
}

/** The configuration file read and checked, every diagnostic logged; refused with its first error. */
function read(file: string, source: SourceOptions, log: pino.Logger): { config: KeepalivedConfig } | { error: string } {
  const result = loadConfig(file, source);
  let first: string | undefined;
  for (const d of result.diagnostics) {
    const text = formatDiagnostic(d);
    if (d.severity === 'error') {
      first ??= text;
      log.error({ file }, text);
    } else {
      log.warn({ file }, text);
    }
  }
  if (!result.ok) return { error: first ?? `${file}: the configuration is not valid` };
  // Checked before anything is applied, so that a reload the VRRP part refuses changes nothing.
  const problems = vrrpPlanProblems(result.config).map(problemText);
  for (const p of problems) log.error({ file }, p);
  return problems.length ? { error: problems[0]! } : { config: result.config };
}

/** Runs the daemon until SIGTERM or SIGINT; signals held by inbox since before start-up are handled once it runs. */
export async function runDaemon(opts: RunOptions, inbox: SignalInbox): Promise<number> {
  try {
    return await runUntilStopped(opts, inbox);
  } finally {
    inbox.close();
  }
}

/** lvs_flush: every service of the table goes before the configuration is loaded. */
async function flushAtStart(client: IpvsClient, log: pino.Logger): Promise<void> {
  const [result] = await client.apply([{ op: 'flush' }]);
  if (result && !result.ok) throw new Error(`lvs_flush: ${result.error.message}`);
  log.info('lvs_flush: the IPVS table was emptied before loading the configuration');
}

async function runUntilStopped(opts: RunOptions, inbox: SignalInbox): Promise<number> {
  const log = makeLogger();
  const source: SourceOptions = opts.configId !== undefined ? { configId: opts.configId } : {};
  const first = read(opts.configFile, source, log);
  if ('error' in first) {
    log.error({ file: opts.configFile }, 'configuration is not valid; not starting');
    return 1;
  }
  const config = first.config;
  let claim: InstanceClaim;
  try {
    claim = await claimInstance(opts.netns);
  } catch (err) {
    log.error({ err: (err as Error).message }, 'not starting');
    return 1;
  }
  // Two lvsd in different namespaces would otherwise share one API state, each overwriting the other's.
  const stateDir = opts.stateDir ?? DEFAULT_STATE_DIR;
  let dirClaim: StateDirClaim;
  try {
    dirClaim = claimStateDir(stateDir);
  } catch (err) {
    await claim.release();
    log.error({ err: (err as Error).message }, 'not starting');
    return 1;
  }
  if (dirClaim.removed.length) log.info({ stateDir, removed: dirClaim.removed }, 'removed the temporary files of a snapshot an earlier run did not finish');
  if (dirClaim.kept.length) log.warn({ stateDir, kept: dirClaim.kept }, 'could not remove the temporary files of a snapshot an earlier run did not finish; they are left in place');
  const releaseClaims = async (): Promise<void> => {
    dirClaim.release();
    await claim.release();
  };
  let client: IpvsClient;
  let modprobe: { loaded: boolean; output: string } | undefined;
  try {
    client = await openLoadingModule(() => IpvsClient.open(opts.netns !== undefined ? { netns: opts.netns } : {}), 'pipe', (r) => {
      modprobe = r;
      if (r.loaded) log.info({ output: r.output }, 'the kernel had no IPVS: loaded it with modprobe ip_vs');
    });
  } catch (err) {
    // No IPVS in the kernel, no rights, no such namespace: the error says which and what to do.
    await releaseClaims();
    log.error({ err: (err as Error).message, ...(modprobe ? { modprobe: modprobe.output } : {}) }, 'cannot open the IPVS table; not starting');
    return 1;
  }
  const scheduler = new CheckScheduler();
  // Read once this lvsd holds the table: a second one refused at start must not touch the record.
  const ownership = ownershipRecord(stateDir, opts.netns, log);
  const director = new Director({ table: client, scheduler, log, runScript: scriptRunner(log), ownership });
  director.on('reconciled', (r) => {
    if (r.applied.length || r.failed.length) log.info({ cause: r.cause, applied: r.applied.length, failed: r.failed.length }, 'kernel table updated');
  });
  const components: Component[] = [];
  // Set below, once reloads can run; components only call it after start.
  let reload: () => Promise<ReloadOutcome> = () => Promise.resolve({ applied: false, reason: 'lvsd is starting' });
  const ctx: DaemonContext = { options: opts, log, client, scheduler, director, components, reload: () => reload() };
  components.push(...COMPONENTS.map((make) => make(ctx)));

  // Once the startup_script has run, the shutdown_script of the configuration in effect runs at the very end.
  let started = false;
  const shutdown = async (): Promise<void> => {
    const stop = (c: Component): Promise<void> => c.stop().catch((err: Error) => log.error({ component: c.name, err: err.message }, 'stop failed'));
    const backwards = [...components].reverse();
    for (const c of backwards.filter((x) => !x.stopsAfterDirector)) await stop(c);
    await director.stop();
    for (const c of backwards.filter((x) => x.stopsAfterDirector)) await stop(c);
    await director.forgetServices(await flushOnStopLogged(director.running, client, log));
    scheduler.close();
    client.close();
    const global = (director.running ?? config).global;
    if (started && global.shutdownScript) await runToEnd(global.shutdownScript, global.shutdownScriptTimeoutMs, 'shutdown_script', log);
    await releaseClaims();
  };

  try {
    for (const c of components) await c.precheck?.();
  } catch (err) {
    log.error({ err: (err as Error).message }, 'not starting; the IPVS table is left as it is');
    await shutdown();
    return 1;
  }
  started = true;
  // As keepalived: before anything changes, so that it can prepare what the configuration needs (firewall marks...).
  if (config.global.startupScript) await runToEnd(config.global.startupScript, config.global.startupScriptTimeoutMs, 'startup_script', log);
  try {
    // As keepalived: lvs_flush empties the whole table before the configuration goes in.
    if (config.global.lvsFlush) await flushAtStart(client, log);
    await director.load(config, 'start');
    for (const c of components) await c.apply(config, 'start');
  } catch (err) {
    log.error({ err: (err as Error).message }, 'could not apply the configuration; not starting');
    await shutdown();
    return 1;
  }
  if (opts.resyncMs > 0) director.startResync(opts.resyncMs);

  // Reloads and state dumps run one at a time, in the order asked; a stop waits
  // for them. One that fails unexpectedly is logged, and never blocks the stop.
  let busy = Promise.resolve();
  const queue = <T>(what: string, task: () => Promise<T>, failed: (reason: string) => T): Promise<T> => {
    const done = busy.then(task).catch((err: Error) => {
      log.error({ err: err.message }, `${what} failed`);
      return failed(err.message);
    });
    busy = done.then(() => undefined);
    return done;
  };
  // A reload waiting for its turn reads the file when it runs: later asks join
  // it, so a burst of SIGHUPs is one reload, and a stop waits for two at most
  // (one running, one waiting: asked before the stop, it is still done first).
  let waitingReload: Promise<ReloadOutcome> | undefined;
  reload = () => {
    if (waitingReload) return waitingReload;
    log.info({ file: opts.configFile }, 'reloading');
    waitingReload = queue('reload', async (): Promise<ReloadOutcome> => {
      waitingReload = undefined;
      const next = read(opts.configFile, source, log);
      if ('error' in next) {
        log.error({ file: opts.configFile }, 'reload refused: the configuration is not valid; keeping the running one');
        return { applied: false, reason: next.error };
      }
      try {
        await director.load(next.config, 'reload');
      } catch (err) {
        const why = err instanceof ConfigRefusedError ? err.message : (err as Error).message;
        log.error({ err: why }, 'reload refused; keeping the running configuration');
        return { applied: false, reason: why };
      }
      for (const c of components) {
        await c.apply(next.config, 'reload').catch((err: Error) => log.error({ component: c.name, err: err.message }, 'reload of component failed'));
      }
      return { applied: true };
    }, (reason) => ({ applied: false, reason }));
    return waitingReload;
  };

  const dumpState = stateDumper(() => ({ configFile: opts.configFile, config: director.running, desired: director.desiredTable(), client, scheduler, components }), log, opts.stateDir);
  return await new Promise<number>((resolve) => {
    log.info({ file: opts.configFile, pid: process.pid }, 'lvsd running');
    let stopping = false;
    inbox.deliverTo((signal) => {
      if (stopping) return;
      if (signal === 'SIGHUP') return void reload();
      if (signal === 'SIGUSR1') return void queue('state dump', dumpState, () => undefined);
      stopping = true;
      inbox.releaseStopSignals();
      log.info({ signal }, director.running?.global.lvsFlushOnStop ? 'stopping; lvs_flush_on_stop removes the services' : 'stopping; the IPVS table is left in place');
      void busy.then(shutdown).then(
        () => {
          log.info({ signal }, 'lvsd stopped');
          resolve(0);
        },
        (err: Error) => {
          log.error({ signal, err: err.message }, 'lvsd stopped, with an error');
          resolve(1);
        },
      );
    });
  });
}
