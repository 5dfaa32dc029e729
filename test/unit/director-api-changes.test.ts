// REST API changes reach the kernel as changes to the rows of the services
// they touch: after each, the kernel holds exactly the table a full build of
// the effective configuration gives, and quorum comes and goes as it would.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { realServerId, serviceId } from '../../src/director/ids';
import type { TableEntry } from '../../src/director/diff';
import { auth, BASE_CONFIG, enc, FakeKernel, harness, type Harness } from './api-fixture';
import { loadConfigText } from '../helpers/config-text';
import { IpvsError } from '../../src/ipvs/errors';
import type { IpvsOp } from '../../src/ipvs/client';

const CONFIG = `
virtual_server 10.0.0.1 80 {
  lb_algo rr
  lb_kind NAT
  protocol TCP
  quorum 3
  real_server 192.168.1.11 8080 {
    weight 1
  }
}
virtual_server 10.0.0.2 80 {
  lb_algo rr
  lb_kind NAT
  protocol TCP
  quorum 2
  sorry_server 192.168.9.9 80
}
`;

function rows(table: TableEntry[]): string {
  return table.map((e) => `${serviceId(e.service)} [${e.realServers.map((r) => `${realServerId(r)}/${r.weight}`).sort().join(' ')}]`).sort().join('\n');
}

function kernelRows(h: Harness): string {
  return rows([...h.kernel.table.values()].map((e) => ({ service: e.service, realServers: [...e.servers.values()] })));
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

/** A kernel that refuses (ENOMEM) every batch holding an operation `refused` picks. */
function refusingKernel(refused: (op: IpvsOp) => boolean): FakeKernel {
  const kernel = new FakeKernel();
  const apply = kernel.apply.bind(kernel);
  kernel.apply = async (ops) => (ops.some(refused)
    ? ops.map((op) => ({ ok: false as const, error: new IpvsError({ errno: 12, command: op.op, target: JSON.stringify(op) }) }))
    : apply(ops));
  return kernel;
}

const addsService = (ids: ReadonlySet<string>) => (op: IpvsOp): boolean => op.op === 'addService' && ids.has(serviceId(op.service));

/** A state directory holding what these POSTs to the API saved (each answered 201). */
async function savedState(posts: { url: string; payload: object }[]): Promise<string> {
  const first = await harness();
  try {
    for (const { url, payload } of posts) {
      const r = await first.app.inject({ method: 'POST', url, headers: auth, payload });
      assert.equal(r.statusCode, 201, r.body);
    }
  } finally {
    await first.close();
  }
  return first.stateDir;
}

const newService = (address: string) => ({ url: '/v1/services', payload: { protocol: 'tcp', address, port: 80, scheduler: 'rr' } });

test('API changes to real servers leave the kernel as a full build would, and move quorum', async () => {
  const h = await harness({ config: CONFIG });
  const quorum: string[] = [];
  h.director.on('quorum', (q) => quorum.push(`${q.virtualServer} ${q.up ? 'up' : 'down'}`));
  try {
    const change = async (method: 'POST' | 'PATCH' | 'DELETE', vs: string, path: string, payload?: object, status = method === 'POST' ? 201 : method === 'DELETE' ? 204 : 200) => {
      const r = await h.app.inject({ method, url: `/v1/services/${enc(vs)}/servers${path}`, headers: auth, ...(payload ? { payload } : {}) });
      assert.equal(r.statusCode, status, r.body);
      assert.equal(kernelRows(h), rows(h.director.desiredTable()), `${method} ${vs}${path}`);
      await settle();
    };
    const A = 'tcp:10.0.0.1:80';
    const B = 'tcp:10.0.0.2:80';
    await change('POST', A, '', { address: '192.168.1.12', port: 8080, weight: 1, forward: 'nat' });
    assert.deepEqual(quorum, []);
    await change('POST', A, '', { address: '192.168.1.13', port: 8080, weight: 1, forward: 'nat' });
    assert.deepEqual(quorum, ['TCP 10.0.0.1:80 up']);
    await change('PATCH', A, '/192.168.1.13:8080', { weight: 5 });
    await change('PATCH', A, '/192.168.1.11:8080', { drain: true });
    await change('PATCH', A, '/192.168.1.13:8080', { drain: true });
    assert.deepEqual(quorum, ['TCP 10.0.0.1:80 up', 'TCP 10.0.0.1:80 down']);
    await change('DELETE', A, '/192.168.1.12:8080');
    // Below quorum the sorry server stands in; the pool replaces it once quorum is there.
    await change('POST', B, '', { address: '192.168.2.1', port: 80, weight: 1, forward: 'nat' });
    assert.match(kernelRows(h), /tcp:10\.0\.0\.2:80 \[192\.168\.9\.9:80\/1\]/);
    await change('POST', B, '', { address: '192.168.2.2', port: 80, weight: 1, forward: 'nat' });
    await settle();
    assert.match(kernelRows(h), /tcp:10\.0\.0\.2:80 \[192\.168\.2\.1:80\/1 192\.168\.2\.2:80\/1\]/);
    assert.equal(kernelRows(h), [
      'tcp:10.0.0.1:80 [192.168.1.11:8080/0 192.168.1.13:8080/0]',
      'tcp:10.0.0.2:80 [192.168.2.1:80/1 192.168.2.2:80/1]',
    ].join('\n'));
  } finally {
    await h.close();
  }
});

test('a reload during an API change in flight: the table rebuilt after the reload keeps the acknowledged change', async () => {
  const kernel = new FakeKernel();
  const apply = kernel.apply.bind(kernel);
  // A kernel that takes a while, so that the reload and its rebuild come while the change is on its way.
  kernel.apply = async (ops) => { await new Promise((r) => setTimeout(r, 20)); return apply(ops); };
  const h = await harness({ kernel });
  try {
    const post = h.app.inject({
      method: 'POST', url: `/v1/services/${enc('tcp:10.0.0.1:80')}/servers`, headers: auth,
      payload: { address: '192.168.1.50', port: 8080, weight: 1, forward: 'nat' },
    });
    await new Promise((r) => setTimeout(r, 0));
    await h.director.load(loadConfigText(BASE_CONFIG).config, 'reload');
    assert.equal((await post).statusCode, 201);
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(kernel.table.get('tcp:10.0.0.1:80')!.servers.has('192.168.1.50:8080'), [...kernel.table.get('tcp:10.0.0.1:80')!.servers.keys()].join());
  } finally {
    await h.close();
  }
});

test('a reload the kernel refuses because of the API\'s objects is refused: they are not dropped to let the file in', async () => {
  let refuse = false;
  const kernel = refusingKernel((op) => refuse && addsService(new Set(['tcp:10.0.0.2:80']))(op));
  const h = await harness({ kernel });
  try {
    const added = await h.app.inject({ method: 'POST', url: '/v1/services', headers: auth, payload: { protocol: 'tcp', address: '10.0.0.2', port: 80, scheduler: 'rr' } });
    assert.equal(added.statusCode, 201, added.body);
    // Taken out behind lvsd's back, and the kernel now refuses it back.
    kernel.table.delete('tcp:10.0.0.2:80');
    refuse = true;
    await assert.rejects(h.director.load(loadConfigText(BASE_CONFIG).config, 'reload'), { name: 'ConfigRefusedError' });
    assert.equal(h.director.apiStateRefused, undefined);
    assert.ok(h.director.effectiveConfig?.overlays.has('tcp:10.0.0.2:80'), 'the API service stays in effect');
  } finally {
    await h.close();
  }
});

test('saved API objects the kernel refuses at start stay out alone, the others go in; they stay reported as out after other API writes, until a reload takes them or the API deletes them', async () => {
  const stateDir = await savedState([newService('10.0.0.2'), newService('10.0.0.4')]);
  // A fresh kernel that refuses the first saved service back.
  let refuse = true;
  const kernel = refusingKernel((op) => refuse && addsService(new Set(['tcp:10.0.0.2:80']))(op));
  const h = await harness({ kernel, stateDir });
  try {
    const refused = h.director.apiStateRefused;
    assert.match(refused ?? '', /^tcp:10\.0\.0\.2:80 \(.*(ENOMEM|Cannot allocate memory|errno 12)/i);
    assert.deepEqual([...h.director.apiServicesOut.keys()], ['tcp:10.0.0.2:80']);
    assert.equal(kernelRows(h), 'tcp:10.0.0.1:80 [192.168.1.11:8080/3]\ntcp:10.0.0.4:80 []', 'the file runs, with the saved service the kernel takes');
    const add = await h.app.inject({ method: 'POST', url: '/v1/services', headers: auth, payload: { protocol: 'tcp', address: '10.0.0.3', port: 80, scheduler: 'rr' } });
    assert.equal(add.statusCode, 201, add.body);
    assert.ok(h.kernel.table.has('tcp:10.0.0.3:80'));
    assert.equal(h.director.apiStateRefused, refused, 'tcp:10.0.0.2:80 is still out');
    // Deleting another service leaves it out.
    const del = await h.app.inject({ method: 'DELETE', url: `/v1/services/${enc('tcp:10.0.0.4:80')}`, headers: auth });
    assert.equal(del.statusCode, 204, del.body);
    assert.equal(h.director.apiStateRefused, refused);
    refuse = false;
    await h.director.load(loadConfigText(BASE_CONFIG).config, 'reload');
    assert.equal(h.director.apiStateRefused, undefined, 'the reload took them');
    assert.ok(h.kernel.table.has('tcp:10.0.0.2:80'));
  } finally {
    await h.close();
  }
  // Once every object out is deleted through the API, none is refused.
  const again = refusingKernel(addsService(new Set(['tcp:10.0.0.2:80'])));
  const k = await harness({ kernel: again, stateDir });
  try {
    assert.deepEqual([...k.director.apiServicesOut.keys()], ['tcp:10.0.0.2:80'], 'tcp:10.0.0.3:80 went in on its own');
    assert.ok(again.table.has('tcp:10.0.0.3:80'));
    for (const [id, out] of [['tcp:10.0.0.3:80', true], ['tcp:10.0.0.2:80', false]] as const) {
      const del = await k.app.inject({ method: 'DELETE', url: `/v1/services/${enc(id)}`, headers: auth });
      assert.equal(del.statusCode, 204, del.body);
      assert.equal(k.director.apiStateRefused !== undefined, out, `after deleting ${id}`);
    }
  } finally {
    await k.close();
  }
});

test('while saved API objects refused at start are out, a reload puts the file in with the API objects in effect, and tries the others again on their own', async () => {
  const stateDir = await savedState([newService('10.0.0.2')]);
  const refuse = new Set(['tcp:10.0.0.2:80']);
  const kernel = refusingKernel(addsService(refuse));
  const h = await harness({ kernel, stateDir });
  try {
    await h.director.load(loadConfigText(BASE_CONFIG).config, 'reload');
    assert.deepEqual([...h.director.apiServicesOut.keys()], ['tcp:10.0.0.2:80']);
    const add = await h.app.inject({ method: 'POST', url: '/v1/services', headers: auth, payload: { protocol: 'tcp', address: '10.0.0.3', port: 80, scheduler: 'rr' } });
    assert.equal(add.statusCode, 201, add.body);
    // A new file service: the reload goes in with the API service written since, the refused one stays out.
    const grown = `${BASE_CONFIG}virtual_server 10.0.0.5 80 {\n  lb_algo rr\n  lb_kind NAT\n  protocol TCP\n}\n`;
    await h.director.load(loadConfigText(grown).config, 'reload');
    assert.ok(kernel.table.has('tcp:10.0.0.5:80'));
    assert.ok(kernel.table.has('tcp:10.0.0.3:80'), 'the service written since stays in');
    assert.deepEqual([...h.director.apiServicesOut.keys()], ['tcp:10.0.0.2:80']);
    // A reload the kernel refuses for the file's own sake is refused whole: nothing of the API in effect goes out.
    refuse.add('tcp:10.0.0.6:80');
    const refused = `${grown}virtual_server 10.0.0.6 80 {\n  lb_algo rr\n  lb_kind NAT\n  protocol TCP\n}\n`;
    await assert.rejects(h.director.load(loadConfigText(refused).config, 'reload'), { name: 'ConfigRefusedError' });
    assert.ok(kernel.table.has('tcp:10.0.0.3:80') && kernel.table.has('tcp:10.0.0.5:80') && !kernel.table.has('tcp:10.0.0.6:80'));
    assert.ok(h.director.effectiveConfig?.overlays.has('tcp:10.0.0.3:80'));
    assert.deepEqual([...h.director.apiServicesOut.keys()], ['tcp:10.0.0.2:80']);
    // Once the kernel takes it, the next reload puts it in.
    refuse.clear();
    await h.director.load(loadConfigText(grown).config, 'reload');
    assert.ok(kernel.table.has('tcp:10.0.0.2:80'));
    assert.equal(h.director.apiStateRefused, undefined);
  } finally {
    await h.close();
  }
});

test('an API write to a service whose saved real servers were refused at start puts them all in with it', async () => {
  const stateDir = await savedState(['192.168.1.50', '192.168.1.51'].map((address) =>
    ({ url: `/v1/services/${enc('tcp:10.0.0.1:80')}/servers`, payload: { address, port: 8080, weight: 1, forward: 'nat' } })));
  let refuse = true;
  const kernel = refusingKernel((op) => refuse && op.op === 'addRealServer' && op.server.address === '192.168.1.50');
  const h = await harness({ kernel, stateDir });
  try {
    assert.deepEqual([...h.director.apiServicesOut.keys()], ['tcp:10.0.0.1:80']);
    assert.equal(kernelRows(h), 'tcp:10.0.0.1:80 [192.168.1.11:8080/3]', 'the file\'s own real server is in, the API\'s two are out');
    refuse = false;
    const r = await h.app.inject({ method: 'POST', url: `/v1/services/${enc('tcp:10.0.0.1:80')}/servers`, headers: auth, payload: { address: '192.168.1.52', port: 8080, weight: 1, forward: 'nat' } });
    assert.equal(r.statusCode, 201, r.body);
    assert.equal(kernelRows(h), 'tcp:10.0.0.1:80 [192.168.1.11:8080/3 192.168.1.50:8080/1 192.168.1.51:8080/1 192.168.1.52:8080/1]');
    assert.equal(h.director.apiStateRefused, undefined);
  } finally {
    await h.close();
  }
});
