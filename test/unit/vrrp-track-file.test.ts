// track_file: the value a file holds moves the priority (times its weight) or,
// unweighted, means FAULT when not 0, as keepalived reads it; the file is
// read as C's strtol reads it, again each time it is written, and as 0 once
// it is removed; init_file writes the start value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { loadConfig } from '../../src/config';
import { FileTracker, parseTrackedValue } from '../../src/vrrp/file-tracker';
import { fileTrack, planVrrp, type FilePlan } from '../../src/vrrp/settings';
import { ManualScheduler } from '../../src/vrrp/scheduler';
import { DEFAULT_GARP, StateMachine, type MachineConfig } from '../../src/vrrp/state-machine';

const MACHINE: MachineConfig = {
  version: 2, priority: 100, advertIntervalUs: 1_000_000, primaryAddress: '10.0.0.1',
  preempt: true, preemptDelayUs: 0, downTimerAdverts: 3, garp: DEFAULT_GARP,
  lowerPriorityNoAdvert: false, higherPrioritySendAdvert: false, tracks: [],
};

function machine(tracks: MachineConfig['tracks']): StateMachine {
  const sched = new ManualScheduler();
  const m: StateMachine = new StateMachine('VI_1', { ...MACHINE, tracks }, () => sched.now(), (a) => {
    if (a.type === 'arm-timer') sched.armAt(a.timer, a.atUs, () => m.handle({ type: 'timer', timer: a.timer }));
  });
  m.handle({ type: 'start' });
  return m;
}

test('a weighted file adds value x weight (negated with reverse), kept within 1..254; -254 or below is a FAULT', () => {
  const m = machine([{ name: 'f', weight: 5, valued: true }, { name: 'r', weight: 2, reverse: true, valued: true }]);
  const set = (name: string, value: number) => m.handle({ type: 'track-value', name, value });
  assert.equal(m.priority, 100, 'a file not read yet counts as 0');
  set('f', 3);
  assert.equal(m.priority, 115);
  set('r', 4);
  assert.equal(m.priority, 107, 'reverse subtracts a positive value');
  set('f', -7);
  assert.equal(m.priority, 57);
  set('r', 60);
  set('f', 100);
  assert.equal(m.priority, 233, 'one file adds at most 253');
  set('r', 0);
  set('f', -50);
  assert.equal(m.priority, 1, '-250 is not yet a fault, but the priority is kept at 1');
  assert.deepEqual(m.faults(), []);
  assert.equal(m.state, 'BACKUP');
});

test('the tracks are shown with their state and what they do to the priority', () => {
  const m = machine([{ name: 'interface eth1', weight: 0 }, { name: 'script chk', weight: -20 }, { name: 'file f', weight: 5, valued: true }]);
  m.handle({ type: 'track', name: 'script chk', up: false });
  m.handle({ type: 'track-value', name: 'file f', value: 3 });
  m.handle({ type: 'track', name: 'interface eth1', up: false });
  assert.deepEqual(m.tracks(), [
    { name: 'interface eth1', weight: 0, reverse: false, state: 'down', effect: 'fault' },
    { name: 'script chk', weight: -20, reverse: false, state: 'down', effect: -20 },
    { name: 'file f', weight: 5, reverse: false, state: 3, effect: 15 },
  ]);
});

test('the fault limit: value x weight at -254 faults, at -253 lowers the priority', () => {
  const m = machine([{ name: 'f', weight: 1, valued: true }]);
  m.handle({ type: 'track-value', name: 'f', value: -253 });
  assert.deepEqual(m.faults(), []);
  assert.equal(m.priority, 1);
  m.handle({ type: 'track-value', name: 'f', value: -254 });
  assert.deepEqual(m.faults(), ['f']);
  assert.equal(m.state, 'FAULT');
  m.handle({ type: 'track-value', name: 'f', value: 0 });
  assert.deepEqual(m.faults(), []);
  assert.equal(m.state, 'BACKUP');
});

test('an unweighted file: any value but 0 is a FAULT; with reverse, 0 is', () => {
  const m = machine([{ name: 'f', weight: 0, valued: true }, { name: 'r', weight: 0, reverse: true, valued: true, initialValue: 1 }]);
  assert.equal(m.state, 'BACKUP');
  m.handle({ type: 'track-value', name: 'f', value: -1 });
  assert.deepEqual(m.faults(), ['f']);
  m.handle({ type: 'track-value', name: 'f', value: 0 });
  m.handle({ type: 'track-value', name: 'r', value: 0 });
  assert.deepEqual(m.faults(), ['r']);
  assert.equal(m.priority, 100, 'an unweighted file never moves the priority');
  assert.throws(() => m.handle({ type: 'track', name: 'f', up: true }), /reports a number/);
});

test('file values are read as strtol with base 0 reads them; beyond 32 bits they are refused', () => {
  const cases: [string, number | undefined][] = [
    ['12\n', 12], ['  -7 apples', -7], ['+3', 3], ['0x1F', 31], ['010', 8], ['08', 0], ['0x', 0], ['', 0], ['abc', 0],
    ['\t\n 42', 42], ['2147483648', 2147483648], ['-2147483648', -2147483648], ['2147483649', undefined], ['-2147483649', undefined],
    ['99999999999999999999999', undefined],
  ];
  for (const [text, want] of cases) assert.equal(parseTrackedValue(text), want, JSON.stringify(text));
});

function plan(path: string, init?: FilePlan['init']): FilePlan {
  return { name: 'tf', path, ...(init ? { init } : {}), fingerprint: '' };
}

test('a tracker reads at start, again after each write or rename into place, and 0 once the file is removed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'track-file-'));
  const file = join(dir, 'value');
  writeFileSync(file, '7\n');
  const t = new FileTracker(plan(file));
  const problems: string[] = [];
  t.on('problem', (m) => problems.push(m));
  t.start(false);
  try {
    assert.equal(t.value, 7);
    const next = once(t, 'change');
    writeFileSync(file, '-3\n');
    assert.deepEqual(await next, [-3]);
    const renamed = once(t, 'change');
    writeFileSync(join(dir, 'staged'), '0x10');
    renameSync(join(dir, 'staged'), file);
    assert.deepEqual(await renamed, [16]);
    const removed = once(t, 'change');
    rmSync(file);
    assert.deepEqual(await removed, [0]);
    const big = once(t, 'problem');
    writeFileSync(file, '5000000000');
    assert.match(String((await big)[0]), /track_file tf: .* holds "5000000000", outside -2147483648\.\.2147483648; ignored/);
    assert.equal(t.value, 0, 'an unusable value leaves the last one');
  } finally {
    t.stop();
  }
});

test('init_file writes its value where the file is missing; overwrite replaces a file at start but not at a reload', () => {
  const dir = mkdtempSync(join(tmpdir(), 'track-file-'));
  const file = join(dir, 'value');
  const start = (init: FilePlan['init'], reload = false): number => {
    const t = new FileTracker(plan(file, init));
    t.start(reload);
    t.stop();
    return t.value;
  };
  assert.equal(start({ value: 4, overwrite: false }), 4);
  assert.equal(readFileSync(file, 'utf8'), '4\n');
  assert.equal(start({ value: 9, overwrite: false }), 4, 'an existing file is kept');
  assert.equal(start({ value: 9, overwrite: true }, true), 4, 'not overwritten at a reload');
  assert.equal(start({ value: 9, overwrite: true }), 9);
  rmSync(file);
  assert.equal(start({ value: -2, overwrite: false }, true), -2, 'a missing file is made at a reload too');
});

function load(text: string) {
  const file = join(mkdtempSync(join(tmpdir(), 'track-file-conf-')), 'keepalived.conf');
  writeFileSync(file, text);
  return loadConfig(file);
}

const FILES = `track_file weighted {
  file "/run/lvsd-test/weighted"
  weight -4 reverse
  init_file 3 overwrite
}
vrrp_track_file plain {
  file /run/lvsd-test/plain
}
`;

function instance(name: string, vrid: number, priority: number, tracks: string): string {
  return `vrrp_instance ${name} {\n  interface eth0\n  virtual_router_id ${vrid}\n  priority ${priority}\n`
    + `  virtual_ipaddress {\n    10.0.0.${vrid}/24\n  }\n  track_file {\n${tracks}  }\n}\n`;
}

test('track_file blocks and an instance\'s track_file plan as valued tracks with keepalived\'s weights', () => {
  const r = load(FILES + instance('VI_1', 1, 100, '    weighted\n    plain weight 7 noreverse\n    missing\n'));
  assert.ok(r.ok, JSON.stringify(r.diagnostics));
  assert.deepEqual(r.diagnostics.map((d) => d.message), ['VI_1: track_file missing is not defined; ignored']);
  assert.deepEqual(r.config.trackFiles.map((f) => [f.name, f.path, f.weight, f.weightReverse, f.init]), [
    ['weighted', '/run/lvsd-test/weighted', -4, true, { value: 3, overwrite: true }],
    ['plain', '/run/lvsd-test/plain', 1, false, undefined],
  ]);
  const p = planVrrp(r.config);
  assert.deepEqual(p.instances[0]!.config.tracks!.filter((t) => t.valued), [
    { name: fileTrack('weighted'), weight: -4, reverse: true, valued: true },
    { name: fileTrack('plain'), weight: 7, reverse: false, valued: true },
  ]);
  assert.deepEqual([...p.files.keys()], ['weighted', 'plain']);
  assert.deepEqual([...p.instances[0]!.files], [[fileTrack('weighted'), 'weighted'], [fileTrack('plain'), 'plain']]);
});

test('in a sync group without tracking weight, and on an address owner, a default weight becomes 0 and another drops the track, with a warning', () => {
  const r = load(FILES
    + 'vrrp_sync_group G {\n  group {\n    VI_1\n  }\n  track_file {\n    weighted\n  }\n}\n'
    + instance('VI_1', 1, 100, '    plain\n    weighted weight 2\n')
    + instance('VI_2', 2, 255, '    plain\n'));
  assert.ok(r.ok, JSON.stringify(r.diagnostics));
  assert.deepEqual(r.diagnostics.map((d) => `${d.line} ${d.message}`), [
    '25 VI_1: plain is tracked without weight, as it is in sync group G; write weight 0 to say so',
    '26 VI_1: weighted with weight 2 is ignored, as it is in sync group G (keepalived ignores it too)',
    '37 VI_2: plain is tracked without weight, as it is the address owner (priority 255); write weight 0 to say so',
  ]);
  const p = planVrrp(r.config);
  const valued = (i: number) => p.instances[i]!.config.tracks!.filter((t) => t.valued).map((t) => [t.name, t.weight]);
  assert.deepEqual(valued(0), [[fileTrack('plain'), 0], [fileTrack('weighted'), -4]], 'the group\'s own track_file keeps its weight, as in keepalived');
  assert.deepEqual(valued(1), [[fileTrack('plain'), 0]]);
});

test('a track_file without file is dropped with a warning; bad weights and init values are refused with file:line', () => {
  const r = load('track_file nofile {\n  weight 2\n}\n' + instance('VI_1', 1, 100, '    nofile\n'));
  assert.deepEqual(r.diagnostics.map((d) => `${d.line} ${d.severity} ${d.message}`), [
    '1 warning nofile: no file set; instances tracking it ignore it, as keepalived ignores it',
    '12 warning VI_1: track_file nofile is not defined; ignored',
  ]);
  const bad = load('track_file t {\n  file /x\n  weight 300\n  init_file many\n}\n' + instance('VI_1', 1, 100, '    t weight 2 sideways\n'));
  assert.equal(bad.ok, false);
  assert.deepEqual(bad.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.line} ${d.message}`), [
    '3 track_file weight "300" is not an integer in -254..254',
    '4 init_file value "many" is not an integer in -2147483648..2147483647',
    '14 t weight option "sideways" is not one of reverse|noreverse',
  ]);
});
