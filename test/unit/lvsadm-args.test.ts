// lvsadm's command-line handling against texts and statuses captured from
// ipvsadm 1.31 in the lab.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lvsadm, type IpvsTable, type IpvsOp } from '../../src/cli/lvsadm/main';
import { PoptContext } from '../../src/cli/lvsadm/popt';
import { inetAton, inetPton6, ntop6 } from '../../src/cli/lvsadm/inet';
import { restoreLines } from '../../src/cli/lvsadm/restore-lines';
import type { Names } from '../../src/cli/lvsadm/resolve';
import { prng } from '../helpers/prng';

const names: Names = {
  hostToAddr: async (n) => (n === 'localhost' ? 0x7f000001 : undefined),
  serviceToPort: (n) => ({ http: 80, https: 443, domain: 53 } as Record<string, number>)[n],
  portToService: () => undefined,
  prefetchHosts: async () => undefined,
  addrToHost: () => undefined,
};

/** A table that records requests and answers them with the errnos given. */
function fakeTable(errnos: number[] = []): IpvsTable & { ops: IpvsOp[]; counterReads: (boolean | undefined)[] } {
  const ops: IpvsOp[] = [];
  const counterReads: (boolean | undefined)[] = [];
  return {
    ops,
    counterReads,
    getInfo: async () => ({ version: 0x010201, connTableSize: 4096 }),
    getTimeouts: async () => ({ tcp: 900, tcpFin: 120, udp: 300 }),
    listServices: async (opts) => { counterReads.push(opts?.counters); return []; },
    getService: async () => { throw Object.assign(new Error('no'), { errno: 3 }); },
    listRealServers: async () => [],
    listDaemons: async () => [],
    apply: async (batch) => {
      ops.push(...batch);
      return batch.map(() => {
        const errno = errnos.shift() ?? 0;
        return errno ? { ok: false as const, error: { errno } } : { ok: true as const };
      });
    },
    close: () => undefined,
  };
}

async function cli(args: string[], opts: { errnos?: number[]; stdin?: string; readConnections?: () => string } = {}) {
  let stdout = '';
  let stderr = '';
  const table = fakeTable(opts.errnos);
  const code = await lvsadm(['/usr/sbin/ipvsadm', ...args], {
    stdout: { write: (t: string) => { stdout += t; } },
    stderr: { write: (t: string) => { stderr += t; } },
    stdin: opts.stdin ?? '', table, names, ...(opts.readConnections ? { readConnections: opts.readConnections } : {}),
  });
  return { code, stdout, stderr, ops: table.ops, counterReads: table.counterReads };
}

const TRY = "Try `/usr/sbin/ipvsadm -h' or '/usr/sbin/ipvsadm --help' for more information.\n";

test('refusals give ipvsadm 1.31 texts and exit statuses', async () => {
  const cases: [string[], number, string][] = [
    [['foo'], 255, TRY],
    [['-t', '1.2.3.4:80', '-A'], 255, TRY],
    [['--foo'], 255, TRY],
    [['-L=5'], 255, TRY],
    [['-6', '-A', '-f', '5'], 255, TRY],
    [['-Lz'], 255, '-Lz: unknown option\n'],
    [['-A', '-t'], 255, '-t: missing argument\n'],
    [['-L', '--list'], 2, "invalid option `--list'\n"],
    [['-L', '-A'], 2, "invalid option `-A'\n"],
    [['-L', '-h'], 2, "invalid option `-h'\n"],
    [['-A', '-t', '1.1.1.1:80', '-r', '1.1.1.1'], 2, "Illegal 'real-server' option with the 'add-service' command\n"],
    [['-A', '-t', '1.1.1.1:80', '-t', '2.2.2.2:80'], 2, "multiple 'service-address' options specified\n"],
    [['-A', '-t', '1.1.1.3:80', '-p60x'], 2, "invalid timeout value `60x' specified\n"],
    [['-A', '-t', '1.1.1.3:80', '-s', 'rr', 'extra'], 2, 'unexpected argument extra\n'],
    [['-A', '-t', '[::1:80'], 2, 'illegal virtual server address[:port] specified\n'],
    [['-A', '-t', '10.1.1.3:0'], 2, 'Zero port specified for non-persistent service\n'],
    [['-L', '-c', '--stats'], 2, 'options conflicts in the list command\n'],
    [['-L', '--timeout', '--daemon'], 2, "The option 'daemon' conflicts with the 'timeout' option in the 'list' command\n"],
    [['--set', '1', '2'], 2, '--set option requires 3 timeout values\n'],
    [['-R', '-n'], 2, "Illegal 'numeric' option with the 'restore' command\n"],
    [['-A', '-f', '0'], 2, "invalid fwmark value `0' specified\n"],
    [['-A', '-f', '4294967296'], 2, "invalid fwmark value `4294967296' specified\n"],
    [['-A', '-6', '-f', '5'], 2, '-6 used before -f\n\n'],
    [['-a', '-t', '10.1.1.1:80', '-r', '[2001:db8::3]:80', '-m'], 2, 'Different address family is allowed only for tunneling servers\n'],
    [['-a', '-t', '10.1.1.1:80', '-r', '10.0.0.3:70000'], 2, 'illegal real server address[:port] specified\n'],
    [['-a', '-f', '8', '-r', '10.0.0.8', '-i', '--tun-type', 'gre', '--tun-remcsum'], 2, "Illegal 'tun-remcsum' option with the 'gre' tunnel type\n"],
    [['-a', '-f', '8', '-r', '10.0.0.11', '-g', '--tun-csum'], 2, 'Tunnel options conflict with forward method\n'],
    [['-a', '-f', '8', '-r', '10.0.0.11', '-i', '--tun-type', 'gue'], 2, "You need to supply the 'tun-port' option for the 'gue' tunnel type\n"],
  ];
  for (const [args, code, stderr] of cases) {
    const r = await cli(args);
    assert.deepEqual({ code: r.code, stderr: r.stderr, ops: r.ops.length }, { code, stderr, ops: 0 }, args.join(' '));
  }
});

test('a listing reads the traffic counters only when it shows them', async () => {
  const asked = async (args: string[]) => (await cli(args)).counterReads;
  assert.deepEqual(await asked(['-Ln']), [false]);
  assert.deepEqual(await asked(['-Sn']), [false]);
  assert.deepEqual(await asked(['-L', '--thresholds']), [false]);
  assert.deepEqual(await asked(['-Ln', '--stats']), [true]);
  assert.deepEqual(await asked(['-L', '--rate', '-n']), [true]);
});

test('kernel refusals read as libipvs words them, per request', async () => {
  assert.deepEqual(await cli(['-A', '-t', '10.1.1.1:80'], { errnos: [17] }).then((r) => [r.code, r.stderr]), [255, 'Service already exists\n']);
  assert.deepEqual(await cli(['-a', '-t', '10.1.1.2:80', '-r', '10.0.0.1'], { errnos: [3] }).then((r) => [r.code, r.stderr]), [255, 'Service not defined\n']);
  assert.deepEqual(await cli(['-E', '-t', '10.1.1.2:80'], { errnos: [3] }).then((r) => [r.code, r.stderr]), [255, 'No such service\n']);
  assert.deepEqual(await cli(['-A', '-u', '10.1.1.3:53', '-s', 'foo'], { errnos: [2] }).then((r) => [r.code, r.stderr]), [255, 'Scheduler or persistence engine not found\n']);
  assert.deepEqual(await cli(['-Ln', '-t', '10.1.1.9:80']).then((r) => [r.code, r.stderr]), [1, 'No such service\n']);
});

test('requests carry what ipvsadm sends: defaults, masks, ports, tunnels', async () => {
  const a = await cli(['-A', '-t', '10.1.1.5:80', '-p', '-M', '255.255.0.0', '-s', 'sh', '-b', 'sh-port,sh-fallback']);
  assert.deepEqual(a.ops, [{ op: 'addService', service: {
    family: 2, protocol: 'tcp', address: '10.1.1.5', port: 80, scheduler: 'sh', flags: 0x19, timeout: 360,
    netmask: 0xffff0000, peName: '' } }]);
  const b = await cli(['-a', '-t', '10.1.1.1:http', '-r', '10.0.0.1:8080', '-g', '-w', '3']);
  assert.equal((b.ops[0] as { server: { port: number } }).server.port, 80, 'direct routing keeps the virtual port');
  const c = await cli(['-a', '-f', '7', '-6', '-r', '10.0.0.7', '-i', '--tun-type=gue', '--tun-port', '6080', '--tun-csum']);
  assert.deepEqual(c.ops[0], { op: 'addRealServer', key: { family: 10, fwmark: 7 }, server: {
    family: 2, address: '10.0.0.7', port: 0, forward: 'tunnel', weight: 1, upperThreshold: 0, lowerThreshold: 0,
    tunnelType: 'gue', tunnelPort: 6080, tunnelFlags: 1 } });
  const d = await cli(['-A', '-t', '1.1.1.1:80', '-p=50']);
  assert.equal((d.ops[0] as { service: { timeout: number } }).service.timeout, 50);
  const e = await cli(['-A', '-t', 'localhost:https']);
  assert.equal((e.ops[0] as { service: { address: string; port: number } }).service.address, '127.0.0.1');
});

test('-R runs line by line: kernel errors go on, popt errors go on, a bad line stops', async () => {
  const r = await cli(['-R'], { stdin: '-A -t 5.5.5.7:80\n-A -t 5.5.5.7:80 -s\nipvsadm -A -t 5.5.5.8:80\n-A -t 5.5.5.9:80 -w 5\n-A -t 5.5.5.10:80\n', errnos: [0, 17] });
  assert.equal(r.code, 2);
  assert.equal(r.stderr, "-s: missing argument\nService already exists\nIllegal 'weight' option with the 'add-service' command\n");
  assert.equal(r.ops.length, 2);
  const comment = await cli(['-R'], { stdin: '-A -t 5.5.5.5:80\n# hello\n-A -t 5.5.5.6:80\n' });
  assert.deepEqual([comment.code, comment.stderr, comment.ops.length], [255, TRY, 1]);
});

test('popt scanning: grouped shorts, attached and optional arguments, "--"', () => {
  const table = [
    { short: 'L', long: 'list', arg: 'none' as const, val: 'L' },
    { short: 'n', long: 'numeric', arg: 'none' as const, val: 'n' },
    { short: 'p', long: 'persistent', arg: 'optional' as const, val: 'p' },
    { short: 't', long: 'tcp-service', arg: 'required' as const, val: 't' },
  ];
  const ctx = new PoptContext(['-Ln', '-p', '-t1.2.3.4:80', '--persistent=9', '-p', '-n', 'x', '--', '-L'], table);
  const seen = [];
  for (let ev = ctx.nextOption(); ev.kind === 'option'; ev = ctx.nextOption()) seen.push([ev.val, ev.arg]);
  assert.deepEqual(seen, [['L', null], ['n', null], ['p', null], ['t', '1.2.3.4:80'], ['p', '9'], ['p', null], ['n', null]]);
  assert.deepEqual([ctx.takeArg(), ctx.takeArg(), ctx.takeArg()], ['x', '-L', undefined]);
  // Two entries with one name: the first in the table is the one found.
  const twice = [...table, { short: 'L', long: 'list', arg: 'required' as const, val: 'other' }];
  const again = new PoptContext(['-L', '--list'], twice);
  assert.deepEqual([again.nextOption(), again.nextOption()], [{ kind: 'option', val: 'L', arg: null }, { kind: 'option', val: 'L', arg: null }]);
});

test('address parsing follows inet_aton and inet_pton; printing follows inet_ntop', () => {
  assert.equal(inetAton('10.1'), 0x0a000001);
  assert.equal(inetAton('0x7f.1'), 0x7f000001);
  assert.equal(inetAton('010.0.0.1'), 0x08000001);
  assert.equal(inetAton('1.2.3.256'), undefined);
  assert.equal(inetAton('09.1.1.1'), undefined);
  // Each part's limit depends on how many parts precede it; "0x" needs a hex digit (glibc 2.36); a blank ends the address.
  assert.equal(inetAton('1.16777215'), 0x01ffffff);
  assert.equal(inetAton('1.16777216'), undefined);
  assert.equal(inetAton('4294967295'), 0xffffffff);
  assert.equal(inetAton('4294967296'), undefined);
  assert.equal(inetAton('0x.0X1'), undefined);
  assert.equal(inetAton('0x'), undefined);
  assert.equal(inetAton('1.0x'), undefined);
  assert.equal(inetAton('0x1'), 1);
  assert.equal(inetAton('1.2.3.4\tjunk'), 0x01020304);
  assert.equal(inetAton('1.2.3.4x'), undefined);
  assert.equal(inetAton('1.2.3.4.5'), undefined);
  assert.equal(inetAton('1..2'), undefined);
  assert.equal(inetAton('256.1'), undefined);
  assert.equal(inetAton(''), undefined);
  assert.equal(ntop6(inetPton6('2001:db8:0:0:1:0:0:1')!), '2001:db8::1:0:0:1');
  assert.equal(ntop6(inetPton6('::ffff:1.2.3.4')!), '::ffff:1.2.3.4');
  assert.equal(ntop6(inetPton6('::102:304')!), '::1.2.3.4');
  assert.equal(ntop6(inetPton6('::1')!), '::1');
  assert.equal(inetPton6('1::2::3'), undefined);
  assert.equal(inetPton6('fe80::1%eth0'), undefined);
  assert.equal(inetPton6('1.2.3.4'), undefined);
  assert.equal(inetPton6('10.0.0.1:80'), undefined);
});

test('restore input splits like config_stream_read', () => {
  assert.deepEqual(restoreLines('ipvsadm -A -t 1.1.1.1:80\n\n  \n# x y\n-C\t-n\r\n-L  '), [['-A', '-t', '1.1.1.1:80'], ['#', 'x', 'y'], ['-C', '-n']]);
  assert.deepEqual(restoreLines('-L -n'), [['-L', '-n']]);
  assert.deepEqual(restoreLines('-A -t 10.2.0.3\0xyz:80\n-A\0 -t 10.2.0.1:80\nipvsadm\0x -C'), [['-A', '-t', '10.2.0.3'], ['-A', '-t', '10.2.0.1:80'], ['-C']], 'a word ends at a NUL byte, as a C string does');
  assert.deepEqual(restoreLines(' \t-A\r\r-t ipvsadm x\vy\n'), [['-A', '-t', 'x\vy']]);
});

test('-c without /proc/net/ip_vs_conn says so as ipvsadm does, with status 1', async () => {
  const missing = () => { throw Object.assign(new Error('ENOENT: no such file or directory'), { code: 'ENOENT' }); };
  const r = await cli(['-Lnc'], { readConnections: missing });
  assert.deepEqual([r.code, r.stdout, r.stderr], [1, '', 'cannot open file /proc/net/ip_vs_conn\n']);
});

test('kernel errnos libipvs has no words for read as glibc\'s strerror', async () => {
  const r = await cli(['-A', '-t', '10.0.0.1:80'], { errnos: [124] });
  assert.deepEqual([r.code, r.stderr], [255, 'Wrong medium type\n']);
});

test('-R acts on each line as it arrives, as ipvsadm does, and says what the kernel refused before reading on', async () => {
  const table = fakeTable([0, 17, 0]);
  let stderr = '';
  const seen: number[] = [];
  const said: string[] = [];
  const stdin = async function* (): AsyncGenerator<Buffer> {
    yield Buffer.from('-A -t 1.1.1.1:80\n-A -t 1.1.1.1:80\n-A -t 1.1.1.2:');
    // The writer waits here (a pipe held open): the whole lines are in the kernel already, the cut one is not.
    seen.push(table.ops.length);
    said.push(stderr);
    yield Buffer.from('80\n');
  };
  const code = await lvsadm(['/usr/sbin/ipvsadm', '-R'], {
    stdout: { write: () => undefined },
    stderr: { write: (t: string) => { stderr += t; } },
    stdin, table, names,
  });
  assert.deepEqual(seen, [2]);
  assert.deepEqual(said, ['Service already exists\n']);
  assert.equal(table.ops.length, 3);
  assert.equal(code, 0);
});

test('-R input cut inside a line or a UTF-8 character reads as if it came whole', async () => {
  const table = fakeTable();
  const stdin = async function* (): AsyncGenerator<Buffer> {
    yield Buffer.from('-A -t 10.0.0.1:80 -s wlc\n-A -t 10.0.0.2:80 --pe r');
    yield Buffer.from([0xc3]);
    yield Buffer.from([0xa9, 0x0a]);
  };
  const code = await lvsadm(['/usr/sbin/ipvsadm', '-R'], { stdout: { write: () => undefined }, stderr: { write: () => undefined }, stdin, table, names });
  assert.equal(code, 0);
  assert.deepEqual(table.ops.map((op) => (op as { service?: { peName?: string } }).service?.peName), ['', 'ré']);
});

test('a restore asks for the optimizing compiler once, before its first line; a listing or a change never does', async () => {
  const calls: string[] = [];
  const run = async (args: string[], stdin = ''): Promise<void> => {
    const table = fakeTable();
    const apply = table.apply;
    table.apply = async (batch) => { calls.push(`apply ${batch.length}`); return await apply(batch); };
    await lvsadm(['/usr/sbin/ipvsadm', ...args], {
      stdout: { write: () => undefined }, stderr: { write: () => undefined }, stdin, table, names, longRun: () => { calls.push('longRun'); },
    });
  };
  await run(['-R'], '-A -t 10.0.0.1:80\n-A -t 10.0.0.2:80\n');
  assert.deepEqual(calls, ['longRun', 'apply 2']);
  calls.length = 0;
  await run(['-Ln']);
  await run(['-A', '-t', '10.0.0.3:80']);
  await run(['-S', '-n']);
  assert.deepEqual(calls, ['apply 1']);
});

test('random command lines never throw: each ends with one of ipvsadm\'s exit statuses, and no stack trace', async () => {
  const rand = prng(5);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const options = ['-A', '-E', '-D', '-C', '-R', '-S', '-a', '-e', '-d', '-L', '-l', '-Z', '--set', '--start-daemon', '--stop-daemon', '-t', '-u',
    '--sctp-service', '-f', '-6', '-s', '-p', '-M', '-o', '-b', '--pe', '-r', '-g', '-i', '-m', '-w', '-x', '-y', '--tun-type', '--tun-port',
    '--tun-nocsum', '--tun-csum', '--tun-remcsum', '-n', '-c', '--stats', '--rate', '--thresholds', '--persistent-conn', '--exact', '--sort',
    '--timeout', '--daemon', '--tun-info', '-h', '-v', '--mcast-interface', '--syncid', '--mcast-group', '--mcast-port', '--mcast-ttl',
    '--sync-maxlen', '--', '-', '-tx', '-Ln', '-at', '--add-service=x', '--weight=3', '--scheduler'];
  const values = ['10.0.0.1:80', '[fd00::1]:80', 'fd00::1', '10.0.0.1', '1', '0', '-1', '65536', '4294967296', 'wrr', 'mh', 'sh-port',
    'sh-fallback,mh-port', 'x', '', '999999999999999999999', 'sip', 'ipip', 'gue', 'gre', '1:2:3', '10.0.0.1:0', '[::]:1',
    '255.255.255.255:65535', '10.0.0.1:80:90', 'master', 'backup', 'eth0', '%', '[fd00::1]', '10.0.0.1:http', '0x10', '1e3', '3 4'];
  const statuses = new Map<number, number>();
  for (let i = 0; i < 2500; i++) {
    const args: string[] = [];
    for (let m = 1 + Math.floor(rand() * 7); m > 0; m--) {
      args.push(pick(options));
      if (rand() < 0.6) args.push(pick(values));
    }
    let r: Awaited<ReturnType<typeof cli>>;
    try {
      r = await cli(args);
    } catch (err) {
      assert.fail(`${JSON.stringify(args)} threw ${(err as Error).stack}`);
    }
    assert.ok([0, 1, 2, 255].includes(r.code), `${JSON.stringify(args)}: exit ${r.code}`);
    assert.doesNotMatch(r.stderr, /Error|\n\s+at /, JSON.stringify(args));
    statuses.set(r.code, (statuses.get(r.code) ?? 0) + 1);
  }
  assert.ok((statuses.get(0) ?? 0) > 0 && (statuses.get(255) ?? 0) > 0, JSON.stringify([...statuses]));
});
