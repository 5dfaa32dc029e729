import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prng } from '../helpers/prng';
import { DROP_REASONS } from '../../src/vrrp/drop-reason';
import {
  decodeAdvertisement, encodeAdvertisement, passwordAuthData, type Advertisement, type Envelope,
} from '../../src/vrrp/packet';

// Advertisements captured from keepalived 2.2.7 in the lab (tcpdump on the peer's veth).
const KEEPALIVED = {
  v2Pass: { hex: '2133c8020101936f0a0900640a0900657365637265743132', src: '10.9.0.1', dst: '224.0.0.18' },
  v2PassStop: { hex: '2133000201015b700a0900640a0900657365637265743132', src: '10.9.0.1', dst: '224.0.0.18' },
  v3v4: { hex: '31345a01000a7fb80a090066', src: '10.9.0.1', dst: '224.0.0.18' },
  v3v4Stop: { hex: '31340001000ad9b80a090066', src: '10.9.0.1', dst: '224.0.0.18' },
  v3v6: { hex: '3135640100646e45fd000000000000000000000000000100', src: 'fe80::1', dst: 'ff02::12' },
  v3v6Stop: { hex: '313500010064d245fd000000000000000000000000000100', src: 'fe80::1', dst: 'ff02::12' },
};

const v4 = (source: string, destination: string): Envelope => ({ family: 'ipv4', source, destination });
const v6 = (source: string, destination: string): Envelope => ({ family: 'ipv6', source, destination });

/** Independent one's-complement sum, word by word, for checking checksums by hand. */
function handChecksum(bytes: number[]): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 2) sum += (bytes[i]! << 8) + (bytes[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum >>> 16) + (sum & 0xffff);
  return 0xffff - sum;
}

test('v2 with a password: keepalived bytes decode and re-encode identically', () => {
  const { hex, src, dst } = KEEPALIVED.v2Pass;
  const r = decodeAdvertisement(Buffer.from(hex, 'hex'), v4(src, dst));
  assert.ok(r.ok);
  assert.deepEqual(r.advert, {
    version: 2, vrid: 51, priority: 200, advertIntervalSec: 1, authType: 'pass',
    authData: Buffer.from('secret12'), addresses: ['10.9.0.100', '10.9.0.101'],
  });
  assert.equal(encodeAdvertisement(r.advert, v4(src, dst)).toString('hex'), hex);
});

test('v2 checksum computed by hand covers the message only', () => {
  const msg = [0x21, 0x33, 0xc8, 0x02, 0x01, 0x01, 0, 0, 10, 9, 0, 100, 10, 9, 0, 101, ...Buffer.from('secret12')];
  const expected = handChecksum(msg);
  assert.equal(expected, 0x936f);
  const built = encodeAdvertisement({
    version: 2, vrid: 51, priority: 200, advertIntervalSec: 1, authType: 'pass',
    authData: passwordAuthData('secret12'), addresses: ['10.9.0.100', '10.9.0.101'],
  }, v4('192.0.2.1', '224.0.0.18'));
  assert.equal(built.readUInt16BE(6), expected, 'v2 checksum ignores the IP addresses');
});

test('v3 over IPv4: checksum includes the pseudo-header, as computed by hand', () => {
  const { hex, src, dst } = KEEPALIVED.v3v4;
  const msg = [0x31, 0x34, 0x5a, 0x01, 0x00, 0x0a, 0, 0, 10, 9, 0, 102];
  const pseudo = [10, 9, 0, 1, 224, 0, 0, 18, 0, 112, 0, msg.length];
  assert.equal(handChecksum([...pseudo, ...msg]), 0x7fb8);
  const r = decodeAdvertisement(Buffer.from(hex, 'hex'), v4(src, dst));
  assert.ok(r.ok);
  assert.deepEqual(r.advert, { version: 3, vrid: 52, priority: 90, advertIntervalCs: 10, addresses: ['10.9.0.102'] });
  assert.equal(encodeAdvertisement(r.advert, v4(src, dst)).toString('hex'), hex);
  // Another destination (unicast) changes the checksum.
  assert.notEqual(encodeAdvertisement(r.advert, v4(src, '10.9.0.2')).toString('hex'), hex);
});

test('v3 over IPv6: checksum includes the IPv6 pseudo-header, as computed by hand', () => {
  const { hex, src, dst } = KEEPALIVED.v3v6;
  const msg = [...Buffer.from('3135640100640000fd000000000000000000000000000100', 'hex')];
  const pseudo = [
    ...Buffer.from('fe800000000000000000000000000001', 'hex'),
    ...Buffer.from('ff020000000000000000000000000012', 'hex'),
    0, 0, 0, msg.length, 0, 0, 0, 112,
  ];
  assert.equal(handChecksum([...pseudo, ...msg]), 0x6e45);
  const r = decodeAdvertisement(Buffer.from(hex, 'hex'), v6(src, dst));
  assert.ok(r.ok);
  assert.deepEqual(r.advert, { version: 3, vrid: 53, priority: 100, advertIntervalCs: 100, addresses: ['fd00::100'] });
  assert.equal(encodeAdvertisement(r.advert, v6(src, dst)).toString('hex'), hex);
});

test('priority 0 adverts keepalived sends on shutdown decode with priority 0', () => {
  for (const key of ['v2PassStop', 'v3v4Stop', 'v3v6Stop'] as const) {
    const { hex, src, dst } = KEEPALIVED[key];
    const family = src.includes(':') ? 'ipv6' : 'ipv4';
    const r = decodeAdvertisement(Buffer.from(hex, 'hex'), { family, source: src, destination: dst });
    assert.ok(r.ok, key);
    assert.equal(r.advert.priority, 0, key);
    assert.equal(encodeAdvertisement(r.advert, { family, source: src, destination: dst }).toString('hex'), hex, key);
  }
});

test('v3 ignores the reserved top bits of the interval field', () => {
  const buf = Buffer.from(KEEPALIVED.v3v4.hex, 'hex');
  buf.writeUInt16BE(0xf00a, 4);
  buf.writeUInt16BE(0, 6);
  const pseudo = [10, 9, 0, 1, 224, 0, 0, 18, 0, 112, 0, buf.length];
  buf.writeUInt16BE(handChecksum([...pseudo, ...buf]), 6);
  const r = decodeAdvertisement(buf, v4('10.9.0.1', '224.0.0.18'));
  assert.ok(r.ok);
  assert.equal(r.advert.version === 3 && r.advert.advertIntervalCs, 10);
});

function expectDrop(hexOrBuf: string | Buffer, envelope: Envelope, reason: string): void {
  const buf = typeof hexOrBuf === 'string' ? Buffer.from(hexOrBuf, 'hex') : hexOrBuf;
  const r = decodeAdvertisement(buf, envelope);
  assert.equal(r.ok, false, `expected ${reason}`);
  if (!r.ok) assert.equal(r.reason, reason);
}

test('structural defects give their own drop reason', () => {
  const env = v4('10.9.0.1', '224.0.0.18');
  expectDrop('2133c8', env, 'too-short');
  expectDrop(Buffer.alloc(0), env, 'too-short');
  const v2 = Buffer.from(KEEPALIVED.v2Pass.hex, 'hex');
  expectDrop(Buffer.from([0x11, ...v2.subarray(1)]), env, 'bad-version');
  expectDrop(Buffer.from([0x22, ...v2.subarray(1)]), env, 'bad-type');
  expectDrop(Buffer.concat([v2, Buffer.alloc(4)]), env, 'length-mismatch');
  expectDrop(v2.subarray(0, v2.length - 1), env, 'length-mismatch');
  const ah = Buffer.from(v2); ah[4] = 2;
  expectDrop(ah, env, 'auth-ah-unsupported');
  const weird = Buffer.from(v2); weird[4] = 7;
  expectDrop(weird, env, 'auth-type-invalid');
  const flipped = Buffer.from(v2); flipped[2] = 201;
  expectDrop(flipped, env, 'bad-checksum');
  const still = Buffer.from(v2); still[5] = 0;
  expectDrop(still, env, 'bad-advert-interval');
  // v3 checked against the wrong source fails its checksum; v2 does not care.
  expectDrop(KEEPALIVED.v3v4.hex, v4('10.9.0.9', '224.0.0.18'), 'bad-checksum');
  assert.ok(decodeAdvertisement(v2, v4('10.9.0.9', '224.0.0.18')).ok);
  // v2 never runs over IPv6.
  expectDrop(KEEPALIVED.v2Pass.hex, v6('fe80::1', 'ff02::12'), 'bad-version');
  expectDrop(KEEPALIVED.v3v4.hex, v4('fe80::1', '224.0.0.18'), 'bad-envelope');
});

test('encoder refuses what cannot go on the wire', () => {
  const env = v4('10.0.0.1', '224.0.0.18');
  const base: Advertisement = { version: 3, vrid: 1, priority: 100, advertIntervalCs: 100, addresses: ['10.0.0.5'] };
  assert.throws(() => encodeAdvertisement({ ...base, vrid: 0 }, env), /VRID 0/);
  assert.throws(() => encodeAdvertisement({ ...base, priority: 256 }, env), /priority 256/);
  assert.throws(() => encodeAdvertisement({ ...base, advertIntervalCs: 4096 }, env), /interval/);
  assert.throws(() => encodeAdvertisement({ ...base, addresses: ['fd00::1'] }, env), /not IPv4/);
  assert.throws(() => encodeAdvertisement({
    version: 2, vrid: 1, priority: 100, advertIntervalSec: 1, authType: 'none', authData: Buffer.alloc(8), addresses: ['fd00::1'],
  }, v6('fe80::1', 'ff02::12')), /IPv4 only/);
});

test('password auth data is zero-padded or truncated to 8 bytes', () => {
  assert.equal(passwordAuthData('abc').toString('hex'), '6162630000000000');
  assert.equal(passwordAuthData('0123456789').toString(), '01234567');
});

test('fuzz: random buffers never throw and always give a known verdict', () => {
  const rand = prng(1);
  const reasons = new Set<string>(DROP_REASONS);
  const envs = [v4('10.9.0.1', '224.0.0.18'), v6('fe80::1', 'ff02::12')];
  const seen = new Set<string>();
  for (let i = 0; i < 5000; i++) {
    const len = Math.floor(rand() * 80);
    const buf = Buffer.alloc(len);
    for (let j = 0; j < len; j++) buf[j] = Math.floor(rand() * 256);
    // Bias half the cases towards plausible headers so deeper checks run.
    if (len > 0 && rand() < 0.5) buf[0] = rand() < 0.5 ? 0x21 : 0x31;
    const r = decodeAdvertisement(buf, envs[i % 2]!);
    if (!r.ok) {
      assert.ok(reasons.has(r.reason), r.reason);
      seen.add(r.reason);
    }
  }
  for (const reason of ['too-short', 'bad-version', 'bad-type', 'length-mismatch']) assert.ok(seen.has(reason), reason);
});

test('fuzz: mutations of valid packets never throw; any accepted one re-encodes to the same bytes', () => {
  const rand = prng(2);
  const samples = Object.values(KEEPALIVED);
  let accepted = 0;
  let rejected = 0;
  for (let i = 0; i < 6000; i++) {
    const sample = samples[i % samples.length]!;
    const env: Envelope = { family: sample.src.includes(':') ? 'ipv6' : 'ipv4', source: sample.src, destination: sample.dst };
    const buf = Buffer.from(sample.hex, 'hex');
    const kind = Math.floor(rand() * 4);
    let mutated: Buffer;
    if (kind === 0) {
      mutated = Buffer.from(buf);
      mutated[Math.floor(rand() * buf.length)] ^= 1 << Math.floor(rand() * 8);
    } else if (kind === 1) {
      mutated = buf.subarray(0, Math.floor(rand() * buf.length));
    } else if (kind === 2) {
      mutated = Buffer.concat([buf, Buffer.alloc(1 + Math.floor(rand() * 20), Math.floor(rand() * 256))]);
    } else {
      // Flip two bytes that compensate in the checksum (swap of 16-bit words) or not at all.
      mutated = Buffer.from(buf);
      const a = Math.floor(rand() * buf.length);
      const b = Math.floor(rand() * buf.length);
      [mutated[a], mutated[b]] = [mutated[b]!, mutated[a]!];
    }
    const r = decodeAdvertisement(mutated, env);
    if (r.ok) {
      accepted++;
      const reserved = Buffer.from(mutated);
      // Reserved interval bits are not kept: the sender's checksum still covered them.
      if (r.advert.version === 3) reserved[4]! &= 0x0f;
      const again = encodeAdvertisement(r.advert, env);
      assert.equal(again.subarray(0, 6).toString('hex'), reserved.subarray(0, 6).toString('hex'));
      assert.equal(again.subarray(8).toString('hex'), reserved.subarray(8).toString('hex'));
    } else {
      rejected++;
    }
  }
  assert.ok(rejected > 4000, `rejected ${rejected}`);
  assert.ok(accepted > 0, 'word swaps that keep the checksum must still decode');
});
