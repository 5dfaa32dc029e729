// IPv6 datagrams as a link listener on an IPv6 VMAC hands them up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIpv6Datagram } from '../../src/native/ipv6-datagram';

function datagram(payload: Buffer, edit: (header: Buffer) => void = () => {}): Buffer {
  const header = Buffer.alloc(40);
  header[0] = 0x60;
  header.writeUInt16BE(payload.length, 4);
  header[6] = 112;
  header[7] = 255;
  Buffer.from('fe800000000000000000000000000001', 'hex').copy(header, 8);
  Buffer.from('ff020000000000000000000000000012', 'hex').copy(header, 24);
  edit(header);
  return Buffer.concat([header, payload]);
}

const payload = Buffer.from('31330a0100640000', 'hex');

test('a well-formed datagram yields hop limit, addresses and the payload; trailing bytes are not payload', () => {
  const parsed = parseIpv6Datagram(Buffer.concat([datagram(payload), Buffer.from([0, 0])]));
  assert.ok(parsed.ok);
  assert.deepEqual({ ...parsed.datagram, payload: parsed.datagram.payload.toString('hex') },
    { ttl: 255, source: 'fe80::1', destination: 'ff02::12', payload: payload.toString('hex') });
});

test('short, wrong-version, overlong and non-VRRP datagrams are refused with the reason', () => {
  const refused = (data: Buffer): string => {
    const parsed = parseIpv6Datagram(data);
    assert.equal(parsed.ok, false);
    return parsed.ok ? '' : parsed.reason;
  };
  assert.equal(refused(Buffer.alloc(39)), 'datagram of 39 bytes is shorter than an IPv6 header');
  assert.equal(refused(datagram(payload, (h) => { h[0] = 0x45; })), 'IP version 4, expected 6');
  assert.equal(refused(datagram(payload, (h) => h.writeUInt16BE(9, 4))), 'IPv6 payload length 9 exceeds the 8 bytes received after the header');
  assert.equal(refused(datagram(payload, (h) => { h[6] = 58; })), 'IPv6 next header 58, expected 112');
});
