// Turns one ipvsadm command line into a typed command, refusing bad input
// with ipvsadm 1.31's own messages and exit statuses, checked in the same order.
import { PoptContext, type OptionSpec } from './popt';
import { inetAton, inetPton6, v4FromNumber, type Family, type InetAddr } from './inet';
import { EXIT_FAIL, EXIT_ERROR, Exit, type Output } from './exit';
import type { Names } from './resolve';
import { usageText, versionText } from './usage';

export const COMMANDS = [
  'add-service', 'edit-service', 'delete-service', 'flush', 'list', 'add-server', 'delete-server',
  'edit-server', 'set', 'start-daemon', 'stop-daemon', 'restore', 'save', 'zero',
] as const;
export type CommandName = typeof COMMANDS[number];

/** Option names as ipvsadm reports them; the index is the option's bit. */
export const OPTION_NAMES = [
  'numeric', 'connection', 'service-address', 'scheduler', 'persistent', 'netmask', 'real-server',
  'forwarding-method', 'weight', 'u-threshold', 'l-threshold', 'mcast-interface', 'timeout', 'daemon',
  'stats', 'rate', 'thresholds', 'persistent-conn', 'nosort', 'syncid', 'exact', 'ops', 'pe', 'sched-flags',
  'mcast-group', 'mcast-port', 'mcast-ttl', 'sync-maxlen', 'tun-info', 'tun-type', 'tun-port', 'tun-nocsum',
  'tun-csum', 'tun-remcsum',
] as const;
export type OptionName = typeof OPTION_NAMES[number];

// Which option each command allows: 'x' illegal, '+' required, '1' at most one of these, ' ' allowed.
const COMMAND_OPTIONS: Record<CommandName, string> = {
  'add-service':    'xx+   xxxxxxxxxxxxxxx   xxxxxxxxxx',
  'edit-service':   'xx+   xxxxxxxxxxxxxxx   xxxxxxxxxx',
  'delete-service': 'xx+xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
  'flush':          'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
  'list':           ' 11xxxxxxxxx11       xxxxxxx xxxxx',
  'add-server':     'xx+xxx+    xxxxxxxxxxxxxxxxxx     ',
  'delete-server':  'xx+xxx+xxxxxxxxxxxxxxxxxxxxxxxxxxx',
  'edit-server':    'xx+xxx+    xxxxxxxxxxxxxxxxxx     ',
  'set':            'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
  'start-daemon':   'xxxxxxxxxxx xxxxxxx xxxx    xxxxxx',
  'stop-daemon':    'xxxxxxxxxxxxxxxxxxx xxxxxxxxxxxxxx',
  'restore':        'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
  'save':           ' xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
  'zero':           'xx xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
};

export const TUNNEL_NAMES = ['ipip', 'gue', 'gre'] as const;
// Per tunnel type, for tun-port, tun-nocsum, tun-csum, tun-remcsum.
const TUNNEL_OPTIONS = ['xxxx', '+111', 'x11x'];
const TUNNEL_OPTION_NAMES: OptionName[] = ['tun-port', 'tun-nocsum', 'tun-csum', 'tun-remcsum'];

export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_SCTP = 132;

export const FWD_MASQ = 0;
export const FWD_TUNNEL = 2;
export const FWD_ROUTE = 3;

export const SVC_F_PERSISTENT = 0x1;
export const SVC_F_ONEPACKET = 0x4;
export const SVC_F_SCHED_MASK = 0x38;
const MAX_TIMEOUT = 86400 * 31;
const DEFAULT_PERSISTENT_TIMEOUT = 360;
const DEFAULT_SCHEDULER = 'wlc';

export interface Format {
  numeric: boolean; rule: boolean; stats: boolean; rate: boolean; thresholds: boolean;
  persistentConn: boolean; noSort: boolean; exact: boolean; tunInfo: boolean;
}

export function emptyFormat(): Format {
  return {
    numeric: false, rule: false, stats: false, rate: false, thresholds: false,
    persistentConn: false, noSort: false, exact: false, tunInfo: false,
  };
}

/** A virtual service as the command line describes it (family 0: none given). */
export interface ServiceSpec {
  family: 0 | Family;
  protocol: number;
  addr: InetAddr;
  port: number;
  fwmark: number;
  scheduler: string;
  flags: number;
  timeout: number;
  /** IPv4: mask as a 32-bit number; IPv6: prefix length. */
  netmask: number;
  pe: string;
}

export interface ServerSpec {
  family: 0 | Family;
  addr: InetAddr;
  port: number;
  forward: number;
  weight: number;
  upperThreshold: number;
  lowerThreshold: number;
  tunnelType: number;
  tunnelPort: number;
  tunnelFlags: number;
}

export interface DaemonSpec {
  state: 'master' | 'backup';
  interface: string;
  syncId: number;
  syncMaxLen: number;
  mcastGroup?: string;
  mcastPort: number;
  mcastTtl: number;
}

export interface ParsedCommand {
  command: CommandName;
  options: Set<OptionName>;
  format: Format;
  service: ServiceSpec;
  server: ServerSpec;
  timeouts: { tcp: number; tcpFin: number; udp: number };
  daemon: DaemonSpec;
}

/** A line that popt refused: ipvsadm reports it and goes on (status -1). */
export interface ParseFailure { failure: string }

type Val =
  | 'A' | 'E' | 'D' | 'C' | 'L' | 'Z' | 'a' | 'e' | 'd' | 'set' | 'h' | 'v' | 'R' | 'S' | 'start-daemon'
  | 'stop-daemon' | 't' | 'u' | 'sctp' | 'f' | 's' | 'p' | 'M' | 'r' | 'm' | 'i' | 'g' | 'w' | 'x' | 'y' | 'n'
  | 'c' | 'mcast-interface' | 'syncid' | 'timeout' | 'daemon' | 'stats' | 'rate' | 'thresholds'
  | 'persistent-conn' | 'nosort' | 'sort' | 'X' | '6' | 'o' | 'pe' | 'b' | 'mcast-group' | 'mcast-port'
  | 'mcast-ttl' | 'sync-maxlen' | 'tun-info' | 'tun-type' | 'tun-port' | 'tun-nocsum' | 'tun-csum' | 'tun-remcsum';

const none = (long: string, short: string | undefined, val: Val): OptionSpec<Val> => ({ long, short, arg: 'none', val });
const str = (long: string, short: string | undefined, val: Val): OptionSpec<Val> => ({ long, short, arg: 'required', val });

const OPTION_TABLE: OptionSpec<Val>[] = [
  none('add-service', 'A', 'A'), none('edit-service', 'E', 'E'), none('delete-service', 'D', 'D'),
  none('clear', 'C', 'C'), none('list', 'L', 'L'), none('list', 'l', 'L'), none('zero', 'Z', 'Z'),
  none('add-server', 'a', 'a'), none('edit-server', 'e', 'e'), none('delete-server', 'd', 'd'),
  none('set', undefined, 'set'), none('help', 'h', 'h'), none('version', 'v', 'v'), none('restore', 'R', 'R'),
  none('save', 'S', 'S'), str('start-daemon', undefined, 'start-daemon'), str('stop-daemon', undefined, 'stop-daemon'),
  str('tcp-service', 't', 't'), str('udp-service', 'u', 'u'), str('sctp-service', undefined, 'sctp'),
  str('fwmark-service', 'f', 'f'), str('scheduler', 's', 's'),
  { long: 'persistent', short: 'p', arg: 'optional', val: 'p' },
  str('netmask', 'M', 'M'), str('real-server', 'r', 'r'), none('masquerading', 'm', 'm'), none('ipip', 'i', 'i'),
  none('gatewaying', 'g', 'g'), str('weight', 'w', 'w'), str('u-threshold', 'x', 'x'), str('l-threshold', 'y', 'y'),
  none('numeric', 'n', 'n'), none('connection', 'c', 'c'), str('mcast-interface', undefined, 'mcast-interface'),
  str('syncid', undefined, 'syncid'), none('timeout', undefined, 'timeout'), none('daemon', undefined, 'daemon'),
  none('stats', undefined, 'stats'), none('rate', undefined, 'rate'), none('thresholds', undefined, 'thresholds'),
  none('persistent-conn', undefined, 'persistent-conn'), none('nosort', undefined, 'nosort'),
  none('sort', undefined, 'sort'), none('exact', 'X', 'X'), none('ipv6', '6', '6'), none('ops', 'o', 'o'),
  str('pe', undefined, 'pe'), str('sched-flags', 'b', 'b'), str('mcast-group', undefined, 'mcast-group'),
  str('mcast-port', undefined, 'mcast-port'), str('mcast-ttl', undefined, 'mcast-ttl'),
  str('sync-maxlen', undefined, 'sync-maxlen'), none('tun-info', undefined, 'tun-info'),
  str('tun-type', undefined, 'tun-type'), str('tun-port', undefined, 'tun-port'),
  none('tun-nocsum', undefined, 'tun-nocsum'), none('tun-csum', undefined, 'tun-csum'),
  none('tun-remcsum', undefined, 'tun-remcsum'),
];

const FIRST_COMMANDS: Partial<Record<Val, CommandName>> = {
  A: 'add-service', E: 'edit-service', D: 'delete-service', a: 'add-server', e: 'edit-server', d: 'delete-server',
  C: 'flush', L: 'list', Z: 'zero', set: 'set', R: 'restore', S: 'save',
  'start-daemon': 'start-daemon', 'stop-daemon': 'stop-daemon',
};

/** strtol(s, 10) accepted whole, within [min, max]; undefined otherwise (string_to_number). */
export function stringToNumber(s: string, min: number, max: number): number | undefined {
  if (!/^[ \t\n\v\f\r]*[+-]?[0-9]+$/.test(s)) return undefined;
  const n = Number(s.trim());
  return n >= min && n <= max ? n : undefined;
}

/** atoi: leading blanks, sign and digits, anything after ignored. */
function atoi(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?[0-9]+)/.exec(s);
  return m ? Number(m[1]) | 0 : 0;
}

function fail(out: Output, message: string): never {
  out.err(`${message}\n`);
  throw new Exit(EXIT_FAIL);
}

export function tryHelpExit(out: Output, program: string): never {
  out.err(`Try \`${program} -h' or '${program} --help' for more information.\n`);
  throw new Exit(EXIT_ERROR);
}

const SERVICE_NONE = 0;
const SERVICE_ADDR = 1;
const SERVICE_PORT = 2;

type ServiceTarget = { family: 0 | Family; addr: InetAddr; port: number; netmask?: number };

/**
 * host[:port], [v6]:port or a bare v6 address, as parse_service reads it.
 * Synchronous unless a host name must be looked up: a restore parses two
 * addresses per line, and a promise for each was much of its garbage.
 */
function parseService(text: string, target: ServiceTarget, protocol: number, names: Names): number | Promise<number> {
  if (/^[0-9]*$/.test(text)) return SERVICE_NONE;
  let buf = text;
  let portText: string | undefined;
  if (buf.startsWith('[')) {
    const close = buf.indexOf(']');
    if (close < 0) return SERVICE_NONE;
    if (buf[close + 1] !== ':') return SERVICE_NONE;
    portText = buf.slice(close + 2);
    buf = buf.slice(1, close);
  }
  const v6 = inetPton6(buf);
  if (v6) {
    target.addr = { family: 6, bytes: v6 };
    target.family = 6;
    if (target.netmask !== undefined) target.netmask = 128;
    return servicePort(portText, target, protocol, names);
  }
  // A bracketed non-IPv6 host loses its port here, exactly as ipvsadm does.
  const colon = buf.lastIndexOf(':');
  portText = colon >= 0 ? buf.slice(colon + 1) : undefined;
  if (colon >= 0) buf = buf.slice(0, colon);
  const v4 = inetAton(buf);
  if (v4 !== undefined) return serviceV4(v4, portText, target, protocol, names);
  return names.hostToAddr(buf).then((found) => (found === undefined ? SERVICE_NONE : serviceV4(found, portText, target, protocol, names)));
}

function serviceV4(v4: number, portText: string | undefined, target: ServiceTarget, protocol: number, names: Names): number {
  target.addr = v4FromNumber(v4);
  target.family = 4;
  return servicePort(portText, target, protocol, names);
}

function servicePort(portText: string | undefined, target: ServiceTarget, protocol: number, names: Names): number {
  if (portText === undefined) return SERVICE_ADDR;
  let port = stringToNumber(portText, 0, 65535);
  if (port === undefined) port = names.serviceToPort(portText, protocol);
  if (port === undefined) return SERVICE_NONE;
  target.port = port;
  return SERVICE_ADDR | SERVICE_PORT;
}

function parseTimeout(out: Output, text: string | null, min: number, max: number): number {
  if (text === null) return DEFAULT_PERSISTENT_TIMEOUT;
  const n = stringToNumber(text, min, max);
  if (n === undefined) fail(out, `invalid timeout value \`${text}' specified`);
  return n;
}

function parseFwmark(out: Output, text: string): number {
  const n = /^[ \t\n\v\f\r]*[+-]?[0-9]+$/.test(text) ? Number(text.trim()) : NaN;
  if (!(n > 0 && n <= 0xffffffff)) fail(out, `invalid fwmark value \`${text}' specified`);
  return n;
}

function parseSchedFlags(out: Output, scheduler: string, text: string): number {
  const sched = scheduler || DEFAULT_SCHEDULER;
  let flags = 0;
  for (const flag of text.split(',').filter(Boolean)) {
    const bit = { 'flag-1': 0x8, 'flag-2': 0x10, 'flag-3': 0x20, 'sh-fallback': 0x8, 'sh-port': 0x10, 'mh-fallback': 0x8, 'mh-port': 0x10 }[flag];
    if (bit === undefined) fail(out, `invalid scheduler flag \`${flag}'`);
    flags |= bit;
    const needs = flag.startsWith('sh-') ? 'sh' : flag.startsWith('mh-') ? 'mh' : undefined;
    if (needs && sched !== needs) fail(out, `incompatible scheduler flag \`${flag}'`);
  }
  return flags;
}

function protocolOf(val: Val): number {
  return val === 't' ? IPPROTO_TCP : val === 'u' ? IPPROTO_UDP : IPPROTO_SCTP;
}

function checkCommandOptions(out: Output, command: CommandName, options: Set<OptionName>): void {
  const row = COMMAND_OPTIONS[command];
  let first: OptionName | undefined;
  for (let j = 0; j < OPTION_NAMES.length; j++) {
    const name = OPTION_NAMES[j]!;
    const rule = row[j];
    if (!options.has(name)) {
      if (rule === '+') fail(out, `You need to supply the '${name}' option for the '${command}' command`);
      continue;
    }
    if (rule === 'x') fail(out, `Illegal '${name}' option with the '${command}' command`);
    if (rule === '1') {
      if (first === undefined) first = name;
      else fail(out, `The option '${name}' conflicts with the '${first}' option in the '${command}' command`);
    }
  }
}

function checkTunnelOptions(out: Output, tunnelType: number, options: Set<OptionName>): void {
  const row = TUNNEL_OPTIONS[tunnelType]!;
  const type = TUNNEL_NAMES[tunnelType];
  let first: OptionName | undefined;
  for (let j = 0; j < TUNNEL_OPTION_NAMES.length; j++) {
    const name = TUNNEL_OPTION_NAMES[j]!;
    const rule = row[j];
    if (!options.has(name)) {
      if (rule === '+') fail(out, `You need to supply the '${name}' option for the '${type}' tunnel type`);
      continue;
    }
    if (rule === 'x') fail(out, `Illegal '${name}' option with the '${type}' tunnel type`);
    if (rule === '1') {
      if (first === undefined) first = name;
      else fail(out, `The option '${name}' conflicts with the '${first}' option in the '${type}' tunnel type`);
    }
  }
}

/** The address of a command line that names none. Shared: parsing replaces an address, never writes into one. */
const NO_ADDR: InetAddr = Object.freeze({ family: 4, bytes: new Uint8Array(16) });

type Parsed = ParsedCommand | ParseFailure;

/** Runs a parse to its end: at once when it waits for nothing, otherwise through each name lookup it waits for. */
function drive(steps: Generator<Promise<unknown>, Parsed, unknown>, next: () => IteratorResult<Promise<unknown>, Parsed>): Parsed | Promise<Parsed> {
  const step = next();
  if (step.done) return step.value;
  return step.value.then((v) => drive(steps, () => steps.next(v)), (e: unknown) => drive(steps, () => steps.throw(e)));
}

/**
 * Parses argv (argv[0] is the program name) like ipvsadm's parse_options and
 * the checks of process_options. Throws Exit for what ipvsadm exits on.
 * Synchronous unless a host or service name must be looked up: a restore
 * parses thousands of numeric lines, and a promise for each costs more than
 * the parse.
 */
export function parseCommandLine(argv: readonly string[], out: Output, names: Names): Parsed | Promise<Parsed> {
  const steps = parseSteps(argv, out, names);
  return drive(steps, () => steps.next());
}

/** The parse, yielding each name lookup it must wait for. */
function* parseSteps(argv: readonly string[], out: Output, names: Names): Generator<Promise<unknown>, Parsed, unknown> {
  const program = argv[0];
  const ctx = new PoptContext<Val>(argv.slice(1), OPTION_TABLE);
  const options = new Set<OptionName>();
  const format = emptyFormat();
  const service: ServiceSpec = {
    family: 0, protocol: 0, addr: NO_ADDR, port: 0, fwmark: 0, scheduler: '', flags: 0, timeout: 0,
    netmask: 0xffffffff, pe: '',
  };
  const server: ServerSpec = {
    family: 0, addr: NO_ADDR, port: 0, forward: FWD_ROUTE, weight: 1, upperThreshold: 0, lowerThreshold: 0,
    tunnelType: 0, tunnelPort: 0, tunnelFlags: 0,
  };
  const timeouts = { tcp: 0, tcpFin: 0, udp: 0 };
  const daemon: DaemonSpec = { state: 'master', interface: '', syncId: 0, syncMaxLen: 0, mcastPort: 0, mcastTtl: 0 };
  let schedFlags = '';

  const setOption = (name: OptionName): void => {
    if (options.has(name)) fail(out, `multiple '${name}' options specified`);
    options.add(name);
  };

  const first = ctx.nextOption();
  if (first.kind !== 'option') tryHelpExit(out, program);
  if (first.val === 'h') {
    out.out(usageText(program));
    throw new Exit(0);
  }
  if (first.val === 'v') {
    out.out(versionText());
    throw new Exit(0);
  }
  const command = FIRST_COMMANDS[first.val];
  if (command === undefined) tryHelpExit(out, program);
  if (command === 'start-daemon' || command === 'stop-daemon') {
    if (first.arg === 'master' || first.arg === 'backup') daemon.state = first.arg;
    else fail(out, command === 'start-daemon' ? 'illegal start-daemon parameter specified' : 'illegal start_daemon specified');
  }

  for (;;) {
    const ev = ctx.nextOption();
    if (ev.kind === 'end') break;
    if (ev.kind === 'error') return { failure: `${ev.badOption}: ${ev.error}\n` };
    const arg = ev.arg ?? '';
    switch (ev.val) {
      case 't': case 'u': case 'sctp': {
        setOption('service-address');
        service.protocol = protocolOf(ev.val);
        let parsed = parseService(arg, service, service.protocol, names);
        if (typeof parsed !== 'number') parsed = (yield parsed) as number;
        if (!(parsed & SERVICE_ADDR)) fail(out, 'illegal virtual server address[:port] specified');
        break;
      }
      case 'f':
        setOption('service-address');
        service.family = 4;
        service.protocol = IPPROTO_TCP;
        service.fwmark = parseFwmark(out, arg);
        break;
      case 's':
        setOption('scheduler');
        service.scheduler = arg.slice(0, 15);
        break;
      case 'p':
        setOption('persistent');
        service.flags |= SVC_F_PERSISTENT;
        service.timeout = parseTimeout(out, ev.arg, 1, MAX_TIMEOUT);
        break;
      case 'M':
        setOption('netmask');
        if (service.family !== 6) {
          let mask = inetAton(arg);
          if (mask === undefined) mask = (yield names.hostToAddr(arg)) as number | undefined;
          if (mask === undefined) fail(out, 'illegal virtual server persistent mask specified');
          service.netmask = mask;
        } else {
          service.netmask = atoi(arg);
          if (service.netmask < 1 || service.netmask > 128) fail(out, 'illegal ipv6 netmask specified');
        }
        break;
      case 'r': {
        setOption('real-server');
        const target = { family: service.family, addr: service.addr, port: service.port };
        let parsed = parseService(arg, target, service.protocol, names);
        if (typeof parsed !== 'number') parsed = (yield parsed) as number;
        server.family = target.family;
        server.addr = target.addr;
        server.port = target.port;
        if (!(parsed & SERVICE_ADDR)) fail(out, 'illegal real server address[:port] specified');
        if (parsed === SERVICE_ADDR) server.port = service.port;
        break;
      }
      case 'i': setOption('forwarding-method'); server.forward = FWD_TUNNEL; break;
      case 'g': setOption('forwarding-method'); server.forward = FWD_ROUTE; break;
      case 'm': setOption('forwarding-method'); server.forward = FWD_MASQ; break;
      case 'w': {
        setOption('weight');
        // Debian's 1.31 build takes any non-negative int here, not just 0..65535.
        const n = stringToNumber(arg, 0, 0x7fffffff);
        if (n === undefined) fail(out, 'illegal weight specified');
        server.weight = n;
        break;
      }
      case 'x': {
        setOption('u-threshold');
        const n = stringToNumber(arg, 0, 0x7fffffff);
        if (n === undefined) fail(out, 'illegal u_threshold specified');
        server.upperThreshold = n;
        break;
      }
      case 'y': {
        setOption('l-threshold');
        const n = stringToNumber(arg, 0, 0x7fffffff);
        if (n === undefined) fail(out, 'illegal l_threshold specified');
        server.lowerThreshold = n;
        break;
      }
      case 'c': setOption('connection'); break;
      case 'n': setOption('numeric'); format.numeric = true; break;
      case 'mcast-interface': setOption('mcast-interface'); daemon.interface = arg.slice(0, 15); break;
      case 'syncid': {
        setOption('syncid');
        const n = stringToNumber(arg, 0, 255);
        if (n === undefined) fail(out, 'illegal syncid specified');
        daemon.syncId = n;
        break;
      }
      case 'timeout': setOption('timeout'); break;
      case 'daemon': setOption('daemon'); break;
      case 'stats': setOption('stats'); format.stats = true; break;
      case 'rate': setOption('rate'); format.rate = true; break;
      case 'thresholds': setOption('thresholds'); format.thresholds = true; break;
      case 'persistent-conn': setOption('persistent-conn'); format.persistentConn = true; break;
      case 'nosort': setOption('nosort'); format.noSort = true; break;
      case 'sort': break;
      case 'X': setOption('exact'); format.exact = true; break;
      case '6':
        if (!service.fwmark) fail(out, '-6 used before -f\n');
        service.family = 6;
        service.netmask = 128;
        break;
      case 'o': setOption('ops'); service.flags |= SVC_F_ONEPACKET; break;
      case 'pe': setOption('pe'); service.pe = arg.slice(0, 16); break;
      case 'b': setOption('sched-flags'); schedFlags = arg.slice(0, 127); break;
      case 'mcast-group': {
        setOption('mcast-group');
        daemon.mcastGroup = parseMcastGroup(out, arg);
        break;
      }
      case 'mcast-port': {
        setOption('mcast-port');
        const n = stringToNumber(arg, 1, 65535);
        if (n === undefined) fail(out, 'illegal mcast-port specified');
        daemon.mcastPort = n;
        break;
      }
      case 'mcast-ttl': {
        setOption('mcast-ttl');
        const n = stringToNumber(arg, 1, 255);
        if (n === undefined) fail(out, 'illegal mcast-ttl specified');
        daemon.mcastTtl = n;
        break;
      }
      case 'sync-maxlen': {
        setOption('sync-maxlen');
        const n = stringToNumber(arg, 1, 65535 - 20 - 8);
        if (n === undefined) fail(out, 'illegal sync-maxlen specified');
        daemon.syncMaxLen = n;
        break;
      }
      case 'tun-info': setOption('tun-info'); format.tunInfo = true; break;
      case 'tun-type': {
        setOption('tun-type');
        const type = (TUNNEL_NAMES as readonly string[]).indexOf(arg);
        if (type < 0) fail(out, 'illegal tunnel type specified');
        server.tunnelType = type;
        break;
      }
      case 'tun-port': {
        setOption('tun-port');
        const n = stringToNumber(arg, 1, 65535);
        if (n === undefined) fail(out, 'illegal tunnel port specified');
        server.tunnelPort = n;
        break;
      }
      case 'tun-nocsum': setOption('tun-nocsum'); break;
      case 'tun-csum': setOption('tun-csum'); server.tunnelFlags |= 1; break;
      case 'tun-remcsum': setOption('tun-remcsum'); server.tunnelFlags |= 2; break;
      default:
        fail(out, `invalid option \`${ctx.badOption()}'`);
    }
  }

  if (command === 'set') {
    const a = ctx.takeArg();
    const b = a === undefined ? undefined : ctx.takeArg();
    const c = b === undefined ? undefined : ctx.takeArg();
    if (a === undefined || b === undefined || c === undefined) fail(out, '--set option requires 3 timeout values');
    timeouts.tcp = parseTimeout(out, a, 0, MAX_TIMEOUT);
    timeouts.tcpFin = parseTimeout(out, b, 0, MAX_TIMEOUT);
    timeouts.udp = parseTimeout(out, c, 0, MAX_TIMEOUT);
  }
  const extra = ctx.takeArg();
  if (extra !== undefined) fail(out, `unexpected argument ${extra}`);
  if (schedFlags) {
    service.flags = (service.flags & ~SVC_F_SCHED_MASK) | parseSchedFlags(out, service.scheduler, schedFlags);
  }

  checkCommandOptions(out, command, options);
  if (command === 'add-service' || command === 'edit-service') {
    if (!service.fwmark && !service.port && !(service.flags & SVC_F_PERSISTENT)) {
      fail(out, 'Zero port specified for non-persistent service');
    }
    if (service.flags & SVC_F_ONEPACKET && !service.fwmark && service.protocol !== IPPROTO_UDP) {
      fail(out, 'One-Packet Scheduling is only for UDP virtual services');
    }
    if (!service.scheduler) service.scheduler = DEFAULT_SCHEDULER;
  }
  if (command === 'start-daemon' && !daemon.interface) daemon.interface = 'eth0';
  if (command === 'add-server' || command === 'edit-server') {
    if (!service.fwmark && (server.forward === FWD_TUNNEL || server.forward === FWD_ROUTE)) server.port = service.port;
    if (server.family !== service.family && server.forward !== FWD_TUNNEL) {
      fail(out, 'Different address family is allowed only for tunneling servers');
    }
    if (server.forward !== FWD_TUNNEL && (options.has('tun-type') || TUNNEL_OPTION_NAMES.some((o) => options.has(o)))) {
      fail(out, 'Tunnel options conflict with forward method');
    }
    checkTunnelOptions(out, server.tunnelType, options);
  }
  if (command === 'list') {
    const has = (o: OptionName): boolean => options.has(o);
    if (((has('connection') || has('timeout') || has('daemon')) && (has('stats') || has('rate') || has('thresholds')))
      || ((has('timeout') || has('daemon')) && has('persistent-conn'))) {
      fail(out, 'options conflicts in the list command');
    }
  }
  return { command, options, format, service, server, timeouts, daemon };
}

function parseMcastGroup(out: Output, text: string): string {
  if (text.includes(':')) {
    const b = inetPton6(text);
    if (!b || b[0] !== 0xff) fail(out, `invalid IPv6 mcast-group \`${text}'`);
    return text;
  }
  const m = /^(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})$/.exec(text);
  const octets = m ? m.slice(1).map(Number) : [];
  if (!m || octets.some((o) => o > 255) || octets[0] < 224 || octets[0] > 239) {
    fail(out, `invalid IPv4 mcast-group \`${text}'`);
  }
  return text;
}
