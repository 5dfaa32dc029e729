// The REST API against an in-memory kernel: services and real servers added,
// changed and removed; refusals (token, bad bodies, kernel) change nothing;
// state survives a restart; drains wait for connections; metrics and docs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DrainWatcher } from '../../src/api/drain';
import { EventLog } from '../../src/api/events';
import { ServiceMutations } from '../../src/api/mutations';
import { STATE_FILE } from '../../src/api/state-file';
import { auth, enc, harness, UNROUTABLE } from './api-fixture';
import { prng } from '../helpers/prng';
import type { ApiDeps } from '../../src/api/server';

const VS = 'tcp:10.0.0.1:80';

test('adds a service and real servers, changes and removes them; the kernel follows', async () => {
  const h = await harness();
  try {
    let r = await h.app.inject({ method: 'POST', url: '/v1/services', headers: auth, payload: { protocol: 'udp', address: 'fd00:0::1', port: 53, scheduler: 'wrr' } });
    assert.equal(r.statusCode, 201, r.body);
    assert.equal(r.json().id, 'udp:[fd00::1]:53');
    assert.equal(r.headers.location, `/v1/services/${enc('udp:[fd00::1]:53')}`);
    r = await h.app.inject({ method: 'POST', url: `/v1/services/${enc('udp:[fd00::1]:53')}/servers`, headers: auth, payload: { address: 'fd00::2', port: 53, weight: 5, forward: 'nat' } });
    assert.equal(r.statusCode, 201, r.body);
    r = await h.app.inject({ method: 'POST', url: `/v1/services/${enc(VS)}/servers`, headers: auth, payload: { address: '192.168.1.12', port: 8080, forward: 'nat', check: { kind: 'TCP_CHECK', delayLoop: 60, warmup: 60 } } });
    assert.equal(r.statusCode, 201, r.body);
    assert.equal(h.kernel.snapshot(), [
      'tcp:10.0.0.1:80 rr [192.168.1.11:8080/3/masq 192.168.1.12:8080/1/masq]',
      'udp:[fd00::1]:53 wrr [[fd00::2]:53/5/masq]',
    ].join('\n'));

    const list = (await h.app.inject({ url: '/v1/services' })).json() as { id: string; origin: string; servers: { id: string; origin: string; health: { state: string; checks: unknown[] } }[] }[];
    const vs = list.find((s) => s.id === VS)!;
    assert.equal(vs.origin, 'file');
    assert.deepEqual(vs.servers.map((s) => [s.id, s.origin, s.health.state]).sort(), [['192.168.1.11:8080', 'file', 'unchecked'], ['192.168.1.12:8080', 'api', 'up']]);
    assert.equal(list.find((s) => s.id === 'udp:[fd00::1]:53')!.origin, 'api');

    // PATCH: the weight of an API server, and the weight of a file server (an override).
    r = await h.app.inject({ method: 'PATCH', url: `/v1/services/${enc(VS)}/servers/192.168.1.12:8080`, headers: auth, payload: { weight: 7 } });
    assert.equal(r.statusCode, 200, r.body);
    r = await h.app.inject({ method: 'PATCH', url: `/v1/services/${enc(VS)}/servers/192.168.1.11:8080`, headers: auth, payload: { drain: true } });
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.json().origin, 'file');
    r = await h.app.inject({ method: 'PATCH', url: `/v1/services/${enc('udp:[fd00::1]:53')}`, headers: auth, payload: { scheduler: 'lc' } });
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(h.kernel.snapshot(), [
      'tcp:10.0.0.1:80 rr [192.168.1.11:8080/0/masq 192.168.1.12:8080/7/masq]',
      'udp:[fd00::1]:53 lc [[fd00::2]:53/5/masq]',
    ].join('\n'));
    const one = (await h.app.inject({ url: `/v1/services/${enc(VS)}/servers/192.168.1.11:8080` })).json();
    assert.equal(one.drained, true);
    assert.equal(one.kernelWeight, 0);
    // One real server is shown as the service's list shows it; one the service does not have is a 404.
    const listed = ((await h.app.inject({ url: `/v1/services/${enc(VS)}/servers` })).json() as { id: string }[]).find((s) => s.id === '192.168.1.12:8080');
    const apiOne = (await h.app.inject({ url: `/v1/services/${enc(VS)}/servers/192.168.1.12:8080` })).json();
    assert.equal(apiOne.origin, 'api');
    assert.equal(apiOne.weight, 7);
    assert.deepEqual(apiOne, listed);
    r = await h.app.inject({ url: `/v1/services/${enc(VS)}/servers/192.168.1.99:8080` });
    assert.equal(r.statusCode, 404);
    assert.equal(r.json().error, 'no real server 192.168.1.99:8080 in tcp:10.0.0.1:80');

    // The file's objects are the file's: the API cannot remove them.
    r = await h.app.inject({ method: 'DELETE', url: `/v1/services/${enc(VS)}`, headers: auth });
    assert.equal(r.statusCode, 409);
    assert.match(r.json().error, /configuration file \(.*keepalived\.conf:2\)/);
    r = await h.app.inject({ method: 'DELETE', url: `/v1/services/${enc(VS)}/servers/192.168.1.11:8080`, headers: auth });
    assert.equal(r.statusCode, 409);
    // Nor add one under a file server's id, with API servers beside it.
    r = await h.app.inject({ method: 'POST', url: `/v1/services/${enc(VS)}/servers`, headers: auth, payload: { address: '192.168.1.11', port: 8080 } });
    assert.equal(r.statusCode, 409, r.body);
    assert.match(r.json().error, /real server 192\.168\.1\.11:8080 of tcp:10\.0\.0\.1:80 is defined in the configuration file/);

    r = await h.app.inject({ method: 'DELETE', url: `/v1/services/${enc(VS)}/servers/192.168.1.12:8080`, headers: auth });
    assert.equal(r.statusCode, 204);
    r = await h.app.inject({ method: 'DELETE', url: `/v1/services/${enc('udp:[fd00::1]:53')}`, headers: auth });
    assert.equal(r.statusCode, 204);
    assert.equal(h.kernel.snapshot(), 'tcp:10.0.0.1:80 rr [192.168.1.11:8080/0/masq]');
    r = await h.app.inject({ url: `/v1/services/${enc('udp:[fd00::1]:53')}` });
    assert.equal(r.statusCode, 404);
  } finally {
    await h.close();
  }
});

test('without the right token, and with bad bodies or ids, nothing changes', async () => {
  const h = await harness();
  try {
    const before = h.kernel.snapshot();
    const stateBefore = JSON.stringify(h.store.state);
    const server = `/v1/services/${enc(VS)}/servers`;
    const cases: { headers?: Record<string, string>; method: 'POST' | 'PATCH' | 'DELETE'; url: string; payload?: unknown; status: number; match: RegExp }[] = [
      { method: 'POST', url: server, payload: { address: '192.168.1.20', port: 80 }, status: 401, match: /Bearer/ },
      { headers: { authorization: 'Bearer wrong-token-0123456789' }, method: 'POST', url: server, payload: { address: '192.168.1.20', port: 80 }, status: 401, match: /Bearer/ },
      { headers: { authorization: 'Basic abc' }, method: 'DELETE', url: `${server}/192.168.1.11:8080`, status: 401, match: /Bearer/ },
      { method: 'POST', url: server, payload: { address: '192.168.1.20', port: 80, weight: 3000000000 }, status: 400, match: /^weight: must be <= 2147483647/ },
      { method: 'POST', url: server, payload: { address: '192.168.1.20', port: '80' }, status: 400, match: /^port: must be integer/ },
      { method: 'POST', url: server, payload: { address: '192.168.1.20' }, status: 400, match: /^port: is required/ },
      { method: 'POST', url: server, payload: { address: '192.168.1.20', port: 80, wieght: 2 }, status: 400, match: /^wieght: is not a known field/ },
      { method: 'POST', url: server, payload: { address: 'not-an-ip', port: 80 }, status: 400, match: /^address: "not-an-ip" is not an IP address/ },
      { method: 'POST', url: server, payload: { address: 'fd00::9', port: 80 }, status: 400, match: /^address: .*needs forward "tun"/ },
      { method: 'POST', url: server, payload: { address: '192.168.1.20', port: 80, forward: 'dr', tunnel: { type: 'ipip' } }, status: 400, match: /^tunnel: only a server with forward "tun"/ },
      { method: 'POST', url: server, payload: { address: '192.168.1.20', port: 80, check: { kind: 'HTTP_GET' } }, status: 400, match: /^check: HTTP_GET of 192\.168\.1\.20:80: needs at least one url/ },
      { method: 'POST', url: server, payload: { address: '192.168.1.20', port: 80, check: { kind: 'NOPE' } }, status: 400, match: /^check\.kind: / },
      { method: 'POST', url: server, payload: { address: '192.168.1.20', port: 80, check: { kind: 'HTTP_GET', urls: [{ path: '/', regex: 'up(' }] } }, status: 400, match: /^check: HTTP_GET of 192\.168\.1\.20:80: url #1: regex "up\(" is not a regular expression/ },
      { method: 'POST', url: server, payload: { address: '192.168.1.20', port: 80, check: { kind: 'SMTP_CHECK', heloName: 'two words' } }, status: 400, match: /^check: SMTP_CHECK of 192\.168\.1\.20:80: helo_name must be one word/ },
      { method: 'POST', url: server, payload: { address: '192.168.1.20', port: 80, check: { kind: 'MISC_CHECK', miscPath: '/bin/true' } }, status: 400, match: /^check\.(kind|miscPath): / },
      { method: 'POST', url: server, payload: { address: '192.168.1.20', port: 80, check: { kind: 'HTTP_GET', virtualhost: 'a\r\nX-Injected: 1', urls: [{ path: '/' }] } }, status: 400, match: /^check: HTTP_GET of 192\.168\.1\.20:80: virtualhost must be one word/ },
      { method: 'POST', url: server, payload: { address: '192.168.1.20', port: 80, check: { kind: 'HTTP_GET', urls: [{ path: '/', virtualhost: 'b\nX: 2' }] } }, status: 400, match: /url #1: virtualhost must be one word/ },
      { method: 'POST', url: server, payload: { address: '192.168.1.20', port: 80, check: { kind: 'HTTP_GET', urls: [{ path: '/' }, { path: '/x', regexNoMatch: true }] } }, status: 400, match: /^check\.urls\[1\]\.regexNoMatch: applies to a url with a regex only/ },
      { method: 'POST', url: server, payload: { address: '192.168.1.20', port: 80, check: { kind: 'TCP_CHECK', delayLoop: 0 } }, status: 400, match: /delay_loop must be at least 0\.001 seconds/ },
      { method: 'POST', url: server, payload: { address: '192.168.1.20', port: 80, lowerThreshold: 5 }, status: 400, match: /^lowerThreshold: 5 is above upperThreshold 0/ },
      { method: 'POST', url: server, payload: { address: '192.168.1.20', port: 80, upperThreshold: 0, lowerThreshold: 1 }, status: 400, match: /^lowerThreshold: 1 is above upperThreshold 0/ },
      { method: 'POST', url: server, payload: { address: 'fe80::1%eth0', port: 80, forward: 'tun' }, status: 400, match: /^address: "fe80::1%eth0" is not an IP address/ },
      { method: 'POST', url: server, payload: { address: '010.0.0.204', port: 80 }, status: 400, match: /^address: "010\.0\.0\.204" is not an IP address/ },
      { method: 'POST', url: server, payload: { address: '192.168.1.20', port: 80, forward: 'tun', tunnel: { type: 'ipip', checksum: 'csum' } }, status: 400, match: /^tunnel\.checksum: an IPIP tunnel has no checksum options/ },
      { method: 'POST', url: server, payload: { address: '192.168.1.20', port: 80, forward: 'tun', tunnel: { type: 'gre', checksum: 'remcsum' } }, status: 400, match: /^tunnel\.checksum: a GRE tunnel does not support remcsum/ },
      { method: 'POST', url: '/v1/services', payload: { protocol: 'tcp', address: 'fe80::1%lo', port: 80 }, status: 400, match: /^address: "fe80::1%lo" is not an IP address/ },
      { method: 'DELETE', url: `${server}/${enc('[192.168.1.11]:8080')}`, status: 400, match: /in brackets must be IPv6/ },
      { method: 'POST', url: server, payload: { address: '192.168.1.11', port: 8080 }, status: 409, match: /defined in the configuration file/ },
      { method: 'POST', url: server, payload: { address: UNROUTABLE, port: 80 }, status: 422, match: /the kernel refused 1 change\(s\).*EINVAL/ },
      { method: 'POST', url: '/v1/services', payload: { protocol: 'tcp', address: '10.0.0.9', port: 80, scheduler: 'nosuch' }, status: 422, match: /ENOENT/ },
      { method: 'POST', url: '/v1/services', payload: { id: 'tcp:10.0.0.9:80', port: 80 }, status: 400, match: /^port: give either id/ },
      { method: 'POST', url: '/v1/services', payload: { id: 'tcp:10.0.0.9:99999' }, status: 400, match: /^id: port 99999 is out of range/ },
      { method: 'POST', url: '/v1/services', payload: { protocol: 'tcp', address: '10.0.0.9', port: 80, ops: true }, status: 400, match: /^ops: one-packet scheduling is for UDP/ },
      { method: 'POST', url: '/v1/services', payload: '{"protocol": "tcp",', status: 400, match: /JSON/ },
      { method: 'POST', url: '/v1/services', payload: '', status: 400, match: /^body: must be object/ },
      { method: 'POST', url: '/v1/services', payload: '{"__proto__": {"x": 1}}', status: 400, match: /not valid JSON/ },
      { method: 'PATCH', url: `${server}/192.168.1.11:8080`, payload: {}, status: 400, match: /must NOT have fewer than 1 properties/ },
      { method: 'PATCH', url: `${server}/192.168.1.99:8080`, payload: { weight: 1 }, status: 404, match: /no real server 192\.168\.1\.99:8080/ },
      { method: 'DELETE', url: `/v1/services/${enc('tcp:10.0.0.1:http')}/servers/192.168.1.11:8080`, status: 400, match: /^service id: / },
      { method: 'DELETE', url: `${server}/192.168.1.11:8080?drain=soon`, status: 400, match: /^querystring\.drain: must match pattern/ },
    ];
    for (const c of cases) {
      const headers = { ...(c.payload !== undefined ? { 'content-type': 'application/json' } : {}), ...(c.headers ?? (c.status === 401 ? {} : auth)) };
      const r = await h.app.inject({ method: c.method, url: c.url, headers, ...(c.payload !== undefined ? { payload: typeof c.payload === 'string' ? c.payload : JSON.stringify(c.payload) } : {}) });
      assert.equal(r.statusCode, c.status, `${c.method} ${c.url} ${JSON.stringify(c.payload)}: ${r.body}`);
      assert.match(r.json().error, c.match, `${c.method} ${c.url} ${JSON.stringify(c.payload)}`);
      assert.equal(h.kernel.snapshot(), before, `${c.method} ${c.url} ${JSON.stringify(c.payload)} changed the kernel`);
      assert.equal(JSON.stringify(h.store.state), stateBefore, `${c.method} ${c.url} changed the API state`);
    }
  } finally {
    await h.close();
  }
});

test('the API state survives a restart, the file wins on conflict, and a reload keeps the API objects', async () => {
  const first = await harness();
  let r = await first.app.inject({ method: 'POST', url: `/v1/services/${enc(VS)}/servers`, headers: auth, payload: { address: '192.168.1.12', port: 8080, weight: 4, forward: 'nat' } });
  assert.equal(r.statusCode, 201);
  r = await first.app.inject({ method: 'PATCH', url: `/v1/services/${enc(VS)}/servers/192.168.1.11:8080`, headers: auth, payload: { weight: 9 } });
  assert.equal(r.statusCode, 200);
  r = await first.app.inject({ method: 'POST', url: '/v1/services', headers: auth, payload: { fwmark: 7, family: 'inet6' } });
  assert.equal(r.statusCode, 201);
  assert.equal(r.json().id, 'fwm6:7');
  await first.close();
  const saved = JSON.parse(readFileSync(join(first.stateDir, STATE_FILE), 'utf8'));
  assert.equal(saved.servers[VS]['192.168.1.12:8080'].weight, 4);

  // A new daemon on an empty kernel, with a file that now defines 192.168.1.12 itself.
  const second = await harness({
    stateDir: first.stateDir,
    config: `virtual_server 10.0.0.1 80 {\n  lb_algo rr\n  lb_kind NAT\n  protocol TCP\n  real_server 192.168.1.11 8080 {\n    weight 3\n  }\n  real_server 192.168.1.12 8080 {\n    weight 2\n  }\n}\n`,
  });
  try {
    assert.equal(second.kernel.snapshot(), ['fwm6:7 wlc []', 'tcp:10.0.0.1:80 rr [192.168.1.11:8080/9/masq 192.168.1.12:8080/2/masq]'].join('\n'));
    assert.deepEqual(second.director.effectiveConfig?.shadowed, [`real server 192.168.1.12:8080 of ${VS}`]);
    // A reload of the same file keeps the API's objects in the table.
    await second.director.load(second.director.running!, 'reload');
    assert.equal(second.kernel.snapshot(), ['fwm6:7 wlc []', 'tcp:10.0.0.1:80 rr [192.168.1.11:8080/9/masq 192.168.1.12:8080/2/masq]'].join('\n'));
  } finally {
    await second.close();
  }
});

test('a damaged state file is refused with its name', async () => {
  const h = await harness();
  await h.close();
  mkdirSync(h.stateDir, { recursive: true });
  writeFileSync(join(h.stateDir, STATE_FILE), '{"version": 1, "services": ');
  await assert.rejects(harness({ stateDir: h.stateDir }), /api-state\.json: not JSON/);
});

test('DELETE ?drain quiesces, and removes once the kernel counts no active connection', async () => {
  const h = await harness();
  try {
    const url = `/v1/services/${enc(VS)}/servers`;
    assert.equal((await h.app.inject({ method: 'POST', url, headers: auth, payload: { address: '192.168.1.12', port: 8080, weight: 2, forward: 'nat' } })).statusCode, 201);
    h.kernel.active.set(`${VS} 192.168.1.12:8080`, 3);
    const r = await h.app.inject({ method: 'DELETE', url: `${url}/192.168.1.12:8080?drain=60`, headers: auth });
    assert.equal(r.statusCode, 202, r.body);
    assert.ok(r.json().removeBy > Date.now());
    assert.match(h.kernel.snapshot(), /192\.168\.1\.12:8080\/0\/masq/);
    const events = new EventLog();
    const watcher = new DrainWatcher(h.store, h.kernel, new ServiceMutations(h.director, h.store, events), { error() {} }, events);
    await watcher.tick();
    assert.match(h.kernel.snapshot(), /192\.168\.1\.12:8080\/0/, 'removed while connections were active');
    h.kernel.active.set(`${VS} 192.168.1.12:8080`, 0);
    await watcher.tick();
    assert.equal(h.kernel.snapshot(), 'tcp:10.0.0.1:80 rr [192.168.1.11:8080/3/masq]');
    assert.match(events.recent().map((e) => e.text).join('\n'), /192\.168\.1\.12:8080 removed .*no active connection left/);
  } finally {
    await h.close();
  }
});

test('the drain watcher knows every drain: from the saved state after a restart, none left by a deleted service or a drain taken back', async () => {
  const svc = { protocol: 'tcp', address: '10.0.0.9', port: 80, scheduler: 'rr' };
  const first = await harness();
  let stateDir: string;
  try {
    stateDir = first.stateDir;
    assert.equal((await first.app.inject({ method: 'POST', url: '/v1/services', headers: auth, payload: svc })).statusCode, 201);
    for (const [sid, address] of [[VS, '192.168.1.12'], [VS, '192.168.1.13'], ['tcp:10.0.0.9:80', '192.168.1.14']] as const) {
      const url = `/v1/services/${enc(sid)}/servers`;
      assert.equal((await first.app.inject({ method: 'POST', url, headers: auth, payload: { address, port: 8080, forward: 'nat' } })).statusCode, 201);
      assert.equal((await first.app.inject({ method: 'DELETE', url: `${url}/${address}:8080?drain=60`, headers: auth })).statusCode, 202);
    }
    assert.deepEqual(first.store.draining().map((d) => `${d.sid} ${d.rid}`).sort(), [`${VS} 192.168.1.12:8080`, `${VS} 192.168.1.13:8080`, 'tcp:10.0.0.9:80 192.168.1.14:8080']);
  } finally {
    await first.close();
  }
  const h = await harness({ stateDir });
  try {
    assert.deepEqual(h.store.draining().map((d) => `${d.sid} ${d.rid}`).sort(), [`${VS} 192.168.1.12:8080`, `${VS} 192.168.1.13:8080`, 'tcp:10.0.0.9:80 192.168.1.14:8080']);
    assert.ok(h.store.draining().every((d) => d.by > Date.now()));
    assert.equal((await h.app.inject({ method: 'DELETE', url: `/v1/services/${enc('tcp:10.0.0.9:80')}`, headers: auth })).statusCode, 204);
    assert.equal((await h.app.inject({ method: 'DELETE', url: `/v1/services/${enc(VS)}/servers/192.168.1.13:8080`, headers: auth })).statusCode, 204);
    assert.deepEqual(h.store.draining().map((d) => `${d.sid} ${d.rid}`), [`${VS} 192.168.1.12:8080`]);
    const events = new EventLog();
    const watcher = new DrainWatcher(h.store, h.kernel, new ServiceMutations(h.director, h.store, events), { error() {} }, events);
    await watcher.tick();
    assert.deepEqual(h.store.draining(), [], 'no active connection: the drain is over');
    assert.equal(h.kernel.snapshot(), 'tcp:10.0.0.1:80 rr [192.168.1.11:8080/3/masq]');
  } finally {
    await h.close();
  }
});

test('concurrent changes are committed together, and one refused change does not sink the others', async () => {
  const h = await harness();
  try {
    const url = `/v1/services/${enc(VS)}/servers`;
    const replies = await Promise.all([
      ...Array.from({ length: 20 }, (_, i) => h.app.inject({ method: 'POST', url, headers: auth, payload: { address: `192.168.2.${i + 1}`, port: 80, forward: 'nat' } })),
      h.app.inject({ method: 'POST', url, headers: auth, payload: { address: UNROUTABLE, port: 80, forward: 'nat' } }),
    ]);
    assert.deepEqual(replies.map((r) => r.statusCode), [...Array(20).fill(201), 422]);
    assert.equal(Object.keys(h.store.state.servers[VS]!).length, 20);
    assert.equal(h.kernel.table.get(VS)!.servers.size, 21);
  } finally {
    await h.close();
  }
});

test('metrics use node_exporter names; /docs, /healthz and /v1/vrrp answer', async () => {
  const h = await harness();
  try {
    h.kernel.conns = 42n;
    h.vrrp.push({ name: 'VI_1', state: 'MASTER', effectivePriority: 100, transitions: 2 } as never);
    const m = (await h.app.inject({ url: '/metrics' })).body;
    assert.match(m, /^node_ipvs_connections_total 42$/m);
    assert.match(m, /^node_ipvs_backend_weight\{local_address="10\.0\.0\.1",local_port="80",remote_address="192\.168\.1\.11",remote_port="8080",proto="TCP",local_mark=""\} 3$/m);
    assert.match(m, /^lvsd_backend_up\{service="tcp:10\.0\.0\.1:80",server="192\.168\.1\.11:8080"\} 1$/m);
    assert.match(m, /^lvsd_vrrp_state\{instance="VI_1",state="MASTER"\} 1$/m);
    assert.match(m, /^lvsd_vrrp_transitions_total\{instance="VI_1"\} 2$/m);
    const docs = await h.app.inject({ url: '/docs/json' });
    assert.equal(docs.statusCode, 200);
    assert.ok(docs.json().paths['/v1/services/{id}/servers/{server}'].delete);
    assert.equal((await h.app.inject({ url: '/docs/' })).statusCode, 200);
    assert.deepEqual((await h.app.inject({ url: '/healthz' })).json(), { status: 'ok' });
    assert.equal((await h.app.inject({ url: '/v1/vrrp' })).json()[0].name, 'VI_1');
    const page = await h.app.inject({ url: '/' });
    assert.match(page.headers['content-type'] as string, /text\/html/);
    assert.doesNotMatch(page.body, /https?:\/\//, 'the status page must not load anything from elsewhere');
  } finally {
    await h.close();
  }
});

test('a scrape fills and formats its large families on turns of the event loop of their own, letting other work run between them', async () => {
  const h = await harness();
  try {
    // Each turn the loop takes during the scrape runs this once more (timers and I/O get the same turns).
    let turns = 0;
    let on = true;
    const tick = (): void => {
      turns++;
      if (on) setImmediate(tick);
    };
    setImmediate(tick);
    const m = await h.app.inject({ url: '/metrics' });
    on = false;
    assert.match(m.body, /^lvsd_connections_total\{service="tcp:10\.0\.0\.1:80",server="192\.168\.1\.11:8080"\} \d+$/m);
    // 3 backend families, 10 per-server counter and rate families, up and check latency: 15 turns at least.
    assert.ok(turns >= 15, `the loop turned ${turns} times during the scrape`);
  } finally {
    await h.close();
  }
});

test('large replies are gzipped for a client that takes it, the same text; small ones and other clients get it plain', async () => {
  const servers = Array.from({ length: 200 }, (_, i) => `  real_server 192.168.${1 + (i >> 7)}.${(i & 127) + 1} 8080 {\n    weight 1\n  }\n`).join('');
  const h = await harness({ config: `virtual_server 10.0.0.1 80 {\n  lb_algo rr\n  lb_kind NAT\n  protocol TCP\n${servers}}\n` });
  try {
    const plain = await h.app.inject({ url: '/metrics' });
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.ok(plain.body.length > 64 * 1024, `${plain.body.length} characters`);
    const zipped = await h.app.inject({ url: '/metrics', headers: { 'accept-encoding': 'br, gzip;q=0.8' } });
    assert.equal(zipped.headers['content-encoding'], 'gzip');
    assert.equal(zipped.headers.vary, 'accept-encoding');
    assert.match(zipped.headers['content-type'] as string, /^text\/plain; version=0\.0\.4/);
    assert.equal(gunzipSync(zipped.rawPayload).toString(), plain.body);
    assert.ok(zipped.rawPayload.length < plain.body.length / 5, `${zipped.rawPayload.length} bytes gzipped`);
    // The status of the same table, as JSON.
    const status = await h.app.inject({ url: '/v1/services', headers: { 'accept-encoding': 'gzip' } });
    assert.equal(status.headers['content-encoding'], 'gzip');
    assert.equal((JSON.parse(gunzipSync(status.rawPayload).toString()) as { servers: unknown[] }[])[0]!.servers.length, 200);
    assert.equal((await h.app.inject({ url: '/metrics', headers: { 'accept-encoding': 'gzip;q=0, identity' } })).headers['content-encoding'], undefined);
    assert.equal((await h.app.inject({ url: '/healthz', headers: { 'accept-encoding': 'gzip' } })).headers['content-encoding'], undefined);
    // A file of the /docs pages keeps its own length.
    const file = await h.app.inject({ url: '/docs/static/swagger-ui.css', headers: { 'accept-encoding': 'gzip' } });
    assert.equal(file.statusCode, 200);
    assert.equal(Number(file.headers['content-length']), file.rawPayload.length);
    assert.equal(file.headers['content-encoding'], undefined);
  } finally {
    await h.close();
  }
});

test('POST /v1/reload, bare or with an empty body, answers once the file is applied, or 422 with the reason it was refused', async () => {
  const outcomes: Awaited<ReturnType<ApiDeps['reload']>>[] = [{ applied: true }, { applied: false, reason: 'keepalived.conf:3: virtual_server: bad address' }];
  const h = await harness({ reload: async () => outcomes.shift()! });
  try {
    const applied = await h.app.inject({ method: 'POST', url: '/v1/reload', headers: auth });
    assert.equal(applied.statusCode, 200, applied.body);
    assert.deepEqual(applied.json(), { status: 'reloaded' });
    // With an empty JSON body too, as some clients send.
    const refused = await h.app.inject({ method: 'POST', url: '/v1/reload', headers: { ...auth, 'content-type': 'application/json' }, payload: '{}' });
    assert.equal(refused.statusCode, 422);
    assert.deepEqual(refused.json(), { error: 'reload refused, the running configuration stays: keepalived.conf:3: virtual_server: bad address' });
    assert.equal((await h.app.inject({ method: 'POST', url: '/v1/reload' })).statusCode, 401, 'no token, no reload');
    assert.equal(outcomes.length, 0);
  } finally {
    await h.close();
  }
});

test('random requests never get a 5xx, and a refused one leaves the kernel table as it was', async () => {
  const rand = prng(3);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const values: unknown[] = [null, true, false, 0, -1, 1, 1.5, 65535, 65536, 2 ** 32, 2 ** 53, '', 'x', '10.0.0.9', 'fd00::9', '::ffff:10.0.0.1',
    '10.0.0.1:80', 'nat', 'dr', 'tun', 'rr', 'mh', 'sh-port', [], {}, [1], { type: 'gue' }, { type: 'gue', port: 0 }, { type: 'ipip', checksum: 'csum' },
    '\u0000', 'a'.repeat(5000), { kind: 'tcp' }, { kind: 'http', path: '/', status: [200] }, { kind: 'http', urls: [{ path: '/', regex: '(' }] }];
  const fields = ['address', 'port', 'weight', 'forward', 'tunnel', 'upperThreshold', 'lowerThreshold', 'inhibitOnFailure', 'check', 'drain',
    'protocol', 'scheduler', 'schedulerFlags', 'ops', 'persistence', 'fwmark', 'family', '__proto__', 'constructor', 'x'];
  const services = ['tcp:10.0.0.1:80', 'tcp:10.0.0.2:80', 'udp:[fd00::1]:53', 'fwm:7', 'fwm6:7', 'bogus', 'tcp:10.0.0.1', 'tcp:999.0.0.1:80', '%'];
  const servers = ['192.168.1.11:8080', '10.0.0.9:80', '[fd00::2]:80', 'x', '192.168.1.11'];
  const body = (): string => {
    if (rand() < 0.1) return pick(['', 'null', '[]', '{', '"x"', '{"a":1}{"b":2}']);
    const o: Record<string, unknown> = rand() < 0.5 ? pick<Record<string, unknown>>([
      { address: `10.0.0.${Math.floor(rand() * 255)}`, port: 80, weight: 1, forward: 'nat' },
      { protocol: 'tcp', address: `10.0.0.${Math.floor(rand() * 9)}`, port: 80, scheduler: 'rr' },
      { weight: Math.floor(rand() * 5) }, { drain: rand() < 0.5 }, { fwmark: Math.floor(rand() * 9), family: pick(['inet', 'inet6']), scheduler: 'wrr' },
    ]) : {};
    for (let n = Math.floor(rand() * 4); n > 0; n--) o[pick(fields)] = pick(values);
    return JSON.stringify(o);
  };
  const tableText = (h: Awaited<ReturnType<typeof harness>>): string =>
    JSON.stringify([...h.kernel.table].map(([id, e]) => [id, [...e.servers].map(([rid, rs]) => [rid, rs.weight]).sort()]).sort());
  const h = await harness();
  try {
    const statuses = new Map<number, number>();
    for (let i = 0; i < 1500; i++) {
      const method = pick(['GET', 'POST', 'PATCH', 'DELETE', 'PUT'] as const);
      const sid = enc(pick(services));
      const rid = enc(pick(servers));
      const url = pick([`/v1/services`, `/v1/services/${sid}`, `/v1/services/${sid}/servers`, `/v1/services/${sid}/servers/${rid}`,
        `/v1/services/${sid}/servers/${rid}?drain=${pick(['0', '-1', 'x', '1e9', '0.5'])}`, '/v1/vrrp', '/healthz', '/v1/status']);
      const headers = { ...(rand() < 0.9 ? auth : {}), 'content-type': pick(['application/json', 'application/json', 'text/plain']) };
      const payload = method === 'GET' || method === 'DELETE' ? undefined : body();
      const before = tableText(h);
      const r = await h.app.inject({ method, url, headers, ...(payload !== undefined ? { payload } : {}) });
      statuses.set(r.statusCode, (statuses.get(r.statusCode) ?? 0) + 1);
      const what = `${method} ${decodeURIComponent(url)} ${payload ?? ''}: ${r.statusCode} ${r.body.slice(0, 300)}`;
      assert.ok(r.statusCode < 500, what);
      if (r.statusCode >= 400) assert.equal(tableText(h), before, what);
    }
    for (const s of [200, 201, 400, 401, 404]) assert.ok(statuses.has(s), `${s} among ${JSON.stringify([...statuses])}`);
  } finally {
    await h.close();
  }
});
