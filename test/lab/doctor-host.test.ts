// lvsd doctor against a real kernel: a namespace without IP forwarding and
// without the interface a virtual address names gets one problem line for
// each, with what to change; once both are fixed it exits 0, and with an
// lvsd running there it warns that a second one would refuse to start.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Netns, requireLab, run } from '../helpers/lab';
import { LineProcess, LVSD_START_MS } from '../helpers/procs';

const ROOT = join(__dirname, '..', '..', '..');
const LVSD = join(ROOT, 'bin', 'lvsd');

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

const CONFIG = `
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  priority 100
  virtual_ipaddress {
    10.30.0.100/24 dev doctor-vip
  }
}
virtual_server 10.30.0.100 80 {
  protocol TCP
  lb_algo wrr
  lb_kind NAT
  real_server 192.168.70.11 8080 {
    weight 1
  }
}
`;

test('doctor names the missing ip_forward and the missing interface, and exits 0 once they are fixed', async () => {
  requireLab();
  const ns = await Netns.create('doctor-host');
  cleanups.push(() => ns.destroy());
  await ns.sh('ip link add eth0 type dummy && ip link set eth0 up && sysctl -qw net.ipv4.ip_forward=0');
  const dir = mkdtempSync(join(ROOT, '.lab', 'doctor-'));
  const file = join(dir, 'keepalived.conf');
  writeFileSync(file, CONFIG);

  // Run from the root namespace: doctor examines the named one.
  const before = await run(process.execPath, [LVSD, 'doctor', '--netns', ns.name, '-f', file]);
  const lines = before.stdout.split('\n');
  assert.equal(before.code, 1, before.stdout + before.stderr);
  const line = (prefix: string): string => {
    const found = lines.filter((l) => l.startsWith(prefix));
    assert.equal(found.length, 1, `one line starting ${JSON.stringify(prefix)} in:\n${before.stdout}`);
    return found[0]!;
  };
  assert.match(line('problem forwarding:'), /net\.ipv4\.ip_forward is 0.* -> sysctl -w net\.ipv4\.ip_forward=1/);
  assert.match(line('problem interface doctor-vip:'), /no interface doctor-vip in netns doctor-host, named by virtual_ipaddress 10\.30\.0\.100 dev at .*keepalived\.conf:7 -> /);
  assert.match(line('ok      interface eth0:'), /eth0 is up/);
  assert.match(line('ok      ipvs:'), /IPVS \d+\.\d+\.\d+ answers/);
  assert.match(line('ok      scheduler wrr:'), /ip_vs_wrr is (loaded|available)/);
  assert.match(lines.filter(Boolean).at(-1)!, /^2 problems, \d+ warnings?$/);

  await ns.sh('ip link add doctor-vip type dummy && ip link set doctor-vip up && sysctl -qw net.ipv4.ip_forward=1');
  const fixed = await run(process.execPath, [LVSD, 'doctor', '--netns', ns.name, '-f', file]);
  assert.equal(fixed.code, 0, fixed.stdout + fixed.stderr);
  assert.match(fixed.stdout, /^ok {6}forwarding: net\.ipv4\.ip_forward is 1/m);
  assert.match(fixed.stdout, /^ok {6}interface doctor-vip: doctor-vip is up/m);
  assert.doesNotMatch(fixed.stdout, /^problem/m);
  assert.match(fixed.stdout, /^ok {6}lvsd: no lvsd runs in netns doctor-host yet$/m);

  // With a director running there, doctor says so: a second one would refuse to start.
  const lvsd = LineProcess.start('lvsd', ns.name, process.execPath, [LVSD, '-f', file, '--api', 'off', '--state-dir', dir]);
  cleanups.push(() => lvsd.stop('SIGKILL'));
  await lvsd.waitFor(/lvsd running/, LVSD_START_MS);
  const running = await run(process.execPath, [LVSD, 'doctor', '--netns', ns.name, '-f', file]);
  assert.equal(running.code, 0, running.stdout + running.stderr);
  assert.match(running.stdout, /^warning lvsd: an lvsd already drives the IPVS table in netns doctor-host -> a second one refuses to start/m);
  await lvsd.stop('SIGTERM');
});

test('doctor refuses a namespace that does not exist, with usage status 2', async () => {
  requireLab();
  const r = await run(process.execPath, [LVSD, 'doctor', '--netns', 'doctor-none', '-f', '/nonexistent.conf']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /no network namespace doctor-none/);
});
