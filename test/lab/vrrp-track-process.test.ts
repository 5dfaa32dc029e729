// vrrp_track_process on a real kernel: lvsd's advertised priority follows
// processes started and ended in the guest, by name (weight, quorum) and by
// command line (unweighted: FAULT, silent, while the quorum is missing).
// keepalived is no oracle here: it needs the kernel's process events, which
// this kernel lacks (it says so and drops the tracks). GET /v1/vrrp shows
// each track with its state and what it adds to the priority.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { requireLab, sh } from '../helpers/lab';
import { LineProcess } from '../helpers/procs';
import { ROOT, buildSegment, settledPriority, startLvsd, writeConfig } from './vrrp-segment';

const L = 'vrrp-tp-l';
const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

test('track_process: the advertised priority follows a process\'s quorum, and an unweighted command line track silences the instance while missing', { timeout: 120_000 }, async () => {
  requireLab();
  const seg = await buildSegment('vrrptpbr', [[L, '10.63.0.1/24']]);
  cleanups.push(() => seg.stop());
  const procs: LineProcess[] = [];
  cleanups.push(async () => { for (const p of procs) await p.stop('SIGKILL'); });
  // A program of its own name, so that nothing else in the guest matches it.
  const dir = mkdtempSync(join(ROOT, '.lab', 'track-process-'));
  const worker = join(dir, 'lvsdtpworker');
  copyFileSync('/bin/sleep', worker);
  const config = 'vrrp_track_process workers {\n  process lvsdtpworker\n  weight 10\n  quorum 2\n}\n'
    + `vrrp_track_process keeper {\n  process ${worker} 3600\n}\n`
    + 'vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 97\n  version 3\n  priority 100\n  advert_int 0.1\n'
    + '  virtual_ipaddress {\n    10.63.0.100/24\n  }\n  track_process {\n    workers\n    keeper weight 0\n  }\n}\n';
  const start = (seconds: string): LineProcess => {
    const p = LineProcess.start(`worker ${seconds}`, undefined, worker, [seconds]);
    procs.push(p);
    return p;
  };
  const advertised = (): Promise<string> => settledPriority(seg, 97, '10.63.0.1');
  const keeper = start('3600');
  const lvsd = await startLvsd(L, writeConfig(seg, 'tp.conf', config));
  procs.push(lvsd);
  const seen = [`keeper alone: ${await advertised()}`];
  const first = start('3599');
  seen.push(`one worker: ${await advertised()}`);
  const second = start('3598');
  seen.push(`two workers: ${await advertised()}`);
  await first.stop('SIGKILL');
  seen.push(`one gone: ${await advertised()}`);
  await keeper.stop('SIGKILL');
  seen.push(`keeper gone: ${await advertised()}`);
  start('3600');
  seen.push(`keeper back: ${await advertised()}`);
  // The API shows each track, its state and what it adds.
  const view = JSON.parse(await sh('curl -s http://127.0.0.1:7080/v1/vrrp', L)) as { tracks: { name: string; state: string; effect: number | string }[] }[];
  const tracks = view[0]!.tracks.filter((t) => t.name.startsWith('process ')).map((t) => `${t.name} ${t.state} ${t.effect}`);
  await second.stop('SIGKILL');
  await lvsd.stop('SIGTERM');
  // The keeper counts as a worker too (same name): one keeper + one worker is the quorum of two.
  assert.deepEqual(seen, [
    'keeper alone: 100', 'one worker: 110', 'two workers: 110', 'one gone: 110', 'keeper gone: silent', 'keeper back: 110',
  ]);
  assert.deepEqual(tracks, ['process workers up 10', 'process keeper up 0']);
});
