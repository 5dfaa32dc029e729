import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCheckSpec, type CheckInput } from '../../src/check/spec';
import { probeOnce } from '../../src/check/probe';
import { genhash } from '../../src/check/genhash';

const BODY = 'hello from the real server\n';
const BODY_MD5 = createHash('md5').update(BODY).digest('hex');

function listen(server: Server, host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve) => server.listen(0, host, () => resolve((server.address() as AddressInfo).port)));
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A port nobody listens on: bind one, note it, release it. */
async function freePort(): Promise<number> {
  const s = createTcpServer();
  const port = await listen(s);
  await close(s);
  return port;
}

function spec(input: Omit<CheckInput, 'server'> & { port: number; host?: string }) {
  const { port, host, ...rest } = input;
  return buildCheckSpec({ server: { address: host ?? '127.0.0.1', port }, connectTimeout: 2, ...rest });
}

test('TCP_CHECK succeeds against a listener (IPv4 and IPv6 loopback)', async () => {
  const v4 = createTcpServer((c) => c.destroy());
  const port4 = await listen(v4);
  const r4 = await probeOnce(spec({ kind: 'TCP_CHECK', port: port4 }));
  assert.equal(r4.ok, true, r4.reason);
  await close(v4);

  const v6 = createTcpServer((c) => c.destroy());
  const port6 = await listen(v6, '::1');
  const r6 = await probeOnce(spec({ kind: 'TCP_CHECK', port: port6, host: '::1' }));
  assert.equal(r6.ok, true, r6.reason);
  assert.match(r6.reason, /\[::1\]/);
  await close(v6);

  const seen: Seen = {};
  const web6 = createHttpServer(webHandler(seen));
  const webPort6 = await listen(web6, '::1');
  const h6 = await probeOnce(spec({ kind: 'HTTP_GET', port: webPort6, host: '::1', urls: [{ path: '/ok' }] }));
  assert.equal(h6.ok, true, h6.reason);
  assert.equal(seen.host, `[::1]:${webPort6}`, 'keepalived brackets an IPv6 Host');
  await close(web6);
});

test('TCP_CHECK reports a refused connection with its errno', async () => {
  const r = await probeOnce(spec({ kind: 'TCP_CHECK', port: await freePort() }));
  assert.equal(r.ok, false);
  assert.match(r.reason, /ECONNREFUSED/);
});

test('TCP_CHECK honours bindto and bind_port', async () => {
  let seen = '';
  const server = createTcpServer((c) => { seen = `${c.remoteAddress}:${c.remotePort}`; c.destroy(); });
  const port = await listen(server);
  const bindPort = await freePort();
  const r = await probeOnce(spec({ kind: 'TCP_CHECK', port, bindTo: '127.0.0.1', bindPort }));
  assert.equal(r.ok, true, r.reason);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(seen, `127.0.0.1:${bindPort}`);
  await close(server);
});

test('TCP_CHECK times out when the server never completes the handshake', async () => {
  // A stopped process never accepts: once its backlog is full the kernel drops SYNs.
  const child = spawn(process.execPath, ['-e',
    "const s=require('net').createServer();s.listen({port:0,host:'127.0.0.1',backlog:1},()=>{console.log(s.address().port)})"],
  { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<number>((resolve) => child.stdout!.once('data', (d) => resolve(Number(String(d).trim()))));
    process.kill(child.pid!, 'SIGSTOP');
    const fillers = [];
    for (let i = 0; i < 4; i++) fillers.push(probeOnce(spec({ kind: 'TCP_CHECK', port, connectTimeout: 0.3 })));
    const results = await Promise.all(fillers);
    const timedOut = results.filter((r) => !r.ok);
    assert.ok(timedOut.length > 0, 'some connects must time out once the backlog is full');
    for (const r of timedOut) assert.match(r.reason, /no answer within 300 ms/);
  } finally {
    child.kill('SIGKILL');
  }
});

interface Seen { host?: string; path?: string; userAgent?: string }

function webHandler(seen: Seen) {
  return (req: IncomingMessage, res: ServerResponse) => {
    seen.host = req.headers.host;
    seen.path = req.url;
    seen.userAgent = req.headers['user-agent'];
    if (req.url === '/ok') { res.writeHead(200); res.end(BODY); return; }
    if (req.url === '/created') { res.writeHead(201); res.end(BODY); return; }
    if (req.url === '/down') { res.writeHead(503); res.end('maintenance'); return; }
    if (req.url === '/hang') return;
    if (req.url === '/slow') {
      res.writeHead(200, { 'content-length': Buffer.byteLength(BODY) });
      const half = BODY.length >> 1;
      setTimeout(() => res.write(BODY.slice(0, half)), 150);
      setTimeout(() => res.end(BODY.slice(half)), 300);
      return;
    }
    res.writeHead(404);
    res.end();
  };
}

test('HTTP_GET reads the status line as keepalived: a first word, a space, three digits, a space', async () => {
  for (const [answer, ok] of [
    ['HTTP/1.1 200 OK', true], ['FOO 200 OK', true], ['HTTP/2 204 ', true],
    ['HTTP/1.1 2000 OK', false], ['HTTP/1.1 200abc', false], ['HTTP/1.1 200', false], [' 200 OK', false],
  ] as const) {
    const server = createTcpServer((s) => { s.on('error', () => undefined); s.once('data', () => s.end(`${answer}\r\nX: y\r\n\r\nbody`)); });
    const port = await listen(server);
    try {
      const r = await probeOnce(spec({ kind: 'HTTP_GET', port, urls: [{ path: '/' }] }));
      assert.equal(r.ok, ok, `${JSON.stringify(answer)}: ${r.reason}`);
      if (!ok) assert.match(r.reason, /malformed status line/);
    } finally {
      server.close();
    }
  }
});

test('HTTP_GET gives up on an answer that never ends, within delay_loop + connect_timeout', async () => {
  const server = createTcpServer((s) => {
    s.on('error', () => undefined);
    s.once('data', () => {
      s.write('HTTP/1.0 200 OK\r\n\r\n');
      const drip = setInterval(() => s.write('x'), 50);
      s.on('close', () => clearInterval(drip));
    });
  });
  const port = await listen(server);
  try {
    const started = Date.now();
    const r = await probeOnce(spec({ kind: 'HTTP_GET', port, delayLoop: 0.5, connectTimeout: 0.3, urls: [{ path: '/', digest: '0123456789abcdef0123456789abcdef' }] }));
    assert.equal(r.ok, false);
    assert.match(r.reason, /answer not complete within 800 ms \(\d+ body bytes read\)/);
    assert.ok(Date.now() - started < 3_000, `${Date.now() - started} ms`);
  } finally {
    server.close();
  }
});

test('HTTP_GET checks status codes, ranges and digests, and sends Host as keepalived', async () => {
  const seen: Seen = {};
  const server = createHttpServer(webHandler(seen));
  const port = await listen(server);
  const get = (url: CheckInput['urls'], extra: Partial<CheckInput> = {}) =>
    probeOnce(spec({ kind: 'HTTP_GET', port, urls: url, ...extra }));
  try {
    let r = await get([{ path: '/ok' }]);
    assert.equal(r.ok, true, r.reason);
    assert.equal(seen.host, `127.0.0.1:${port}`);
    assert.equal(seen.userAgent, 'KeepAliveClient');

    r = await get([{ path: '/created' }]);
    assert.equal(r.ok, true, 'default status range is 200-299');

    r = await get([{ path: '/created', statusCode: '200' }]);
    assert.equal(r.ok, false);
    assert.match(r.reason, /GET \/created: status 201 not in 200/);

    r = await get([{ path: '/down' }]);
    assert.equal(r.ok, false);
    assert.match(r.reason, /status 503 not in 200-299/);

    r = await get([{ path: '/down', statusCode: '200-299 500-503' }]);
    assert.equal(r.ok, true, r.reason);

    r = await get([{ path: '/ok', digest: BODY_MD5 }]);
    assert.equal(r.ok, true, r.reason);

    r = await get([{ path: '/ok', digest: '0'.repeat(32) }]);
    assert.equal(r.ok, false);
    assert.match(r.reason, new RegExp(`digest ${BODY_MD5} differs`));

    r = await get([{ path: '/ok', regex: 'from the (real|sorry) server$' }]);
    assert.equal(r.ok, true, r.reason);

    r = await get([{ path: '/ok', regex: '^maintenance' }]);
    assert.equal(r.ok, false);
    assert.match(r.reason, /body does not match regex "\^maintenance"/);

    r = await get([{ path: '/ok', regex: 'real server', regexNoMatch: true }]);
    assert.equal(r.ok, false);
    assert.match(r.reason, /body matches regex "real server" \(regex_no_match\)/);

    r = await get([{ path: '/ok', regex: 'maintenance', regexNoMatch: true, digest: BODY_MD5 }]);
    assert.equal(r.ok, true, r.reason);

    // keepalived's regex_options and offsets: caseless, and where in the body a match may start.
    r = await get([{ path: '/ok', regex: 'FROM THE REAL', regexOptions: { caseless: true } }]);
    assert.equal(r.ok, true, r.reason);
    r = await get([{ path: '/ok', regex: 'FROM THE REAL' }]);
    assert.equal(r.ok, false, 'case matters without caseless');
    const at = BODY.indexOf('real');
    r = await get([{ path: '/ok', regex: 'real', regexMinOffset: at, regexMaxOffset: at }]);
    assert.equal(r.ok, true, r.reason);
    r = await get([{ path: '/ok', regex: 'real', regexMinOffset: at + 1 }]);
    assert.equal(r.ok, false, 'the only match starts before regex_min_offset');
    r = await get([{ path: '/ok', regex: 'real', regexMaxOffset: at - 1 }]);
    assert.equal(r.ok, false, 'the only match starts after regex_max_offset');

    r = await get([{ path: '/ok' }, { path: '/down' }]);
    assert.equal(r.ok, false, 'every url must pass');
    assert.match(r.reason, /\/down/);

    r = await get([{ path: '/ok' }], { virtualhost: 'www.example.test' });
    assert.equal(r.ok, true, r.reason);
    assert.equal(seen.host, 'www.example.test');

    r = await get([{ path: '/ok', virtualhost: 'url.example.test' }], { virtualhost: 'www.example.test', httpProtocol: '1.1' });
    assert.equal(r.ok, true, r.reason);
    assert.equal(seen.host, 'url.example.test', 'a url virtualhost overrides the checker one');

    r = await get([{ path: '/hang' }], { connectTimeout: 0.2 });
    assert.equal(r.ok, false);
    assert.match(r.reason, /no answer within 200 ms/);

    // connect_timeout bounds each wait, as keepalived's does: an answer arriving in slow parts passes.
    r = await get([{ path: '/slow', digest: BODY_MD5 }], { connectTimeout: 0.2 });
    assert.equal(r.ok, true, r.reason);
  } finally {
    server.closeAllConnections();
    await close(server);
  }
});

test('HTTP_GET reports a refused connection', async () => {
  const r = await probeOnce(spec({ kind: 'HTTP_GET', port: await freePort(), urls: [{ path: '/' }] }));
  assert.equal(r.ok, false);
  assert.match(r.reason, /ECONNREFUSED/);
});

test('HTTP_GET hashes a body that arrives in many pieces without Content-Length', async () => {
  const server = createTcpServer((c) => {
    c.once('data', () => {
      c.write('HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n');
      const parts = BODY.match(/.{1,5}/gs)!;
      const next = (): void => { const p = parts.shift(); if (p === undefined) c.end(); else c.write(p, () => setImmediate(next)); };
      next();
    });
  });
  const port = await listen(server);
  const r = await probeOnce(spec({ kind: 'HTTP_GET', port, urls: [{ path: '/', digest: BODY_MD5 }] }));
  assert.equal(r.ok, true, r.reason);
  await close(server);
});

function makeCert(dir: string): { key: Buffer; cert: Buffer } {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-subj', '/CN=lvsd-test', '-days', '1'],
  { stdio: 'ignore' });
  return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
}

test('SSL_GET accepts a self-signed certificate and sends SNI only when enabled', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'check-ssl-'));
  const seen: Seen = {};
  let servername: string | false | undefined;
  const server = createHttpsServer(makeCert(dir), webHandler(seen));
  server.on('secureConnection', (s) => { servername = (s as unknown as { servername: string | false }).servername; });
  const port = await listen(server);
  try {
    let r = await probeOnce(spec({ kind: 'SSL_GET', port, urls: [{ path: '/ok', digest: BODY_MD5 }], virtualhost: 'secure.example.test', enableSni: true }));
    assert.equal(r.ok, true, r.reason);
    assert.equal(servername, 'secure.example.test');
    assert.equal(seen.host, 'secure.example.test');

    r = await probeOnce(spec({ kind: 'SSL_GET', port, urls: [{ path: '/ok' }], virtualhost: 'secure.example.test' }));
    assert.equal(r.ok, true, r.reason);
    assert.equal(servername, false, 'no SNI without enable_sni');

    const g = await genhash({ server: '127.0.0.1', port, path: '/ok', ssl: true, virtualhost: 'g.example.test', sni: true });
    assert.equal(g.digest, BODY_MD5);
    assert.equal(servername, 'g.example.test');
  } finally {
    server.closeAllConnections();
    await close(server);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('genhash gives the MD5 of the body, the same as keepalived genhash', async () => {
  const seen: Seen = {};
  const server = createHttpServer(webHandler(seen));
  const port = await listen(server);
  try {
    const g = await genhash({ server: '127.0.0.1', port, path: '/ok', virtualhost: 'v.example.test' });
    assert.deepEqual(g, { digest: BODY_MD5, status: 200, bodyBytes: Buffer.byteLength(BODY) });
    assert.equal(seen.host, 'v.example.test');
    if (existsSync('/usr/bin/genhash')) {
      const out = await new Promise<string>((resolve, reject) => {
        const child = spawn('/usr/bin/genhash', ['-s', '127.0.0.1', '-p', String(port), '-u', '/ok'], { stdio: ['ignore', 'pipe', 'ignore'] });
        let text = '';
        child.stdout.on('data', (d) => { text += d; });
        child.on('error', reject);
        child.on('close', () => resolve(text));
      });
      assert.equal(out.trim().split('\n').pop(), g.digest);
    }
    await assert.rejects(genhash({ server: 'not-an-ip', port, path: '/' }), /server must be an IP address/);
    await assert.rejects(genhash({ server: '127.0.0.1', port: await freePort(), path: '/' }), /ECONNREFUSED/);
  } finally {
    await close(server);
  }
});

/** A mail server that greets with `greeting` and answers HELO with `helo`; records what it was sent. */
function smtpServer(greeting: string, helo: string, heard: string[]): Server {
  return createTcpServer((c) => {
    c.setEncoding('latin1');
    c.write(greeting);
    let buf = '';
    c.on('data', (d: string) => {
      buf += d;
      let end: number;
      while ((end = buf.indexOf('\r\n')) >= 0) {
        const line = buf.slice(0, end);
        buf = buf.slice(end + 2);
        heard.push(line);
        if (line.startsWith('HELO ')) c.write(helo);
        else if (line === 'QUIT') c.end('221 bye\r\n');
      }
    });
    c.on('error', () => undefined);
  });
}

test('SMTP_CHECK wants a 220 greeting, 250 to HELO and an answer to QUIT, as keepalived', async () => {
  const heard: string[] = [];
  const good = smtpServer('220 mail.example.test ESMTP\r\n', '250 mail.example.test\r\n', heard);
  const port = await listen(good);
  try {
    let r = await probeOnce(spec({ kind: 'SMTP_CHECK', port }));
    assert.equal(r.ok, true, r.reason);
    assert.deepEqual(heard, ['HELO smtpchecker.keepalived.org', 'QUIT']);
    heard.length = 0;
    r = await probeOnce(spec({ kind: 'SMTP_CHECK', port, heloName: 'lb1.example.test' }));
    assert.equal(r.ok, true, r.reason);
    assert.equal(heard[0], 'HELO lb1.example.test');
  } finally {
    await close(good);
  }
  for (const [greeting, helo, reason] of [
    ['554 no service\r\n', '250 ok\r\n', /bad greeting "554 no service"/],
    ['220-multi\r\n220 line\r\n', '250 ok\r\n', /bad greeting "220-multi"/],
    ['220 hi\r\n', '550 go away\r\n', /bad answer to HELO "550 go away"/],
  ] as const) {
    const bad = smtpServer(greeting, helo, []);
    const p = await listen(bad);
    try {
      const r = await probeOnce(spec({ kind: 'SMTP_CHECK', port: p }));
      assert.equal(r.ok, false);
      assert.match(r.reason, reason);
    } finally {
      await close(bad);
    }
  }
  const silent = createTcpServer(() => undefined);
  const p = await listen(silent);
  try {
    const r = await probeOnce(spec({ kind: 'SMTP_CHECK', port: p, connectTimeout: 0.2 }));
    assert.equal(r.ok, false);
    assert.match(r.reason, /no greeting within 200 ms/);
  } finally {
    silent.close();
  }
});
