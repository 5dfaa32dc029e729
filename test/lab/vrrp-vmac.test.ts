// use_vmac on a real segment: two lvsd directors, each with a private-mode
// macvlan carrying the VRRP MAC 00:00:5e:00:01:33 and the VIP on the master
// only. The client learns that MAC once and keeps it through a takeover and
// back; adverts leave from the VMAC (the VRRP MAC as source, the base
// interface's address as IP source), and with vmac_xmit_base from the base
// interface; the base interface stops
// answering ARP for the VIP; a VMAC left by a killed lvsd is taken over on
// restart; an interface of that name that is not a VMAC is left alone. Then
// lvsd and keepalived, both with use_vmac, share the VRID and the VMAC; and
// the same for IPv6, with the IPv6 VRRP MAC 00:00:5e:00:02:33. On routers
// (IPv6 forwarding on), no multicast group is left with a listener report
// from the VRRP MAC.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireLab, run, sh } from '../helpers/lab';
import { LineProcess, until } from '../helpers/procs';
import { adverts, arpAnswer, buildSegment, startKeepalived, startLvsd, stopKeepalived, writeConfig, type Segment } from './vrrp-segment';

const A = 'vrrp-vmac-a';
const B = 'vrrp-vmac-b';
const C = 'vrrp-vmac-c';
const VIP = '10.62.0.100';
const VMAC = '00:00:5e:00:01:33';

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

function config(priority: number, vmac = ''): string {
  return `
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 51
  version 3
  priority ${priority}
  advert_int 0.1
  use_vmac ${vmac}
  virtual_ipaddress {
    ${VIP}/24
  }
}
`;
}

/** The VMAC link of a namespace as `ip -d link` shows it, or undefined. */
async function vmacLink(ns: string, name = 'vrrp.51'): Promise<string | undefined> {
  const r = await run('/usr/sbin/ip', ['-n', ns, '-d', 'link', 'show', 'dev', name]);
  return r.code === 0 ? r.stdout : undefined;
}

async function vipOn(ns: string, dev = 'vrrp.51', vip = VIP): Promise<boolean> {
  const r = await run('/usr/sbin/ip', ['-n', ns, '-br', '-4', 'addr', 'show', 'dev', dev]);
  return r.code === 0 && r.stdout.split(/\s+/).some((w) => w.split('/')[0] === vip);
}

/** The source MACs of the VRRP frames captured on the segment since `since` (seconds). */
async function advertMacs(seg: Segment, since: number): Promise<string[]> {
  const out = (await run('/usr/bin/tcpdump', ['-r', seg.capture, '-tt', '-e', '-nn', 'vrrp'])).stdout;
  const macs = new Set<string>();
  for (const m of out.matchAll(/^(\d+\.\d+) (\S+) > 01:00:5e:00:00:12/gm)) if (Number(m[1]) >= since) macs.add(m[2]!);
  return [...macs];
}

async function sysctl(ns: string, name: string): Promise<string> {
  // sysctl(8) notation: dots between the parts, a dot inside an interface name written as '/'.
  return (await sh(`cat /proc/sys/${name.split('.').map((part) => part.replace(/\//g, '.')).join('/')}`, ns)).trim();
}

/** Waits until `want` alone (of `routers`) has `vip` on its VMAC. */
async function masterIs(want: string, routers = [A, B], vip = VIP): Promise<void> {
  await until(`${want} alone holding ${vip} on vrrp.51`, 20_000, async () => {
    const holding = [];
    for (const r of routers) if (await vipOn(r, 'vrrp.51', vip)) holding.push(r);
    return holding.join() === want ? true : undefined;
  });
}

/** The client reaches the VIP without forgetting what it learnt: its neighbour entry still names the VMAC. */
async function clientStillReaches(client = C, vip = VIP): Promise<void> {
  await until(`${client} reaching ${vip}`, 10_000, async () => ((await run('/usr/bin/ping', ['-c', '1', '-W', '1', vip], { ns: client })).code === 0 ? true : undefined));
  const neigh = (await run('/usr/sbin/ip', ['-n', client, 'neigh', 'show', vip])).stdout;
  assert.match(neigh, new RegExp(`lladdr ${VMAC}`), neigh);
}

test('use_vmac: the VIP lives on a VRRP-MAC macvlan; the client keeps one MAC through takeovers', { timeout: 120_000 }, async () => {
  requireLab();
  const seg: Segment = await buildSegment('vrrpvmacbr', [[A, '10.62.0.1/24'], [B, '10.62.0.2/24'], [C, '10.62.0.3/24']]);
  cleanups.push(() => seg.stop());
  const started: LineProcess[] = [];
  cleanups.push(async () => {
    for (const p of started) {
      await p.stop('SIGKILL');
      writeFileSync(join(seg.dir, `${p.name.replace(/\W+/g, '-')}-${p.child.pid}.log`), p.lines.join('\n'));
    }
  });
  const lvsd = async (ns: string, text: string): Promise<LineProcess> => {
    const p = await startLvsd(ns, writeConfig(seg, `${ns}-${started.length}.conf`, text));
    started.push(p);
    return p;
  };
  assert.equal(await sysctl(A, 'net.ipv4.conf.eth0.arp_ignore'), '0');

  // A (150) is master: the VIP is on its VMAC, a private macvlan with the VRRP MAC; B's VMAC is up and empty.
  let a = await lvsd(A, config(150));
  const b = await lvsd(B, config(100));
  await masterIs(A);
  for (const ns of [A, B]) {
    const link = await vmacLink(ns);
    assert.ok(link, `${ns} has vrrp.51`);
    assert.match(link, new RegExp(`link/ether ${VMAC}`), link);
    assert.match(link, /macvlan mode private/, link);
    assert.match(link, /state UP|,UP/, link);
    assert.equal(await sysctl(ns, 'net.ipv6.conf.vrrp/51.disable_ipv6'), '1', 'no IPv6 on an IPv4 VMAC');
    assert.equal(await sysctl(ns, 'net.ipv4.conf.vrrp/51.arp_ignore'), '1');
    assert.equal(await sysctl(ns, 'net.ipv4.conf.eth0.arp_ignore'), '1', 'the base interface no longer answers ARP for the VIP');
    assert.equal(await sysctl(ns, 'net.ipv4.conf.eth0.arp_announce'), '2', 'nor asks in its name');
  }
  assert.equal(await vipOn(A, 'eth0'), false, 'the VIP is not on the base interface');

  // The client resolves the VIP to the VMAC; adverts come from A's own address, in frames from the VMAC.
  assert.equal(await arpAnswer(C, VIP), VMAC);
  const since = Date.now() / 1000;
  await new Promise((r) => setTimeout(r, 500));
  const seen = (await adverts(seg, since)).filter((x) => x.vrid === 51);
  assert.ok(seen.length >= 3, `adverts seen: ${seen.length}`);
  assert.deepEqual([...new Set(seen.map((x) => x.source))], ['10.62.0.1']);
  assert.deepEqual(await advertMacs(seg, since), [VMAC]);

  // A stops: it leaves (priority 0), deletes its VMAC and puts eth0's ARP settings back; B takes over with the same MAC.
  await a.stop('SIGTERM');
  await masterIs(B);
  assert.equal(await vmacLink(A), undefined, 'A removed its VMAC');
  assert.equal(await sysctl(A, 'net.ipv4.conf.eth0.arp_ignore'), '0');
  assert.equal(await sysctl(A, 'net.ipv4.conf.eth0.arp_announce'), '0');
  await clientStillReaches();

  // A comes back and preempts; then it is killed, leaving its VMAC and VIP behind; a new A takes them over.
  a = await lvsd(A, config(150));
  await masterIs(A);
  await clientStillReaches();
  await a.stop('SIGKILL');
  assert.ok(await vmacLink(A), 'a killed lvsd leaves its VMAC');
  // This time with vmac_xmit_base: adverts leave from eth0, with its own MAC.
  a = await lvsd(A, config(150).replace('use_vmac', 'vmac_xmit_base\n  use_vmac'));
  await masterIs(A);
  assert.equal(a.lines.some((l) => l.includes('VRRP instance not started')), false, a.tail());
  await clientStillReaches();
  const baseMac = seg.macs.get(A);
  const sinceBase = Date.now() / 1000;
  await new Promise((r) => setTimeout(r, 500));
  assert.deepEqual(await advertMacs(seg, sinceBase), [baseMac]);

  // An interface of the VMAC's name that is not a VMAC is refused and left in place.
  await sh(`ip -n ${C} link add taken0 type dummy`);
  const c = await lvsd(C, config(50, 'taken0'));
  await c.waitFor(/interface taken0 exists and is not the VMAC 00:00:5e:00:01:33/, 10_000);
  assert.ok(await vmacLink(C, 'taken0'));
  await c.stop('SIGTERM');
  assert.ok(await vmacLink(C, 'taken0'), 'not deleted at stop either');

  for (const p of [a, b]) await p.stop('SIGTERM');
  for (const ns of [A, B]) assert.equal(await vmacLink(ns), undefined, `${ns} removed its VMAC at stop`);
  // Nothing joined a group on a VMAC: no IGMP report ever left from the VRRP MAC (a backup's would mislead switches).
  const igmp = (await run('/usr/bin/tcpdump', ['-r', seg.capture, '-e', '-nn', 'igmp'])).stdout;
  assert.doesNotMatch(igmp, new RegExp(`^\\S+ ${VMAC} >`, 'm'), igmp);
});

test('use_vmac beside keepalived\'s use_vmac: one VRID, one VMAC, takeover both ways', { timeout: 120_000 }, async () => {
  requireLab();
  const L = 'vrrp-vmac-l';
  const K = 'vrrp-vmac-k';
  const client = 'vrrp-vmac-kc';
  const vip = '10.63.0.100';
  const seg: Segment = await buildSegment('vrrpvmackbr', [[L, '10.63.0.1/24'], [K, '10.63.0.2/24'], [client, '10.63.0.3/24']]);
  cleanups.push(() => seg.stop());
  const text = (priority: number): string => config(priority).replace(`${VIP}/24`, `${vip}/24`);
  const started: LineProcess[] = [];
  cleanups.push(async () => {
    for (const p of started) {
      await p.stop('SIGKILL');
      writeFileSync(join(seg.dir, `${p.name.replace(/\W+/g, '-')}-${p.child.pid}.log`), p.lines.join('\n'));
    }
  });
  const keepalived = await startKeepalived(seg, K, writeConfig(seg, 'k.conf', text(100)));
  started.push(keepalived);
  await masterIs(K, [L, K], vip);
  assert.match((await vmacLink(K)) ?? '', new RegExp(`link/ether ${VMAC}`), 'keepalived made its VMAC');
  const reaches = async (): Promise<void> => {
    await until(`${client} reaching ${vip}`, 10_000, async () => ((await run('/usr/bin/ping', ['-c', '1', '-W', '1', vip], { ns: client })).code === 0 ? true : undefined));
  };
  // (keepalived leaves eth0's arp_announce alone: asking the client's address in the VIP's name
  // from eth0, it teaches the client eth0's MAC. So only lvsd's mastership is held to the VMAC.)
  await reaches();

  // lvsd (150) preempts keepalived; the client is told the VMAC, and keeps it.
  let lvsd = await startLvsd(L, writeConfig(seg, 'l.conf', text(150)));
  started.push(lvsd);
  await masterIs(L, [L, K], vip);
  await clientStillReaches(client, vip);
  assert.equal(await arpAnswer(client, vip), VMAC);

  // lvsd stops: keepalived takes over.
  await lvsd.stop('SIGTERM');
  await masterIs(K, [L, K], vip);
  assert.equal(await vmacLink(L), undefined);
  await reaches();

  // Back again: lvsd preempts once more, and the client is at the VMAC again.
  lvsd = await startLvsd(L, writeConfig(seg, 'l2.conf', text(150)));
  started.push(lvsd);
  await masterIs(L, [L, K], vip);
  await clientStillReaches(client, vip);
  await lvsd.stop('SIGTERM');
  await stopKeepalived(seg, K, keepalived);
});

test('use_vmac beside a keepalived master of higher priority: lvsd hears adverts sent from keepalived\'s VMAC and stays backup', { timeout: 120_000 }, async () => {
  requireLab();
  const L = 'vrrp-vmac-hl';
  const K = 'vrrp-vmac-hk';
  const vip = '10.64.0.100';
  const seg: Segment = await buildSegment('vrrpvmachbr', [[L, '10.64.0.1/24'], [K, '10.64.0.2/24']]);
  cleanups.push(() => seg.stop());
  const text = (priority: number): string => config(priority).replace(`${VIP}/24`, `${vip}/24`);
  const keepalived = await startKeepalived(seg, K, writeConfig(seg, 'k.conf', text(200)));
  const lvsd = await startLvsd(L, writeConfig(seg, 'l.conf', text(100)));
  cleanups.push(async () => {
    await lvsd.stop('SIGKILL');
    await keepalived.stop('SIGKILL');
  });
  await masterIs(K, [L, K], vip);
  // Ten advert intervals and more than three master-down intervals: a backup that heard nothing would have taken over.
  await new Promise((r) => setTimeout(r, 2_000));
  const frames = (await run('/usr/bin/tcpdump', ['-r', seg.capture, '-e', '-nn', 'vrrp'])).stdout;
  assert.match(frames, new RegExp(`${VMAC} > 01:00:5e:00:00:12.*10\\.64\\.0\\.2 > 224\\.0\\.0\\.18`), 'keepalived advertises from its VMAC');
  assert.equal(await vipOn(L, 'vrrp.51', vip), false, lvsd.tail());
  assert.equal(await vipOn(K, 'vrrp.51', vip), true);
  await lvsd.stop('SIGTERM');
  await stopKeepalived(seg, K, keepalived);
});

test('IPv6 use_vmac beside keepalived\'s: the VIP answers from the IPv6 VRRP MAC, adverts leave from it, the higher priority wins both ways', { timeout: 180_000 }, async () => {
  requireLab();
  const L = 'vrrp-vmac6-l';
  const K = 'vrrp-vmac6-k';
  const client = 'vrrp-vmac6-c';
  const vip = 'fd00:65::100';
  const vmac6 = '00:00:5e:00:02:33';
  const seg: Segment = await buildSegment('vrrpvmac6br', [[L, 'fd00:65::1/64'], [K, 'fd00:65::2/64'], [client, 'fd00:65::3/64']]);
  cleanups.push(() => seg.stop());
  const capture = join(seg.dir, 'wire6.pcap');
  const dump = LineProcess.start('tcpdump6', undefined, '/usr/bin/tcpdump', ['-U', '--immediate-mode', '-i', seg.bridge, '-w', capture, 'ip6']);
  await dump.waitFor(/listening on/, 15_000);
  const started: LineProcess[] = [dump];
  cleanups.push(async () => {
    for (const p of started) {
      await p.stop(p === dump ? 'SIGINT' : 'SIGKILL');
      writeFileSync(join(seg.dir, `${p.name.replace(/\W+/g, '-')}-${p.child.pid}.log`), p.lines.join('\n'));
    }
  });
  const linkLocal = async (ns: string): Promise<string> => until(`${ns}'s eth0 link-local address usable`, 10_000, async () => {
    const out = (await run('/usr/sbin/ip', ['-n', ns, '-6', '-o', 'addr', 'show', 'dev', 'eth0', 'scope', 'link'])).stdout;
    return out.includes('tentative') ? undefined : /inet6 (fe80::[0-9a-f:]+)/.exec(out)?.[1];
  });
  const ownLinkLocal = await linkLocal(L);
  await linkLocal(K);
  const text = (priority: number): string => config(priority).replace(`${VIP}/24`, `${vip}/64`);
  const vip6On = async (ns: string): Promise<boolean> => {
    const r = await run('/usr/sbin/ip', ['-n', ns, '-br', '-6', 'addr', 'show', 'dev', 'vrrp.51']);
    return r.code === 0 && r.stdout.split(/\s+/).some((w) => w.split('/')[0] === vip);
  };
  const masterIs6 = async (want: string): Promise<void> => {
    await until(`${want} alone holding ${vip} on vrrp.51`, 20_000, async () => {
      const holding = [];
      for (const r of [L, K]) if (await vip6On(r)) holding.push(r);
      return holding.join() === want ? true : undefined;
    });
  };
  /** IPv6 adverts for VRID 51 on the wire since `since` (seconds): source MAC, source address, priority. */
  const adverts6 = async (since: number): Promise<{ mac: string; source: string; priority: number }[]> => {
    const out = (await run('/usr/bin/tcpdump', ['-r', capture, '-tt', '-e', '-nn', 'ip6 proto 112'])).stdout;
    const list = [];
    for (const m of out.matchAll(/^(\d+\.\d+) (\S+) > 33:33:00:00:00:12, .*?: (\S+) > ff02::12: VRRPv3, Advertisement, vrid 51, prio (\d+)/gm)) {
      if (Number(m[1]) >= since) list.push({ mac: m[2]!, source: m[3]!, priority: Number(m[4]) });
    }
    return list;
  };
  /** Only `source` advertised (priority above 0) for a while, and only `want` holds the VIP. */
  const settled = async (want: string, source: string): Promise<void> => {
    await masterIs6(want);
    await until(`${want} the only one advertising`, 20_000, async () => {
      const from = Date.now() / 1000;
      await new Promise((r) => setTimeout(r, 1_500));
      const seen = (await adverts6(from)).filter((a) => a.priority > 0);
      const sources = [...new Set(seen.map((a) => a.source))];
      return seen.length > 0 && sources.join() === source && (await vip6On(want)) && !(await vip6On(want === L ? K : L)) ? true : undefined;
    });
  };
  const neighbourMac = async (): Promise<string | undefined> => {
    await run('/usr/sbin/ip', ['-n', client, '-6', 'neigh', 'flush', 'dev', 'eth0']);
    await until(`${client} reaching ${vip}`, 10_000, async () => ((await run('/usr/bin/ping', ['-6', '-c', '1', '-W', '1', vip], { ns: client })).code === 0 ? true : undefined));
    return /lladdr (\S+)/.exec((await run('/usr/sbin/ip', ['-n', client, '-6', 'neigh', 'show', vip])).stdout)?.[1];
  };

  // lvsd alone: master, the VIP on a VMAC with the IPv6 VRRP MAC and no address of its own.
  let lvsd = await startLvsd(L, writeConfig(seg, 'l6.conf', text(150)));
  started.push(lvsd);
  await masterIs6(L);
  const link = await vmacLink(L);
  assert.match(link ?? '', new RegExp(`link/ether ${vmac6}`), link);
  assert.match(link ?? '', /macvlan mode private/, link);
  assert.equal(await sysctl(L, 'net.ipv6.conf.vrrp/51.disable_ipv6'), '0');
  assert.equal(await sysctl(L, 'net.ipv6.conf.vrrp/51.addr_gen_mode'), '1', 'no link-local address made from the VRRP MAC');
  assert.equal(await sysctl(L, 'net.ipv6.conf.vrrp/51.forwarding'), '0', 'the VMAC stays out of the all-routers group');
  const onVmac = (await run('/usr/sbin/ip', ['-n', L, '-6', '-o', 'addr', 'show', 'dev', 'vrrp.51'])).stdout;
  assert.deepEqual([...onVmac.matchAll(/inet6 (\S+)/g)].map((m) => m[1]), [`${vip}/64`], onVmac);
  assert.equal(await sysctl(L, 'net.ipv4.conf.eth0.arp_ignore'), '0', 'an IPv6 VMAC leaves the base interface\'s ARP settings alone');

  // The VIP answers from the VMAC; adverts leave from it, with eth0's link-local address as source.
  assert.equal(await neighbourMac(), vmac6);
  const since = Date.now() / 1000;
  await new Promise((r) => setTimeout(r, 500));
  const seen = await adverts6(since);
  assert.ok(seen.length >= 3, `adverts seen: ${seen.length}`);
  assert.deepEqual([...new Set(seen.map((a) => `${a.mac} ${a.source}`))], [`${vmac6} ${ownLinkLocal}`]);
  const na = (await run('/usr/bin/tcpdump', ['-r', capture, '-e', '-nn', 'icmp6 and ip6[40] == 136'])).stdout;
  assert.match(na, new RegExp(`^\\S+ ${vmac6} > .*neighbor advertisement, tgt is ${vip}`, 'm'), 'the VIP is announced from the VMAC');

  // keepalived (100) with use_vmac joins as backup: lvsd keeps the VIP, keepalived sends no adverts.
  const keepalived = await startKeepalived(seg, K, writeConfig(seg, 'k6.conf', text(100)));
  started.push(keepalived);
  assert.match((await vmacLink(K)) ?? '', new RegExp(`link/ether ${vmac6}`), 'keepalived made its IPv6 VMAC');
  await settled(L, ownLinkLocal);

  // lvsd stops: keepalived takes over. lvsd comes back at 50: it hears keepalived's adverts, sent from
  // keepalived's VMAC with our VMAC's MAC, and stays backup.
  await lvsd.stop('SIGTERM');
  await masterIs6(K);
  const peerLinkLocal = await linkLocal(K);
  await settled(K, peerLinkLocal);
  const backupFrom = Date.now() / 1000;
  lvsd = await startLvsd(L, writeConfig(seg, 'l6-low.conf', text(50)));
  started.push(lvsd);
  await new Promise((r) => setTimeout(r, 2_000));
  await settled(K, peerLinkLocal);
  assert.ok((await adverts6(0)).some((a) => a.mac === vmac6 && a.source === peerLinkLocal), 'keepalived advertises from its VMAC');
  const backupTo = Date.now() / 1000;
  await lvsd.stop('SIGTERM');
  // lvsd's VMAC has no address while backup: no listener report, router or neighbour solicitation left
  // from the VRRP MAC but keepalived's own (from its link-local address, or the VIP it holds).
  const fromVmac = (await run('/usr/bin/tcpdump', ['-r', capture, '-tt', '-e', '-nn', `ether src ${vmac6}`])).stdout;
  const strangers = fromVmac.split('\n').filter((line) => {
    const t = Number(line.split(' ')[0]);
    const source = /length \d+: (\S+) > /.exec(line)?.[1];
    return t >= backupFrom && t <= backupTo && source !== peerLinkLocal && source !== vip;
  });
  assert.deepEqual(strangers, []);

  // At 150 again, lvsd preempts keepalived; the client is at the VMAC still.
  lvsd = await startLvsd(L, writeConfig(seg, 'l6-high.conf', text(150)));
  started.push(lvsd);
  await settled(L, ownLinkLocal);
  assert.equal(await neighbourMac(), vmac6);
  await lvsd.stop('SIGTERM');
  assert.equal(await vmacLink(L), undefined, 'lvsd removed its VMAC at stop');
  await stopKeepalived(seg, K, keepalived);
});

test('IPv6 use_vmac on routers (all.forwarding 1): no group is left with a listener report from the VRRP MAC, not as a backup\'s VMAC comes up nor as a master steps down', { timeout: 180_000 }, async () => {
  requireLab();
  const R1 = 'vrrp-vmac6f-1';
  const R2 = 'vrrp-vmac6f-2';
  const vip = 'fd00:66::100';
  const vmac6 = '00:00:5e:00:02:33';
  const seg: Segment = await buildSegment('vrrpvmac6f', [[R1, 'fd00:66::1/64'], [R2, 'fd00:66::2/64']]);
  cleanups.push(() => seg.stop());
  const capture = join(seg.dir, 'mld.pcap');
  const dump = LineProcess.start('tcpdump-mld', undefined, '/usr/bin/tcpdump', ['-U', '--immediate-mode', '-i', seg.bridge, '-w', capture, 'icmp6 or (ip6 proto 0)']);
  await dump.waitFor(/listening on/, 15_000);
  const started: LineProcess[] = [];
  cleanups.push(async () => {
    for (const p of started) await p.stop('SIGKILL');
    await dump.stop('SIGINT');
  });
  for (const ns of [R1, R2]) {
    await sh('sysctl -qw net.ipv6.conf.all.forwarding=1', ns);
    await until(`${ns}'s eth0 link-local address usable`, 10_000, async () => {
      const out = (await run('/usr/sbin/ip', ['-n', ns, '-6', '-o', 'addr', 'show', 'dev', 'eth0', 'scope', 'link'])).stdout;
      return out.includes('inet6') && !out.includes('tentative') ? true : undefined;
    });
  }
  const text = (priority: number): string => config(priority).replace(`${VIP}/24`, `${vip}/64`);
  const holder = async (want: string): Promise<void> => {
    await until(`${want} alone holding ${vip}`, 20_000, async () => {
      const holding = [];
      for (const r of [R1, R2]) {
        const out = (await run('/usr/sbin/ip', ['-n', r, '-br', '-6', 'addr', 'show', 'dev', 'vrrp.51'])).stdout;
        if (out.split(/\s+/).some((w) => w.split('/')[0] === vip)) holding.push(r);
      }
      return holding.join() === want ? true : undefined;
    });
  };
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

  let first = await startLvsd(R1, writeConfig(seg, 'r1.conf', text(150)));
  started.push(first);
  await holder(R1);
  // R2's VMAC is made in the all-routers group, and leaves it, as a backup.
  const second = await startLvsd(R2, writeConfig(seg, 'r2.conf', text(100)));
  started.push(second);
  assert.equal(await sysctl(R2, 'net.ipv6.conf.vrrp/51.forwarding'), '0');
  assert.equal(await sysctl(R2, 'net.ipv6.conf.vrrp/51.force_mld_version'), '0', 'back to MLDv2 once the group is left');
  await pause(3_000);
  // R2 takes over, then steps down as R1 comes back at 150: it leaves the VIP's solicited-node group.
  await first.stop('SIGTERM');
  await holder(R2);
  first = await startLvsd(R1, writeConfig(seg, 'r1-again.conf', text(150)));
  started.push(first);
  await holder(R1);
  await pause(3_000);
  await first.stop('SIGTERM');
  await second.stop('SIGTERM');

  const reports = (await run('/usr/bin/tcpdump', ['-r', capture, '-tt', '-e', '-nn', '-v', `ether src ${vmac6} and ip6 proto 0`])).stdout
    .split('\n').filter((l) => l.includes('multicast listener report'));
  const solicited = `ff02::1:ff00:100`;
  assert.ok(reports.some((l) => l.includes(`gaddr ${solicited} to_ex`)), `a master joins the VIP's solicited-node group from the VMAC:\n${reports.join('\n')}`);
  assert.deepEqual(reports.filter((l) => / to_in|gaddr ff02::2 /.test(l)), [], 'no group left with a report from the VRRP MAC');
});
