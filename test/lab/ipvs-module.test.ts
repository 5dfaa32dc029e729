// A kernel whose ip_vs module is not loaded yet (a fresh boot): asking for
// the IPVS generic netlink family makes the kernel load it, so lvsadm and lvsd
// work there as ipvsadm does (which would run modprobe itself otherwise).
// Each test unloads every IPVS module first; those loaded before are loaded
// again after.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Netns, requireLab, sh } from '../helpers/lab';
import { LineProcess } from '../helpers/procs';

const ROOT = join(__dirname, '..', '..', '..');
const IPVSADM = '/usr/sbin/ipvsadm';
let loadedBefore: string[] = [];
let ns: Netns;

async function ipvsModules(): Promise<string[]> {
  return (await sh('lsmod')).split('\n').map((l) => l.split(/\s+/)[0]!).filter((m) => /^ip_vs(_|$)/.test(m));
}

async function unloadIpvs(): Promise<void> {
  await ns.sh(`${IPVSADM} -C`);
  const modules = await ipvsModules();
  // Schedulers and helpers first: they hold ip_vs.
  await sh(`modprobe -r ${modules.filter((m) => m !== 'ip_vs').join(' ')} ip_vs`);
  assert.ok(!existsSync('/proc/net/ip_vs'), 'IPVS is unloaded');
}

before(async () => {
  requireLab();
  loadedBefore = await ipvsModules();
  ns = await Netns.create('ipvs-module');
});

after(async () => {
  await ns?.destroy();
  if (loadedBefore.length) await sh(`modprobe -a ${loadedBefore.join(' ')}`);
});

test('lvsadm -Ln loads ip_vs as ipvsadm does, with the same listing and status', async () => {
  await unloadIpvs();
  const want = await ns.run(IPVSADM, ['-Ln']);
  assert.equal(want.code, 0, want.stderr);
  await unloadIpvs();
  const got = await ns.run(process.execPath, [join(ROOT, 'bin/lvsadm'), '-Ln']);
  assert.deepEqual(got, want);
  assert.ok(existsSync('/proc/net/ip_vs'), 'ip_vs is loaded');
});

test('lvsadm -A loads ip_vs and adds the service', async () => {
  await unloadIpvs();
  const r = await ns.run(process.execPath, [join(ROOT, 'bin/lvsadm'), '-A', '-t', '10.0.0.1:80', '-s', 'wrr']);
  assert.deepEqual(r, { code: 0, stdout: '', stderr: '' });
  assert.match(await ns.sh(`${IPVSADM} -Sn`), /^-A -t 10\.0\.0\.1:80 -s wrr\n$/);
});

test('lvsd starts on a kernel whose ip_vs is not loaded yet', async () => {
  await unloadIpvs();
  const dir = mkdtempSync(join(ROOT, '.lab', 'module-'));
  const file = join(dir, 'keepalived.conf');
  writeFileSync(file, 'virtual_server 10.0.0.2 80 {\n protocol TCP\n  lb_algo rr\n  lb_kind NAT\n  real_server 192.168.90.11 8080 {\n    weight 1\n  }\n}\n');
  const lvsd = LineProcess.start('lvsd', ns.name, process.execPath, [join(ROOT, 'bin/lvsd'), '-f', file, '--api', 'off', '--state-dir', dir]);
  try {
    await lvsd.waitFor(/lvsd running/, 30_000);
    assert.match(await ns.sh(`${IPVSADM} -Sn`), /^-A -t 10\.0\.0\.2:80 -s rr\n-a -t 10\.0\.0\.2:80 -r 192\.168\.90\.11:8080 -m -w 1\n$/);
  } finally {
    await lvsd.stop('SIGTERM');
  }
  assert.equal(lvsd.exited, 0, lvsd.tail());
});
