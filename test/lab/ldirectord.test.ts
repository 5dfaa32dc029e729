// ldirectord (Debian's, perl) drives lvsadm exactly as it drives ipvsadm 1.31.
// The same scenario runs twice in one director namespace in front of three
// HTTP real servers: once with the real ipvsadm, once with lvsadm bound over
// /usr/sbin/ipvsadm in a private mount namespace (ldirectord looks for
// /sbin/ipvsadm, then /usr/sbin/ipvsadm, and reads the table by parsing
// `ipvsadm -L -n` and `ipvsadm -L -n --thresholds`). At every step the kernel
// table, read by the real ipvsadm, must be what the step expects and the same
// in both runs; ldirectord must log no failed command and no line of the
// listing it could not parse.
//
// ldirectord runs in the foreground (-d: no pid file, no syslog; its log is
// what it prints, kept in $TMPDIR). Perl's hash order is fixed
// (PERL_HASH_SEED=0), since ldirectord adds the real servers of a new service
// in the order of a hash's keys and the kernel lists real servers in the order
// they were added: with a fixed seed both runs add them in one order and the
// listings compare byte for byte.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bridge, Netns, requireLab } from '../helpers/lab';
import { LineProcess, until } from '../helpers/procs';

const ROOT = join(__dirname, '..', '..', '..');
const NODE = process.execPath;
const LVSADM = join(ROOT, 'bin', 'lvsadm');
const SERVER = join(__dirname, '..', 'helpers', 'http-server.js');
const IPVSADM = '/usr/sbin/ipvsadm';
const LDIRECTORD = '/usr/sbin/ldirectord';
const VIP = '10.60.0.100';
const RS = ['192.168.60.11', '192.168.60.12', '192.168.60.13'] as const;

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

/**
 * ldirectord.cf. Port 80: negotiate (an HTTP GET whose reply must contain
 * "rs"), wrr, quiescent: a failed real server stays at weight 0. Port 81:
 * connect, wlc, persistent, not quiescent: a failed real server is deleted.
 * The reloaded file adds rs3 to both, changes rs1's weight on port 80 and
 * puts rs3 in rs2's place on port 81.
 */
function configText(reloaded: boolean): string {
  const [rs1, rs2, rs3] = RS;
  return `checktimeout=3
negotiatetimeout=3
checkinterval=1
failurecount=2
autoreload=yes
quiescent=yes
readdquiescent=yes
virtual=${VIP}:80
	real=${rs1}:8080 masq ${reloaded ? 4 : 1}
	real=${rs2}:8080 masq 2
${reloaded ? `	real=${rs3}:8080 masq 1\n` : ''}	service=http
	request="/"
	receive="rs"
	scheduler=wrr
	protocol=tcp
	checktype=negotiate
virtual=${VIP}:81
${reloaded ? `	real=${rs3}:8080 masq 2\n` : `	real=${rs2}:8080 masq 1\n`}	scheduler=wlc
	persistent=300
	protocol=tcp
	checktype=connect
	quiescent=no
`;
}

/** What each step must leave in the table: service line -> real servers ("addr fwd weight"), sorted. */
type Table = Record<string, string[]>;
const svc80 = `TCP ${VIP}:80 wrr`;
const svc81 = `TCP ${VIP}:81 wlc persistent 300`;
const [r1, r2, r3] = RS.map((a) => `${a}:8080 Masq`) as [string, string, string];
const EXPECTED: { step: string; table: Table }[] = [
  { step: 'before start', table: {} },
  { step: 'all real servers up', table: { [svc80]: [`${r1} 1`, `${r2} 2`], [svc81]: [`${r2} 1`] } },
  { step: 'rs2 down', table: { [svc80]: [`${r1} 1`, `${r2} 0`], [svc81]: [] } },
  { step: 'rs2 back', table: { [svc80]: [`${r1} 1`, `${r2} 2`], [svc81]: [`${r2} 1`] } },
  { step: 'reloaded', table: { [svc80]: [`${r1} 4`, `${r2} 2`, `${r3} 1`], [svc81]: [`${r3} 2`] } },
  { step: 'stopped', table: {} },
];

/** The kernel table in the form of EXPECTED (addresses sorted, counters left out). */
function tableOf(listing: string): Table {
  const table: Table = {};
  let current: string[] | undefined;
  for (const line of listing.split('\n')) {
    const service = /^(TCP|UDP|SCTP|FWM)\s+(\S+)\s+(.*?)\s*$/.exec(line);
    const real = /^ {2}-> (\S+)\s+(\S+)\s+(\d+)\s+\d+\s+\d+\s*$/.exec(line);
    if (service) {
      current = table[`${service[1]} ${service[2]} ${service[3]!.replace(/\s+/g, ' ')}`] = [];
    } else if (real && current) {
      current.push(`${real[1]} ${real[2]} ${real[3]}`);
    }
  }
  for (const reals of Object.values(table)) reals.sort();
  return table;
}

interface RunOutcome {
  listings: string[];
  log: string[];
  /** ldirectord's table changes (ipvsadm commands other than listings), per virtual service, in order. */
  changes: Record<string, string[]>;
  lvsadmCalls: string;
}

async function scenario(director: Netns, servers: Netns[], withLvsadm: boolean): Promise<RunOutcome> {
  const kind = withLvsadm ? 'lvsadm' : 'ipvsadm';
  const dir = mkdtempSync(join(process.env.TMPDIR ?? tmpdir(), `ldirectord-${kind}-`));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  const config = join(dir, 'ldirectord.cf');
  const calls = join(dir, 'lvsadm-calls');
  writeFileSync(config, configText(false));
  // Not named ipvsadm: in debug mode ldirectord prefers an ./ipvsadm in its working directory.
  const wrapper = join(dir, 'lvsadm-as-ipvsadm');
  writeFileSync(wrapper, `#!/bin/sh\n'${LVSADM}' "$@"\nstatus=$?\nprintf '%s -> %s\\n' "$*" "$status" >>'${calls}'\nexit $status\n`);
  chmodSync(wrapper, 0o755);

  const webs = servers.map((ns, i) => LineProcess.start(`rs${i + 1}`, ns.name, NODE, [SERVER, `rs${i + 1}`, '8080']));
  cleanups.push(...webs.map((w) => () => w.stop('SIGKILL')));
  for (const w of webs) await w.waitFor(/listening/, 20_000);

  const listings: string[] = [];
  let ld: LineProcess | undefined;
  const reach = async (i: number, timeoutMs: number): Promise<void> => {
    const { step, table } = EXPECTED[i]!;
    let last = '';
    try {
      listings.push(await until(`${kind}: ${step}`, timeoutMs, async () => {
        const r = await director.run(IPVSADM, ['-Ln']);
        assert.equal(r.code, 0, r.stderr);
        last = r.stdout;
        return JSON.stringify(tableOf(last)) === JSON.stringify(table) ? last : undefined;
      }, 200));
    } catch (e) {
      throw new Error(`${(e as Error).message}\nthe table:\n${last}\nldirectord:\n${ld?.tail(80) ?? '(not started)'}`);
    }
  };

  await reach(0, 1000);
  const script = [
    ...(withLvsadm ? [`mount --bind '${wrapper}' ${IPVSADM}`] : []),
    `cd '${dir}'`,
    'echo "ldirectord pid $$"',
    `exec ${LDIRECTORD} -d '${config}' start`,
  ].join('\n');
  ld = LineProcess.start(`ldirectord (${kind})`, director.name, '/usr/bin/unshare', ['-m', '--propagation', 'private', '/bin/sh', '-ec', script],
    { PERL_HASH_SEED: '0', PERL_PERTURB_KEYS: '0' });
  const ldirectord = ld;
  cleanups.push(() => ldirectord.stop('SIGKILL'));
  const pid = Number(/(\d+)$/.exec(await ldirectord.waitFor(/^ldirectord pid \d+$/, 10_000))![1]);

  await reach(1, 90_000);
  await webs[1]!.stop('SIGKILL');
  await reach(2, 60_000);
  webs[1] = LineProcess.start('rs2', servers[1]!.name, NODE, [SERVER, 'rs2', '8080']);
  cleanups.push(() => webs[1]!.stop('SIGKILL'));
  await webs[1].waitFor(/listening/, 20_000);
  await reach(3, 60_000);
  // autoreload: ldirectord notices the file's new mtime and checksum.
  writeFileSync(config, configText(true));
  await reach(4, 90_000);
  // ldirectord stop sends SIGTERM; with cleanstop (the default) the services are deleted.
  process.kill(pid, 'SIGTERM');
  await reach(5, 60_000);
  await ldirectord.waitFor(/terminated on signal: TERM/, 10_000);
  await until(`${kind}: ldirectord's exit`, 10_000, async () => (ldirectord.exited !== undefined ? true : undefined));
  for (const w of webs) await w.stop('SIGKILL');

  writeFileSync(join(dir, 'ldirectord.log'), ldirectord.lines.join('\n') + '\n');
  const changes: Record<string, string[]> = {};
  for (const line of ldirectord.lines) {
    const m = /^Running system\((?:\/usr)?\/sbin\/ipvsadm (-[AEDaed]) (.*)\)$/.exec(line);
    if (!m) continue;
    const service = /-t (\S+)/.exec(m[2]!)?.[1] ?? '?';
    (changes[service] ??= []).push(`${m[1]} ${m[2]!.replace(/\s+/g, ' ').trim()}`);
  }
  const lvsadmCalls = existsSync(calls) ? readFileSync(calls, 'utf8') : '';
  assert.equal(ldirectord.exited, 0, `${kind}: ldirectord's exit status\n${ldirectord.tail()}`);
  return { listings, log: ldirectord.lines, changes, lvsadmCalls };
}

/** Lines of ldirectord's log that tell of a command it could not run or a listing line it could not read. */
const troubles = (log: string[]): string[] =>
  log.filter((l) => /system\(.*\) failed|Unknown line read from ipvsadm|doesn't seem to be inside|Could not run|Usage|Try `/i.test(l));

test('ldirectord keeps the same table through lvsadm as through ipvsadm', async () => {
  requireLab();
  const director = await Netns.create('ld-dir');
  const servers: Netns[] = [];
  for (let i = 1; i <= RS.length; i++) servers.push(await Netns.create(`ld-rs${i}`));
  const br = await Bridge.create('ldbr0');
  cleanups.push(() => br.destroy(), () => director.destroy(), ...servers.map((ns) => () => ns.destroy()));
  await br.attach(director, 'eth0', '192.168.60.1/24');
  await director.sh(`ip addr add ${VIP}/32 dev lo && sysctl -qw net.ipv4.ip_forward=1`);
  for (const [i, ns] of servers.entries()) {
    await br.attach(ns, 'eth0', `${RS[i]}/24`);
    await ns.sh('ip route add default via 192.168.60.1');
  }

  const real = await scenario(director, servers, false);
  const lvs = await scenario(director, servers, true);
  // The bind mount stayed in ldirectord's mount namespace: the oracle is the real ipvsadm.
  assert.doesNotMatch(readFileSync('/proc/self/mountinfo', 'utf8'), /ipvsadm/);

  assert.equal(real.lvsadmCalls, '', 'the ipvsadm run went through the lvsadm wrapper');
  assert.match(lvs.lvsadmCalls, /^-L -n -> 0$/m, 'ldirectord did not read the table through lvsadm');
  assert.match(lvs.lvsadmCalls, /^-L -n --thresholds -> 0$/m);
  assert.match(lvs.lvsadmCalls, /^-a -t /m);
  assert.deepEqual(lvs.lvsadmCalls.split('\n').filter((l) => l && !l.endsWith(' -> 0')), [], 'lvsadm calls that failed');

  assert.deepEqual(troubles(real.log), [], 'ldirectord with ipvsadm');
  assert.deepEqual(troubles(lvs.log), [], 'ldirectord with lvsadm');
  for (const [i, { step }] of EXPECTED.entries()) {
    assert.equal(lvs.listings[i], real.listings[i], `the table at '${step}'`);
  }
  assert.deepEqual(lvs.changes, real.changes, 'the commands ldirectord ran');
  // Every kind of change was made: add, edit and delete of services and real servers.
  const made = new Set(Object.values(lvs.changes).flat().map((c) => c.slice(0, 2)));
  assert.deepEqual([...made].sort(), ['-A', '-D', '-E', '-a', '-d', '-e']);
});
