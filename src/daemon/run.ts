// `lvsd -f FILE`: the director in the foreground, as systemd runs it. It loads
// the configuration, adopts the kernel table, checks the real servers, and
// reloads on SIGHUP (an invalid file is refused and the running state stays).
import pino from 'pino';
import { CheckScheduler } from '../check/scheduler';
import { formatDiagnostic, loadConfig, type KeepalivedConfig, type SourceOptions } from '../config';
import { ConfigRefusedError, Director } from '../director/director';
import { IpvsClient } from '../ipvs/client';
import { scriptRunner } from './scripts';

export interface RunOptions {
  configFile: string;
  configId?: string;
  /** Open the IPVS socket inside this named network namespace (lab and multi-tenant use). */
  netns?: string;
  /** How often the kernel table is re-read and repaired; 0 disables. */
  resyncMs: number;
}

function makeLogger(): pino.Logger {
  const level = process.env.LVSD_LOG_LEVEL ?? 'info';
  if (process.stdout.isTTY) {
    return pino({ level, transport: { target: 'pino-pretty', options: { destination: 1 } } });
  }
  return pino({ level, base: { name: 'lvsd' } });
}

function read(file: string, source: SourceOptions, log: pino.Logger): KeepalivedConfig | undefined {
  const result = loadConfig(file, source);
  for (const d of result.diagnostics) {
    const text = formatDiagnostic(d);
    if (d.severity === 'error') log.error({ file }, text);
    else log.warn({ file }, text);
  }
  return result.ok ? result.config : undefined;
}

export async function runDaemon(opts: RunOptions): Promise<number> {
  const log = makeLogger();
  const source: SourceOptions = opts.configId !== undefined ? { configId: opts.configId } : {};
  const config = read(opts.configFile, source, log);
  if (!config) {
    log.error({ file: opts.configFile }, 'configuration is not valid; not starting');
    return 1;
  }
  const client = await IpvsClient.open(opts.netns !== undefined ? { netns: opts.netns } : {});
  const scheduler = new CheckScheduler();
  const director = new Director({ table: client, scheduler, log, runScript: scriptRunner(log) });
  director.on('reconciled', (r) => {
    if (r.applied.length || r.failed.length) log.info({ cause: r.cause, applied: r.applied.length, failed: r.failed.length }, 'kernel table updated');
  });
  try {
    await director.load(config, 'start');
  } catch (err) {
    log.error({ err: (err as Error).message }, 'could not apply the configuration; not starting');
    await director.stop();
    client.close();
    return 1;
  }
  if (opts.resyncMs > 0) director.startResync(opts.resyncMs);

  let reloading = Promise.resolve();
  const reload = (): void => {
    reloading = reloading.then(async () => {
      log.info({ file: opts.configFile }, 'reloading');
      const next = read(opts.configFile, source, log);
      if (!next) {
        log.error({ file: opts.configFile }, 'reload refused: the configuration is not valid; keeping the running one');
        return;
      }
      try {
        await director.load(next, 'reload');
      } catch (err) {
        const why = err instanceof ConfigRefusedError ? err.message : (err as Error).message;
        log.error({ err: why }, 'reload refused; keeping the running configuration');
      }
    });
  };

  return await new Promise<number>((resolve) => {
    const stop = (signal: string): void => {
      log.info({ signal }, 'stopping; the IPVS table is left in place');
      process.off('SIGHUP', reload);
      void reloading.then(() => director.stop()).then(() => {
        scheduler.close();
        client.close();
        resolve(0);
      });
    };
    process.on('SIGHUP', reload);
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
    log.info({ file: opts.configFile, pid: process.pid }, 'lvsd running');
  });
}
