// lvsd: the director daemon's command line. Each mode is one entry of
// COMMANDS, selected by its flag (keepalived style, e.g. -t) or its name.
import { DEFAULT_CONFIG_FILE, formatDiagnostic, loadConfig, type Diagnostic } from '../config';
import type { RunOptions } from '../daemon/run';
import { SignalInbox } from '../daemon/signals';
import { endOnWriteFailure } from './write-failure';

type Options = RunOptions;

interface Command {
  name: string;
  flags: string[];
  summary: string;
  run(options: Options): number | Promise<number>;
}

const EXIT_OK = 0;
const EXIT_INVALID = 1;
const EXIT_USAGE = 2;

async function configTest(options: Options): Promise<number> {
  const result = loadConfig(options.configFile, options.configId !== undefined ? { configId: options.configId } : {});
  const diagnostics: Diagnostic[] = [...result.diagnostics];
  if (!diagnostics.some((d) => d.severity === 'error')) {
    // The checkers as the daemon builds them: what would stop it from starting stops the test too.
    const { buildConfiguredChecks } = await import('../director/health.js');
    for (const p of buildConfiguredChecks(result.config).problems) {
      diagnostics.push({ severity: 'error', file: p.at.file, line: p.at.line, keyword: p.type, message: p.message });
    }
    // And the VRRP instances as the daemon plans them.
    const { vrrpPlanProblems } = await import('../vrrp/settings.js');
    for (const p of vrrpPlanProblems(result.config)) {
      diagnostics.push({ severity: 'error', file: p.at?.file ?? options.configFile, line: p.at?.line ?? 0, keyword: 'vrrp', message: p.message });
    }
  }
  for (const d of diagnostics) process.stderr.write(formatDiagnostic(d) + '\n');
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  if (errors > 0) {
    process.stderr.write(`${options.configFile}: ${errors} error${errors > 1 ? 's' : ''}, ${warnings} warning${warnings === 1 ? '' : 's'}: configuration is not valid\n`);
    return EXIT_INVALID;
  }
  process.stderr.write(`${options.configFile}: configuration is valid${warnings ? ` (${warnings} warning${warnings > 1 ? 's' : ''})` : ''}\n`);
  return EXIT_OK;
}

async function runForeground(options: Options): Promise<number> {
  // Listening before the daemon's modules load: a SIGHUP or SIGTERM sent during start-up is held, not fatal.
  const inbox = new SignalInbox();
  const { runDaemon } = await import('../daemon/run.js');
  return await runDaemon(options, inbox);
}

const RUN: Command = { name: 'run', flags: [], summary: 'run the director in the foreground (the default)', run: runForeground };

const COMMANDS: Command[] = [
  { name: 'config-test', flags: ['-t', '--config-test'], summary: 'check the configuration and exit; touches nothing', run: configTest },
  RUN,
];

/** keepalived's flags for running in the foreground with console logs: lvsd always does. */
const KEEPALIVED_NO_OPS = ['-n', '--dont-fork', '-l', '--log-console', '-D', '--log-detail', '-C', '--check'];

function usage(): string {
  const lines = [
    'Usage: lvsd [MODE] [OPTIONS]',
    '',
    'Modes:',
    ...COMMANDS.map((c) => `  ${[...c.flags, c.name].join(', ').padEnd(30)} ${c.summary}`),
    '  -h, --help                     show this help',
    '',
    'Tools (lvsd TOOL --help):',
    ...Object.entries(TOOLS).map(([name, t]) => `  ${name.padEnd(30)} ${t.summary}`),
    '',
    'Options:',
    `  -f, --use-file FILE            configuration file (default ${DEFAULT_CONFIG_FILE})`,
    '  -i, --config-id ID             id matched by "@ID" lines (default: short host name)',
    '  --netns NAME                   drive the IPVS table of network namespace NAME',
    '  --resync SECONDS               re-read the kernel table and repair drift this often (default 5, 0 = never)',
    '  --api ADDR:PORT|off            REST API, metrics and status page address (default 127.0.0.1:7080)',
    '  --api-token-file FILE          bearer token REST API changes need (without it the API is read-only)',
    '  --state-dir DIR                where the REST API\'s objects and the services lvsd owns are saved, one lvsd per DIR (default /var/lib/lvsd)',
    `  ${KEEPALIVED_NO_OPS.join(' ')}`,
    '                                 accepted for keepalived compatibility (lvsd always runs in the foreground)',
  ];
  return lines.join('\n') + '\n';
}

type Parsed = { help: true } | { help: false; command: Command; options: Options } | { error: string };

export function parseArgs(argv: string[]): Parsed {
  const options: Options = { configFile: DEFAULT_CONFIG_FILE, resyncMs: 5000 };
  let command: Command | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    if (flag === '-h' || flag === '--help') return { help: true };
    const selected = COMMANDS.find((c) => c.flags.includes(flag) || c.name === flag);
    if (selected) {
      if (command && command !== selected) return { error: `${arg}: only one mode at a time (already ${command.name})` };
      command = selected;
    } else if (flag === '-f' || flag === '--use-file') {
      const file = value();
      if (file === undefined || file === '') return { error: `${flag} needs a file name` };
      options.configFile = file;
    } else if (flag === '-i' || flag === '--config-id') {
      const id = value();
      if (id === undefined || id === '') return { error: `${flag} needs an id` };
      options.configId = id;
    } else if (flag === '--netns') {
      const name = value();
      if (name === undefined || name === '') return { error: `${flag} needs a namespace name` };
      options.netns = name;
    } else if (flag === '--resync') {
      const text = value();
      const seconds = Number(text);
      if (text === undefined || text === '' || !Number.isFinite(seconds) || seconds < 0) return { error: `${flag} needs a number of seconds >= 0` };
      options.resyncMs = Math.round(seconds * 1000);
    } else if (flag === '--api' || flag === '--api-token-file' || flag === '--state-dir') {
      const text = value();
      if (text === undefined || text === '') return { error: `${flag} needs a ${flag === '--api' ? 'listen address ADDR:PORT (or off)' : flag === '--state-dir' ? 'directory' : 'file name'}` };
      if (flag === '--api') options.api = text;
      else if (flag === '--state-dir') options.stateDir = text;
      else options.apiTokenFile = text;
    } else if (KEEPALIVED_NO_OPS.includes(flag)) {
      continue;
    } else {
      return { error: `unknown option ${JSON.stringify(arg)}` };
    }
  }
  command ??= RUN;
  return { help: false, command, options };
}

/** Operator tools with their own options: `lvsd NAME ...`. */
const TOOLS: Record<string, { summary: string; main: () => Promise<(argv: string[]) => Promise<number>> }> = {
  realserver: { summary: 'prepare this host as a DR/TUN real server (VIP, ARP, rp_filter), or undo it', main: async () => (await import('./realserver.js')).realserverMain },
  plan: { summary: 'print the kernel changes loading a file would make, as ipvsadm rules; makes none', main: async () => (await import('./plan.js')).planMain },
  genhash: { summary: 'print the MD5 digest of a URL, for HTTP_GET/SSL_GET digest', main: async () => (await import('./genhash.js')).genhashMain },
  doctor: { summary: 'check that this host has what the configuration needs, and say what to change', main: async () => (await import('./doctor.js')).doctorMain },
};

/** A command that writes and ends: its output failing ends it too, not as an unhandled stream error. */
function endWhenOutputFails(): void {
  process.stdout.on('error', endOnWriteFailure('lvsd', 'stdout', EXIT_INVALID));
  process.stderr.on('error', endOnWriteFailure('lvsd', 'stderr', EXIT_INVALID));
}

export async function main(argv: string[]): Promise<number> {
  const tool = argv[0] !== undefined ? TOOLS[argv[0]] : undefined;
  if (tool) {
    endWhenOutputFails();
    return await (await tool.main())(argv.slice(1));
  }
  const parsed = parseArgs(argv);
  // The daemon's logs go out through pino, which drops them once the reader is gone.
  if ('error' in parsed || parsed.help || parsed.command !== RUN) endWhenOutputFails();
  if ('error' in parsed) {
    process.stderr.write(`lvsd: ${parsed.error}\n${usage()}`);
    return EXIT_USAGE;
  }
  if (parsed.help) {
    process.stdout.write(usage());
    return EXIT_OK;
  }
  return parsed.command.run(parsed.options);
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (err: unknown) => {
      process.stderr.write(`lvsd: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
      process.exitCode = EXIT_INVALID;
    },
  );
}
