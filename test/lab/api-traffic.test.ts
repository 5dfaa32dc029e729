// The REST API of a running lvsd with real traffic: a real server added
// through the API gets client requests; a drained one is removed only once
// the connection held on it ends; API objects survive a restart and a kill -9;
// bad requests and missing or wrong tokens leave the kernel table as it was.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Bridge, Netns, connect, requireLab } from '../helpers/lab';
import { LineProcess, LVSD_START_MS, until } from '../helpers/procs';

const ROOT = join(__dirname, '..', '..', '..');
const NODE = process.execPath;
const LVSD = join(ROOT, 'bin', 'lvsd');
const SERVER = join(__dirname, '..', 'helpers', 'http-server.js');
const CLIENT = join(__dirname, '..', 'helpers', 'http-client.js');
const TOKEN = 'lab-token-5f0c2d9e81a7b3c4';
const VS = 'tcp:10.40.0.100:80';

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

interface Reply { ok: boolean; body?: string }
const replies = (p: LineProcess, from = 0): Reply[] =>
  p.lines.slice(from).filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Reply);

test('API real servers carry traffic, drain after their connections, persist, and bad requests change nothing', async () => {
  requireLab();
  const client = await Netns.create('api-client');
  const director = await Netns.create('api-dir');
  const rs1 = await Netns.create('api-rs1');
  const rs2 = await Netns.create('api-rs2');
  const br = await Bridge.create('apibr0');
  cleanups.push(() => br.destroy(), () => client.destroy(), () => director.destroy(), () => rs1.destroy(), () => rs2.destroy());
  await connect(client, 'eth0', '10.40.0.2/24', director, 'eth0', '10.40.0.1/24');
  await director.sh('ip addr add 10.40.0.100/32 dev eth0 && sysctl -qw net.ipv4.ip_forward=1');
  await client.sh('ip route add default via 10.40.0.1');
  await br.attach(director, 'eth1', '192.168.60.1/24');
  for (const [ns, addr] of [[rs1, '192.168.60.11'], [rs2, '192.168.60.12']] as const) {
    await br.attach(ns, 'eth0', `${addr}/24`);
    await ns.sh('ip route add default via 192.168.60.1');
    const p = LineProcess.start(ns.name, ns.name, NODE, [SERVER, ns.name, '8080']);
    cleanups.push(() => p.stop());
    await p.waitFor(/listening/, 20_000);
  }

  const dir = mkdtempSync(join(ROOT, '.lab', 'api-'));
  const file = join(dir, 'keepalived.conf');
  writeFileSync(file, 'virtual_server 10.40.0.100 80 {\n  lb_algo rr\n  lb_kind NAT\n  protocol TCP\n  real_server 192.168.60.11 8080 {\n    weight 1\n  }\n}\n');
  writeFileSync(join(dir, 'token'), `${TOKEN}\n`);
  const args = [LVSD, '-f', file, '--api', '127.0.0.1:7080', '--api-token-file', join(dir, 'token'), '--state-dir', join(dir, 'state'), '--resync', '1'];
  const startLvsd = async (): Promise<LineProcess> => {
    const p = LineProcess.start('lvsd', director.name, NODE, args);
    cleanups.push(() => p.stop());
    await p.waitFor(/REST API listening/, LVSD_START_MS);
    return p;
  };
  let lvsd = await startLvsd();

  const api = async (method: string, path: string, body?: unknown, token: string | null = TOKEN): Promise<{ status: number; json: any }> => {
    const curl = ['-s', '-X', method, '-w', '\n%{http_code}', `http://127.0.0.1:7080${path}`];
    if (token !== null) curl.push('-H', `Authorization: Bearer ${token}`);
    if (body !== undefined) curl.push('-H', 'Content-Type: application/json', '--data-binary', typeof body === 'string' ? body : JSON.stringify(body));
    const out = (await director.run('/usr/bin/curl', curl)).stdout;
    const nl = out.lastIndexOf('\n');
    const text = out.slice(0, nl);
    return { status: Number(out.slice(nl + 1)), json: text ? JSON.parse(text) : undefined };
  };
  const table = async () => (await director.run('/usr/sbin/ipvsadm', ['-Sn'])).stdout;
  const servers = `/v1/services/${encodeURIComponent(VS)}/servers`;

  // Added through the API while a client sends requests: the client reaches it.
  const http = LineProcess.start('client', client.name, NODE, [CLIENT, 'http://10.40.0.100/', '50']);
  cleanups.push(() => http.stop());
  await until('replies from rs1', 20_000, async () => (replies(http).some((r) => r.ok && r.body === 'api-rs1') ? true : undefined));
  const added = await api('POST', servers, { address: '192.168.60.12', port: 8080, weight: 1, forward: 'nat', check: { kind: 'TCP_CHECK', delayLoop: 1, connectTimeout: 1 } });
  assert.equal(added.status, 201, JSON.stringify(added.json));
  let mark = http.lines.length;
  await until('a reply from the API real server', 20_000, async () => (replies(http, mark).some((r) => r.ok && r.body === 'api-rs2') ? true : undefined));
  assert.deepEqual(replies(http, mark).filter((r) => !r.ok), []);
  const shown = await api('GET', `${servers}/192.168.60.12:8080`);
  assert.equal(shown.json.origin, 'api');
  assert.ok(shown.json.connections.active + shown.json.connections.inactive > 0, JSON.stringify(shown.json));
  assert.equal(shown.json.health.checks[0].kind, 'TCP_CHECK');
  // The kernel's counters and the checks' verdicts in /metrics, as Prometheus reads them. The kernel
  // sums its counters every 2 s: until then a new real server's read 0.
  await until('a result of the API server\'s check', 10_000, async () => ((await api('GET', `${servers}/192.168.60.12:8080`)).json.health.checks[0].last ? true : undefined));
  let metrics = '';
  const sample = (re: RegExp): number => {
    const m = re.exec(metrics);
    assert.ok(m, `${re} in /metrics:\n${metrics.slice(0, 2000)}`);
    return Number(m[1]);
  };
  // The value of one series of the API's real server (extra: labels after service and server).
  const ofApiServer = (name: string, extra = ''): number => {
    const labels = `service="tcp:10.40.0.100:80",server="192.168.60.12:8080"${extra}`.replace(/[.{}]/g, '\\$&');
    return sample(new RegExp(`^${name}\\{${labels}\\} ([\\d.e+-]+)$`, 'm'));
  };
  await until('connections of the API server counted in /metrics', 10_000, async () => {
    metrics = (await director.run('/usr/bin/curl', ['-s', 'http://127.0.0.1:7080/metrics'])).stdout;
    return ofApiServer('lvsd_connections_total') > 0 ? true : undefined;
  });
  assert.ok(sample(/^node_ipvs_connections_total (\d+)$/m) > 0);
  assert.equal(sample(/^node_ipvs_backend_weight\{local_address="10\.40\.0\.100",local_port="80",remote_address="192\.168\.60\.12",remote_port="8080",proto="TCP",local_mark=""\} (\d+)$/m), 1);
  assert.ok(ofApiServer('lvsd_incoming_packets_total') > 0);
  assert.ok(ofApiServer('lvsd_outgoing_bytes_total') > 0);
  assert.equal(ofApiServer('lvsd_backend_up'), 1);
  assert.ok(ofApiServer('lvsd_check_latency_seconds', ',check="TCP_CHECK#1"') >= 0);

  // Bad requests and missing or wrong tokens: the kernel table stays as it was.
  const before = await table();
  const refused: [string, string, unknown, string | null, number][] = [
    ['POST', servers, { address: '192.168.60.13', port: 8080 }, null, 401],
    ['POST', servers, { address: '192.168.60.13', port: 8080 }, 'wrong-token-000000000000', 401],
    ['DELETE', `${servers}/192.168.60.12:8080`, undefined, null, 401],
    ['PATCH', `${servers}/192.168.60.11:8080`, { weight: 5 }, 'wrong-token-000000000000', 401],
    ['POST', '/v1/reload', undefined, null, 401],
    ['POST', servers, { address: '192.168.60.13', port: 8080, weight: 3000000000 }, TOKEN, 400],
    ['POST', servers, { address: '192.168.60.13', port: 8080, colour: 'red' }, TOKEN, 400],
    ['POST', servers, { address: '192.168.60.300', port: 8080 }, TOKEN, 400],
    ['POST', servers, '{"address": "192.168.60.13", ', TOKEN, 400],
    ['POST', servers, { address: '192.168.60.13', port: 8080, check: { kind: 'HTTP_GET' } }, TOKEN, 400],
    ['POST', servers, { address: '224.1.2.3', port: 8080, forward: 'nat' }, TOKEN, 422],
    ['POST', servers, { address: '192.168.60.11', port: 8080 }, TOKEN, 409],
    ['POST', '/v1/services', { protocol: 'tcp', address: '10.40.0.100', port: 81, scheduler: 'nosuchsched' }, TOKEN, 422],
    ['PATCH', `${servers}/192.168.60.12:8080`, {}, TOKEN, 400],
  ];
  for (const [method, path, body, token, status] of refused) {
    const r = await api(method, path, body, token);
    assert.equal(r.status, status, `${method} ${path} ${JSON.stringify(body)}: ${JSON.stringify(r.json)}`);
    assert.equal(typeof r.json.error, 'string');
  }
  assert.equal(await table(), before);

  // Reload through the API: a bare POST answers once the file is applied; a
  // broken file is refused with its file:line, and the running table stays.
  const reloaded = await api('POST', '/v1/reload');
  assert.deepEqual([reloaded.status, reloaded.json], [200, { status: 'reloaded' }]);
  const good = readFileSync(file, 'utf8');
  writeFileSync(file, good.replace('weight 1', 'weight heavy'));
  const broken = await api('POST', '/v1/reload');
  assert.equal(broken.status, 422, JSON.stringify(broken.json));
  assert.match(broken.json.error, /^reload refused, the running configuration stays: .*keepalived\.conf:6: real_server: weight "heavy"/);
  writeFileSync(file, good);
  assert.equal(await table(), before);

  // Drain: rs1 is quiesced (a weight override of a file server), a connection is held on rs2,
  // and rs2 is removed only once that connection ends.
  assert.equal((await api('PATCH', `${servers}/192.168.60.11:8080`, { drain: true })).status, 200);
  await http.stop();
  const held = LineProcess.start('held', client.name, NODE, ['-e',
    "const s = require('net').connect(80, '10.40.0.100', () => { s.write('GET / HTTP/1.1\\r\\nHost: x\\r\\n'); console.log('open'); }); setInterval(() => {}, 1000);"]);
  cleanups.push(() => held.stop());
  await held.waitFor(/open/, 10_000);
  const active = async () => Number(/192\.168\.60\.12:8080\s+\S+\s+\d+\s+(\d+)/.exec((await director.run('/usr/sbin/ipvsadm', ['-Ln', '-t', '10.40.0.100:80'])).stdout)?.[1] ?? -1);
  await until('the held connection counted active', 10_000, async () => ((await active()) === 1 ? true : undefined));
  const drain = await api('DELETE', `${servers}/192.168.60.12:8080?drain=60`);
  assert.equal(drain.status, 202, JSON.stringify(drain.json));
  await new Promise((r) => setTimeout(r, 2500));
  assert.match(await table(), /-a -t 10\.40\.0\.100:80 -r 192\.168\.60\.12:8080 -m -w 0/, 'removed while its connection was open');
  await held.stop();
  await until('the drained server removed', 20_000, async () => (/192\.168\.60\.12/.test(await table()) ? undefined : true));

  // Persistence: added again, then a restart and a kill -9 find it (and the drain of rs1) still there.
  assert.equal((await api('POST', servers, { address: '192.168.60.12', port: 8080, weight: 2, forward: 'nat' })).status, 201);
  const expect = /-a -t 10\.40\.0\.100:80 -r 192\.168\.60\.11:8080 -m -w 0\n-a -t 10\.40\.0\.100:80 -r 192\.168\.60\.12:8080 -m -w 2/;
  assert.match(await table(), expect);
  await lvsd.stop('SIGTERM');
  await director.sh('/usr/sbin/ipvsadm -C');
  lvsd = await startLvsd();
  assert.match(await table(), expect);
  assert.equal((await api('GET', `${servers}/192.168.60.12:8080`)).json.weight, 2);
  assert.equal((await api('PATCH', `${servers}/192.168.60.12:8080`, { weight: 3 })).status, 200);
  await lvsd.stop('SIGKILL');
  await director.sh('/usr/sbin/ipvsadm -C');
  lvsd = await startLvsd();
  assert.match(await table(), /-a -t 10\.40\.0\.100:80 -r 192\.168\.60\.12:8080 -m -w 3/);

  // A damaged state file: lvsd refuses to start, naming it, and leaves the table (API servers included) as it was.
  await lvsd.stop('SIGTERM');
  const kept = await table();
  writeFileSync(join(dir, 'state', 'api-state.json'), '{"version": 1, "services": {');
  const refusedStart = LineProcess.start('lvsd', director.name, NODE, args);
  cleanups.push(() => refusedStart.stop());
  await until('the refused start to exit', 30_000, async () => (refusedStart.exited !== undefined ? true : undefined));
  assert.equal(refusedStart.exited, 1, refusedStart.tail());
  assert.match(refusedStart.tail(), /api-state\.json/);
  assert.equal(await table(), kept);
});
