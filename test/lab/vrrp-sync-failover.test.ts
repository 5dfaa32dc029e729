// A director pair with lvs_sync_daemon: the VRRP master runs the connection
// sync daemon as master, the backup as backup, so the backup's IPVS table
// already holds the client's connection when the master dies. A client keeps
// one TCP connection through the VIP to a DR real server; the master's lvsd
// is killed and its link cut; the backup takes the VIP and the very same
// connection carries on. Without sync, the new master would answer the
// connection's next segment with a reset. On the way, lvsadm -Lnc lists both
// connection tables exactly as ipvsadm does.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { requireLab, run, sh } from '../helpers/lab';
import { LineProcess, until } from '../helpers/procs';
import { buildSegment, settledMaster, startLvsd, writeConfig, type Segment } from './vrrp-segment';

const ROOT = join(__dirname, '..', '..', '..');
const LVSD = join(ROOT, 'bin', 'lvsd');
const LVSADM = join(ROOT, 'bin', 'lvsadm');
const ECHO = join(__dirname, '..', 'helpers', 'tcp-echo.js');
const A = 'vsync-a';
const B = 'vsync-b';
const RS = 'vsync-rs';
const CLIENT = 'vsync-c';
const VIP = '10.64.0.100';
const ROUTERS = new Map([[A, '10.64.0.1'], [B, '10.64.0.2']]);

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

const config = (priority: number): string => `
global_defs {
  lvs_sync_daemon eth0 VI_1 id 64
}
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 64
  priority ${priority}
  advert_int 1
  virtual_ipaddress {
    ${VIP}/24
  }
}
virtual_server ${VIP} 7000 {
  lb_algo rr
  lb_kind DR
  protocol TCP
  real_server 10.64.0.10 7000 {
    weight 1
  }
}
`;

/** The client's connection as a director's IPVS table has it, or undefined. */
async function syncedConnection(ns: string): Promise<string | undefined> {
  const out = (await run('/usr/sbin/ip', ['netns', 'exec', ns, '/usr/sbin/ipvsadm', '-Lnc'])).stdout;
  return out.split('\n').find((l) => l.includes('10.64.0.20:') && l.includes(`${VIP}:7000`) && l.includes('10.64.0.10:7000'));
}

/** A connection listing with each entry's expiry (mm:ss) blanked, and those expiries in seconds. */
function expiries(listing: string): { masked: string; seconds: number[] } {
  const seconds: number[] = [];
  const masked = listing.replace(/^(\S+ +)(\d+):(\d\d)(?= )/gm, (_all, pro: string, mm: string, ss: string) => {
    seconds.push(Number(mm) * 60 + Number(ss));
    return `${pro}${'#'.repeat(mm.length + 3)}`;
  });
  return { masked, seconds };
}

/**
 * Whether lvsadm's -Lnc, taken between two of ipvsadm's, is ipvsadm's listing:
 * byte for byte one of them, or byte for byte but for expiries that lie
 * between the two readings (a countdown ticked while lvsadm ran).
 */
function sameConnections(before: string, mine: string, after: string): boolean {
  if (mine === before || mine === after) return true;
  const [b, m, a] = [expiries(before), expiries(mine), expiries(after)];
  if (m.masked !== b.masked || m.masked !== a.masked || m.seconds.length === 0) return false;
  return m.seconds.every((s, i) => s >= Math.min(b.seconds[i]!, a.seconds[i]!) && s <= Math.max(b.seconds[i]!, a.seconds[i]!));
}

const echoed = (p: LineProcess): number[] =>
  p.lines.filter((l) => l.startsWith('{"n"')).map((l) => (JSON.parse(l) as { n: number }).n);

test('the backup holds the synced connection and carries it on after the master dies', { timeout: 120_000 }, async () => {
  requireLab();
  const seg: Segment = await buildSegment('vsyncbr', [[A, '10.64.0.1/24'], [B, '10.64.0.2/24'], [RS, '10.64.0.10/24'], [CLIENT, '10.64.0.20/24']]);
  cleanups.push(() => seg.stop());
  const prep = await run(process.execPath, [LVSD, 'realserver', '--vip', VIP, '--mode', 'dr', '--netns', RS]);
  assert.equal(prep.code, 0, prep.stderr);
  const server = LineProcess.start('echo server', RS, process.execPath, [ECHO, 'server', '7000']);
  cleanups.push(() => server.stop());
  await server.waitFor(/listening/, 20_000);

  const a = await startLvsd(A, writeConfig(seg, 'a.conf', config(150)));
  cleanups.push(() => a.stop('SIGKILL'));
  const b = await startLvsd(B, writeConfig(seg, 'b.conf', config(100)));
  cleanups.push(() => b.stop());
  await settledMaster(seg, ROUTERS, A, VIP, 64, 1);
  const daemons = async (ns: string): Promise<string> =>
    (await run('/usr/sbin/ip', ['netns', 'exec', ns, '/usr/sbin/ipvsadm', '-L', '--daemon'])).stdout;
  let seen = '';
  await until('sync daemons following the VRRP states', 10_000, async () => {
    seen = `${A}: ${await daemons(A)}\n${B}: ${await daemons(B)}`;
    return /^vsync-a: master sync daemon \(mcast=eth0, syncid=64,/m.test(seen) && /^vsync-b: backup sync daemon \(mcast=eth0, syncid=64,/m.test(seen)
      ? true : undefined;
  }).catch((e: Error) => { throw new Error(`${e.message}; ipvsadm -L --daemon:\n${seen}`); });

  const client = LineProcess.start('client', CLIENT, process.execPath, [ECHO, 'client', VIP, '7000', '100']);
  cleanups.push(() => client.stop());
  await until('echoes through the master', 15_000, async () => (echoed(client).length >= 10 ? true : undefined));
  const onBackup = await until('the connection synced to the backup', 15_000, () => syncedConnection(B));
  assert.match(onBackup, /ESTABLISHED/);

  // The connection tables, live on the master and synced on the backup, list alike with lvsadm and ipvsadm.
  // lvsadm runs between two ipvsadm runs: the expiry countdowns may tick (or be renewed by sync) meanwhile.
  for (const ns of [A, B]) {
    let last: [string, string, string] = ['', '', ''];
    const ipvsadm = async (): Promise<string> => {
      const r = await run('/usr/sbin/ip', ['netns', 'exec', ns, '/usr/sbin/ipvsadm', '-Lnc']);
      assert.equal(r.code, 0, r.stderr);
      return r.stdout;
    };
    await until(`lvsadm -Lnc equal to ipvsadm -Lnc in ${ns}`, 20_000, async () => {
      const before = await ipvsadm();
      const lvsadm = await run('/usr/sbin/ip', ['netns', 'exec', ns, process.execPath, LVSADM, '-Lnc']);
      assert.equal(lvsadm.code, 0, lvsadm.stderr);
      last = [before, lvsadm.stdout, await ipvsadm()];
      return sameConnections(...last) ? true : undefined;
    }).catch((e: Error) => { throw new Error(`${e.message}\nipvsadm before:\n${last[0]}\nlvsadm:\n${last[1]}\nipvsadm after:\n${last[2]}`); });
    assert.match(last[1], /10\.64\.0\.20:\d+\s+10\.64\.0\.100:7000\s+10\.64\.0\.10:7000/);
  }

  // The master dies: its lvsd is killed and its link cut, so neither it nor its kernel forwards any more.
  await a.stop('SIGKILL');
  await sh('ip link set eth0 down', A);
  const before = echoed(client).length;
  await until(`${B} holding ${VIP}`, 20_000, async () =>
    (await sh('ip -br addr show dev eth0', B)).includes(`${VIP}/`) ? true : undefined);
  await until('20 more echoes on the same connection', 30_000, async () => (echoed(client).length >= before + 20 ? true : undefined));
  assert.equal(client.lines.filter((l) => l.startsWith('{"closed"')).length, 0, client.lines.join('\n'));
  const numbers = echoed(client);
  assert.deepEqual(numbers, numbers.map((_, i) => i + 1), 'every line echoed once, in order');
  await until(`${B} running the master sync daemon`, 10_000, async () =>
    (/master sync daemon \(mcast=eth0, syncid=64,/.test(await daemons(B)) ? true : undefined));
});
