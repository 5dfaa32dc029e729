// Gratuitous ARP and unsolicited neighbour advertisements on a real segment:
// a third namespace captures them with tcpdump, a client's neighbour table
// follows them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawn } from 'node:child_process';
import { requireLab, segmentScript, segmentTeardownScript, sh } from '../helpers/lab';
import { inNetns } from '../../src/net/netns';
import { interfaceInfo, sendGratuitousArp, sendUnsolicitedNa } from '../../src/native/vrrp-socket';
import { LinkAnnouncer } from '../../src/vrrp/link-announcer';

const SENDER = 'nann-a';
const CLIENT = 'nann-b';
const WATCHER = 'nann-c';
const VIP4 = '10.78.0.100';
const VIP6 = 'fd78::100';
const VMAC = '00:00:5e:00:01:33';
const STALE_MAC = '02:00:00:00:00:99';
const LIMIT = { timeout: 60_000 };

let senderMac: string;

before(async () => {
  requireLab();
  await sh(`${segmentScript('nannbr', [SENDER, CLIENT, WATCHER])}
ip -n ${SENDER} addr add 10.78.0.1/24 dev eth0
ip -n ${SENDER} -6 addr add fd78::1/64 dev eth0 nodad
ip -n ${SENDER} addr add ${VIP4}/32 dev eth0
ip -n ${SENDER} -6 addr add ${VIP6}/128 dev eth0 nodad
ip -n ${SENDER} link add nann-down type veth peer name nann-down1
ip -n ${CLIENT} addr add 10.78.0.2/24 dev eth0
ip -n ${CLIENT} -6 addr add fd78::2/64 dev eth0 nodad`);
  senderMac = inNetns(SENDER, () => interfaceInfo('eth0').mac);
});

after(async () => {
  await sh(segmentTeardownScript('nannbr', [SENDER, CLIENT, WATCHER]));
});

/** Waits until the client's neighbour entry for address shows mac; returns the last entry seen. */
async function clientNeighbour(address: string, mac: string): Promise<string> {
  let entry = '';
  for (let attempt = 0; attempt < 50; attempt++) {
    entry = (await sh(`ip neigh show ${address} dev eth0`, CLIENT)).trim();
    if (entry.includes(mac)) break;
    await sleep(100);
  }
  return entry;
}

/** tcpdump in a namespace, listening once the promise resolves; done() gives the decoded packets. */
async function capture(ns: string, dev: string, count: number, filter: string): Promise<{ done: () => Promise<string[]> }> {
  const tcpdump = spawn('/usr/sbin/ip', ['netns', 'exec', ns, '/usr/bin/tcpdump',
    '-i', dev, '-nn', '-e', '-vv', '-l', '-c', String(count), filter], { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  tcpdump.stdout!.setEncoding('utf8').on('data', (d: string) => { text += d; });
  const exited = new Promise((resolve) => tcpdump.once('close', resolve));
  await new Promise<void>((resolve, reject) => {
    let errors = '';
    tcpdump.stderr!.setEncoding('utf8').on('data', (d: string) => {
      errors += d;
      if (errors.includes('listening on')) resolve();
    });
    tcpdump.once('close', () => reject(new Error(`tcpdump ended before listening: ${errors}`)));
  });
  return { done: async () => { await exited; return text.split(/\n(?=\S)/).filter(Boolean); } };
}

test('tcpdump in a third namespace sees the gratuitous ARPs and the neighbour advertisement', LIMIT, async () => {
  const watch = await capture(WATCHER, 'eth0', 3, 'arp or (icmp6 and ip6[40] == 136)');
  inNetns(SENDER, () => {
    sendGratuitousArp('eth0', VIP4);
    sendGratuitousArp('eth0', VIP4, VMAC);
    sendUnsolicitedNa('eth0', VIP6, VMAC);
  });
  const packets = await watch.done();
  assert.equal(packets.length, 3, packets.join('\n'));
  const [ownArp, virtualArp, na] = packets as [string, string, string];
  const arp = /ethertype ARP \(0x0806\).*Request who-has 10\.78\.0\.100 tell 10\.78\.0\.100,/;
  assert.match(ownArp, new RegExp(`^\\S+ ${senderMac} > ff:ff:ff:ff:ff:ff, `));
  assert.match(ownArp, arp);
  assert.match(virtualArp, new RegExp(`^\\S+ ${VMAC} > ff:ff:ff:ff:ff:ff, `));
  assert.match(virtualArp, arp);
  assert.match(na, new RegExp(`^\\S+ ${VMAC} > 33:33:00:00:00:01, ethertype IPv6`));
  assert.match(na, /hlim 255, next-header ICMPv6 \(58\)/);
  assert.match(na, /fd78::100 > ff02::1: \[icmp6 sum ok\] ICMP6, neighbor advertisement, length 32, tgt is fd78::100, Flags \[override\]/);
  assert.match(na, new RegExp(`destination link-address option \\(2\\), length 8 \\(1\\): ${VMAC}`));
});

test("a client's neighbour entries follow the announcements", LIMIT, async () => {
  await sh(`ip neigh replace ${VIP4} lladdr ${STALE_MAC} dev eth0 nud stale
ip -6 neigh replace ${VIP6} lladdr ${STALE_MAC} dev eth0 nud stale`, CLIENT);
  inNetns(SENDER, () => sendGratuitousArp('eth0', VIP4));
  assert.match(await clientNeighbour(VIP4, senderMac), new RegExp(`lladdr ${senderMac}`));
  inNetns(SENDER, () => sendGratuitousArp('eth0', VIP4, VMAC));
  assert.match(await clientNeighbour(VIP4, VMAC), new RegExp(`lladdr ${VMAC}`));
  // The client's kernel drops an NA whose checksum or hop limit is wrong.
  inNetns(SENDER, () => sendUnsolicitedNa('eth0', VIP6, VMAC));
  assert.match(await clientNeighbour(VIP6, VMAC), new RegExp(`lladdr ${VMAC}`));
});

test('announcing on a missing, non-Ethernet or down interface fails with a clear error', LIMIT, () => {
  inNetns(SENDER, () => {
    assert.throws(() => sendGratuitousArp('nosuch0', VIP4), (err: NodeJS.ErrnoException) => {
      assert.equal(err.code, 'ENODEV');
      assert.match(err.message, /nosuch0/);
      return true;
    });
    assert.throws(() => sendGratuitousArp('lo', VIP4), /interface lo is not an Ethernet interface/);
    assert.throws(() => sendUnsolicitedNa('lo', VIP6, VMAC), /sending frames on lo: not an Ethernet interface/);
    assert.equal(interfaceInfo('nann-down').up, false);
    assert.throws(() => sendGratuitousArp('nann-down', VIP4), (err: NodeJS.ErrnoException & { interface?: string }) => {
      assert.equal(err.code, 'ENETDOWN');
      assert.equal(err.interface, 'nann-down');
      return true;
    });
  });
});

test('LinkAnnouncer: frames prepared ahead go out on a kept socket; a re-created interface is picked up', LIMIT, async () => {
  const link = `ip link add nann-re netns ${SENDER} address 02:00:00:00:00:71 type veth peer name nann-rew netns ${WATCHER}
ip -n ${SENDER} link set nann-re up
ip -n ${WATCHER} link set nann-rew up`;
  await sh(link);
  const announcer = new LinkAnnouncer(SENDER);
  try {
    announcer.prepare('nann-re', [VIP4, VIP6]);
    let watch = await capture(WATCHER, 'nann-rew', 2, 'arp or (icmp6 and ip6[40] == 136)');
    announcer.garp('nann-re', VIP4);
    announcer.na('nann-re', VIP6);
    let packets = await watch.done();
    assert.equal(packets.length, 2, packets.join('\n'));
    assert.match(packets[0]!, /^\S+ 02:00:00:00:00:71 > ff:ff:ff:ff:ff:ff, .*Request who-has 10\.78\.0\.100 tell 10\.78\.0\.100,/s);
    assert.match(packets[1]!, /^\S+ 02:00:00:00:00:71 > 33:33:00:00:00:01, .*tgt is fd78::100/s);

    // The same name, a new index and MAC: the kept socket fails, is reopened, and the frame carries the new MAC.
    await sh(`ip -n ${SENDER} link del nann-re\n${link.replace('02:00:00:00:00:71', '02:00:00:00:00:72')}`);
    watch = await capture(WATCHER, 'nann-rew', 1, 'arp');
    announcer.garp('nann-re', VIP4);
    packets = await watch.done();
    assert.match(packets[0]!, /^\S+ 02:00:00:00:00:72 > ff:ff:ff:ff:ff:ff, .*who-has 10\.78\.0\.100/s);

    assert.throws(() => announcer.prepare('nosuch0', [VIP4]), (err: NodeJS.ErrnoException) => err.code === 'ENODEV' && /nosuch0/.test(err.message));
  } finally {
    announcer.close();
    await sh(`ip -n ${SENDER} link del nann-re 2>/dev/null || true`);
  }
});
