// The health of every configured real server, kept by the check scheduler:
// each checker of a real_server becomes one scheduled check with a stable id,
// so that a reload keeps the checks (and the verdicts) it did not change.
import { isDeepStrictEqual } from 'node:util';
import { isDynamic, type CheckScheduler } from '../check/scheduler';
import { buildCheckSpec, type CheckInput } from '../check/spec';
import type { CheckEvent, CheckSpec } from '../check/types';
import type { Checker, KeepalivedConfig, RealServer, VirtualServer } from '../config/model';
import type { HealthLookup, ServerHealth } from './desired';
import { virtualServerName } from './desired';
import { realServerId } from './ids';
import { resolveRunAs } from '../check/run-as';

export interface ConfiguredCheck {
  id: string;
  /** The real server the check decides on: "<virtual server name> -> <address:port>". */
  server: string;
  spec: CheckSpec;
}

// Every table build names every real server; a block (never changed once
// built, but shared by the copies of its virtual server) keeps its name.
const names = new WeakMap<RealServer, { vs: string; name: string }>();

export function serverName(vs: VirtualServer, rs: RealServer): string {
  const vsName = virtualServerName(vs);
  const last = names.get(rs);
  if (last?.vs === vsName) return last.name;
  const name = `${vsName} -> ${realServerId(rs)}`;
  names.set(rs, { vs: vsName, name });
  return name;
}

function checkInput(c: Checker, vs: VirtualServer, rs: RealServer): CheckInput {
  const input: CheckInput = {
    kind: c.type,
    server: { address: rs.address, port: rs.checkPort ?? rs.port },
    connectIp: c.connectIp,
    connectPort: c.connectPort,
    bindTo: c.bindto,
    bindPort: c.bindPort,
    connectTimeout: c.connectTimeoutMs / 1000,
    retry: c.retry,
    delayBeforeRetry: c.delayBeforeRetryMs / 1000,
    delayLoop: c.delayLoopMs / 1000,
    warmup: c.warmupMs / 1000,
    rise: c.rise,
    fall: c.fall,
    alpha: c.alpha,
  };
  switch (c.type) {
    case 'HTTP_GET':
    case 'SSL_GET':
      input.urls = c.urls.map((u) => ({
        path: u.path, digest: u.digest, virtualhost: u.virtualhost, regex: u.regex, regexNoMatch: u.regexNoMatch,
        regexOptions: u.regexOptions, regexMinOffset: u.regexMinOffset, regexMaxOffset: u.regexMaxOffset,
        statusCode: u.statusCodes.map((r) => (r.from === r.to ? `${r.from}` : `${r.from}-${r.to}`)),
      }));
      input.httpProtocol = c.httpProtocol;
      input.virtualhost = c.virtualhost ?? rs.virtualhost ?? vs.virtualhost;
      input.enableSni = c.enableSni;
      input.sniHost = c.virtualhost ?? vs.virtualhost;
      break;
    case 'MISC_CHECK':
      input.miscPath = c.script.command;
      // Unset, keepalived gives the program the virtual server's delay_loop (not the checker's own).
      input.miscTimeout = (c.miscTimeoutMs ?? vs.delayLoopMs) / 1000;
      input.miscDynamic = c.dynamic;
      if (c.script.user !== undefined) {
        const ids = resolveRunAs(c.script.user, c.script.group);
        input.uid = ids.uid;
        input.gid = ids.gid;
      }
      break;
    case 'UDP_CHECK':
      input.payload = c.payload;
      input.requireReply = c.requireReply;
      input.minReplyLength = c.minReplyLength;
      input.maxReplyLength = c.maxReplyLength;
      break;
    case 'DNS_CHECK':
      input.dnsType = c.queryType;
      input.dnsName = c.name;
      break;
    case 'SMTP_CHECK':
      input.heloName = c.heloName;
      break;
    default:
      break;
  }
  return input;
}

/** A checker of the configuration that cannot be built, and why. */
export interface CheckerProblem {
  at: { file: string; line: number };
  type: string;
  message: string;
}

/** Every check a configuration asks for, and every checker that cannot be built. */
export function buildConfiguredChecks(config: KeepalivedConfig): { checks: ConfiguredCheck[]; problems: CheckerProblem[] } {
  const checks: ConfiguredCheck[] = [];
  const problems: CheckerProblem[] = [];
  for (const vs of config.virtualServers) {
    for (const rs of vs.realServers) {
      const server = serverName(vs, rs);
      rs.checkers.forEach((c, i) => {
        try {
          checks.push({ id: `${server} ${c.type}#${i + 1}`, server, spec: buildCheckSpec(checkInput(c, vs, rs)) });
        } catch (e) {
          problems.push({ at: c.at, type: c.type, message: (e as Error).message });
        }
      });
    }
  }
  return { checks, problems };
}

/** Every check a configuration asks for. Throws, naming the first checker that cannot be built. */
export function configuredChecks(config: KeepalivedConfig): ConfiguredCheck[] {
  const { checks, problems } = buildConfiguredChecks(config);
  const p = problems[0];
  if (p) throw new Error(`${p.at.file}:${p.at.line}: ${p.type}: ${p.message}`);
  return checks;
}

interface Verdict { up: boolean; weight?: number }

/** A verdict kept across a change of the check's settings: the dynamic weight only while the check still sets one. */
function carriedVerdict(v: Verdict, spec: CheckSpec): Verdict {
  return v.weight !== undefined && isDynamic(spec) ? v : { up: v.up };
}

/** Up when every verdict is; a dynamic weight asked for by a check wins over the configured one. */
function combine(verdicts: Verdict[]): ServerHealth {
  let weight: number | undefined;
  for (const v of verdicts) {
    if (!v.up) return { up: false };
    if (v.weight !== undefined) weight = v.weight;
  }
  return weight === undefined ? { up: true } : { up: true, weight };
}

/**
 * Owns the checks of the running configuration on a scheduler and answers
 * "is this real server up?" from their latest verdicts.
 */
export class HealthBook {
  private checks = new Map<string, ConfiguredCheck>();
  private byServer = new Map<string, string[]>();
  private readonly verdicts = new Map<string, Verdict>();

  constructor(private readonly scheduler: CheckScheduler) {
    scheduler.on('change', (e: CheckEvent) => {
      if (this.checks.has(e.checkId)) this.verdicts.set(e.checkId, e.weight === undefined ? { up: e.up } : { up: e.up, weight: e.weight });
    });
  }

  /** Brings the scheduler to the checks of `config`; unchanged checks keep running with their verdicts. */
  apply(checks: ConfiguredCheck[]): { added: number; removed: number; kept: number } {
    const next = new Map(checks.map((c) => [c.id, c]));
    let removed = 0;
    let added = 0;
    // A check whose settings changed starts from its old verdict, as keepalived keeps a reloaded checker's state.
    const carried = new Map<string, Verdict>();
    for (const [id, old] of this.checks) {
      const now = next.get(id);
      if (!now || !isDeepStrictEqual(now.spec, old.spec)) {
        const verdict = this.verdicts.get(id);
        if (now && verdict) carried.set(id, carriedVerdict(verdict, now.spec));
        this.scheduler.remove(id);
        this.verdicts.delete(id);
        removed++;
      }
    }
    for (const [id, c] of next) {
      if (this.scheduler.has(id)) continue;
      const from = carried.get(id);
      this.scheduler.add(id, c.spec, from);
      this.verdicts.set(id, from ?? { up: !c.spec.alpha });
      added++;
    }
    this.checks = next;
    this.byServer = new Map();
    for (const c of checks) {
      const list = this.byServer.get(c.server);
      if (list) list.push(c.id);
      else this.byServer.set(c.server, [c.id]);
    }
    return { added, removed, kept: checks.length - added };
  }

  /** A real server is up when every one of its checks is; one without checks is always up. */
  serverHealth(server: string): ServerHealth {
    return combine((this.byServer.get(server) ?? []).map((id) => this.verdicts.get(id) ?? { up: false }));
  }

  readonly lookup: HealthLookup = (vs, rs) => this.serverHealth(serverName(vs, rs));

  /**
   * Health as it will be once `checks` are applied: the verdicts of checks that
   * stay (changed or not), and the starting verdict (up unless alpha) of new ones.
   */
  prospective(checks: ConfiguredCheck[]): HealthLookup {
    const byServer = new Map<string, Verdict[]>();
    for (const c of checks) {
      const old = this.verdicts.get(c.id);
      const v = old ? carriedVerdict(old, c.spec) : { up: !c.spec.alpha };
      const list = byServer.get(c.server);
      if (list) list.push(v);
      else byServer.set(c.server, [v]);
    }
    return (vs, rs) => combine(byServer.get(serverName(vs, rs)) ?? []);
  }

  /** The check ids that decide on one real server. */
  checksOf(server: string): readonly string[] {
    return this.byServer.get(server) ?? [];
  }

  close(): void {
    for (const id of this.checks.keys()) this.scheduler.remove(id);
    this.checks.clear();
    this.byServer.clear();
    this.verdicts.clear();
  }
}
