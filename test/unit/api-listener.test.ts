// The REST API's socket is bound before lvsd touches the kernel: an address
// in use (or not this host's) is refused with a sentence naming it, and
// requests that arrive before the API is ready are answered 503, not lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { ApiListener } from '../../src/api/listener';
import { harness } from './api-fixture';

const listening = (server: Server): Promise<number> =>
  new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));

test('an address and port already in use are refused, naming them', async () => {
  const holder = createServer();
  const port = await listening(holder);
  try {
    await assert.rejects(ApiListener.open('127.0.0.1', port), {
      message: `--api 127.0.0.1:${port}: the address and port are already in use (another lvsd or program listens there); stop it or choose another --api`,
    });
  } finally {
    holder.close();
  }
  // No interface has a TEST-NET-1 address.
  await assert.rejects(ApiListener.open('192.0.2.1', port), { message: `--api 192.0.2.1:${port}: no interface of this host has that address` });
});

test('requests before the API is ready are answered 503; then the API serves on the same socket', async () => {
  const listener = await ApiListener.open('127.0.0.1', 0);
  const url = `http://127.0.0.1:${(listener.server.address() as AddressInfo).port}/healthz`;
  const early = await fetch(url);
  assert.equal(early.status, 503);
  assert.deepEqual(await early.json(), { error: 'lvsd is starting' });

  const h = await harness({ listener });
  assert.equal((await fetch(url)).status, 503, 'not before serve()');
  await h.app.ready();
  listener.serve();
  const ready = await fetch(url);
  assert.equal(ready.status, 200);
  assert.deepEqual(await ready.json(), { status: 'ok' });

  await h.close();
  await listener.close();
  await assert.rejects(fetch(url), 'nothing listens once closed');
});

test('a name is listened on at every address it resolves to, on one port; a family the host lacks is skipped', async () => {
  const both = await ApiListener.open('api.test', 0, async () => ['127.0.0.1', '::1', '127.0.0.1']);
  const port = (both.server.address() as AddressInfo).port;
  assert.equal(both.address, `api.test:0 (127.0.0.1, ::1)`);
  for (const url of [`http://127.0.0.1:${port}/`, `http://[::1]:${port}/`]) assert.equal((await fetch(url)).status, 503, url);
  await both.close();
  await assert.rejects(fetch(`http://[::1]:${port}/`), 'every address is closed');

  // No interface has a TEST-NET-1 address: skipped, since another one is bound.
  const one = await ApiListener.open('api.test', 0, async () => ['192.0.2.1', '127.0.0.1']);
  assert.equal(one.address, 'api.test:0 (127.0.0.1)');
  assert.equal(one.servers.length, 1);
  await one.close();
  await assert.rejects(ApiListener.open('api.test', 7080, async () => ['192.0.2.1']), { message: '--api api.test:7080 (192.0.2.1:7080): no interface of this host has that address' });
});

test('a name that does not resolve, or one of whose addresses is taken, is refused and leaves nothing bound', async () => {
  await assert.rejects(ApiListener.open('api.test', 7080, async () => { throw new Error('getaddrinfo ENOTFOUND api.test'); }), {
    message: '--api api.test:7080: the name does not resolve to an address (getaddrinfo ENOTFOUND api.test)',
  });
  await assert.rejects(ApiListener.open('api.test', 7080, async () => []), { message: '--api api.test:7080: the name does not resolve to an address' });

  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '::1', resolve));
  const port = (holder.address() as AddressInfo).port;
  try {
    await assert.rejects(ApiListener.open('api.test', port, async () => ['127.0.0.1', '::1']), {
      message: `--api api.test:${port} ([::1]:${port}): the address and port are already in use (another lvsd or program listens there); stop it or choose another --api`,
    });
    // The first address was bound before the second failed; it is free again.
    const again = await ApiListener.open('127.0.0.1', port);
    await again.close();
  } finally {
    holder.close();
  }
});
