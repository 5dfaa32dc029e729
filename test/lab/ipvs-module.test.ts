// A kernel whose ip_vs module is not loaded yet (a fresh boot): asking for
// the IPVS generic netlink family makes a 6.1 kernel load it, so lvsadm and
// lvsd work there as ipvsadm does. A kernel before 5.18 does not: ipvsadm
// then runs modprobe itself, and so must lvsadm and lvsd; the kernel's module
// helper is made to refuse the IPVS family's alias to be such a kernel. Each
// test unloads every IPVS module first; those loaded before are loaded again
// after.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Netns, requireLab, sh } from '../helpers/lab';
import { LineProcess, LVSD_START_MS } from '../helpers/procs';

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

/**
 * Runs `body` with a kernel module helper that refuses the alias the kernel
 * asks for when a generic netlink family is missing, as kernels before 5.18
 * had none for IPVS; schedulers still load on demand.
 */
async function withoutFamilyAutoload(body: () => Promise<void>): Promise<void> {
  const helper = '/proc/sys/kernel/modprobe';
  const saved = readFileSync(helper, 'utf8').trim();
  const script = join(mkdtempSync(join(ROOT, '.lab', 'modprobe-')), 'modprobe');
  writeFileSync(script, `#!/bin/sh\ncase "$*" in *family-IPVS*) exit 1;; esac\nexec ${saved} "$@"\n`, { mode: 0o755 });
  writeFileSync(helper, `${script}\n`);
  try {
    await body();
  } finally {
    writeFileSync(helper, `${saved}\n`);
  }
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

/** Starts lvsd with `config` (ip_vs unloaded), checks the table it built against `table`, and stops it. */
async function lvsdBuilds(config: string, table: RegExp): Promise<void> {
  const dir = mkdtempSync(join(ROOT, '.lab', 'module-'));
  const file = join(dir, 'keepalived.conf');
  writeFileSync(file, config);
  const lvsd = LineProcess.start('lvsd', ns.name, process.execPath, [join(ROOT, 'bin/lvsd'), '-f', file, '--api', 'off', '--state-dir', dir]);
  try {
    await lvsd.waitFor(/lvsd running/, LVSD_START_MS);
    assert.match(await ns.sh(`${IPVSADM} -Sn`), table);
  } finally {
    await lvsd.stop('SIGTERM');
  }
  assert.equal(lvsd.exited, 0, lvsd.tail());
}

test('lvsd starts on a kernel whose ip_vs is not loaded yet', async () => {
  await unloadIpvs();
  await lvsdBuilds('virtual_server 10.0.0.2 80 {\n  protocol TCP\n  lb_algo rr\n  lb_kind NAT\n  real_server 192.168.90.11 8080 {\n    weight 1\n  }\n}\n',
    /^-A -t 10\.0\.0\.2:80 -s rr\n-a -t 10\.0\.0\.2:80 -r 192\.168\.90\.11:8080 -m -w 1\n$/);
});

test('on a kernel that does not load ip_vs itself, lvsadm and lvsd run modprobe as ipvsadm does', async () => {
  await withoutFamilyAutoload(async () => {
    await unloadIpvs();
    const refused = await ns.run(process.execPath, ['-e', `require(${JSON.stringify(join(ROOT, 'dist/src/ipvs/client.js'))}).IpvsClient.open().then(() => process.exit(0), (e) => { console.error(e.message); process.exit(3); })`]);
    assert.equal(refused.code, 3, 'the kernel does not load ip_vs by itself here');
    // Not root: modprobe cannot load it, and both tools say root is needed.
    const nobody = ['/usr/bin/setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];
    const deniedWant = await ns.run(nobody[0]!, [...nobody.slice(1), IPVSADM, '-Ln']);
    assert.match(deniedWant.stderr, /Permission denied \(you must be root\)/);
    assert.deepEqual(await ns.run(nobody[0]!, [...nobody.slice(1), process.execPath, join(ROOT, 'bin/lvsadm'), '-Ln']), deniedWant);
    const want = await ns.run(IPVSADM, ['-Ln']);
    assert.equal(want.code, 0, want.stderr);
    await unloadIpvs();
    const got = await ns.run(process.execPath, [join(ROOT, 'bin/lvsadm'), '-Ln']);
    assert.deepEqual(got, want);

    await unloadIpvs();
    await lvsdBuilds('virtual_server 10.0.0.3 80 {\n  protocol TCP\n  real_server 192.168.90.12 8080 {\n  }\n}\n', /^-A -t 10\.0\.0\.3:80 -s wlc\n/);
  });
});
