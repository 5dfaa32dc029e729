import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIpv4Datagram } from '../../src/native/ipv4-datagram';

function datagram(payload: Buffer, edit: (header: Buffer) => void = () => {}, options = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(20 + options.length);
  header[0] = 0x40 | (header.length / 4);
  header.writeUInt16BE(header.length + payload.length, 2);
  header[8] = 255;
  header[9] = 112;
  Buffer.from([10, 1, 0, 1]).copy(header, 12);
  Buffer.from([224, 0, 0, 18]).copy(header, 16);
  options.copy(header, 20);
  edit(header);
  return Buffer.concat([header, payload]);
}

const payload = Buffer.from('31010a01aabb0000', 'hex');

test('a well-formed datagram yields TTL, addresses and the payload', () => {
  const parsed = parseIpv4Datagram(datagram(payload));
  assert.ok(parsed.ok);
  assert.equal(parsed.datagram.ttl, 255);
  assert.equal(parsed.datagram.source, '10.1.0.1');
  assert.equal(parsed.datagram.destination, '224.0.0.18');
  assert.ok(parsed.datagram.payload.equals(payload));
});

test('IP options are skipped and bytes past the total length are not payload', () => {
  const withOptions = datagram(payload, () => {}, Buffer.from([0x94, 0x04, 0, 0]));
  const parsed = parseIpv4Datagram(Buffer.concat([withOptions, Buffer.alloc(6)]));
  assert.ok(parsed.ok);
  assert.ok(parsed.datagram.payload.equals(payload));
});

test('short and garbled headers are refused with a reason', () => {
  const cases: Array<[string, Buffer, RegExp]> = [
    ['empty', Buffer.alloc(0), /shorter than an IPv4 header/],
    ['19 bytes', datagram(payload).subarray(0, 19), /shorter than an IPv4 header/],
    ['version 6', datagram(payload, (h) => { h[0] = 0x65; }), /version 6/],
    ['IHL 4', datagram(payload, (h) => { h[0] = 0x44; }), /header length 16 is below 20/],
    ['IHL past the end', datagram(Buffer.alloc(0), (h) => { h[0] = 0x4f; }), /exceeds/],
    ['total length past the end', datagram(payload, (h) => { h.writeUInt16BE(1000, 2); }), /total length 1000/],
    ['total length inside the header', datagram(payload, (h) => { h.writeUInt16BE(10, 2); }), /total length 10/],
    ['fragment', datagram(payload, (h) => { h.writeUInt16BE(0x2000, 6); }), /fragment/],
    ['other protocol', datagram(payload, (h) => { h[9] = 17; }), /protocol 17/],
  ];
  for (const [name, data, reason] of cases) {
    const parsed = parseIpv4Datagram(data);
    assert.equal(parsed.ok, false, name);
    if (!parsed.ok) assert.match(parsed.reason, reason, name);
  }
});

test('random bytes never throw', () => {
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff;
  for (let i = 0; i < 2000; i++) {
    const data = Buffer.from(Array.from({ length: next() % 64 }, next));
    const parsed = parseIpv4Datagram(data);
    if (parsed.ok) assert.ok(parsed.datagram.payload.length <= data.length);
  }
});
