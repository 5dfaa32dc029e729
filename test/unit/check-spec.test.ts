import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCheckSpec, parseHexBytes, type CheckInput } from '../../src/check/spec';

const server = { address: '10.0.0.5', port: 8080 };
const fail = (m: string): never => { throw new Error(m); };

test('keepalived defaults per checker kind', () => {
  const tcp = buildCheckSpec({ kind: 'TCP_CHECK', server });
  assert.deepEqual(
    [tcp.connectIp, tcp.connectPort, tcp.connectTimeoutMs, tcp.delayLoopMs, tcp.retry, tcp.delayBeforeRetryMs, tcp.warmupMs, tcp.rise, tcp.fall, tcp.alpha],
    ['10.0.0.5', 8080, 5000, 60000, 1, 1000, 60000, 1, 1, false],
  );
  const http = buildCheckSpec({ kind: 'HTTP_GET', server, urls: [{ path: '/' }] });
  assert.equal(http.delayBeforeRetryMs, 3000);
  assert.ok(http.kind === 'HTTP_GET');
  assert.deepEqual(http.urls[0]!.statusCodes, [{ min: 200, max: 299 }]);
  assert.equal(http.httpProtocol, '1.0');
  const misc = buildCheckSpec({ kind: 'MISC_CHECK', server, miscPath: '/bin/true', delayLoop: 6 });
  assert.ok(misc.kind === 'MISC_CHECK');
  assert.deepEqual([misc.retry, misc.miscTimeoutMs, misc.miscDynamic], [0, 6000, false]);
  const dns = buildCheckSpec({ kind: 'DNS_CHECK', server, delayLoop: 7 });
  assert.ok(dns.kind === 'DNS_CHECK');
  assert.deepEqual([dns.retry, dns.delayBeforeRetryMs, dns.type, dns.name], [3, 7000, 'SOA', '.']);
  const udp = buildCheckSpec({ kind: 'UDP_CHECK', server });
  assert.ok(udp.kind === 'UDP_CHECK');
  assert.deepEqual([udp.requireReply, udp.minReplyLength, udp.maxReplyLength], [false, 0, 255]);
});

test('fractional seconds and overrides', () => {
  const s = buildCheckSpec({
    kind: 'TCP_CHECK', server, connectIp: '10.0.0.6', connectPort: 81, bindTo: '10.0.0.1', bindPort: 5000,
    connectTimeout: 0.25, delayLoop: 1.5, warmup: 0, retry: 3, delayBeforeRetry: 0.1, rise: 2, fall: 3, alpha: true,
  });
  assert.deepEqual(
    [s.connectIp, s.connectPort, s.bindTo, s.bindPort, s.connectTimeoutMs, s.delayLoopMs, s.warmupMs, s.retry, s.delayBeforeRetryMs, s.rise, s.fall, s.alpha],
    ['10.0.0.6', 81, '10.0.0.1', 5000, 250, 1500, 0, 3, 100, 2, 3, true],
  );
});

test('status_code lists and ranges', () => {
  const s = buildCheckSpec({ kind: 'SSL_GET', server, urls: [{ path: '/x', statusCode: '200-299 400-499 503', digest: 'ABCDEF0123456789ABCDEF0123456789' }] });
  assert.ok(s.kind === 'SSL_GET');
  assert.deepEqual(s.urls[0]!.statusCodes, [{ min: 200, max: 299 }, { min: 400, max: 499 }, { min: 503, max: 503 }]);
  assert.equal(s.urls[0]!.digest, 'abcdef0123456789abcdef0123456789');
});

test('invalid options are refused with the checker and option named', () => {
  const bad: Array<[Partial<CheckInput>, RegExp]> = [
    [{ kind: 'HTTP_GET' }, /HTTP_GET of 10.0.0.5:8080: needs at least one url/],
    [{ kind: 'HTTP_GET', urls: [{ path: 'x' }] }, /url #1: path must start with \//],
    [{ kind: 'HTTP_GET', urls: [{ path: '/', statusCode: '2xx' }] }, /status_code "2xx" is not a code/],
    [{ kind: 'HTTP_GET', urls: [{ path: '/', statusCode: '299-200' }] }, /reversed/],
    [{ kind: 'HTTP_GET', urls: [{ path: '/', digest: 'abc' }] }, /digest must be 32 hex digits/],
    [{ kind: 'HTTP_GET', urls: [{ path: '/', regex: 'up(' }] }, /regex "up\(" is not a regular expression/],
    [{ kind: 'HTTP_GET', urls: [{ path: '/' }], httpProtocol: '2' }, /http_protocol must be 1.0, 1.0C or 1.1/],
    [{ kind: 'MISC_CHECK' }, /misc_path is required/],
    [{ kind: 'DNS_CHECK', dnsType: 'PTR' }, /type must be one of/],
    [{ kind: 'DNS_CHECK', dnsName: 'a..b' }, /not a valid domain name/],
    [{ kind: 'UDP_CHECK', payload: 'zz' }, /"zz" is not hex/],
    [{ kind: 'UDP_CHECK', minReplyLength: 10, maxReplyLength: 5 }, /min_reply_length 10 exceeds max_reply_length 5/],
    [{ kind: 'TCP_CHECK', connectTimeout: 0 }, /connect_timeout must be greater than 0/],
    [{ kind: 'TCP_CHECK', delayLoop: -1 }, /delay_loop must be a non-negative number/],
    [{ kind: 'TCP_CHECK', server: { address: '10.0.0.5', port: 0 } }, /TCP_CHECK of 10.0.0.5:0: needs a port/],
    [{ kind: 'BOGUS' as never }, /unknown checker kind "BOGUS"/],
  ];
  for (const [input, message] of bad) {
    assert.throws(() => buildCheckSpec({ server, ...input } as CheckInput), message, JSON.stringify(input));
  }
});

test('keepalived free hex format, with x wildcards', () => {
  assert.deepEqual(parseHexBytes('Ab12f 3 456 546443123', fail).bytes, Buffer.from([0xab, 0x12, 0x0f, 0x03, 0x45, 0x06, 0x54, 0x64, 0x43, 0x12, 0x03]));
  const p = parseHexBytes('aX x1', fail);
  assert.deepEqual(p.bytes, Buffer.from([0xa0, 0x01]));
  assert.deepEqual(p.mask, Buffer.from([0xf0, 0x0f]));
  assert.throws(() => parseHexBytes('  ', fail), /empty/);
});
