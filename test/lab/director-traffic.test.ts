// lvsd as a director with real traffic: a client namespace sends HTTP
// requests through the VIP to real servers in their own namespaces. A real
// server that stops is quiesced or removed by its health check while the
// client keeps being served by the others; it returns when it comes back; a
// reload that does not touch a service does not disturb its clients; a change
// made behind lvsd's back is put back. NAT, DR and TUN each carry real traffic.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Bridge, Netns, connect, requireLab, run } from '../helpers/lab';
import { LineProcess, LVSD_START_MS, until } from '../helpers/procs';

const ROOT = join(__dirname, '..', '..', '..');
const NODE = process.execPath;
const LVSD = join(ROOT, 'bin', 'lvsd');
const SERVER = join(__dirname, '..', 'helpers', 'http-server.js');
const CLIENT = join(__dirname, '..', 'helpers', 'http-client.js');

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

/** Real servers of VIP:PORT as the kernel has them: "addr:port" -> weight. */
async function kernelServers(ns: Netns, service: string): Promise<Map<string, number>> {
  const out = (await ns.run('/usr/sbin/ipvsadm', ['-Ln', '-t', service])).stdout;
  const servers = new Map<string, number>();
  for (const m of out.matchAll(/^ {2}-> (\S+)\s+\S+\s+(\d+)/gm)) servers.set(m[1]!, Number(m[2]));
  return servers;
}

interface Reply { ok: boolean; body?: string; error?: string; at: number }
const replies = (p: LineProcess, from = 0): Reply[] =>
  p.lines.slice(from).filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Reply);

function startServer(ns: Netns, name: string, port: number): LineProcess {
  const p = LineProcess.start(name, ns.name, NODE, [SERVER, name, String(port)]);
  cleanups.push(() => p.stop());
  return p;
}

function configFile(text: string): string {
  const dir = mkdtempSync(join(ROOT, '.lab', 'director-'));
  const file = join(dir, 'keepalived.conf');
  writeFileSync(file, text);
  return file;
}

const natConfig = (extra: string) => `
global_defs {
  router_id lab-director
}
virtual_server 10.10.0.100 80 {
  delay_loop 1
  lb_algo rr
  lb_kind NAT
  protocol TCP
  real_server 192.168.50.11 8080 {
    weight 1
    TCP_CHECK {
      connect_timeout 1
      retry 0
    }
  }
  real_server 192.168.50.12 8080 {
    weight 1
    inhibit_on_failure
    HTTP_GET {
      url {
        path /
        status_code 200
      }
      connect_timeout 1
      retry 0
    }
  }
}
virtual_server 10.10.0.100 81 {
  protocol TCP
  delay_loop 1
  lb_algo wrr
  lb_kind NAT
  real_server 192.168.50.11 8080 {
    weight ${extra === 'reloaded' ? 5 : 2}
  }
}
${extra === 'reloaded' ? `virtual_server 10.10.0.100 82 {
  protocol TCP
  lb_algo rr
  lb_kind NAT
  real_server 192.168.50.12 8080 {
    weight 1
  }
}` : ''}
`;

test('NAT: a failed real server is quiesced or removed, returns, and reloads and drift leave clients alone', async () => {
  requireLab();
  const client = await Netns.create('dt-client');
  const director = await Netns.create('dt-dir');
  const rs1 = await Netns.create('dt-rs1');
  const rs2 = await Netns.create('dt-rs2');
  const br = await Bridge.create('dtbr0');
  cleanups.push(() => br.destroy(), () => client.destroy(), () => director.destroy(), () => rs1.destroy(), () => rs2.destroy());
  await connect(client, 'eth0', '10.10.0.2/24', director, 'eth0', '10.10.0.1/24');
  await director.sh('ip addr add 10.10.0.100/32 dev eth0 && sysctl -qw net.ipv4.ip_forward=1');
  await client.sh('ip route add default via 10.10.0.1');
  await br.attach(director, 'eth1', '192.168.50.1/24');
  for (const [ns, addr] of [[rs1, '192.168.50.11'], [rs2, '192.168.50.12']] as const) {
    await br.attach(ns, 'eth0', `${addr}/24`);
    await ns.sh('ip route add default via 192.168.50.1');
  }
  let web2 = startServer(rs2, 'rs2', 8080);
  startServer(rs1, 'rs1', 8080);
  await web2.waitFor(/listening/, 20_000);

  const file = configFile(natConfig('initial'));
  const lvsd = LineProcess.start('lvsd', director.name, NODE, [LVSD, '-f', file, '--resync', '1', '--state-dir', join(dirname(file), 'state')], { LVSD_LOG_LEVEL: 'info' });
  cleanups.push(() => lvsd.stop());
  await lvsd.waitFor(/lvsd running/, LVSD_START_MS);
  // Both start up; on a loaded machine a first check may time out (connect_timeout 1) and recover a second later.
  await until('both real servers at weight 1', 10_000, async () => JSON.stringify([...(await kernelServers(director, '10.10.0.100:80')).entries()].sort())
    === JSON.stringify([['192.168.50.11:8080', 1], ['192.168.50.12:8080', 1]]) || undefined);

  const http = LineProcess.start('client', client.name, NODE, [CLIENT, 'http://10.10.0.100/', '50']);
  cleanups.push(() => http.stop());
  await until('replies from both real servers', 20_000, async () => {
    const bodies = new Set(replies(http).filter((r) => r.ok).map((r) => r.body));
    return bodies.has('rs1') && bodies.has('rs2') ? true : undefined;
  });

  // rs2 dies: its HTTP_GET fails and, with inhibit_on_failure, it is quiesced (weight 0).
  await web2.stop();
  await until('rs2 quiesced', 60_000, async () =>
    (await kernelServers(director, '10.10.0.100:80')).get('192.168.50.12:8080') === 0 ? true : undefined);
  await lvsd.waitFor(/real server down/, 1000);
  let mark = http.lines.length;
  await until('20 replies after quiescing', 20_000, async () => (replies(http, mark).length >= 20 ? true : undefined));
  const afterQuiesce = replies(http, mark);
  assert.ok(afterQuiesce.every((r) => r.ok && r.body === 'rs1'), JSON.stringify(afterQuiesce.filter((r) => !r.ok || r.body !== 'rs1')));

  // rs2 comes back: weight 1 again, and the client reaches it.
  web2 = startServer(rs2, 'rs2', 8080);
  await until('rs2 back at weight 1', 60_000, async () =>
    (await kernelServers(director, '10.10.0.100:80')).get('192.168.50.12:8080') === 1 ? true : undefined);
  mark = http.lines.length;
  await until('a reply from rs2 again', 10_000, async () => (replies(http, mark).some((r) => r.ok && r.body === 'rs2') ? true : undefined));

  // A reload that changes other services: no failed request on port 80, whose entry is not re-created.
  const before = (await director.run('/usr/sbin/ipvsadm', ['-Ln', '--stats', '-t', '10.10.0.100:80'])).stdout;
  const conns = (text: string) => Number(/^TCP\s+\S+\s+(\d+)/m.exec(text)?.[1]);
  mark = http.lines.length;
  writeFileSync(file, natConfig('reloaded'));
  lvsd.child.kill('SIGHUP');
  await until('the reloaded table', 15_000, async () => {
    const s81 = await kernelServers(director, '10.10.0.100:81');
    const s82 = await kernelServers(director, '10.10.0.100:82');
    return s81.get('192.168.50.11:8080') === 5 && s82.size === 1 ? true : undefined;
  });
  await new Promise((r) => setTimeout(r, 1000));
  const duringReload = replies(http, mark);
  assert.ok(duringReload.length > 5);
  assert.deepEqual(duringReload.filter((r) => !r.ok), []);
  const afterStats = (await director.run('/usr/sbin/ipvsadm', ['-Ln', '--stats', '-t', '10.10.0.100:80'])).stdout;
  assert.ok(conns(afterStats) >= conns(before), `port 80 counters went from ${conns(before)} to ${conns(afterStats)}: re-created?`);

  // An invalid file on SIGHUP is refused; the table stays.
  writeFileSync(file, 'virtual_server 10.10.0.100 80 {\n protocol TCP\n  lb_algo nonsense\n}\n');
  mark = lvsd.lines.length;
  lvsd.child.kill('SIGHUP');
  await lvsd.waitFor(/reload refused/, 10_000, mark);
  assert.equal((await kernelServers(director, '10.10.0.100:82')).size, 1);

  // Drift: a real server deleted behind lvsd's back is put back by the resync.
  assert.equal((await director.run('/usr/sbin/ipvsadm', ['-d', '-t', '10.10.0.100:81', '-r', '192.168.50.11:8080'])).code, 0);
  await until('the deleted real server put back', 10_000, async () =>
    (await kernelServers(director, '10.10.0.100:81')).get('192.168.50.11:8080') === 5 ? true : undefined);

  // SIGTERM leaves the table in place.
  await lvsd.stop('SIGTERM');
  assert.equal(lvsd.exited, 0);
  assert.equal((await kernelServers(director, '10.10.0.100:80')).size, 2);
  await http.stop();
});

test('DR and TUN: real servers prepared with lvsd realserver carry client traffic', async () => {
  requireLab();
  const client = await Netns.create('dr-client');
  const director = await Netns.create('dr-dir');
  const rsA = await Netns.create('dr-rsa');
  const rsB = await Netns.create('dr-rsb');
  const br = await Bridge.create('drbr0');
  cleanups.push(() => br.destroy(), () => client.destroy(), () => director.destroy(), () => rsA.destroy(), () => rsB.destroy());
  await br.attach(client, 'eth0', '10.20.0.2/24');
  await br.attach(director, 'eth0', '10.20.0.1/24');
  await director.sh('ip addr add 10.20.0.100/32 dev eth0 && ip addr add 10.20.0.101/32 dev eth0');
  const servers: [Netns, string][] = [[rsA, '10.20.0.13'], [rsB, '10.20.0.14']];
  for (const [ns, addr] of servers) {
    await br.attach(ns, 'eth0', `${addr}/24`);
    for (const [vip, mode] of [['10.20.0.100', 'dr'], ['10.20.0.101', 'tun']]) {
      const prep = await run(NODE, [LVSD, 'realserver', '--vip', vip!, '--mode', mode!, '--netns', ns.name]);
      assert.equal(prep.code, 0, prep.stderr);
      assert.match(prep.stdout, new RegExp(`add address ${vip!.replace(/\./g, '\\.')}/32 dev ${mode === 'dr' ? 'lo' : 'tunl0'}`));
      const again = await run(NODE, [LVSD, 'realserver', '--vip', vip!, '--mode', mode!, '--netns', ns.name]);
      assert.match(again.stdout, /already prepared/);
    }
    startServer(ns, ns.name, 80);
  }
  const file = configFile(`
virtual_server 10.20.0.100 80 {
  protocol TCP
  lb_algo rr
  lb_kind DR
  real_server 10.20.0.13 80 {
    weight 1
  }
  real_server 10.20.0.14 80 {
    weight 1
  }
}
virtual_server 10.20.0.101 80 {
  protocol TCP
  lb_algo rr
  lb_kind TUN
  real_server 10.20.0.13 80 {
    weight 1
  }
  real_server 10.20.0.14 80 {
    weight 1
  }
}
`);
  const lvsd = LineProcess.start('lvsd', director.name, NODE, [LVSD, '-f', file, '--state-dir', join(dirname(file), 'state')]);
  cleanups.push(() => lvsd.stop());
  await lvsd.waitFor(/lvsd running/, LVSD_START_MS);
  const listing = (await director.run('/usr/sbin/ipvsadm', ['-Ln'])).stdout;
  assert.match(listing, /10\.20\.0\.13:80\s+Route/);
  assert.match(listing, /10\.20\.0\.14:80\s+Tunnel/);

  for (const vip of ['10.20.0.100', '10.20.0.101']) {
    const http = LineProcess.start(`client ${vip}`, client.name, NODE, [CLIENT, `http://${vip}/`, '20']);
    cleanups.push(() => http.stop());
    await until(`replies from both real servers through ${vip}`, 20_000, async () => {
      const bodies = new Set(replies(http).filter((r) => r.ok).map((r) => r.body));
      return bodies.has('dr-rsa') && bodies.has('dr-rsb') ? true : undefined;
    });
    await http.stop();
    assert.deepEqual(replies(http).filter((r) => !r.ok), [], `failed requests through ${vip}`);
  }
  await lvsd.stop();
});
