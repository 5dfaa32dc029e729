import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gratuitousArpFrame, icmpv6Checksum, unsolicitedNaFrame } from '../../src/native/frames';

const vmac = Buffer.from('00005e000133', 'hex');

/** Ones' complement sum folded to 16 bits: 0xffff over data that carries its own correct checksum. */
function onesSum(parts: Buffer[]): number {
  let sum = 0;
  for (const part of parts) {
    for (let i = 0; i < part.length; i += 2) sum += (part[i]! << 8) + (part[i + 1] ?? 0);
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

test('gratuitous ARP: broadcast request, sender = target = address, from the given MAC, padded to 60 bytes', () => {
  const frame = gratuitousArpFrame(Buffer.from([10, 0, 0, 100]), vmac);
  assert.equal(frame.length, 60);
  assert.equal(frame.subarray(0, 6).toString('hex'), 'ffffffffffff');
  assert.equal(frame.subarray(6, 12).toString('hex'), '00005e000133');
  assert.equal(frame.readUInt16BE(12), 0x0806);
  const arp = frame.subarray(14);
  assert.equal(arp.readUInt16BE(0), 1, 'hardware type Ethernet');
  assert.equal(arp.readUInt16BE(2), 0x0800, 'protocol IPv4');
  assert.equal(arp[4], 6);
  assert.equal(arp[5], 4);
  assert.equal(arp.readUInt16BE(6), 1, 'opcode request');
  assert.equal(arp.subarray(8, 14).toString('hex'), '00005e000133', 'sender MAC');
  assert.deepEqual([...arp.subarray(14, 18)], [10, 0, 0, 100], 'sender IP');
  assert.equal(arp.subarray(18, 24).toString('hex'), '000000000000', 'target MAC unknown');
  assert.deepEqual([...arp.subarray(24, 28)], [10, 0, 0, 100], 'target IP');
  assert.ok(frame.subarray(42).every((b) => b === 0), 'zero padding');
});

test('unsolicited NA: all-nodes, hop limit 255, override flag, target link-layer option, valid checksum', () => {
  const vip = Buffer.from('fd780000000000000000000000000100', 'hex');
  const frame = unsolicitedNaFrame(vip, vmac);
  assert.equal(frame.length, 14 + 40 + 32);
  assert.equal(frame.subarray(0, 6).toString('hex'), '333300000001');
  assert.equal(frame.subarray(6, 12).toString('hex'), '00005e000133');
  assert.equal(frame.readUInt16BE(12), 0x86dd);
  const ip = frame.subarray(14, 54);
  assert.equal(ip[0]! >> 4, 6);
  assert.equal(ip.readUInt16BE(4), 32, 'payload length');
  assert.equal(ip[6], 58, 'next header ICMPv6');
  assert.equal(ip[7], 255, 'hop limit');
  assert.ok(ip.subarray(8, 24).equals(vip), 'source is the announced address');
  assert.equal(ip.subarray(24, 40).toString('hex'), 'ff020000000000000000000000000001');
  const icmp = frame.subarray(54);
  assert.equal(icmp[0], 136, 'type neighbour advertisement');
  assert.equal(icmp[1], 0, 'code');
  assert.equal(icmp[4], 0x20, 'override only: not solicited, not a router');
  assert.ok(icmp.subarray(8, 24).equals(vip), 'target');
  assert.equal(icmp[24], 2, 'option: target link-layer address');
  assert.equal(icmp[25], 1, 'option length 8 bytes');
  assert.equal(icmp.subarray(26, 32).toString('hex'), '00005e000133');
  const pseudo = Buffer.alloc(40);
  ip.subarray(8, 40).copy(pseudo, 0);
  pseudo.writeUInt32BE(32, 32);
  pseudo[39] = 58;
  assert.equal(onesSum([pseudo, icmp]), 0xffff, 'checksum verifies');
});

test('unsolicited NA can set the router flag', () => {
  const frame = unsolicitedNaFrame(Buffer.alloc(16, 1), vmac, true);
  assert.equal(frame[54 + 4], 0xa0);
});

test('ICMPv6 checksum matches a hand-computed value and handles odd lengths', () => {
  const src = Buffer.alloc(16);
  const dst = Buffer.alloc(16);
  src[15] = 1;
  dst[15] = 2;
  // pseudo-header sum: 1 + 2 + length 3 + next header 58 = 64; message 0x0102 + 0x0300 = 0x0402
  assert.equal(icmpv6Checksum(src, dst, Buffer.from([1, 2, 3])), ~(64 + 0x0402) & 0xffff);
});
