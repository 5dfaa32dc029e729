// Helpers for tests that run inside the lab kernel (scripts/lab --test):
// shell commands, named network namespaces and the links between them.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync } from 'node:fs';

const execFileP = promisify(execFile);

export interface RunResult { code: number; stdout: string; stderr: string }

/** Runs a program (absolute path or PATH lookup by the host's execvp) and never throws on a non-zero exit. */
export async function run(file: string, args: string[], opts: { input?: string; ns?: string } = {}): Promise<RunResult> {
  const [cmd, argv] = opts.ns ? ['/usr/sbin/ip', ['netns', 'exec', opts.ns, file, ...args]] : [file, args];
  return await new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.on('error', reject);
    // The child may exit before reading its input (EPIPE): its exit status tells what happened.
    child.stdin.on('error', () => undefined);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}

/** Runs a shell command line and throws, with its output, when it fails. */
export async function sh(script: string, ns?: string): Promise<string> {
  const args = ns ? ['netns', 'exec', ns, '/bin/sh', '-ec', script] : ['-ec', script];
  const file = ns ? '/usr/sbin/ip' : '/bin/sh';
  try {
    const { stdout } = await execFileP(file, args, { maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (e) {
    const err = e as { stderr?: string; stdout?: string; message: string };
    throw new Error(`command failed: ${script}${ns ? ` (in ${ns})` : ''}\n${err.stderr ?? ''}${err.stdout ?? ''}`);
  }
}

/** True inside the lab kernel (UML guest, or a host with IPVS when run by scripts/lab --host). */
export function inLab(): boolean {
  return process.env.LVSD_LAB !== undefined && existsSync('/proc/net/ip_vs');
}

/** Fails loudly when a lab test is started outside the lab: such a test must never pass vacuously. */
export function requireLab(): void {
  if (!inLab()) throw new Error('this test needs the lab kernel: run it through scripts/lab --test');
}

/** A network namespace owned by one test, removed (with its links) by destroy(). */
export class Netns {
  private constructor(readonly name: string) {}

  static async create(name: string): Promise<Netns> {
    await run('/usr/sbin/ip', ['netns', 'del', name]);
    await sh(`ip netns add ${name} && ip -n ${name} link set lo up`);
    return new Netns(name);
  }

  sh(script: string): Promise<string> { return sh(script, this.name); }

  run(file: string, args: string[], input?: string): Promise<RunResult> {
    return run(file, args, { ns: this.name, ...(input !== undefined ? { input } : {}) });
  }

  /** Starts a long-running program in this namespace; the caller kills it. */
  spawn(file: string, args: string[]): ChildProcess {
    return spawn('/usr/sbin/ip', ['netns', 'exec', this.name, file, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  }

  async destroy(): Promise<void> {
    await run('/usr/sbin/ip', ['netns', 'pids', this.name]).then(async (r) => {
      const pids = r.stdout.split(/\s+/).filter(Boolean);
      if (pids.length) await run('/bin/kill', ['-9', ...pids]);
    });
    await run('/usr/sbin/ip', ['netns', 'del', this.name]);
  }
}

/**
 * Joins namespaces with veth pairs. With a bridge name, every namespace gets a
 * veth whose peer is enslaved to that bridge (created in the root namespace):
 * one L2 segment, like a switch.
 */
export async function connect(
  a: Netns, aIf: string, aAddr: string,
  b: Netns, bIf: string, bAddr: string,
): Promise<void> {
  await sh(`ip link add ${aIf} netns ${a.name} type veth peer name ${bIf} netns ${b.name}
ip -n ${a.name} addr add ${aAddr} dev ${aIf}
ip -n ${b.name} addr add ${bAddr} dev ${bIf}
ip -n ${a.name} link set ${aIf} up
ip -n ${b.name} link set ${bIf} up`);
}

export class Bridge {
  private constructor(readonly name: string) {}

  static async create(name: string): Promise<Bridge> {
    await run('/usr/sbin/ip', ['link', 'del', name]);
    await sh(`ip link add ${name} type bridge && ip link set ${name} up`);
    return new Bridge(name);
  }

  /** Plugs a namespace into the bridge through a new veth named ifName inside it. */
  async attach(ns: Netns, ifName: string, cidr?: string): Promise<void> {
    const port = `${this.name}-${ns.name}`.slice(0, 15);
    await sh(`ip link add ${port} type veth peer name ${ifName} netns ${ns.name}
ip link set ${port} master ${this.name} up
ip -n ${ns.name} link set ${ifName} up${cidr ? `\nip -n ${ns.name} addr add ${cidr} dev ${ifName}` : ''}`);
  }

  async destroy(): Promise<void> {
    await run('/usr/sbin/ip', ['link', 'del', this.name]);
  }
}

/**
 * One shell script that builds a switch: a bridge, and for each host a fresh
 * namespace plugged into it through a veth named eth0 (addressed when a CIDR
 * is given). One shell, because many short-lived commands race each other.
 */
export function segmentScript(bridge: string, hosts: Array<string | [ns: string, cidr: string]>): string {
  const lines = [`ip link del ${bridge} 2>/dev/null || true`, `ip link add ${bridge} type bridge`, `ip link set ${bridge} up`];
  hosts.forEach((host, i) => {
    const [ns, cidr] = typeof host === 'string' ? [host, undefined] : host;
    lines.push(`ip netns del ${ns} 2>/dev/null || true`, `ip netns add ${ns}`, `ip -n ${ns} link set lo up`,
      `ip link add ${bridge}-${i} type veth peer name eth0 netns ${ns}`, `ip link set ${bridge}-${i} master ${bridge} up`,
      `ip -n ${ns} link set eth0 up`);
    if (cidr !== undefined) lines.push(`ip -n ${ns} addr add ${cidr} dev eth0`);
  });
  return lines.join('\n');
}

/** The script that tears down what segmentScript built, killing what still runs in the namespaces. */
export function segmentTeardownScript(bridge: string, namespaces: string[]): string {
  return [...namespaces.map((ns) => `ip netns pids ${ns} | xargs -r kill -9; ip netns del ${ns} 2>/dev/null || true`),
    `ip link del ${bridge} 2>/dev/null || true`].join('\n');
}
