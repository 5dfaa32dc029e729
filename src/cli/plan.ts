// `lvsd plan -f FILE`: the exact kernel changes loading FILE would make to the
// running IPVS table, in ipvsadm's rule syntax, without making any.
import { CheckScheduler } from '../check/scheduler';
import { DEFAULT_CONFIG_FILE, formatDiagnostic, loadConfig } from '../config';
import { serviceKeys } from '../director/desired';
import { Director } from '../director/director';
import { serviceId } from '../director/ids';
import { formatPlan } from '../director/plan-format';
import { IpvsClient } from '../ipvs/client';
import { IpvsUnavailableError } from '../ipvs/errors';
import { parseToolArgs } from './tool-args';

const USAGE = `usage: lvsd plan [-f FILE] [-i CONFIG_ID] [--netns NAME]
Prints, as ipvsadm rules, the changes that loading FILE would make to the
running IPVS table, and makes none. Real servers are taken as up (down when
their checkers use alpha), as on a fresh start.
`;

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

export async function planMain(argv: string[]): Promise<number> {
  const parsed = parseToolArgs('plan', USAGE, argv, {
    'use-file': { type: 'string', short: 'f', default: DEFAULT_CONFIG_FILE },
    'config-id': { type: 'string', short: 'i' },
    netns: { type: 'string' },
  });
  if ('exit' in parsed) return parsed.exit;
  const { values } = parsed;
  const file = values['use-file'];
  const loaded = loadConfig(file, values['config-id'] !== undefined ? { configId: values['config-id'] } : {});
  for (const d of loaded.diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
  if (!loaded.ok) {
    process.stderr.write(`${file}: configuration is not valid; no plan\n`);
    return 1;
  }
  let client: IpvsClient;
  try {
    client = await IpvsClient.open(values.netns !== undefined ? { netns: values.netns } : {});
  } catch (err) {
    process.stderr.write(`lvsd plan: ${(err as Error).message}\n`);
    return err instanceof IpvsUnavailableError ? 3 : 1;
  }
  const scheduler = new CheckScheduler();
  const director = new Director({ table: client, scheduler, log: quiet, runScript: () => undefined });
  try {
    const ops = await director.plan(loaded.config);
    process.stdout.write(formatPlan(ops));
    const config = loaded.config;
    const desiredIds = new Set(config.virtualServers.flatMap((vs) => serviceKeys(vs, config).map(serviceId)));
    const foreign = (await client.listServices()).filter((s) => !desiredIds.has(serviceId(s.service)));
    for (const s of foreign) {
      process.stderr.write(`# ${serviceId(s.service)} is in the kernel but not in ${file}: a running lvsd removes it on reload only if it manages it\n`);
    }
    if (ops.length === 0) process.stderr.write(`# ${file}: no change to the running table\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`lvsd plan: ${(err as Error).message}\n`);
    return 1;
  } finally {
    await director.stop();
    scheduler.close();
    client.close();
  }
}
