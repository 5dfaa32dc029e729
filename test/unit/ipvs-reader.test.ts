// IpvsReader over the blocking netlink socket, with the addon's three socket
// calls replaced by a scripted kernel: replies spread over datagrams, other
// requests' leftovers, refusals, cut and malformed datagrams, silence.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, openSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { AttrWriter } from '../../src/ipvs/attrs';
import { COUNTERS_NOT_READ, decodeRealServer, decodeRealServerAt } from '../../src/ipvs/codec';
import { Cmd, CmdAttr, CtrlAttr, DestAttr, GENL_ID_CTRL, InfoAttr, NlmsgType, StatsAttr } from '../../src/ipvs/constants';
import { IpvsError, IpvsProtocolError, IpvsUnavailableError } from '../../src/ipvs/errors';
import { frame } from '../../src/ipvs/message';
import { IpvsReader } from '../../src/ipvs/reader';
import { AF_INET, type ServiceKey } from '../../src/ipvs/types';
import { native, type NativeAddon } from '../../src/native';

const FAMILY = 0x1a;
const KEY: ServiceKey = { family: AF_INET, protocol: 'tcp', address: '10.0.0.1', port: 80 };

interface Request { type: number; seq: number; command: number }
/** What the scripted kernel sends back for a request: datagrams, or a size to report (a cut datagram), or an errno to throw. */
type Answer = Buffer | { size: number } | { errno: number };

const addon = native();
const real = { open: addon.netlinkOpen, send: addon.netlinkSend, receive: addon.netlinkReceive };

afterEach(() => {
  Object.assign(addon, { netlinkOpen: real.open, netlinkSend: real.send, netlinkReceive: real.receive });
});

/** Replaces the socket calls: each request sent queues the answers kernel() gives for it. */
function scriptKernel(kernel: (req: Request) => Answer[]): Request[] {
  const seen: Request[] = [];
  const queue: Answer[] = [];
  Object.assign(addon, {
    // A real descriptor, so that close() has something to close.
    netlinkOpen: () => openSync('/dev/null', 'r'),
    netlinkSend: (_fd: number, request: Buffer) => {
      const req = { type: request.readUInt16LE(4), seq: request.readUInt32LE(8), command: request[16]! };
      seen.push(req);
      queue.push(...kernel(req));
    },
    netlinkReceive: (_fd: number, into: Buffer) => {
      const next = queue.shift();
      if (!next) throw Object.assign(new Error('recvfrom: would block'), { errno: osConstants.errno.EAGAIN });
      if ('errno' in next) throw Object.assign(new Error('recvfrom failed'), { errno: next.errno });
      if ('size' in next) return next.size;
      next.copy(into);
      return next.length;
    },
  } satisfies Partial<NativeAddon>);
  return seen;
}

function familyReply(seq: number): Buffer {
  const w = new AttrWriter(1, 1);
  w.u16(CtrlAttr.FAMILY_ID, FAMILY);
  return Buffer.concat([frame(GENL_ID_CTRL, 0, seq, w.finish()), ack(seq, 0)]);
}

function infoReply(seq: number): Buffer {
  const w = new AttrWriter(Cmd.GET_INFO, 1);
  w.u32(InfoAttr.VERSION, 0x010206);
  w.u32(InfoAttr.CONN_TAB_SIZE, 4096);
  return Buffer.concat([frame(FAMILY, 0, seq, w.finish()), ack(seq, 0)]);
}

function ack(seq: number, errno: number): Buffer {
  const body = Buffer.alloc(20);
  body.writeInt32LE(-errno, 0);
  return frame(NlmsgType.ERROR, 0, seq, body);
}

function done(seq: number, status = 0): Buffer {
  const body = Buffer.alloc(4);
  body.writeInt32LE(status, 0);
  return frame(NlmsgType.DONE, 2, seq, body);
}

/** A dumped real server 10.1.0.<n>:8080, weight n, n active connections. */
function destPayload(n: number): Buffer {
  const w = new AttrWriter(Cmd.NEW_DEST, 1);
  const dest = w.begin(CmdAttr.DEST);
  w.fill(DestAttr.ADDR, 16, (out, off) => { out.fill(0, off, off + 16); out.set([10, 1, 0, n], off); });
  w.be16(DestAttr.PORT, 8080);
  w.u32(DestAttr.FWD_METHOD, 0);
  w.u32(DestAttr.WEIGHT, n);
  w.u32(DestAttr.U_THRESH, 0);
  w.u32(DestAttr.L_THRESH, 0);
  w.u32(DestAttr.ACTIVE_CONNS, n);
  w.u32(DestAttr.INACT_CONNS, 0);
  w.u32(DestAttr.PERSIST_CONNS, 0);
  w.u16(DestAttr.ADDR_FAMILY, AF_INET);
  const stats = w.begin(DestAttr.STATS);
  for (const type of Object.values(StatsAttr)) w.u32(type, type === StatsAttr.CONNS ? n : 0);
  w.end(stats);
  w.end(dest);
  return w.finish();
}

/** The answers of a reader's open(): GETFAMILY, then GET_INFO. */
function opening(req: Request): Answer[] | undefined {
  if (req.type === GENL_ID_CTRL) return [familyReply(req.seq)];
  if (req.command === Cmd.GET_INFO) return [infoReply(req.seq)];
  return undefined;
}

test('a dump is read to its end across datagrams; leftovers of other requests are skipped', () => {
  const seen = scriptKernel((req) => opening(req) ?? [
    Buffer.concat([frame(FAMILY, 2, req.seq - 1, destPayload(99)), frame(FAMILY, 2, req.seq, destPayload(1))]),
    Buffer.concat([frame(FAMILY, 2, req.seq, destPayload(2)), frame(FAMILY, 2, req.seq, destPayload(3))]),
    done(req.seq),
  ]);
  const reader = IpvsReader.open();
  const servers = reader.listRealServers(KEY);
  assert.deepEqual(servers.map((r) => [r.server.address, r.server.weight, r.activeConns, r.stats.conns]), [
    ['10.1.0.1', 1, 1, 1n], ['10.1.0.2', 2, 2, 2n], ['10.1.0.3', 3, 3, 3n],
  ]);
  assert.deepEqual(reader.getInfo(), { version: 0x010206, connTableSize: 4096 });
  assert.deepEqual(seen.map((r) => r.command), [3, Cmd.GET_INFO, Cmd.GET_DEST, Cmd.GET_INFO]);
  reader.close();
  assert.throws(() => reader.getInfo(), (e: unknown) => e instanceof IpvsError && e.code === 'ECANCELED');
});

test('counters are left unread when the caller says it does not show them', () => {
  scriptKernel((req) => opening(req) ?? [Buffer.concat([frame(FAMILY, 2, req.seq, destPayload(7)), done(req.seq)])]);
  const reader = IpvsReader.open();
  const [lean] = reader.listRealServers(KEY, { counters: false });
  assert.equal(lean!.stats, COUNTERS_NOT_READ);
  assert.equal(lean!.stats64, COUNTERS_NOT_READ);
  assert.deepEqual([lean!.server.address, lean!.server.weight, lean!.activeConns], ['10.1.0.7', 7, 7]);
  const [full] = reader.listRealServers(KEY);
  assert.equal(full!.stats.conns, 7n);
  assert.deepEqual({ ...full, stats: COUNTERS_NOT_READ, stats64: COUNTERS_NOT_READ }, lean);
});

test('refusals, cut or malformed datagrams and silence are errors', () => {
  const answers = new Map<number, (seq: number) => Answer[]>();
  scriptKernel((req) => opening(req) ?? answers.get(req.command)!(req.seq));
  const reader = IpvsReader.open();
  const expect = (command: number, answer: (seq: number) => Answer[], check: (e: unknown) => boolean): void => {
    answers.set(command, answer);
    assert.throws(() => (command === Cmd.GET_SERVICE ? reader.getService(KEY) : reader.listRealServers(KEY)), check);
  };
  expect(Cmd.GET_SERVICE, (seq) => [ack(seq, osConstants.errno.ESRCH)],
    (e) => e instanceof IpvsError && e.code === 'ESRCH' && e.command === 'GET_SERVICE');
  expect(Cmd.GET_DEST, (seq) => [Buffer.concat([frame(FAMILY, 2, seq, destPayload(1)), done(seq, -osConstants.errno.EINVAL)])],
    (e) => e instanceof IpvsError && e.code === 'EINVAL' && e.command === 'GET_DEST');
  expect(Cmd.GET_DEST, () => [{ size: 70000 }], (e) => e instanceof IpvsProtocolError && /70000-byte reply was cut/.test(e.message));
  expect(Cmd.GET_DEST, (seq) => [frame(FAMILY, 2, seq, destPayload(1)).subarray(0, 30)], (e) => e instanceof IpvsProtocolError);
  expect(Cmd.GET_DEST, (seq) => [frame(FAMILY, 2, seq, destPayload(1).subarray(0, 40))], (e) => e instanceof IpvsProtocolError);
  expect(Cmd.GET_DEST, () => [], (e) => e instanceof IpvsError && /no reply from the kernel/.test(e.message));
  expect(Cmd.GET_DEST, () => [{ errno: osConstants.errno.ENOBUFS }], (e) => e instanceof IpvsError && e.code === 'ENOBUFS');
  reader.close();
});

test('open says when the kernel has no IPVS, or when privilege is missing', () => {
  scriptKernel((req) => [ack(req.seq, osConstants.errno.ENOENT)]);
  assert.throws(() => IpvsReader.open(), (e: unknown) => e instanceof IpvsUnavailableError && /no IPVS/.test(e.message));
  scriptKernel((req) => (req.type === GENL_ID_CTRL ? [familyReply(req.seq)] : [ack(req.seq, osConstants.errno.EPERM)]));
  assert.throws(() => IpvsReader.open(), (e: unknown) => e instanceof IpvsUnavailableError && /CAP_NET_ADMIN/.test(e.message));
  Object.assign(addon, { netlinkOpen: () => { throw Object.assign(new Error('socket: denied'), { errno: osConstants.errno.EACCES }); } });
  assert.throws(() => IpvsReader.open(), (e: unknown) => e instanceof IpvsUnavailableError && /CAP_NET_ADMIN/.test(e.message));
});

test('decoding in place reads the same as decoding a copy, and stops at the given end', () => {
  const payload = destPayload(7);
  const buf = Buffer.concat([Buffer.alloc(12, 0xff), payload, Buffer.alloc(8, 0xff)]);
  assert.deepEqual(decodeRealServerAt(buf, 12, 12 + payload.length, AF_INET), decodeRealServer(payload, AF_INET));
  assert.throws(() => decodeRealServerAt(buf, 12, 12 + payload.length + 8, AF_INET), IpvsProtocolError);
});

test('the blocking socket opens, and close releases it', () => {
  const fd = real.open(16, 1000);
  assert.ok(fd >= 0);
  closeSync(fd);
});
