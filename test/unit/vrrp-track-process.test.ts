// vrrp_track_process: processes matched by name, or by command line with
// keepalived's parameter matches; zombies do not count; the quorum decides,
// with fork_delay and terminate_delay holding a change; configuration and plan.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config';
import { processMatches, ProcessWatch, readProcesses } from '../../src/vrrp/process-tracker';
import { planVrrp, processTrack, type ProcessPlan } from '../../src/vrrp/settings';

function plan(over: Partial<ProcessPlan>): ProcessPlan {
  return { name: 'p', process: 'haproxy', params: [], fullCommand: false, quorum: 1, quorumMax: 65535, forkDelayMs: 0, terminateDelayMs: 0, fingerprint: '', ...over };
}

/** A /proc with the given processes: [pid, comm, state, argv]. */
function fakeProc(list: [number, string, string, string[]][]): string {
  const dir = mkdtempSync(join(tmpdir(), 'fake-proc-'));
  for (const p of list) put(dir, p);
  mkdirSync(join(dir, 'sys'));
  return dir;
}

function put(dir: string, [pid, comm, state, argv]: [number, string, string, string[]]): void {
  mkdirSync(join(dir, String(pid)));
  writeFileSync(join(dir, String(pid), 'stat'), `${pid} (${comm}) ${state} 1 ${pid} ${pid} 0 -1\n`);
  writeFileSync(join(dir, String(pid), 'cmdline'), argv.map((a) => `${a}\0`).join(''));
}

test('processes are read from /proc with their names (parentheses and spaces kept) and command lines; zombies are left out', () => {
  const proc = fakeProc([[1, 'init', 'S', ['/sbin/init']], [20, 'my (odd) name', 'R', ['odd']], [30, 'haproxy', 'Z', []]]);
  assert.deepEqual(readProcesses(true, proc).sort((a, b) => a.comm.localeCompare(b.comm)), [
    { comm: 'init', argv: ['/sbin/init'] }, { comm: 'my (odd) name', argv: ['odd'] },
  ]);
  assert.deepEqual(readProcesses(false, proc).map((p) => p.argv), [undefined, undefined]);
});

test('matching: the exact name; with full_command the program, then exact, partial or initial parameters', () => {
  const entry = { comm: 'haproxy', argv: ['/usr/sbin/haproxy', '-f', '/etc/haproxy/haproxy.cfg', '-D'] };
  assert.equal(processMatches(plan({}), entry), true);
  assert.equal(processMatches(plan({ process: 'haprox' }), entry), false, 'no partial names, unlike pgrep');
  const full = { process: '/usr/sbin/haproxy', fullCommand: true };
  assert.equal(processMatches(plan(full), entry), true);
  assert.equal(processMatches(plan({ ...full, paramMatch: 'exact', params: ['-f', '/etc/haproxy/haproxy.cfg'] }), entry), false);
  assert.equal(processMatches(plan({ ...full, paramMatch: 'exact', params: ['-f', '/etc/haproxy/haproxy.cfg', '-D'] }), entry), true);
  assert.equal(processMatches(plan({ ...full, paramMatch: 'partial', params: ['-f', '/etc/haproxy/haproxy.cfg'] }), entry), true);
  assert.equal(processMatches(plan({ ...full, paramMatch: 'partial', params: ['-f', '/etc/haproxy'] }), entry), false);
  assert.equal(processMatches(plan({ ...full, paramMatch: 'initial', params: ['-f', '/etc/haproxy'] }), entry), true);
  assert.equal(processMatches(plan({ ...full, paramMatch: 'exact', params: [] }), { comm: 'haproxy', argv: ['/usr/sbin/haproxy'] }), true, 'param_match alone: no parameters');
});

test('the quorum decides, quorum_max bounds it, and fork_delay holds a gain until it lasts', async () => {
  const proc = fakeProc([[10, 'worker', 'S', []]]);
  const watch = new ProcessWatch(10, proc);
  try {
    watch.follow(new Map([['two', plan({ name: 'two', process: 'worker', quorum: 2, forkDelayMs: 50 })], ['none', plan({ name: 'none', process: 'worker', quorum: 0, quorumMax: 0 })]]));
    assert.equal(watch.up('two'), false, 'one of two');
    assert.equal(watch.up('none'), false, 'quorum_max 0: down while one runs');
    const changes: string[] = [];
    watch.on('change', (name, up) => changes.push(`${name} ${up ? 'up' : 'down'}`));
    put(proc, [11, 'worker', 'S', []]);
    await once(watch, 'change');
    assert.deepEqual(changes, ['two up'], 'after its fork_delay');
    rmSync(join(proc, '10'), { recursive: true });
    rmSync(join(proc, '11'), { recursive: true });
    while (changes.length < 3) await once(watch, 'change');
    assert.deepEqual(changes.sort(), ['none up', 'two down', 'two up']);
  } finally {
    watch.stop();
  }
});

test('vrrp_track_process blocks and an instance\'s track_process plan as tracks with keepalived\'s defaults', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'track-process-')), 'keepalived.conf');
  writeFileSync(file, `vrrp_track_process haproxy {
  process /usr/sbin/haproxy -f /etc/haproxy/haproxy.cfg
  param_match partial
  weight -20 reverse
  delay 0.5
  quorum 2
}
vrrp_track_process none {
  process sshd
  quorum_max 0
}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 1
  priority 100
  virtual_ipaddress {
    10.0.0.1/24
  }
  track_process {
    haproxy
    none weight 5
    missing
  }
}
`);
  const r = loadConfig(file);
  assert.ok(r.ok, JSON.stringify(r.diagnostics));
  assert.deepEqual(r.diagnostics.map((d) => `${d.line} ${d.message}`), ['22 VI_1: vrrp_track_process missing is not defined; ignored']);
  const p = planVrrp(r.config);
  assert.deepEqual(p.processes.get('haproxy'), {
    name: 'haproxy', process: '/usr/sbin/haproxy', params: ['-f', '/etc/haproxy/haproxy.cfg'], paramMatch: 'partial', fullCommand: true,
    quorum: 2, quorumMax: 65535, forkDelayMs: 500, terminateDelayMs: 500, fingerprint: p.processes.get('haproxy')!.fingerprint,
  });
  assert.deepEqual([p.processes.get('none')!.quorum, p.processes.get('none')!.quorumMax, p.processes.get('none')!.fullCommand], [0, 0, false]);
  assert.deepEqual(p.instances[0]!.config.tracks!.filter((t) => t.name.startsWith('process ')), [
    { name: processTrack('haproxy'), weight: -20, reverse: true },
    { name: processTrack('none'), weight: 5, reverse: false },
  ]);
});
