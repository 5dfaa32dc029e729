// lvsadm against the real ipvsadm 1.31 on one kernel: the same seeded random
// sequence of commands goes to ipvsadm in one namespace and to lvsadm in
// another; exit statuses, messages and every listing must be identical.
// Replay a failure inside the lab with:
//   scripts/lab /usr/bin/env LVSADM_SEED=<seed> "$(command -v node)" --test dist/test/lab/lvsadm-diff.test.js
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFile, spawn } from 'node:child_process';
import { requireLab, sh } from '../helpers/lab';
import { lvsadm } from '../../src/cli/lvsadm/main';
import { prng } from '../helpers/prng';

const IPVSADM = '/usr/sbin/ipvsadm';
const ROOT = join(__dirname, '..', '..', '..');
const seed = Number(process.env.LVSADM_SEED ?? Math.floor(Math.random() * 2 ** 31));
const nsA = { name: 'lvsadm-diff-a' };
const nsB = { name: 'lvsadm-diff-b' };

interface Outcome { code: number; stdout: string; stderr: string }

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** Runs many ipvsadm command lines in namespace A with one process spawn. */
async function ipvsadmBatch(lines: { args: string[]; input?: string }[]): Promise<Outcome[]> {
  const dir = `/run/lvsadm-diff-${process.pid}`;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  const script = ['set +e'];
  lines.forEach((l, i) => {
    const input = l.input !== undefined ? `${dir}/in.${i}` : '/dev/null';
    if (l.input !== undefined) writeFileSync(input, l.input);
    script.push(`${IPVSADM} ${l.args.map(quote).join(' ')} <${input} >${dir}/o.${i} 2>${dir}/e.${i}; echo $? >${dir}/r.${i}`);
  });
  await sh(script.join('\n'), nsA.name);
  const out = lines.map((_, i) => ({
    code: Number(readFileSync(`${dir}/r.${i}`, 'utf8').trim()),
    stdout: readFileSync(`${dir}/o.${i}`, 'utf8'),
    stderr: readFileSync(`${dir}/e.${i}`, 'utf8'),
  }));
  rmSync(dir, { recursive: true, force: true });
  return out;
}

async function lvsadmInProcess(args: string[], input?: string): Promise<Outcome> {
  let stdout = '';
  let stderr = '';
  const code = await lvsadm([IPVSADM, ...args], {
    stdout: { write: (t: string) => { stdout += t; } },
    stderr: { write: (t: string) => { stderr += t; } },
    stdin: input ?? '',
    netns: nsB.name,
  });
  return { code, stdout, stderr };
}

async function compareBatch(lines: { args: string[]; input?: string }[], context: string): Promise<void> {
  const expected = await ipvsadmBatch(lines);
  for (let i = 0; i < lines.length; i++) {
    const got = await lvsadmInProcess(lines[i].args, lines[i].input);
    assert.deepEqual(got, expected[i], `seed ${seed}, ${context}: ipvsadm ${lines[i].args.join(' ')}`);
  }
}

const LISTINGS: string[][] = [
  ['-Ln'], ['-L'], ['-l', '-n'], ['-Sn'], ['-S'], ['-Ln', '--stats'], ['-Ln', '--rate'], ['-Ln', '--thresholds'],
  ['-Ln', '--persistent-conn'], ['-Ln', '--stats', '--exact'], ['-Ln', '--rate', '--exact'], ['-Ln', '--sort'],
  ['-Ln', '--tun-info'], ['-L', '--timeout'], ['-L', '--daemon'], ['-Lnc'], ['-Lc'], ['-Lnc', '--persistent-conn'],
  ['-L', '--thresholds'], [],
];

/** The random command generator: valid and invalid ipvsadm command lines over a small address space. */
function generator(next: () => number) {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)];
  const chance = (p: number): boolean => next() < p;
  const v4vips = ['192.168.1.1', '192.168.1.2', '192.168.1.3', '192.168.1.10', '192.168.7.200'];
  const v6vips = ['2001:db8:1::1', '2001:db8:1::2', '2001:db8:1:0:ffff::9'];
  const v4rs = ['192.168.2.1', '192.168.2.2', '192.168.2.3', '192.168.2.30', '192.168.3.4', '192.168.2.255'];
  const v6rs = ['2001:db8:1:2::1', '2001:db8:1:2::2', '2001:db8:1:3::a', '2001:db8:1::1:0:0'];
  const ports = ['80', '443', '53', '8080', '0', 'http', 'domain', '65535'];
  const scheds = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh', 'nosuch'];
  const service = (): string[] => {
    const r = next();
    if (r < 0.15) return chance(0.4) ? ['-f', String(1 + Math.floor(next() * 5)), '-6'] : ['-f', String(1 + Math.floor(next() * 5))];
    const proto = pick(['-t', '-t', '-u', '--sctp-service', '--tcp-service', '--udp-service']);
    const port = pick(ports);
    if (r < 0.35) return [proto, `[${pick(v6vips)}]:${port}`];
    return [proto, `${pick(v4vips)}:${port}`];
  };
  const serviceOptions = (): string[] => {
    const o: string[] = [];
    let sched = 'wlc';
    if (chance(0.7)) { sched = pick(scheds); o.push(chance(0.5) ? '-s' : '--scheduler', sched); }
    if (chance(0.4)) o.push(...(chance(0.5) ? ['-p'] : ['-p', String(pick([1, 60, 360, 3600, 0, 2678400, 2678401]))]));
    if (chance(0.2)) o.push('-M', pick(['255.255.255.0', '255.255.0.0', '64', '128', '0', 'bad']));
    if (chance(0.1)) o.push('--pe', pick(['sip', 'nope']));
    if (chance(0.15)) o.push('-o');
    if (chance(0.25)) {
      const flags = sched === 'sh' ? ['sh-fallback', 'sh-port', 'flag-3'] : sched === 'mh' ? ['mh-fallback', 'mh-port'] : ['flag-1', 'flag-2', 'flag-3', 'sh-port'];
      o.push('-b', [pick(flags), ...(chance(0.5) ? [pick(flags)] : [])].join(','));
    }
    return o;
  };
  const realServer = (svc: string[]): string[] => {
    const v6 = svc.some((a) => a.startsWith('[')) || svc.includes('-6');
    const cross = chance(0.1);
    const addr = (v6 !== cross) ? `[${pick(v6rs)}]` : pick(v4rs);
    return ['-r', chance(0.6) ? `${addr}:${pick(['80', '8080', '443', '0'])}` : addr.replace(/^\[(.*)\]$/, '$1')];
  };
  const serverOptions = (): string[] => {
    const o: string[] = [];
    const fwd = pick(['-g', '-m', '-i', '', '--masquerading', '--ipip', '--gatewaying']);
    if (fwd) o.push(fwd);
    if (fwd === '-i' || fwd === '--ipip' || chance(0.05)) {
      const type = pick(['ipip', 'gue', 'gre', '']);
      if (type) o.push('--tun-type', type);
      if (type === 'gue' || chance(0.05)) o.push('--tun-port', String(pick([6080, 5555, 0])));
      if (chance(0.6)) o.push(pick(['--tun-nocsum', '--tun-csum', '--tun-remcsum']));
    }
    if (chance(0.5)) o.push('-w', String(pick([0, 1, 2, 5, 100, 65535, 70000, -1])));
    if (chance(0.2)) o.push('-x', String(pick([0, 10, 1000])));
    if (chance(0.2)) o.push('-y', String(pick([0, 5, 500])));
    return o;
  };
  const invalid = (): string[] => pick([
    ['-A'], ['-A', '-t'], ['-A', '-t', '192.168.1.1:99999'], ['-a', '-t', '192.168.1.1:80', '-r', '192.168.2.1', '-w', 'abc'],
    ['-A', '-t', '192.168.1.1:80', '-p', '0'], ['--bogus'], ['-Lq'], ['-L', '-A'], ['-A', '-u', '192.168.1.1:80', '-f', '3'],
    ['-A', '-6', '-f', '3'], ['-6', '-A', '-f', '3'], ['-D', '-t', '192.168.1.1:80', '-s', 'rr'], ['-E', '-f', '0'],
    ['--set', '1'], ['--set', '10', '20', 'x'], ['-A', '-t', '192.168.1.1:80', 'extra'], ['-L=1'], ['--list=1'],
    ['-d', '-t', '192.168.1.1:80'], ['-a', '-f', '2', '-r', '192.168.2.1', '--tun-type', 'vxlan', '-i'],
    ['--start-daemon', 'primary'], ['--stop-daemon', 'x'], ['-A', '-t', '[2001:db8:1::1:80'], ['-Z', '-s', 'rr'],
    ['-L', '--timeout', '--stats'], ['-L', '-c', '--daemon'], ['-R', '-n'], ['-S', '-t', '192.168.1.1:80'],
    ['-A', '-t', '192.168.1.1:80', '-t', '192.168.1.2:80'], ['-Ln', '-t', '192.168.9.9:80'], ['-x'], ['foo'],
    ['-A', '-f', '1', '-M', '200', '-6'], ['-A', '-t', '192.168.1.1:0'], ['-A', '-t', '192.168.1.1:80', '-o'],
  ]);
  return (): string[] => {
    const r = next();
    if (r < 0.22) return [pick(['-A', '--add-service']), ...service(), ...serviceOptions()];
    if (r < 0.3) return [pick(['-E', '--edit-service']), ...service(), ...serviceOptions()];
    if (r < 0.35) return [pick(['-D', '--delete-service']), ...service()];
    if (r < 0.62) { const s = service(); return [pick(['-a', '--add-server']), ...s, ...realServer(s), ...serverOptions()]; }
    if (r < 0.7) { const s = service(); return [pick(['-e', '--edit-server']), ...s, ...realServer(s), ...serverOptions()]; }
    if (r < 0.75) { const s = service(); return [pick(['-d', '--delete-server']), ...s, ...realServer(s)]; }
    if (r < 0.78) return chance(0.5) ? ['-Z'] : ['-Z', ...service()];
    if (r < 0.8) return ['--set', ...[0, 0, 0].map(() => String(pick([0, 1, 30, 900, 2678400])))];
    if (r < 0.81) return ['-C'];
    if (r < 0.84) return ['-Ln', ...service()];
    return invalid();
  };
}

// Namespaces are made with sh() only: nothing here writes to a child's stdin.
async function setUp(ns: { name: string }): Promise<void> {
  await sh(`ip netns del ${ns.name} 2>/dev/null || true; ip netns add ${ns.name}; ip -n ${ns.name} link set lo up`);
  await sh(`ip link add lvsd0 type dummy
ip link set lvsd0 multicast on up
ip addr add 192.168.0.254/16 dev lvsd0
ip addr add 172.16.0.254/16 dev lvsd0
ip -6 addr add 2001:db8:1::fe/48 dev lvsd0 nodad`, ns.name);
}

before(async () => {
  requireLab();
  await setUp(nsA);
  await setUp(nsB);
});

after(async () => {
  await sh(`ip netns del ${nsA.name}; ip netns del ${nsB.name}`);
});

test('random command sequences give ipvsadm\'s statuses, messages and listings', async () => {
  const next = prng(seed);
  const generate = generator(next);
  const rounds = 8;
  for (let round = 0; round < rounds; round++) {
    const lines = Array.from({ length: 50 }, () => ({ args: generate() }));
    await compareBatch(lines, `round ${round}`);
    await compareBatch(LISTINGS.map((args) => ({ args })), `listings after round ${round}`);
  }
});

test('-R of a rules file behaves like ipvsadm -R, bad lines included', async () => {
  const rules = readFileSync(join(ROOT, 'test/fixtures/lvsadm/seed-004.rules'), 'utf8');
  await compareBatch([
    { args: ['-C'] },
    { args: ['-R'], input: rules },
    { args: ['-Sn'] },
    { args: ['-R'], input: '-A -t 172.16.9.1:80\n-A -t 172.16.9.1:80 -s\n# not a comment for ipvsadm\n-A -t 172.16.9.2:80\n' },
    { args: ['-Ln'] },
    { args: ['-R'], input: '-A -t 172.16.9.3:80\n\n   \n-a -t 172.16.9.3:80 -r 172.16.1.1 -m\n-a -t 172.16.9.9:80 -r 172.16.1.1\n' },
    { args: ['--restore'], input: '-L -n\n-R\n' },
    { args: ['-R'], input: '-A -f 9 -6\n-a -f 9 -6 -r 2001:db8:1::7 -i --tun-type gue --tun-port 7000 --tun-remcsum  ' },
    { args: ['-S'] },
    // Words are C strings to ipvsadm: each ends at a NUL byte.
    { args: ['-R'], input: '-A -t 172.16.9.5\0xyz:80\n-A\0 -t 172.16.9.6:80\n' },
    { args: ['-Sn'] },
    // Names the kernel has no module for, whatever their bytes: its own answer.
    { args: ['-A', '-t', '172.16.9.7:80', '-s', 'rr '] },
    { args: ['-A', '-u', '172.16.9.7:5060', '-p', '--pe', 'si p'] },
    { args: ['-A', '-t', '172.16.9.8:80', '-s', 'r\tr'] },
  ], 'restore');
});

test('a restore saved by ipvsadm -S round-trips', async () => {
  await compareBatch([{ args: ['-C'] }], 'clear');
  const next = prng(seed ^ 0x5a5a5a5a);
  const generate = generator(next);
  await compareBatch(Array.from({ length: 60 }, () => ({ args: generate() })), 'fill');
  const saved = (await ipvsadmBatch([{ args: ['-S', '-n'] }]))[0].stdout;
  await compareBatch([{ args: ['-C'] }, { args: ['-R'], input: saved }, { args: ['-Sn'] }, { args: ['-Ln', '--tun-info'] }], 'round trip');
});

test('sync daemons: start, list, stop', async () => {
  await compareBatch([
    { args: ['--start-daemon', 'master', '--mcast-interface', 'lvsd0', '--syncid', '7'] },
    { args: ['--start-daemon=master', '--mcast-interface=lvsd0'] },
    { args: ['--start-daemon', 'backup', '--mcast-interface', 'lvsd0', '--mcast-group', '239.1.2.3', '--mcast-port', '9000', '--mcast-ttl', '2', '--sync-maxlen', '1200'] },
    { args: ['-L', '--daemon'] },
    { args: ['--stop-daemon', 'master'] },
    { args: ['--stop-daemon', 'master'] },
    { args: ['-L', '--daemon'] },
    { args: ['--stop-daemon', 'backup'] },
    { args: ['-L', '--daemon'] },
  ], 'daemons');
});

test('bin/lvsadm as a process matches ipvsadm, help and version included', async () => {
  const cases = [['-Ln'], ['-Sn'], ['-h'], ['-v'], ['--bogus'], ['-A', '-t', '192.168.1.77:80', '-s', 'rr'], ['-A', '-t', '192.168.1.77:80'], ['-L', '--timeout']];
  const expected = await ipvsadmBatch(cases.map((args) => ({ args })));
  for (let i = 0; i < cases.length; i++) {
    const got = await new Promise<Outcome>((resolve) => {
      execFile('/usr/sbin/ip', ['netns', 'exec', nsB.name, process.execPath, join(ROOT, 'bin/lvsadm'), ...cases[i]],
        (err, stdout, stderr) => resolve({ code: err ? Number(err.code) : 0, stdout, stderr }));
    });
    const want = expected[i];
    // Invoked as lvsadm, it names itself where ipvsadm names itself.
    const own = (t: string): string => t.split(IPVSADM).join('lvsadm');
    assert.deepEqual(got, { ...want, stdout: own(want.stdout), stderr: own(want.stderr) }, `seed ${seed}: bin/lvsadm ${cases[i].join(' ')}`);
  }
});

test('a listing whose reader goes away ends as ipvsadm\'s does: first line, status 141, nothing on stderr', async () => {
  // Over a pipe's 64 KiB, so that the writer meets the closed pipe.
  const rules: string[] = [];
  for (let s = 1; s <= 20; s++) {
    rules.push(`-A -t 10.99.0.${s}:80 -s wlc`);
    for (let r = 2; r < 102; r++) rules.push(`-a -t 10.99.0.${s}:80 -r 10.98.0.${r}:8080 -m -w 1`);
  }
  const file = `/run/lvsadm-pipe-${process.pid}`;
  writeFileSync(file, `${rules.join('\n')}\n`);
  try {
    for (const ns of [nsA.name, nsB.name]) await sh(`${IPVSADM} -C; ${IPVSADM} -R <${file}`, ns);
    for (const args of ['-Ln', '-Sn']) {
      const piped = async (ns: string, tool: string): Promise<string> => await sh(
        `{ s=0; ip netns exec ${ns} ${tool} ${args} 2>${file}.err || s=$?; echo "status $s" >${file}.status; } | head -1; cat ${file}.status ${file}.err`);
      const want = await piped(nsA.name, IPVSADM);
      assert.match(want, /\nstatus 141\n$/, `ipvsadm ${args} ends by SIGPIPE`);
      assert.equal(await piped(nsB.name, `${process.execPath} ${join(ROOT, 'bin/lvsadm')}`), want, `bin/lvsadm ${args} | head -1`);
    }
  } finally {
    for (const ns of [nsA.name, nsB.name]) await sh(`${IPVSADM} -C`, ns);
    rmSync(file, { force: true });
    for (const end of ['err', 'status']) rmSync(`${file}.${end}`, { force: true });
  }
});

test('-R on a pipe its writer holds open acts on each line as it comes, as ipvsadm -R does', async () => {
  for (const [ns, tool] of [[nsA.name, [IPVSADM]], [nsB.name, [process.execPath, join(ROOT, 'bin/lvsadm')]]] as const) {
    await sh(`${IPVSADM} -C`, ns);
    const child = spawn('/usr/sbin/ip', ['netns', 'exec', ns, ...tool, '-R'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (t: string) => { stderr += t; });
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      child.stdin.write('-A -t 10.97.0.1:80 -s rr\n-A -t 10.97.0.1:80 -s rr\n');
      const deadline = Date.now() + 15_000;
      while (!/10\.97\.0\.1:80/.test(await sh(`${IPVSADM} -Ln`, ns)) || !/Service already exists/.test(stderr)) {
        assert.ok(Date.now() < deadline, `${tool.join(' ')} -R applied the first line and said why the second failed while its input stayed open (stderr ${JSON.stringify(stderr)})`);
        await new Promise((r) => setTimeout(r, 100));
      }
      child.stdin.end('-A -t 10.97.0.2:80 -s rr\n');
      assert.equal(await exited, 0, stderr);
      assert.match(await sh(`${IPVSADM} -Sn`, ns), /^-A -t 10\.97\.0\.1:80 -s rr\n-A -t 10\.97\.0\.2:80 -s rr\n$/);
    } finally {
      child.kill('SIGKILL');
      await sh(`${IPVSADM} -C`, ns);
    }
  }
});
