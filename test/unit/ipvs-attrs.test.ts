// Attribute tables reused across dumped entries, and the request writer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Attrs, AttrWriter } from '../../src/ipvs/attrs';
import { IpvsProtocolError } from '../../src/ipvs/errors';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

test('the writer pads attributes, sizes nests and copies out exactly the request', () => {
  const w = new AttrWriter(5, 1);
  const nest = w.begin(2);
  w.u8(13, 0x7f);
  w.be16(2, 80);
  w.string(6, 'wlc');
  w.end(nest);
  w.u32(4, 0x01020304);
  assert.deepEqual(w.finish(), hex(`
    05 01 00 00
    1c 00 02 80
      05 00 0d 00 7f 00 00 00
      06 00 02 00 00 50 00 00
      08 00 06 00 77 6c 63 00
    08 00 04 00 04 03 02 01`));
  // A new writer starts from scratch: nothing of the previous request leaks in.
  assert.deepEqual(new AttrWriter(17, 1).finish(), hex('11 01 00 00'));
});

test('a reused table forgets the previous entry and names its place after its parent', () => {
  const entry = new Attrs();
  const first = Attrs.parse(hex('0c 00 02 80 08 00 01 00 01 00 00 00'), 'real server');
  assert.equal(first.nestedInto(entry, 2, 'DEST').u32(1, 'ONE'), 1);
  assert.equal(entry.where, 'real server > DEST');
  const second = Attrs.parse(hex('0c 00 01 80 08 00 03 00 03 00 00 00'), 'service');
  second.nestedInto(entry, 1, 'SERVICE');
  assert.equal(entry.where, 'service > SERVICE');
  assert.equal(entry.has(1), false, 'the first entry\'s attribute is gone');
  assert.equal(entry.u32(3, 'THREE'), 3);
  assert.throws(() => entry.u32(1, 'ONE'), (e: unknown) => e instanceof IpvsProtocolError && /service > SERVICE.*missing ONE/.test(e.message));
});

test('counters: 32 or 64 bits, zero and values above 2^32; types beyond the table are skipped', () => {
  const a = Attrs.parse(hex(`
    08 00 01 00 00 00 00 00
    0c 00 02 00 05 00 00 00 01 00 00 00
    0c 00 03 00 ff ff ff ff 00 00 00 00
    08 00 28 00 01 00 00 00`), 'stats');
  assert.equal(a.counter(1, 'A'), 0n);
  assert.equal(a.counter(2, 'B'), 0x100000005n);
  assert.equal(a.counter(3, 'C'), 0xffffffffn);
  assert.equal(a.has(40), false);
  assert.throws(() => Attrs.parse(hex('08 00 01 00 00 00'), 'cut'), IpvsProtocolError);
});
