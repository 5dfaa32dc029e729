// Two lvsd directors in one VRID on a real segment (VRRPv3, 100 ms adverts):
// one master at a time, seen on the wire and in the client's ARP cache;
// takeover when the master loses its tracked interface, fails its
// track_script, stops gracefully (priority 0) or is killed; give-back on
// preemption; nopreempt honoured; reloads that keep or restart an instance;
// bad packets and a fuzz burst dropped and counted without harm.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { prng } from '../helpers/prng';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireLab, sh } from '../helpers/lab';
import { inNetns } from '../../src/net/netns';
import { native } from '../../src/native/index';
import { VrrpSocket } from '../../src/native/vrrp-socket';
import { internetChecksum } from '../../src/vrrp/checksum';
import { encodeAdvertisement, passwordAuthData } from '../../src/vrrp/packet';
import type { LineProcess } from '../helpers/procs';
import {
  adverts, arpAnswer, buildSegment, hasAddress, settledMaster, startLvsd, stoppedCounters, writeConfig, type Segment,
} from './vrrp-segment';

const A = 'vrrp-pair-a';
const B = 'vrrp-pair-b';
const C = 'vrrp-pair-c';
const VIP = '10.61.0.100';
const VIP2 = '10.61.0.101';
const ROUTERS = new Map([[A, '10.61.0.1'], [B, '10.61.0.2']]);

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

function config(opts: { priority: number; nopreempt?: boolean; okFile?: string; extraVip?: boolean }): string {
  const script = opts.okFile ? `vrrp_script chk_ok {
  script "/usr/bin/test -e ${opts.okFile}"
  interval 0.5
  timeout 5
  fall 1
  rise 1
}
` : '';
  return `${script}
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 51
  version 3
  priority ${opts.priority}
  advert_int 0.1
  ${opts.nopreempt ? 'nopreempt' : ''}
  track_interface {
    eth1
  }
  ${opts.okFile ? 'track_script {\n    chk_ok\n  }' : ''}
  virtual_ipaddress {
    ${VIP}/24 dev eth0 label eth0:vi1
  }
  ${opts.extraVip ? `virtual_ipaddress_excluded {
    ${VIP2}/24 dev eth0
  }` : ''}
}
vrrp_instance VI_2 {
  interface eth0
  virtual_router_id 62
  priority ${opts.priority}
  advert_int 1
  authentication {
    auth_type PASS
    auth_pass s3cret
  }
  virtual_ipaddress {
    10.61.0.200/24
  }
}
`;
}

/** An IPv4 frame from the client's eth0 to 224.0.0.18 carrying `payload`, with any TTL. */
function multicastFrame(sourceMac: string, source: string, ttl: number, payload: Buffer): Buffer {
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip.writeUInt16BE(20 + payload.length, 2);
  ip[8] = ttl;
  ip[9] = 112;
  Buffer.from(source.split('.').map(Number)).copy(ip, 12);
  Buffer.from([224, 0, 0, 18]).copy(ip, 16);
  ip.writeUInt16BE(internetChecksum(ip), 10);
  const eth = Buffer.concat([
    Buffer.from([0x01, 0x00, 0x5e, 0x00, 0x00, 0x12]),
    Buffer.from(sourceMac.split(':').map((h) => parseInt(h, 16))),
    Buffer.from([0x08, 0x00]),
  ]);
  return Buffer.concat([eth, ip, payload]);
}

test('lvsd pair: one master, takeover on interface, script, stop and kill; preemption, nopreempt, reload, bad packets', { timeout: 150_000 }, async () => {
  requireLab();
  const seg: Segment = await buildSegment('vrrppairbr', [[A, '10.61.0.1/24'], [B, '10.61.0.2/24'], [C, '10.61.0.3/24']]);
  cleanups.push(() => seg.stop());
  await sh(`ip -n ${A} link add eth1 type dummy && ip -n ${A} link set eth1 up
ip -n ${B} link add eth1 type dummy && ip -n ${B} link set eth1 up`);
  const okFile = join(seg.dir, 'a-ok');
  writeFileSync(okFile, '');
  const started: LineProcess[] = [];
  cleanups.push(async () => {
    for (const p of started) {
      await p.stop('SIGKILL');
      writeFileSync(join(seg.dir, `${p.name.replace(/\W+/g, '-')}-${p.child.pid}.log`), p.lines.join('\n'));
    }
  });
  const lvsd = async (ns: string, name: string, text: string): Promise<LineProcess> => {
    const p = await startLvsd(ns, writeConfig(seg, name, text));
    started.push(p);
    return p;
  };

  // A (150) and B (100): A is master, alone on the wire, and answers ARP for the VIP.
  const aFile = writeConfig(seg, 'a.conf', config({ priority: 150, okFile }));
  let a = await startLvsd(A, aFile);
  started.push(a);
  const b = await lvsd(B, 'b.conf', config({ priority: 100 }));
  await settledMaster(seg, ROUTERS, A, VIP, 51, 1);
  assert.equal(await arpAnswer(C, VIP), seg.macs.get(A));
  assert.ok(await hasAddress(A, '10.61.0.200'), 'VI_2 (v2, PASS) master on A too');

  // A's tracked interface goes down: A enters FAULT and B takes over; back up, A preempts.
  await sh(`ip -n ${A} link set eth1 down`);
  await settledMaster(seg, ROUTERS, B, VIP, 51, 0.5);
  assert.equal(await arpAnswer(C, VIP), seg.macs.get(B));
  await a.waitFor(/-> FAULT/, 1000);
  await sh(`ip -n ${A} link set eth1 up`);
  await settledMaster(seg, ROUTERS, A, VIP, 51, 0.5);

  // A's track_script fails: FAULT, B takes over; the script succeeds again, A preempts.
  rmSync(okFile);
  await settledMaster(seg, ROUTERS, B, VIP, 51, 0.5);
  writeFileSync(okFile, '');
  await settledMaster(seg, ROUTERS, A, VIP, 51, 0.5);

  // B's REST API lists each of its transitions among its recent events, in order.
  const status = JSON.parse(await sh('curl -s http://127.0.0.1:7080/v1/status', B)) as { events: { kind: string; text: string }[] };
  const vrrpEvents = status.events.filter((e) => e.kind === 'vrrp' && e.text.startsWith('VI_1:')).map((e) => e.text.replace(/ \(.*\)$/, ''));
  assert.deepEqual(vrrpEvents.slice(-4), ['VI_1: BACKUP -> MASTER', 'VI_1: MASTER -> BACKUP', 'VI_1: BACKUP -> MASTER', 'VI_1: MASTER -> BACKUP'],
    JSON.stringify(status.events));

  // A reload with the same configuration leaves the instance alone; a changed one restarts it.
  // (The change is an address kept out of the adverts, so the peers still agree on the advertised list.)
  let mark = a.lines.length;
  a.child.kill('SIGHUP');
  await a.waitFor(/VRRP configuration applied/, 10_000, mark);
  assert.equal(a.lines.slice(mark).filter((l) => l.includes('VRRP transition')).length, 0, a.tail());
  writeFileSync(aFile, config({ priority: 150, okFile, extraVip: true }));
  mark = a.lines.length;
  a.child.kill('SIGHUP');
  await a.waitFor(/"why":"changed"/, 10_000, mark);
  await settledMaster(seg, ROUTERS, A, VIP2, 51, 0.5);
  assert.ok(a.lines.slice(mark).every((l) => !l.includes('"instance":"VI_2","why"')), 'VI_2 did not change and kept running');

  // Bad packets from the client: wrong TTL (with a priority that would win), wrong password, truncated, garbage.
  const cMac = seg.macs.get(C)!;
  const winning = encodeAdvertisement({ version: 3, vrid: 51, priority: 254, advertIntervalCs: 10, addresses: [VIP] },
    { family: 'ipv4', source: '10.61.0.3', destination: '224.0.0.18' });
  const wrongPassword = encodeAdvertisement({
    version: 2, vrid: 62, priority: 254, advertIntervalSec: 1, authType: 'pass', authData: passwordAuthData('guess'), addresses: ['10.61.0.200'],
  }, { family: 'ipv4', source: '10.61.0.3', destination: '224.0.0.18' });
  const frames = [
    multicastFrame(cMac, '10.61.0.3', 64, winning),
    multicastFrame(cMac, '10.61.0.3', 255, wrongPassword),
    multicastFrame(cMac, '10.61.0.3', 255, winning.subarray(0, 6)),
    multicastFrame(cMac, '10.61.0.3', 255, Buffer.from('not a vrrp packet at all')),
  ];
  inNetns(C, () => { for (const f of frames) native().sendFrame('eth0', f); });
  // Fuzz: a few thousand random datagrams, half of them with a plausible header.
  const socket = inNetns(C, () => VrrpSocket.open({ family: 4, interface: 'eth0', multicast: false }));
  cleanups.push(async () => socket.close());
  const rand = prng(7);
  let sent = 0;
  for (let i = 0; i < 3000; i++) {
    const buf = Buffer.alloc(1 + Math.floor(rand() * 60));
    for (let j = 0; j < buf.length; j++) buf[j] = Math.floor(rand() * 256);
    if (rand() < 0.5 && buf.length > 1) { buf[0] = rand() < 0.5 ? 0x21 : 0x31; buf[1] = rand() < 0.5 ? 51 : 62; }
    try {
      socket.send(buf, '224.0.0.18');
      sent++;
    } catch {
      await new Promise((r) => setTimeout(r, 5));
    }
    // Paced so that lvsd's receive buffer, not the sender, sets the pace of what is counted.
    if (i % 50 === 0) await new Promise((r) => setTimeout(r, 20));
  }
  socket.close();
  assert.ok(sent > 2000, `only ${sent} fuzz packets could be sent`);
  // The burst loads the lab's single CPU enough to delay 100 ms adverts: judge the state once it has passed.
  await new Promise((r) => setTimeout(r, 1500));
  await settledMaster(seg, ROUTERS, A, VIP, 51, 0.5);

  // Graceful stop of A: a priority-0 advert, and B takes over.
  const stopAt = Date.now() / 1000;
  await a.stop('SIGTERM');
  assert.equal(a.exited, 0);
  assert.ok((await adverts(seg, stopAt)).some((x) => x.source === ROUTERS.get(A) && x.vrid === 51 && x.priority === 0), 'priority 0 on stop');
  await settledMaster(seg, ROUTERS, B, VIP, 51, 0.5);
  assert.equal(await hasAddress(A, VIP), false);
  const counters = stoppedCounters(a);
  const vi1 = counters.get('VI_1')!.drops;
  const vi2 = counters.get('VI_2')!.drops;
  assert.ok(vi1['wrong-ttl']! >= 1, JSON.stringify(vi1));
  assert.ok(vi2['auth-failure']! >= 1, JSON.stringify(vi2));
  assert.ok(vi1['too-short']! >= 1 && vi1['bad-version']! + vi1['bad-type']! >= 1, JSON.stringify(vi1));
  const total = (d: Record<string, number>) => Object.values(d).reduce((x, y) => x + y, 0);
  // Fuzz packets go to the instance of their VRID, or to both when they name neither.
  assert.ok(total(vi1) + total(vi2) >= sent * 0.8, `VI_1 and VI_2 counted ${total(vi1)} + ${total(vi2)} drops for ${sent} fuzz packets`);

  // A returns with nopreempt: B (lower) stays master. Then B is killed: A takes over.
  writeFileSync(aFile, config({ priority: 150, okFile, nopreempt: true }));
  a = await startLvsd(A, aFile);
  started.push(a);
  await settledMaster(seg, ROUTERS, B, VIP, 51, 1);
  await b.stop('SIGKILL');
  // A killed daemon leaves its addresses behind; its host going dark with it is what a crash looks like.
  await sh(`ip -n ${B} link set eth0 down`);
  await settledMaster(seg, new Map([[A, ROUTERS.get(A)!]]), A, VIP, 51, 0.5);
  assert.equal(await arpAnswer(C, VIP), seg.macs.get(A));
  await a.stop('SIGTERM');
  assert.equal(await hasAddress(A, VIP), false);
});
