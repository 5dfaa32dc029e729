// lvsd and keepalived 2.2.7 in one VRID on a real segment: each as master
// and as backup, VRRPv2 with and without PASS authentication and VRRPv3 with
// 100 ms adverts; exactly one master (VIP and adverts), ARP answered by the
// master; takeover on SIGKILL and on a graceful stop, give-back on
// preemption, nopreempt honoured. Then the seed configurations of a
// master/backup pair and of a dual-master pair, run as written, and an
// instance without addresses (kept for its election and notify scripts),
// promote_secondaries, the lines both write to a notify_fifo, the
// priorities both advertise as tracked files are written, the static
// addresses and routes both hold, vrrp_startup_delay, vrrp_garp_interval and
// notify_master_rx_lower_pri.
//
// Seed substitution: none in the files themselves. The lab names each
// router's interface eth0 and gives it an address in the seeds' subnet
// (182.148.15.1/24 and .2/24), which is all the seeds assume of their hosts;
// their check and notify programs do not exist here, so both daemons disable
// the vrrp_script and log the failed notify, as they would on such a host.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireLab, run, sh } from '../helpers/lab';
import { LineProcess, until } from '../helpers/procs';
import {
  ROOT, adverts, arpAnswer, buildSegment, type Segment, hasAddress, killKeepalived, settledMaster, settledPriority, startKeepalived, startLvsd, stopKeepalived, writeConfig,
} from './vrrp-segment';

const L = 'vrrp-ka-l';
const K = 'vrrp-ka-k';
const C = 'vrrp-ka-c';

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

interface Variant { version: 2 | 3; advert: number; pass: boolean }

function instance(v: Variant, priority: number, vip: string, extra = ''): string {
  return `vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 71
  version ${v.version}
  priority ${priority}
  advert_int ${v.advert}
  ${extra}
  ${v.pass ? 'authentication {\n    auth_type PASS\n    auth_pass interop\n  }' : ''}
  virtual_ipaddress {
    ${vip}/24
  }
}
`;
}

/** L (10.63.0.1) and K (10.63.0.2) on a bridge of their own, with the processes a test starts, all gone after the file. */
async function pairSegment(bridge: string): Promise<{ seg: Segment; procs: LineProcess[] }> {
  requireLab();
  const seg = await buildSegment(bridge, [[L, '10.63.0.1/24'], [K, '10.63.0.2/24']]);
  cleanups.push(() => seg.stop());
  const procs: LineProcess[] = [];
  cleanups.push(async () => { for (const p of procs) await p.stop('SIGKILL'); });
  return { seg, procs };
}

function tracked(list: LineProcess[], p: LineProcess): LineProcess {
  list.push(p);
  return p;
}

test('lvsd and keepalived share a VRID: one master, takeover, give-back, nopreempt', { timeout: 200_000 }, async () => {
  requireLab();
  const seg = await buildSegment('vrrpkabr', [[L, '10.62.0.1/24'], [K, '10.62.0.2/24'], [C, '10.62.0.3/24']]);
  cleanups.push(() => seg.stop());
  const procs: LineProcess[] = [];
  cleanups.push(async () => { for (const p of procs) await p.stop('SIGKILL'); });
  const both = new Map([[L, '10.62.0.1'], [K, '10.62.0.2']]);
  const VIP = '10.62.0.100';
  const quiet = (v: Variant) => Math.max(1.2, v.advert * 1.5);

  // keepalived master, lvsd backup (v2 with PASS): SIGKILL of keepalived, then keepalived returns and preempts.
  let v: Variant = { version: 2, advert: 1, pass: true };
  let ka = tracked(procs, await startKeepalived(seg, K, writeConfig(seg, 'k1.conf', instance(v, 150, VIP))));
  let lv = tracked(procs, await startLvsd(L, writeConfig(seg, 'l1.conf', instance(v, 100, VIP))));
  await settledMaster(seg, both, K, VIP, 71, quiet(v));
  assert.equal(await arpAnswer(C, VIP), seg.macs.get(K));
  await killKeepalived(seg, K, ka);
  await sh(`ip -n ${K} link set eth0 down`);
  await settledMaster(seg, new Map([[L, both.get(L)!]]), L, VIP, 71, quiet(v));
  assert.equal(await arpAnswer(C, VIP), seg.macs.get(L));
  await sh(`ip -n ${K} link set eth0 up`);
  ka = tracked(procs, await startKeepalived(seg, K, join(seg.dir, 'k1.conf')));
  await settledMaster(seg, both, K, VIP, 71, quiet(v));
  assert.equal(await arpAnswer(C, VIP), seg.macs.get(K));
  await stopKeepalived(seg, K, ka);
  await lv.stop('SIGTERM');

  // lvsd master, keepalived backup (v3, 100 ms): graceful stop, give-back, then SIGKILL of lvsd.
  v = { version: 3, advert: 0.1, pass: false };
  ka = tracked(procs, await startKeepalived(seg, K, writeConfig(seg, 'k2.conf', instance(v, 100, VIP))));
  lv = tracked(procs, await startLvsd(L, writeConfig(seg, 'l2.conf', instance(v, 150, VIP))));
  await settledMaster(seg, both, L, VIP, 71, quiet(v));
  assert.equal(await arpAnswer(C, VIP), seg.macs.get(L));
  await lv.stop('SIGTERM');
  await settledMaster(seg, both, K, VIP, 71, quiet(v));
  lv = tracked(procs, await startLvsd(L, join(seg.dir, 'l2.conf')));
  await settledMaster(seg, both, L, VIP, 71, quiet(v));
  await lv.stop('SIGKILL');
  await sh(`ip -n ${L} link set eth0 down`);
  await settledMaster(seg, new Map([[K, both.get(K)!]]), K, VIP, 71, quiet(v));
  assert.equal(await arpAnswer(C, VIP), seg.macs.get(K));
  await sh(`ip -n ${L} addr flush dev eth0 && ip -n ${L} addr add 10.62.0.1/24 dev eth0 && ip -n ${L} link set eth0 up`);

  // v2 without authentication: lvsd with a higher priority but nopreempt joins a keepalived master and stays backup.
  await stopKeepalived(seg, K, ka);
  v = { version: 2, advert: 1, pass: false };
  ka = tracked(procs, await startKeepalived(seg, K, writeConfig(seg, 'k3.conf', instance(v, 100, VIP))));
  await settledMaster(seg, new Map([[K, both.get(K)!]]), K, VIP, 71, 1);
  lv = tracked(procs, await startLvsd(L, writeConfig(seg, 'l3.conf', instance(v, 200, VIP, 'nopreempt'))));
  await settledMaster(seg, both, K, VIP, 71, 4);
  // ...until the master goes away.
  await stopKeepalived(seg, K, ka);
  await settledMaster(seg, both, L, VIP, 71, quiet(v));
  await lv.stop('SIGTERM');
});

test('seed configurations: a master/backup pair and a dual-master pair, lvsd beside keepalived', { timeout: 120_000 }, async () => {
  requireLab();
  const seeds = join(ROOT, 'test', 'fixtures', 'config', 'seeds');
  const seg = await buildSegment('vrrpkasbr', [[L, '182.148.15.1/24'], [K, '182.148.15.2/24'], [C, '182.148.15.3/24']]);
  cleanups.push(() => seg.stop());
  const procs: LineProcess[] = [];
  cleanups.push(async () => { for (const p of procs) await p.stop('SIGKILL'); });
  const both = new Map([[L, '182.148.15.1'], [K, '182.148.15.2']]);

  // Master/backup: lvsd runs the master's file, keepalived the backup's.
  let lv = tracked(procs, await startLvsd(L, join(seeds, '001-master-backup-master.conf')));
  let ka = tracked(procs, await startKeepalived(seg, K, join(seeds, '001-master-backup-backup.conf')));
  await settledMaster(seg, both, L, '182.148.15.239', 51, 1.5);
  await lv.stop('SIGTERM');
  await settledMaster(seg, both, K, '182.148.15.239', 51, 1.5);
  await stopKeepalived(seg, K, ka);

  // Dual master: each side masters the instance its file prefers.
  lv = tracked(procs, await startLvsd(L, join(seeds, '001-master-master-master.conf')));
  ka = tracked(procs, await startKeepalived(seg, K, join(seeds, '001-master-master-backup.conf')));
  await settledMaster(seg, both, L, '182.148.15.239', 51, 1.5);
  await settledMaster(seg, both, K, '182.148.15.235', 52, 1.5);
  assert.equal(await arpAnswer(C, '182.148.15.239'), seg.macs.get(L));
  assert.equal(await arpAnswer(C, '182.148.15.235'), seg.macs.get(K));
  await lv.stop('SIGTERM');
  await stopKeepalived(seg, K, ka);
});

/** Waits until a whole window of `seconds` has adverts for `vrid` from `source` alone, at `priority`. */
async function soleAdvertiser(seg: Awaited<ReturnType<typeof buildSegment>>, vrid: number, source: string, priority: number, seconds: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const from = Date.now() / 1000;
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const seen = (await adverts(seg, from)).filter((a) => a.vrid === vrid);
    const senders = [...new Set(seen.map((a) => `${a.source} prio ${a.priority}`))];
    if (senders.join() === `${source} prio ${priority}`) return;
    if (Date.now() > deadline) assert.fail(`adverts for VRID ${vrid} came from ${senders.join(', ') || 'nobody'}, expected ${source} prio ${priority}`);
  }
}

test('an instance without addresses (VRRPv2): lvsd backs up a keepalived master and takes over when it dies', { timeout: 90_000 }, async () => {
  const { seg, procs } = await pairSegment('vrrpkanbr');
  const bare = (priority: number): string => `vrrp_instance VI_0 {\n  interface eth0\n  virtual_router_id 73\n  priority ${priority}\n  advert_int 1\n}\n`;
  const ka = tracked(procs, await startKeepalived(seg, K, writeConfig(seg, 'k0.conf', bare(150))));
  const lv = tracked(procs, await startLvsd(L, writeConfig(seg, 'l0.conf', bare(100))));
  // lvsd accepts keepalived's adverts that carry no address, and stays quiet as its backup.
  await soleAdvertiser(seg, 73, '10.63.0.2', 150, 3.5);
  await killKeepalived(seg, K, ka);
  await soleAdvertiser(seg, 73, '10.63.0.1', 100, 2.5);
  await lv.stop('SIGTERM');
});

test('promote_secondaries: set on the interface while the instances run, as keepalived sets it, so a VIP removed keeps the other VIPs of its subnet; put back at stop', { timeout: 90_000 }, async () => {
  requireLab();
  // eth0's own address is in another subnet: the first VIP of 10.64.0.0/24 is that subnet's primary, the second its secondary.
  const seg = await buildSegment('vrrpkapsbr', [[L, '10.63.0.1/24'], [K, '10.63.0.2/24']]);
  cleanups.push(() => seg.stop());
  const procs: LineProcess[] = [];
  cleanups.push(async () => { for (const p of procs) await p.stop('SIGKILL'); });
  const two = ['10.64.0.100', '10.64.0.200'].map((vip, i) =>
    `vrrp_instance VI_${i + 1} {\n  state MASTER\n  interface eth0\n  virtual_router_id ${81 + i}\n  priority 150\n  advert_int 1\n  promote_secondaries\n  virtual_ipaddress {\n    ${vip}/24\n  }\n}\n`).join('');
  const setting = async (ns: string): Promise<string> => (await sh('cat /proc/sys/net/ipv4/conf/eth0/promote_secondaries', ns)).trim();
  const both = async (ns: string): Promise<void> => {
    await until(`${ns} holding both VIPs`, 20_000, async () => ((await hasAddress(ns, '10.64.0.100')) && (await hasAddress(ns, '10.64.0.200')) ? true : undefined));
  };
  assert.equal(await setting(K), '0');
  const ka = tracked(procs, await startKeepalived(seg, K, writeConfig(seg, 'kps.conf', two)));
  await both(K);
  const oracle = await setting(K);
  await stopKeepalived(seg, K, ka);

  assert.equal(await setting(L), '0');
  const lv = tracked(procs, await startLvsd(L, writeConfig(seg, 'lps.conf', two)));
  await both(L);
  assert.equal(await setting(L), oracle, 'the same setting keepalived makes');
  assert.equal(oracle, '1');
  // The subnet's primary goes: the kernel promotes the other VIP rather than removing it with it.
  await sh('ip addr del 10.64.0.100/24 dev eth0', L);
  assert.ok(await hasAddress(L, '10.64.0.200'), 'the second VIP stays');
  await lv.stop('SIGTERM');
  assert.equal(await setting(L), '0', 'put back as lvsd found it');
});

for (const variant of ['', 'rs_init_notifies', 'vrrp_sync_group', 'omega'] as const) {
  const initNotifies = variant === 'rs_init_notifies';
  test(`notify_fifo${variant ? ` with ${variant}` : ''}: lvsd writes the lines keepalived writes, for an instance's (and its group's) states and a real server and virtual server going down`, { timeout: 120_000 }, async () => {
    const { seg, procs } = await pairSegment(`vrrpkafifo${variant ? variant[0] : ''}br`);
    // Alone on the segment, each becomes master; the real server answers no one, so its check fails and quorum goes.
    const text = (fifo: string): string => `global_defs {\n  notify_fifo ${fifo}\n${initNotifies ? '  rs_init_notifies\n' : ''}}\n`
      + (variant === 'vrrp_sync_group' ? 'vrrp_sync_group G1 {\n  group {\n    VI_1\n  }\n}\n' : '')
      + 'vrrp_instance VI_1 {\n  state BACKUP\n  interface eth0\n  virtual_router_id 91\n  priority 150\n  advert_int 1\n  virtual_ipaddress {\n    10.63.0.100/24\n  }\n}\n'
      + `virtual_server 10.63.0.100 80 {\n  protocol TCP\n  delay_loop 1\n  lb_algo rr\n  lb_kind NAT\n${variant === 'omega' ? '  omega\n' : ''}`
      + '  real_server 10.63.0.9 8080 {\n    TCP_CHECK {\n      connect_timeout 1\n      retry 0\n    }\n  }\n}\n';
    const linesOf = async (ns: string, start: (file: string) => Promise<LineProcess>): Promise<string[]> => {
      const fifo = join(seg.dir, `${ns}.fifo`);
      const daemon = tracked(procs, await start(writeConfig(seg, `${ns}-fifo.conf`, text(fifo))));
      const reader = tracked(procs, LineProcess.start(`cat ${ns}`, ns, '/bin/cat', [fifo]));
      await until(`${ns}: master, and the real server down`, 30_000, async () =>
        (reader.lines.some((l) => l.startsWith('INSTANCE') && l.includes('MASTER')) && reader.lines.some((l) => l.startsWith('VS ')) ? true : undefined));
      await daemon.stop('SIGTERM');
      await until(`${ns}: the reader at the FIFO's end`, 15_000, async () => (reader.exited !== undefined ? true : undefined));
      return reader.lines;
    };
    const base = join(seg.dir, 'keepalived-fifo');
    const ka = await linesOf(K, async (file) => {
      const p = LineProcess.start('keepalived', K, '/usr/sbin/keepalived', ['-n', '-l', '-D', '-f', file, '-p', `${base}.pid`, '-r', `${base}-vrrp.pid`, '-c', `${base}-check.pid`]);
      await p.waitFor(/Entering (BACKUP|MASTER) STATE/, 20_000);
      return p;
    });
    const lv = await linesOf(L, (file) => startLvsd(L, file));
    // The order of VRRP and checker lines between them is the two processes' timing in keepalived; each kind keeps its own.
    const vrrpLine = (l: string): boolean => l.startsWith('INSTANCE') || l.startsWith('GROUP');
    const kinds = (lines: string[]) => [lines.filter(vrrpLine), lines.filter((l) => !vrrpLine(l))];
    assert.deepEqual(kinds(lv), kinds(ka), `lvsd:\n${lv.join('\n')}\nkeepalived:\n${ka.join('\n')}`);
    assert.equal(ka.some((l) => /^RS .* UP$/.test(l)), initNotifies, 'keepalived says the server up at start only with rs_init_notifies');
    assert.equal(ka.some((l) => l.startsWith('GROUP')), variant === 'vrrp_sync_group', 'keepalived says the group\'s states');
    assert.equal(ka.filter((l) => l.startsWith('VS ') && l.endsWith(' DOWN')).length, variant === 'omega' ? 2 : 1, 'with omega keepalived says the quorum down again as it stops');
  });
}

test('track_file: the same writes move keepalived\'s and lvsd\'s advertised priority alike, to FAULT and back', { timeout: 150_000 }, async () => {
  const { seg, procs } = await pairSegment('vrrpkatfbr');
  // The instance's "weight -5 reverse" gives value x 5: a daemon that ignored either word would advertise otherwise.
  const text = (dir: string): string => `track_file level {\n  file "${dir}/level"\n  weight 2\n  init_file 2\n}\n`
    + `track_file down {\n  file "${dir}/down"\n}\n`
    + 'vrrp_instance VI_1 {\n  state BACKUP\n  interface eth0\n  virtual_router_id 93\n  version 3\n  priority 100\n  advert_int 0.1\n'
    + '  virtual_ipaddress {\n    10.63.0.100/24\n  }\n  track_file {\n    level weight -5 reverse\n    down weight 0\n  }\n}\n';
  const steps: [what: string, act: (dir: string) => void][] = [
    ['start, init_file 2', () => undefined],
    ['level -3', (dir) => writeFileSync(join(dir, 'level'), '-3\n')],
    ['level 0x10', (dir) => writeFileSync(join(dir, 'level'), '0x10')],
    ['level -60', (dir) => writeFileSync(join(dir, 'level'), '-60\n')],
    ['level removed', (dir) => rmSync(join(dir, 'level'))],
    ['down 1', (dir) => writeFileSync(join(dir, 'down'), '1\n')],
    ['down 0', (dir) => writeFileSync(join(dir, 'down'), '0\n')],
  ];
  const observe = async (ns: string, source: string, start: (file: string) => Promise<LineProcess>, stop: (p: LineProcess) => Promise<void>): Promise<string[]> => {
    const dir = `/run/lvsd-track-file-${ns}`;
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const daemon = tracked(procs, await start(writeConfig(seg, `${ns}-tf.conf`, text(dir))));
    const seen: string[] = [];
    for (const [what, act] of steps) {
      act(dir);
      seen.push(`${what}: ${await settledPriority(seg, 93, source)}`);
      if (seen.length === 1) seen.push(`file made: ${JSON.stringify(readFileSync(join(dir, 'level'), 'utf8'))}`);
    }
    await stop(daemon);
    return seen;
  };
  const ka = await observe(K, '10.63.0.2', (file) => startKeepalived(seg, K, file), (p) => stopKeepalived(seg, K, p));
  const lv = await observe(L, '10.63.0.1', (file) => startLvsd(L, file), (p) => p.stop('SIGTERM'));
  assert.deepEqual(lv, ka, `lvsd:\n${lv.join('\n')}\nkeepalived:\n${ka.join('\n')}`);
  assert.deepEqual(ka, [
    'start, init_file 2: 110', 'file made: "2\\n"', 'level -3: 85', 'level 0x10: 180', 'level -60: silent',
    'level removed: 100', 'down 1: silent', 'down 0: 100',
  ]);
});

test('static_ipaddress and static_routes: held from start, changed at a reload and removed at stop, as keepalived holds them', { timeout: 150_000 }, async () => {
  const { seg, procs } = await pairSegment('vrrpkastbr');
  const text = (second: boolean): string => 'global_defs {\n  default_interface eth0\n}\n'
    + `static_ipaddress {\n  10.65.0.5/24 dev eth0\n  10.66.0.7/32 label eth0:st\n${second ? '' : '  10.67.0.9/24 dev eth0\n'}}\n`
    + `static_routes {\n  10.70.0.0/16 via 10.63.0.254 dev eth0\n${second ? '  10.71.0.0/16 via 10.65.0.254\n' : ''}}\n`
    + 'vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 95\n  priority 100\n  advert_int 1\n  virtual_ipaddress {\n    10.63.0.100/24\n  }\n}\n';
  /**
   * What the namespace holds, its own address written as SELF. lvsd marks its
   * routes proto static, keepalived proto keepalived: that alone may differ.
   */
  const holding = async (ns: string, self: string): Promise<string> => {
    const own = new RegExp(`${self.replaceAll('.', '\\.')}(?![0-9])`, 'g');
    const lines = [
      // "2: eth0    inet 10.66.0.7/32 scope global eth0:st\       valid_lft ...": the address with its scope and label.
      ...(await sh('ip -4 -o addr show dev eth0', ns)).trim().split('\n').map((l) => l.split('\\')[0]!.replace(/^\d+:\s+/, '').replace(/\s+/g, ' ')),
      ...(await sh('ip route show', ns)).trim().split('\n'),
    ];
    return lines.map((l) => l.replace(own, 'SELF').replace('proto keepalived', 'proto static').trim()).sort().join('\n');
  };
  const observe = async (ns: string, self: string, start: (file: string) => Promise<LineProcess>, stop: (p: LineProcess) => Promise<void>): Promise<string[]> => {
    const file = writeConfig(seg, `${ns}-static.conf`, text(false));
    const before = await holding(ns, self);
    const daemon = tracked(procs, await start(file));
    await until(`${ns}: the VIP and the static entries`, 20_000, async () => ((await hasAddress(ns, '10.63.0.100')) && (await holding(ns, self)).includes('10.70.0.0/16') ? true : undefined));
    const started = await holding(ns, self);
    writeFileSync(file, text(true));
    daemon.child.kill('SIGHUP');
    await until(`${ns}: the reload's route`, 20_000, async () => ((await holding(ns, self)).includes('10.71.0.0/16') ? true : undefined));
    await new Promise((r) => setTimeout(r, 1000));
    const reloaded = await holding(ns, self);
    await stop(daemon);
    const stopped = await holding(ns, self);
    assert.equal(stopped, before, `${ns}: everything goes at stop`);
    return [started, reloaded];
  };
  const ka = await observe(K, '10.63.0.2', (file) => startKeepalived(seg, K, file), (p) => stopKeepalived(seg, K, p));
  const lv = await observe(L, '10.63.0.1', (file) => startLvsd(L, file), (p) => p.stop('SIGTERM'));
  assert.deepEqual(lv, ka);
  assert.match(ka[0]!, /10\.66\.0\.7\/32 scope global eth0:st/, 'default_interface and the label, as keepalived takes them');
  assert.doesNotMatch(ka[1]!, /10\.67\.0\.9/, 'the address the reload dropped is gone');
});

test('vrrp_startup_delay: an address owner, which would advertise at once, first advertises after the delay, as keepalived does', { timeout: 90_000 }, async () => {
  const { seg, procs } = await pairSegment('vrrpkasdbr');
  const text = 'global_defs {\n  vrrp_startup_delay 4\n}\n'
    + 'vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 99\n  priority 255\n  advert_int 1\n  virtual_ipaddress {\n    10.63.0.100/24\n  }\n}\n';
  /** Seconds from the daemon running to its first advert. */
  const firstAdvert = async (source: string, start: () => Promise<LineProcess>, stop: (p: LineProcess) => Promise<void>): Promise<number> => {
    const p = tracked(procs, await start());
    const running = Date.now() / 1000;
    const first = await until(`${source}: a first advert`, 20_000, async () => (await adverts(seg, running - 1)).find((a) => a.vrid === 99 && a.source === source), 200);
    await stop(p);
    return first.t - running;
  };
  const ka = await firstAdvert('10.63.0.2', async () => {
    const base = join(seg.dir, 'keepalived-sd');
    // Timed from the spawn: keepalived's own start is quick.
    return LineProcess.start('keepalived', K, '/usr/sbin/keepalived', ['-n', '-l', '-D', '--vrrp', '-f', writeConfig(seg, 'k-sd.conf', text), '-p', `${base}.pid`, '-r', `${base}-vrrp.pid`, '-c', `${base}-check.pid`]);
  }, (p) => stopKeepalived(seg, K, p));
  const lv = await firstAdvert('10.63.0.1', () => startLvsd(L, writeConfig(seg, 'l-sd.conf', text)), (p) => p.stop('SIGTERM'));
  for (const [who, seconds] of [['keepalived', ka], ['lvsd', lv]] as const) {
    assert.ok(seconds >= 3.5, `${who}: first advert ${seconds.toFixed(2)} s after it ran, before vrrp_startup_delay 4 had passed`);
  }
});

for (const pacing of ['vrrp_garp_interval', 'garp_group'] as const) {
  test(`${pacing}: the gratuitous ARPs of a takeover are paced on the interface, as keepalived paces them`, { timeout: 90_000 }, async () => {
    const { seg, procs } = await pairSegment(`vrrpkag${pacing[0]}br`);
    const text = (pacing === 'garp_group'
      ? 'global_defs {\n  vrrp_garp_master_delay 0\n}\ngarp_group {\n  garp_interval 0.25\n  interface eth0\n}\n'
      : 'global_defs {\n  vrrp_garp_interval 0.25\n  vrrp_garp_master_delay 0\n}\n')
      + 'vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 98\n  priority 255\n  advert_int 1\n  garp_master_repeat 3\n'
      + '  virtual_ipaddress {\n    10.63.0.100/24\n    10.63.0.101/24\n  }\n}\n';
    /** The gratuitous ARPs seen from `since` on: how many, and the least gap between two. */
    const garps = async (since: number): Promise<{ count: number; minGap: number }> => {
      const out = (await run('/usr/bin/tcpdump', ['-r', seg.capture, '-tt', '-nn', 'arp'])).stdout;
      const times = [...out.matchAll(/^(\d+\.\d+) ARP, Request who-has (\S+) (?:\(\S+\) )?tell (\S+),/gm)]
        .filter((m) => m[2] === m[3] && Number(m[1]) >= since).map((m) => Number(m[1]));
      return { count: times.length, minGap: Math.min(...times.slice(1).map((t, i) => t - times[i]!)) };
    };
    const burst = async (start: () => Promise<LineProcess>, stop: (p: LineProcess) => Promise<void>): Promise<{ count: number; minGap: number }> => {
      const since = Date.now() / 1000;
      const p = tracked(procs, await start());
      // Paced, the repeats of an address waiting for its turn make one frame: 3 in all, 0.25 s apart.
      await until('the burst to end', 20_000, async () => ((await garps(since)).count >= 3 ? true : undefined), 250);
      await new Promise((r) => setTimeout(r, 1500));
      const seen = await garps(since);
      await stop(p);
      return seen;
    };
    const ka = await burst(async () => {
      const base = join(seg.dir, 'keepalived-gi');
      return LineProcess.start('keepalived', K, '/usr/sbin/keepalived', ['-n', '-l', '-D', '--vrrp', '-f', writeConfig(seg, 'k-gi.conf', text), '-p', `${base}.pid`, '-r', `${base}-vrrp.pid`, '-c', `${base}-check.pid`]);
    }, (p) => stopKeepalived(seg, K, p));
    const lv = await burst(() => startLvsd(L, writeConfig(seg, 'l-gi.conf', text)), (p) => p.stop('SIGTERM'));
    assert.equal(lv.count, ka.count, `lvsd sent ${lv.count} gratuitous ARPs, keepalived ${ka.count}`);
    assert.equal(ka.count, 3);
    for (const [who, seen] of [['keepalived', ka], ['lvsd', lv]] as const) {
      assert.ok(seen.minGap >= 0.2, `${who}: two gratuitous ARPs ${seen.minGap.toFixed(3)} s apart, closer than vrrp_garp_interval 0.25`);
    }
  });
}

test('notify_master_rx_lower_pri: a master hearing a lower priority router that cannot hear it runs the script and writes the FIFO line, as keepalived does', { timeout: 120_000 }, async () => {
  const { seg, procs } = await pairSegment('vrrpkarxbr');
  const instance = (priority: number, extra: string): string => `vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 96\n  priority ${priority}\n  advert_int 1\n${extra}`
    + '  virtual_ipaddress {\n    10.63.0.100/24\n  }\n}\n';
  /** `ns` drops every VRRP packet it receives, so it stays master beside the other. */
  const deafen = (ns: string): Promise<string> => sh('tc qdisc add dev eth0 ingress && tc filter add dev eth0 parent ffff: protocol ip u32 match ip protocol 112 0xff action drop', ns);
  const hear = (ns: string): Promise<string> => sh('tc qdisc del dev eth0 ingress', ns);
  /** The master's FIFO lines and script runs while the deaf lower router advertises beside it. */
  const heard = async (master: string, lower: string, startMaster: (file: string) => Promise<LineProcess>, startLower: (file: string) => Promise<LineProcess>,
    stopMaster: (p: LineProcess) => Promise<void>, stopLower: (p: LineProcess) => Promise<void>): Promise<{ lines: string[]; runs: number }> => {
    const fifo = join(seg.dir, `${master}-rx.fifo`);
    const said = join(seg.dir, `${master}-rx.said`);
    writeFileSync(said, '');
    const text = `global_defs {\n  notify_fifo ${fifo}\n  script_user root\n}\n` + instance(150, `  notify_master_rx_lower_pri "/bin/sh -c 'echo rx >> ${said}'"\n`);
    const m = tracked(procs, await startMaster(writeConfig(seg, `${master}-rx.conf`, text)));
    const reader = tracked(procs, LineProcess.start(`cat ${master}`, master, '/bin/cat', [fifo]));
    await until(`${master} master`, 20_000, async () => (reader.lines.some((l) => l.includes('MASTER 150')) ? true : undefined));
    await deafen(lower);
    const l = tracked(procs, await startLower(writeConfig(seg, `${lower}-rx.conf`, instance(100, '  state MASTER\n'))));
    await until(`${master}: lower priority adverts heard`, 30_000, async () => (reader.lines.filter((x) => x.includes('MASTER_RX_LOWER_PRI')).length >= 2 ? true : undefined));
    await stopLower(l);
    await hear(lower);
    await stopMaster(m);
    await until(`${master}: the reader at the FIFO's end`, 15_000, async () => (reader.exited !== undefined ? true : undefined));
    return { lines: [...new Set(reader.lines.filter((x) => x.includes('MASTER_RX_LOWER_PRI')))], runs: readFileSync(said, 'utf8').split('\n').filter(Boolean).length };
  };
  const base = join(seg.dir, 'keepalived-rx');
  const keepalived = async (ns: string, file: string): Promise<LineProcess> => {
    const p = LineProcess.start(`keepalived ${ns}`, ns, '/usr/sbin/keepalived', ['-n', '-l', '-D', '--vrrp', '-f', file, '-p', `${base}-${ns}.pid`, '-r', `${base}-${ns}-vrrp.pid`, '-c', `${base}-${ns}-check.pid`]);
    await p.waitFor(/Entering (BACKUP|MASTER) STATE/, 20_000);
    return p;
  };
  const ka = await heard(K, L, (file) => keepalived(K, file), (file) => startLvsd(L, file), (p) => stopKeepalived(seg, K, p), (p) => p.stop('SIGTERM'));
  const lv = await heard(L, K, (file) => startLvsd(L, file), (file) => keepalived(K, file), (p) => p.stop('SIGTERM'), (p) => stopKeepalived(seg, K, p));
  assert.deepEqual(lv.lines, ka.lines);
  assert.deepEqual(ka.lines, ['INSTANCE "VI_1" MASTER_RX_LOWER_PRI 150']);
  assert.ok(ka.runs >= 2 && lv.runs >= 2, `the script ran ${ka.runs} times under keepalived, ${lv.runs} under lvsd`);
});
