// The record of the services lvsd owns, under --state-dir: written whole,
// read back only for the same boot and network namespace, and a damaged one
// never stops lvsd.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OWNED_FILE, ownershipRecord, readOwnedServices, tableIdentity } from '../../src/daemon/owned-services';

function logger(): { lines: string[]; info(o: object, m?: string): void; warn(o: object, m?: string): void; error(o: object, m?: string): void } {
  const lines: string[] = [];
  const add = (o: object, m?: string) => void lines.push(`${m ?? ''} ${JSON.stringify(o)}`);
  return { lines, info: add, warn: add, error: add };
}

test('the services recorded are read back by the next run on the same table', () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'owned-')), 'state');
  const first = ownershipRecord(dir, undefined, logger());
  assert.ok(first);
  assert.deepEqual([...first.recorded], [], 'nothing recorded yet');
  assert.equal(first.record(new Set(['udp:10.0.0.1:53', 'tcp:10.0.0.1:80'])), true);
  assert.deepEqual(readdirSync(dir), [OWNED_FILE], 'no temporary file is left behind');
  const next = ownershipRecord(dir, undefined, logger());
  assert.deepEqual([...next!.recorded], ['tcp:10.0.0.1:80', 'udp:10.0.0.1:53']);
});

test('a record of another boot or network namespace owns nothing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'owned-'));
  const here = tableIdentity();
  const write = (boot: string, netns: number, netnsCookie?: string) =>
    writeFileSync(join(dir, OWNED_FILE), JSON.stringify({ version: 1, boot, netns, ...(netnsCookie !== undefined ? { netnsCookie } : {}), services: ['tcp:10.0.0.1:80'] }));
  write(here.boot, here.netns, here.netnsCookie);
  assert.deepEqual([...readOwnedServices(dir, here).services], ['tcp:10.0.0.1:80']);
  write('00000000-0000-0000-0000-000000000000', here.netns, here.netnsCookie);
  assert.deepEqual(readOwnedServices(dir, here), { services: new Set(), stale: 'an earlier boot' });
  write(here.boot, here.netns + 1);
  assert.deepEqual(readOwnedServices(dir, here), { services: new Set(), stale: `another network namespace (inode ${here.netns + 1})` });
});

test('a namespace is told by its cookie: one made after another was deleted, with the same inode number, owns nothing of its record', () => {
  const dir = mkdtempSync(join(tmpdir(), 'owned-'));
  const here = tableIdentity();
  assert.match(here.netnsCookie ?? '', /^[0-9]+$/, 'this kernel (5.14 or later) gives namespace cookies');
  const write = (netnsCookie?: string) =>
    writeFileSync(join(dir, OWNED_FILE), JSON.stringify({ version: 1, boot: here.boot, netns: here.netns, ...(netnsCookie !== undefined ? { netnsCookie } : {}), services: ['tcp:10.0.0.1:80'] }));
  const other = (BigInt(here.netnsCookie!) + 1n).toString();
  write(other);
  assert.deepEqual(readOwnedServices(dir, here), { services: new Set(), stale: `another network namespace (cookie ${other})` });
  // A record written before cookies were kept is told by the inode alone.
  write();
  assert.deepEqual([...readOwnedServices(dir, here).services], ['tcp:10.0.0.1:80']);
  // A record is written with the cookie.
  ownershipRecord(dir, undefined, logger())!.record(new Set(['tcp:10.0.0.1:80']));
  assert.equal(JSON.parse(readFileSync(join(dir, OWNED_FILE), 'utf8')).netnsCookie, here.netnsCookie);
});

test('a damaged record is an error naming the file and what is wrong; lvsd then owns nothing and replaces it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'owned-'));
  const file = join(dir, OWNED_FILE);
  const here = tableIdentity();
  for (const [text, why] of [
    ['{"version":1,', /not JSON/],
    ['{"version":2}', /not an lvsd record of owned services of version 1/],
    [JSON.stringify({ version: 1, ...here, services: ['tcp:10.0.0.1'] }), /service "tcp:10\.0\.0\.1": "tcp:10\.0\.0\.1" is not a service id/],
    [JSON.stringify({ version: 1, ...here, services: [7] }), /service 7: not a string/],
    [JSON.stringify({ version: 1, ...here, netnsCookie: 12, services: [] }), /not an lvsd record of owned services of version 1/],
  ] as const) {
    writeFileSync(file, text);
    assert.throws(() => readOwnedServices(dir, here), (err: Error) => err.message.startsWith(`${file}: `) && why.test(err.message));
  }
  const log = logger();
  const record = ownershipRecord(dir, undefined, log);
  assert.deepEqual([...record!.recorded], []);
  assert.match(log.lines.join('\n'), /cannot read the services lvsd owns/);
  record!.record(new Set(['tcp:10.0.0.1:80']));
  assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')).services, ['tcp:10.0.0.1:80']);
});

test('a record that cannot be written says so and reports it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'owned-'));
  // A file where the state directory should be: nothing can be written under it.
  const blocked = join(dir, 'state');
  writeFileSync(blocked, '');
  const log = logger();
  const record = ownershipRecord(blocked, undefined, log);
  assert.equal(record!.record(new Set(['tcp:10.0.0.1:80'])), false);
  assert.match(log.lines.join('\n'), /cannot record the services lvsd owns.*EEXIST|cannot record the services lvsd owns.*ENOTDIR/);
});
