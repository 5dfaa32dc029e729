// lvsd's lifecycle extras in a real kernel: SIGUSR1 writes a JSON state dump
// (desired and kernel tables, health with the last check results), and
// SIGTERM leaves the IPVS table in place unless global_defs asks for
// lvs_flush_on_stop: with VS only lvsd's services go, without an argument all.
// A second lvsd in the same namespace, or on the same --state-dir from
// another namespace, or with its --api address taken, refuses to start and
// touches nothing.
// lvs_flush empties the table at start. Signals sent while it starts are
// held and handled once it runs; with nothing to poll it still runs until
// stopped. After a kill -9, a restart on a file with fewer services removes
// those lvsd created and no longer wants, and leaves those it never owned. With
// omega, a stop runs notify_down and quorum_down. startup_script and
// shutdown_script run before the table changes and after it is flushed.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { Netns, requireLab } from '../helpers/lab';
import { LineProcess, LVSD_START_MS, until } from '../helpers/procs';

const ROOT = join(__dirname, '..', '..', '..');
const LVSD = join(ROOT, 'bin', 'lvsd');

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

const config = (globalDefs: string): string => `
global_defs {
  router_id lifecycle
${globalDefs}
}
virtual_server 10.40.0.100 80 {
  protocol TCP
  delay_loop 1
  lb_algo rr
  lb_kind NAT
  real_server 192.168.80.11 8080 {
    weight 2
  }
  real_server 192.168.80.12 8080 {
    weight 1
    TCP_CHECK {
      connect_timeout 1
      retry 0
    }
  }
}
virtual_server 10.40.0.100 53 {
  protocol UDP
  lb_algo wrr
  lb_kind DR
  real_server 192.168.80.11 53 {
    weight 1
  }
}
`;

/** A namespace with an address in the real servers' subnet, and one service lvsd does not manage. */
async function director(name: string): Promise<Netns> {
  const ns = await Netns.create(name);
  cleanups.push(() => ns.destroy());
  await ns.sh(`ip link add rs0 type dummy && ip addr add 192.168.80.1/24 dev rs0 && ip link set rs0 up
/usr/sbin/ipvsadm -A -t 10.40.0.200:25 -s rr && /usr/sbin/ipvsadm -a -t 10.40.0.200:25 -r 192.168.80.20:25 -m`);
  return ns;
}

/** The whole table, as ipvsadm -Sn prints it. */
async function rules(ns: Netns): Promise<string> {
  return (await ns.run('/usr/sbin/ipvsadm', ['-Sn'])).stdout;
}

/** Every file in `dir` with its content. */
function contents(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).map((name) => [name, readFileSync(join(dir, name), 'utf8')]));
}

async function services(ns: Netns): Promise<string[]> {
  const out = (await ns.run('/usr/sbin/ipvsadm', ['-Sn'])).stdout;
  return out.split('\n').filter((l) => l.startsWith('-A')).map((l) => l.split(/\s+/).slice(1, 3).join(' ')).sort();
}

/** lvsd in `ns`, with its API state and dumps under `stateDir` (a fresh directory by default). */
function start(ns: Netns, globalDefs: string, stateDir?: string): LineProcess {
  const dir = mkdtempSync(join(ROOT, '.lab', 'lifecycle-'));
  const file = join(dir, 'keepalived.conf');
  writeFileSync(file, config(globalDefs));
  const lvsd = LineProcess.start('lvsd', ns.name, process.execPath, [LVSD, '-f', file, '--resync', '0', '--state-dir', stateDir ?? join(dir, 'state')],
    { LVSD_LOG_LEVEL: 'info' });
  cleanups.push(() => lvsd.stop());
  return lvsd;
}

const ALL = ['-t 10.40.0.100:80', '-t 10.40.0.200:25', '-u 10.40.0.100:53'];

test('SIGUSR1 dumps the state as JSON; lvs_flush_on_stop VS removes only lvsd\'s services', async () => {
  requireLab();
  const ns = await director('daemon-vs');
  const stateDir = mkdtempSync(join(ROOT, '.lab', 'state-'));
  const lvsd = start(ns, 'lvs_flush_on_stop VS', stateDir);
  await lvsd.waitFor(/lvsd running/, LVSD_START_MS);
  // Nothing listens on 192.168.80.12:8080: its TCP_CHECK fails and the server is removed.
  await lvsd.waitFor(/real server down/, 15_000);
  assert.deepEqual(await services(ns), ALL);

  const mark = lvsd.lines.length;
  lvsd.child.kill('SIGUSR1');
  const logged = JSON.parse(await lvsd.waitFor(/state dumped/, 15_000, mark)) as { file: string };
  const file = join(stateDir, 'lvsd.json');
  assert.equal(logged.file, file);
  assert.deepEqual(readdirSync(stateDir).sort(), ['lvsd.json', 'lvsd.lock', 'owned-services.json'], 'no temporary file is left behind');
  const dump = JSON.parse(readFileSync(file, 'utf8')) as {
    pid: number;
    config: { routerId: string; virtualServers: number; realServers: number; lvsFlushOnStop: string };
    desired: { id: string; realServers: { id: string; weight: number }[] }[];
    kernel: { id: string; realServers: { id: string; weight: number; forward: string }[] }[];
    servers: { server: string; up: boolean; checks: { checkId: string; up: boolean; last?: { ok: boolean; reason: string } }[] }[];
  };
  assert.equal(dump.pid, lvsd.child.pid);
  assert.deepEqual([dump.config.routerId, dump.config.virtualServers, dump.config.realServers, dump.config.lvsFlushOnStop], ['lifecycle', 2, 3, 'vs']);
  const web = dump.desired.find((e) => e.id === 'tcp:10.40.0.100:80');
  assert.deepEqual(web?.realServers.map((r) => [r.id, r.weight]), [['192.168.80.11:8080', 2]]);
  assert.deepEqual(dump.kernel.map((e) => e.id).sort(), ['tcp:10.40.0.100:80', 'tcp:10.40.0.200:25', 'udp:10.40.0.100:53']);
  const kernelWeb = dump.kernel.find((e) => e.id === 'tcp:10.40.0.100:80');
  assert.deepEqual(kernelWeb?.realServers.map((r) => [r.id, r.weight, r.forward]), [['192.168.80.11:8080', 2, 'masq']]);
  const down = dump.servers.find((s) => s.server === 'TCP 10.40.0.100:80 -> 192.168.80.12:8080');
  assert.equal(down?.up, false);
  assert.equal(down?.checks.length, 1);
  assert.equal(down?.checks[0]?.last?.ok, false);
  assert.match(down?.checks[0]?.last?.reason ?? '', /^connect 192\.168\.80\.12:8080: /);
  assert.equal(dump.servers.find((s) => s.server === 'TCP 10.40.0.100:80 -> 192.168.80.11:8080')?.up, true);

  await lvsd.stop('SIGTERM');
  assert.equal(lvsd.exited, 0, lvsd.tail());
  assert.ok(lvsd.lines.some((l) => /lvs_flush_on_stop: services removed/.test(l)), lvsd.tail());
  assert.deepEqual(await services(ns), ['-t 10.40.0.200:25'], 'the service lvsd never managed stays');
});

test('without lvs_flush_on_stop the table stays on SIGTERM; with it alone every service goes', async () => {
  requireLab();
  const keep = await director('daemon-keep');
  const flush = await director('daemon-all');
  const kept = start(keep, '');
  const flushed = start(flush, 'lvs_flush_on_stop');
  await kept.waitFor(/lvsd running/, LVSD_START_MS);
  await flushed.waitFor(/lvsd running/, LVSD_START_MS);
  assert.deepEqual(await services(keep), ALL);
  assert.deepEqual(await services(flush), ALL);

  await kept.stop('SIGTERM');
  await flushed.stop('SIGTERM');
  assert.equal(kept.exited, 0, kept.tail());
  assert.equal(flushed.exited, 0, flushed.tail());
  assert.ok(kept.lines.some((l) => /the IPVS table is left in place/.test(l)), kept.tail());
  for (const p of [kept, flushed]) assert.match(p.lines.at(-1) ?? '', /"signal":"SIGTERM","msg":"lvsd stopped"/, 'the last line says the stop is complete');
  assert.deepEqual(await services(keep), ALL);
  assert.deepEqual(await services(flush), []);
});

test('a second lvsd in the same namespace refuses to start and changes nothing, lvs_flush_on_stop included', async () => {
  requireLab();
  const ns = await director('daemon-twice');
  const first = start(ns, '');
  await first.waitFor(/lvsd running/, LVSD_START_MS);
  const table = await services(ns);
  assert.deepEqual(table, ALL);

  const second = start(ns, 'lvs_flush_on_stop');
  await second.waitFor(/another lvsd already drives the IPVS table of this network namespace/, 30_000);
  await until('the second lvsd to exit', 10_000, async () => second.exited ?? undefined);
  assert.equal(second.exited, 1, second.tail());
  assert.ok(!second.lines.some((l) => /kernel table updated|lvs_flush_on_stop/.test(l)), second.tail());
  assert.deepEqual(await services(ns), table, 'the running director\'s table is untouched');
  assert.equal(first.exited, undefined, 'the first lvsd still runs');

  // kill -9 releases the claim with the process: a new daemon starts at once.
  await first.stop('SIGKILL');
  const third = start(ns, '');
  await third.waitFor(/lvsd running/, LVSD_START_MS);
  await third.stop('SIGTERM');
  assert.equal(third.exited, 0, third.tail());
});

test('two lvsd in different namespaces cannot share a --state-dir: the second refuses and changes nothing', async () => {
  requireLab();
  const one = await director('daemon-dir-one');
  const two = await director('daemon-dir-two');
  const stateDir = mkdtempSync(join(ROOT, '.lab', 'shared-state-'));
  // An API weight override of a file server: its weight in the kernel shows whose state is in effect.
  writeFileSync(join(stateDir, 'api-state.json'), JSON.stringify({ version: 1, services: {}, servers: {}, overrides: { 'tcp:10.40.0.100:80': { '192.168.80.11:8080': { weight: 5 } } } }));
  const overridden = /-a -t 10\.40\.0\.100:80 -r 192\.168\.80\.11:8080 -m -w 5/;
  const first = start(one, '', stateDir);
  await first.waitFor(/lvsd running/, LVSD_START_MS);
  // 192.168.80.12's TCP_CHECK fails (nothing listens): the table is settled once its verdict took it out.
  const table = await until('the first lvsd\'s check verdict in its table', 15_000, async () => {
    const now = await rules(one);
    return now.includes('192.168.80.12:8080') ? undefined : now;
  });
  assert.match(table, overridden);
  const files = contents(stateDir);
  assert.deepEqual(Object.keys(files).sort(), ['api-state.json', 'lvsd.lock', 'owned-services.json']);

  // With lvs_flush, a second start that went on would empty its own namespace's table first.
  const second = start(two, 'lvs_flush', stateDir);
  await until('the second lvsd to exit', 30_000, async () => second.exited ?? undefined);
  assert.equal(second.exited, 1, second.tail());
  assert.ok(second.tail().includes(`another lvsd (pid ${first.child.pid}) uses the state directory ${stateDir} (`), second.tail());
  assert.ok(!second.lines.some((l) => /kernel table updated|lvs_flush:/.test(l)), second.tail());
  assert.deepEqual(await services(two), ['-t 10.40.0.200:25'], 'the second namespace\'s table is untouched');
  assert.equal(await rules(one), table, 'the first lvsd\'s table is untouched');
  assert.deepEqual(contents(stateDir), files, 'and so are its state files');
  assert.equal(first.exited, undefined, 'the first lvsd still runs');

  // kill -9 releases the directory with the process: the API state moves to a director in the other namespace.
  await first.stop('SIGKILL');
  const third = start(two, '', stateDir);
  await third.waitFor(/lvsd running/, LVSD_START_MS);
  assert.match(await rules(two), overridden);
  await third.stop('SIGTERM');
  assert.equal(third.exited, 0, third.tail());
});

test('an --api address already in use refuses the start before the kernel is touched', async () => {
  requireLab();
  const ns = await director('daemon-api-taken');
  const holder = LineProcess.start('holder', ns.name, process.execPath, ['-e', "require('net').createServer().listen(7080, '127.0.0.1', () => console.log('listening'))"]);
  cleanups.push(() => holder.stop());
  await holder.waitFor(/listening/, 20_000);
  const before = await rules(ns);
  // With lvs_flush, a start that found the port taken only at its first listen would have emptied the table.
  const lvsd = start(ns, 'lvs_flush');
  await until('lvsd to exit', 30_000, async () => lvsd.exited ?? undefined);
  assert.equal(lvsd.exited, 1, lvsd.tail());
  assert.match(lvsd.tail(), /--api 127\.0\.0\.1:7080: the address and port are already in use/);
  assert.ok(!lvsd.lines.some((l) => /kernel table updated|lvs_flush:/.test(l)), lvsd.tail());
  assert.equal(await rules(ns), before, 'the table is as it was');
});

test('SIGHUP, SIGUSR1 and SIGTERM sent while lvsd starts are held, then handled in order', async () => {
  requireLab();
  const ns = await director('daemon-early');
  // The configuration is a FIFO: lvsd's start-up waits on it, and the test's
  // open for writing returns once lvsd is reading, well inside its start.
  const dir = mkdtempSync(join(ROOT, '.lab', 'early-'));
  const fifo = join(dir, 'keepalived.conf');
  execFileSync('mkfifo', [fifo]);
  const feed = async (): Promise<void> => {
    const writer = await open(fifo, 'w');
    await writer.writeFile(config(''));
    await writer.close();
  };
  const lvsd = LineProcess.start('lvsd', ns.name, process.execPath, [LVSD, '-f', fifo, '--resync', '0', '--api', 'off', '--state-dir', dir],
    { LVSD_LOG_LEVEL: 'info' });
  cleanups.push(() => lvsd.stop('SIGKILL'));
  const handle = await open(fifo, 'w');
  for (const signal of ['SIGHUP', 'SIGUSR1', 'SIGTERM'] as const) lvsd.child.kill(signal);
  await handle.writeFile(config(''));
  await handle.close();
  // The held SIGHUP reloads: the file is read a second time, once the first
  // read is over (the first table is in). The reload blocks lvsd's event loop
  // until then, so "lvsd running" may still be in its output buffer.
  await lvsd.waitFor(/kernel table updated/, 30_000);
  await feed();
  await until('lvsd to exit', 30_000, async () => lvsd.exited ?? undefined);
  assert.equal(lvsd.exited, 0, lvsd.tail());
  // A held stop comes last: the reload and the dump are done before lvsd ends.
  const order = ['"lvsd running"', '"reloading"', '"stopping'].map((m) => lvsd.lines.findIndex((l) => l.includes(m)));
  assert.ok(order.every((at, i) => at >= 0 && (i === 0 || at > order[i - 1]!)), `running, reloading, stopping in order:\n${lvsd.tail()}`);
  assert.ok(lvsd.lines.some((l) => l.includes('"cause":"reload"')), lvsd.tail());
  assert.ok(lvsd.lines.some((l) => l.includes('"state dumped"')), lvsd.tail());
  assert.ok(readdirSync(dir).includes('lvsd.json'), 'the dump is written under the state directory');
  assert.deepEqual(await services(ns), ALL, 'the whole table is in place, the IPVS table left as SIGTERM leaves it');
});

test('with nothing to poll (no API, checks, VRRP or resync) lvsd still runs until stopped', async () => {
  requireLab();
  const ns = await director('daemon-idle');
  const dir = mkdtempSync(join(ROOT, '.lab', 'idle-'));
  const file = join(dir, 'keepalived.conf');
  writeFileSync(file, 'virtual_server 10.40.0.100 80 {\n protocol TCP\n  lb_algo rr\n  lb_kind NAT\n  real_server 192.168.80.11 8080 {\n    weight 1\n  }\n}\n');
  const lvsd = LineProcess.start('lvsd', ns.name, process.execPath, [LVSD, '-f', file, '--resync', '0', '--api', 'off', '--state-dir', join(dir, 'state')], { LVSD_LOG_LEVEL: 'info' });
  cleanups.push(() => lvsd.stop('SIGKILL'));
  await lvsd.waitFor(/lvsd running/, LVSD_START_MS);
  await new Promise((resolve) => setTimeout(resolve, 3000));
  assert.equal(lvsd.exited, undefined, `lvsd ended by itself:\n${lvsd.tail()}`);
  await lvsd.stop('SIGTERM');
  assert.equal(lvsd.exited, 0, lvsd.tail());
});

test('lvs_flush empties the table at start, as keepalived does: a service the file does not name is gone', async () => {
  requireLab();
  const ns = await director('daemon-flush-start');
  assert.deepEqual(await services(ns), ['-t 10.40.0.200:25']);
  const lvsd = start(ns, 'lvs_flush');
  await lvsd.waitFor(/lvsd running/, LVSD_START_MS);
  assert.deepEqual(await services(ns), ['-t 10.40.0.100:80', '-u 10.40.0.100:53']);
  assert.ok(lvsd.lines.some((l) => /lvs_flush: the IPVS table was emptied before loading the configuration/.test(l)), lvsd.tail());
  await lvsd.stop('SIGTERM');
  assert.equal(lvsd.exited, 0, lvsd.tail());
});

test('after a kill -9, a restart on a file with fewer services removes those lvsd created, and never one added by hand', async () => {
  requireLab();
  const ns = await director('daemon-owned');
  const dir = mkdtempSync(join(ROOT, '.lab', 'owned-'));
  const file = join(dir, 'keepalived.conf');
  writeFileSync(file, config(''));
  const token = 'owned-token-0123456789abcdef';
  writeFileSync(join(dir, 'token'), `${token}\n`);
  const run = (): LineProcess => {
    const p = LineProcess.start('lvsd', ns.name, process.execPath,
      [LVSD, '-f', file, '--resync', '0', '--api', '127.0.0.1:7080', '--api-token-file', join(dir, 'token'), '--state-dir', join(dir, 'state')],
      { LVSD_LOG_LEVEL: 'info' });
    cleanups.push(() => p.stop('SIGKILL'));
    return p;
  };
  const first = run();
  await first.waitFor(/REST API listening/, LVSD_START_MS);
  const added = await ns.run('/usr/bin/curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '-X', 'POST', 'http://127.0.0.1:7080/v1/services',
    '-H', `Authorization: Bearer ${token}`, '-H', 'Content-Type: application/json',
    '--data-binary', JSON.stringify({ protocol: 'tcp', address: '10.40.0.150', port: 80, scheduler: 'rr' })]);
  assert.equal(added.stdout, '201', added.stderr);
  // Added by hand while lvsd runs: not lvsd's either.
  await ns.sh('/usr/sbin/ipvsadm -A -t 10.40.0.201:25 -s rr');
  assert.deepEqual(await services(ns), [...ALL, '-t 10.40.0.150:80', '-t 10.40.0.201:25'].sort());

  await first.stop('SIGKILL');
  // The UDP service, last in the file, is dropped.
  writeFileSync(file, config('').replace(/virtual_server 10\.40\.0\.100 53 \{[\s\S]*$/, ''));
  const second = run();
  await second.waitFor(/REST API listening/, LVSD_START_MS);
  assert.deepEqual(await services(ns), ['-t 10.40.0.100:80', '-t 10.40.0.150:80', '-t 10.40.0.200:25', '-t 10.40.0.201:25']);
  const record = JSON.parse(readFileSync(join(dir, 'state', 'owned-services.json'), 'utf8')) as { services: string[] };
  assert.deepEqual(record.services, ['tcp:10.40.0.100:80', 'tcp:10.40.0.150:80']);
  await second.stop('SIGTERM');
  assert.equal(second.exited, 0, second.tail());
});

test('a namespace made after another was deleted, with its inode number, owns nothing of the record left there', async () => {
  requireLab();
  const dir = mkdtempSync(join(ROOT, '.lab', 'reused-'));
  const stateDir = join(dir, 'state');
  const file = join(dir, 'keepalived.conf');
  writeFileSync(file, config(''));
  const run = (ns: Netns): LineProcess => {
    const p = LineProcess.start('lvsd', ns.name, process.execPath, [LVSD, '-f', file, '--resync', '0', '--state-dir', stateDir], { LVSD_LOG_LEVEL: 'info' });
    cleanups.push(() => p.stop('SIGKILL'));
    return p;
  };
  const first = await director('daemon-reused');
  const a = run(first);
  await a.waitFor(/lvsd running/, LVSD_START_MS);
  await a.stop('SIGTERM');
  const recordFile = join(stateDir, 'owned-services.json');
  const record = JSON.parse(readFileSync(recordFile, 'utf8')) as { netns: number; netnsCookie?: string; services: string[] };
  assert.deepEqual(record.services, ['tcp:10.40.0.100:80', 'udp:10.40.0.100:53']);
  assert.match(record.netnsCookie ?? '', /^[0-9]+$/, 'the record names the namespace by its cookie');
  await first.destroy();

  // The kernel hands the freed inode number to the next namespace made; another test making one meanwhile
  // could take it first, so the record is given the new namespace's number as that reuse would.
  const second = await director('daemon-reused');
  const inode = Number(execFileSync('stat', ['-L', '-c', '%i', `/run/netns/${second.name}`], { encoding: 'utf8' }).trim());
  writeFileSync(recordFile, JSON.stringify({ ...record, netns: inode }));
  // Added by hand in the new namespace: the record's UDP service by id, but not lvsd's.
  await second.sh('/usr/sbin/ipvsadm -A -u 10.40.0.100:53 -s rr');
  writeFileSync(file, config('').replace(/virtual_server 10\.40\.0\.100 53 \{[\s\S]*$/, ''));
  const b = run(second);
  await b.waitFor(/lvsd running/, LVSD_START_MS);
  assert.ok(b.lines.some((l) => l.includes(`another network namespace (cookie ${record.netnsCookie})`)), b.tail());
  assert.deepEqual(await services(second), ['-t 10.40.0.100:80', '-t 10.40.0.200:25', '-u 10.40.0.100:53'], 'the service added by hand stays');
  await b.stop('SIGTERM');
  assert.equal(b.exited, 0, b.tail());
});

test('omega: on SIGTERM the live real servers\' notify_down and the virtual server\'s quorum_down run, as keepalived runs them at its shutdown', async () => {
  requireLab();
  const ns = await director('daemon-omega');
  const dir = mkdtempSync(join(ROOT, '.lab', 'omega-'));
  const file = join(dir, 'keepalived.conf');
  const said = (what: string): string => join(dir, `${what}.said`);
  writeFileSync(file, `
global_defs {
  script_user root
}
virtual_server 10.40.0.100 80 {
  protocol TCP
  lb_algo rr
  lb_kind NAT
  omega
  quorum_down "/usr/bin/touch ${said('quorum-down')}"
  real_server 192.168.80.11 8080 {
    notify_down "/usr/bin/touch ${said('down-11')}"
  }
}
`);
  const lvsd = LineProcess.start('lvsd', ns.name, process.execPath, [LVSD, '-f', file, '--resync', '0', '--api', 'off', '--state-dir', join(dir, 'state')], { LVSD_LOG_LEVEL: 'info' });
  cleanups.push(() => lvsd.stop('SIGKILL'));
  await lvsd.waitFor(/lvsd running/, LVSD_START_MS);
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.said')), [], 'nothing said while it runs');
  await lvsd.stop('SIGTERM');
  assert.equal(lvsd.exited, 0, lvsd.tail());
  await until('notify_down and quorum_down to have run', 10_000, async () =>
    (readdirSync(dir).filter((f) => f.endsWith('.said')).sort().join() === 'down-11.said,quorum-down.said' ? true : undefined));
  assert.deepEqual(await services(ns), ['-t 10.40.0.100:80', '-t 10.40.0.200:25'], 'the table stays');
});

test('startup_script runs to its timeout before the table changes and shutdown_script after lvs_flush_on_stop, as keepalived runs them', async () => {
  requireLab();
  /** Runs one daemon on the file and returns what the scripts saw of the table, in the order they ran. */
  const seen = async (name: string, daemon: (ns: Netns, dir: string, file: string) => LineProcess): Promise<string[]> => {
    const ns = await director(`daemon-ss-${name}`);
    const dir = mkdtempSync(join(ROOT, '.lab', `start-stop-${name}-`));
    const record = join(dir, 'record.sh');
    // The startup run leaves a sleeper behind and waits for it: only the timeout ends it, with its group.
    writeFileSync(record, `#!/bin/sh\necho "$1 $(/usr/sbin/ipvsadm -Sn | grep -c -- '-A -t 10.40.0.100:80')" >> ${dir}/seen\n`
      + `if [ "$1" = start ]; then /bin/sleep 60 & echo $! > ${dir}/sleeper; wait; fi\n`, { mode: 0o755 });
    const file = join(dir, 'keepalived.conf');
    writeFileSync(file, config(`  script_user root\n  lvs_flush_on_stop VS\n  startup_script "${record} start"\n  startup_script_timeout 1\n  shutdown_script "${record} stop"`));
    const p = daemon(ns, dir, file);
    cleanups.push(() => p.stop('SIGKILL'));
    await until(`${name}: the virtual service in the table`, LVSD_START_MS, async () => ((await rules(ns)).includes('-A -t 10.40.0.100:80') ? true : undefined), 200);
    const sleeper = Number(readFileSync(join(dir, 'sleeper'), 'utf8'));
    const state = (() => { try { return readFileSync(`/proc/${sleeper}/stat`, 'utf8').split(') ')[1]![0]; } catch { return 'gone'; } })();
    await p.stop('SIGTERM');
    return [...readFileSync(join(dir, 'seen'), 'utf8').trim().split('\n'), `sleeper ${state === 'gone' || state === 'Z' ? 'ended' : 'running'}`];
  };
  const ka = await seen('ka', (ns, dir, file) => LineProcess.start('keepalived', ns.name, '/usr/sbin/keepalived',
    ['-n', '-l', '-D', '-f', file, '-p', join(dir, 'k.pid'), '-r', join(dir, 'k-vrrp.pid'), '-c', join(dir, 'k-check.pid')]));
  const lv = await seen('lv', (ns, dir, file) => LineProcess.start('lvsd', ns.name, process.execPath,
    [LVSD, '-f', file, '--resync', '0', '--api', 'off', '--state-dir', join(dir, 'state')], { LVSD_LOG_LEVEL: 'info' }));
  assert.deepEqual(lv, ka);
  assert.deepEqual(ka, ['start 0', 'stop 0', 'sleeper ended'], 'keepalived: the startup script sees no service yet, the shutdown script none left');
});
