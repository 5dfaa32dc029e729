// `lvsd doctor`: checks that this host has what the configuration needs
// (IPVS, privileges, forwarding, conntrack, rp_filter, IPVS sysctls,
// interfaces, free ports, schedulers) and says what to change. Read-only.
// Exit status: 0 when nothing is a problem, 1 otherwise, 2 on bad usage.
import { existsSync } from 'node:fs';
import ipaddr from 'ipaddr.js';
import { DEFAULT_CONFIG_FILE, formatDiagnostic, loadConfig, type KeepalivedConfig } from '../config';
import { parseListen, resolveListenName } from '../common/listen';
import { netnsPath } from '../net/netns';
import { diagnose, type DoctorOptions, type Finding, formatFinding } from './doctor-checks';
import { gatherFacts } from './doctor-facts';
import { parseToolArgs } from './tool-args';

const USAGE = `usage: lvsd doctor [-f FILE] [-i ID] [--netns NAME] [--api ADDRESS:PORT|off]
  -f, --use-file FILE    configuration to check the host against (default ${DEFAULT_CONFIG_FILE})
  -i, --config-id ID     id matched by "@ID" lines
  --netns NAME           examine network namespace NAME instead of the current one
  --api ADDRESS:PORT     also check that the REST API's address is free (as lvsd --api takes it, a name
                         at each of its addresses; off: no check)
Prints one line per check: ok, warning or problem, with what to change after "->".
Exits 0 when there is no problem, 1 otherwise.
`;

/**
 * The REST API's address read as `lvsd --api` reads it ("127.0.0.1:8080",
 * "[::1]:8080" or "localhost:8080"; a bare port is refused there too). A name
 * is looked up, as lvsd does, at every address it resolves to.
 */
export function parseApiAddress(text: string): { address: string; port: number } | { name: string; port: number } | { error: string } {
  const listen = parseListen(text);
  if ('error' in listen) return { error: `--api: ${listen.error}, as lvsd --api takes it` };
  if (!ipaddr.isValid(listen.host)) return { name: listen.host, port: listen.port };
  return { address: ipaddr.process(listen.host).toString(), port: listen.port };
}

/** The addresses the API would listen on; an error when a name does not resolve. */
async function apiAddresses(text: string): Promise<NonNullable<DoctorOptions['api']> | { error: string }> {
  const api = parseApiAddress(text);
  if ('error' in api) return api;
  if ('address' in api) return [api];
  try {
    return (await resolveListenName(api.name)).map((a) => ({ address: ipaddr.process(a).toString(), port: api.port, name: api.name }));
  } catch (e) {
    return { error: `--api: the name "${api.name}" does not resolve to an address (${(e as Error).message})` };
  }
}

function netnsProblem(name: string): string | undefined {
  try {
    const path = netnsPath(name);
    return existsSync(path) ? undefined : `no network namespace ${name} (${path} does not exist)`;
  } catch (e) {
    return (e as Error).message;
  }
}

function configFinding(file: string, configId: string | undefined): { config?: KeepalivedConfig; finding: Finding } {
  const result = loadConfig(file, configId !== undefined ? { configId } : {});
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length === 0) {
    return { config: result.config, finding: { level: 'ok', check: 'configuration', message: `${file} is valid` } };
  }
  return {
    finding: {
      level: 'problem', check: 'configuration',
      message: `${errors.length} error${errors.length > 1 ? 's' : ''}, first: ${formatDiagnostic(errors[0]!)}; only the host is checked`,
      fix: `lvsd -t -f ${file} lists them all`,
    },
  };
}

export async function doctorMain(argv: string[]): Promise<number> {
  const parsed = parseToolArgs('doctor', USAGE, argv, {
    'use-file': { type: 'string', short: 'f', default: DEFAULT_CONFIG_FILE },
    'config-id': { type: 'string', short: 'i' },
    netns: { type: 'string' },
    api: { type: 'string' },
  });
  if ('exit' in parsed) return parsed.exit;
  const { values } = parsed;
  const opts: DoctorOptions = {};
  if (values.api !== undefined && values.api !== 'off') {
    const api = await apiAddresses(values.api);
    if ('error' in api) {
      process.stderr.write(`lvsd doctor: ${api.error}\n${USAGE}`);
      return 2;
    }
    opts.api = api;
  }
  if (values.netns !== undefined) {
    const problem = netnsProblem(values.netns);
    if (problem) {
      process.stderr.write(`lvsd doctor: ${problem}\n`);
      return 2;
    }
  }
  const { config, finding } = configFinding(values['use-file'], values['config-id']);
  const facts = await gatherFacts(config, values.netns);
  const findings = [finding, ...diagnose(facts, config, opts)];
  for (const f of findings) process.stdout.write(formatFinding(f) + '\n');
  const problems = findings.filter((f) => f.level === 'problem').length;
  const warnings = findings.filter((f) => f.level === 'warning').length;
  process.stdout.write(`${problems} problem${problems === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}\n`);
  return problems > 0 ? 1 : 0;
}
