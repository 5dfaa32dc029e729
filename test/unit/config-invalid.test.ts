import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { formatDiagnostic, loadConfig } from '../../src/config';
import { prng } from '../helpers/prng';

const INVALID = path.resolve(__dirname, '../../../test/fixtures/config/invalid');

/** [file, line, keyword, start of message] of every error, in report order. */
function errorsOf(name: string): [string, number, string, string][] {
  const result = loadConfig(path.join(INVALID, name));
  assert.equal(result.ok, false);
  return result.diagnostics
    .filter((d) => d.severity === 'error')
    .map((d) => [path.basename(d.file), d.line, d.keyword, d.message]);
}

test('wrong values are all reported with file:line and keyword', () => {
  assert.deepEqual(errorsOf('values.conf'), [
    ['values.conf', 3, 'virtual_server', 'lb_algo "fastest" is not one of rr|wrr|lc|wlc|lblc|lblcr|dh|sh|sed|nq|fo|ovf|mh|twos'],
    ['values.conf', 6, 'virtual_server', 'delay_loop "soon" is not a duration in seconds in 0.001..86400'],
    ['values.conf', 8, 'real_server', 'weight "x" is not an integer in 0..2147483647'],
    ['values.conf', 10, 'TCP_CHECK', 'connect_port "70000" is not an integer in 0..65535'],
    ['values.conf', 17, 'vrrp_instance', 'virtual_router_id "256" is not an integer in 1..255'],
    ['values.conf', 18, 'vrrp_instance', 'priority "0" is not an integer in 1..255'],
    ['values.conf', 20, 'virtual_ipaddress', '"10.0.0.300/24" is not an IP address with optional /prefix length'],
    ['values.conf', 14, 'vrrp_instance', 'VI_1: missing virtual_router_id'],
  ]);
});

test('the formatted message reads file:line: keyword: message', () => {
  const file = path.join(INVALID, 'values.conf');
  const weight = loadConfig(file).diagnostics.find((d) => d.line === 8);
  assert.ok(weight);
  assert.equal(formatDiagnostic(weight), `${file}:8: real_server: weight "x" is not an integer in 0..2147483647`);
});

test('semantic errors: families, duplicates, undefined references, VRIDs', () => {
  assert.deepEqual(errorsOf('semantic.conf').map(([, line, keyword, message]) => [line, keyword, message.split(':')[0]]), [
    [19, 'vrrp_instance', 'VI_1'],
    [26, 'vrrp_instance', 'VI_3'],
    [30, 'vrrp_sync_group', 'G'],
    [5, 'real_server', '2001'],
    [16, 'virtual_server', 'virtual_server_group MISSING is not defined'],
    [8, 'virtual_server', '10.0.0.1'],
  ]);
  const messages = errorsOf('semantic.conf').map((e) => e[3]);
  assert.match(messages[0], /missing interface/);
  assert.match(messages[1], /virtual_router_id 20 on eth0 is already used by VI_2/);
  assert.match(messages[2], /vrrp_instance VI_9 is not defined/);
  assert.match(messages[3], /is IPv6 but virtual server 10\.0\.0\.1:80 TCP is IPv4/);
  assert.match(messages[5], /10\.0\.0\.1:80 TCP is already defined at .*semantic\.conf:1$/);
});

test('TUN real servers may differ in family from the service', () => {
  const errors = errorsOf('semantic.conf');
  assert.equal(errors.some(([, line]) => line === 13), false);
});

test('syntax errors: unterminated string, stray and missing braces', () => {
  assert.deepEqual(errorsOf('syntax.conf'), [
    ['syntax.conf', 2, 'syntax', 'unterminated quoted string "unterminated'],
    ['syntax.conf', 4, 'syntax', 'unexpected "}" with no open block'],
    ['syntax.conf', 5, 'vrrp_instance', 'block is not closed: missing "}"'],
  ]);
});

test('errors inside included files name the included file', () => {
  assert.deepEqual(errorsOf('include.conf'), [
    ['include.conf', 4, 'includea', 'no file matches missing-{a,b}.conf'],
    ['include-part.inc', 5, 'real_server', 'weight "3000000000" is not an integer in 0..2147483647'],
  ]);
  const warnings = loadConfig(path.join(INVALID, 'include.conf')).diagnostics.filter((d) => d.severity === 'warning');
  assert.deepEqual(warnings.map((d) => [path.basename(d.file), d.line, d.keyword, d.message]), [
    ['include-part.inc', 2, 'virtual_server', 'unknown keyword "weight_of_nothing" ignored'],
    ['include-part.inc', 1, 'virtual_server', 'no protocol line: the service is UDP, as keepalived makes it; say "protocol TCP" for TCP'],
  ]);
});

test('a missing configuration file is an error, not a crash', () => {
  const result = loadConfig(path.join(INVALID, 'does-not-exist.conf'));
  assert.equal(result.ok, false);
  assert.match(result.diagnostics[0].message, /cannot read .*does-not-exist\.conf: ENOENT/);
});

test('group ranges: host bits beyond the prefix, /0 and oversized ranges are refused, not expanded', () => {
  assert.deepEqual(errorsOf('group-ranges.conf').map(([, line, , message]) => [line, message]), [
    [2, '"10.0.0.1/24" has address bits set beyond /24 (the block starts at 10.0.0.0)'],
    [3, '"::/0": the prefix length must be 1 or more'],
    [5, '"10.0.0.0-10.255.255.255" holds 16777216 addresses, each a service; at most 65536 are taken'],
  ]);
});

test('keywords whose effect lvsd does not provide warn with what is missing; harmless ones stay quiet', () => {
  const result = loadConfig(path.join(INVALID, 'unsupported.conf'));
  assert.equal(result.ok, true);
  assert.deepEqual(result.diagnostics.map((d) => [d.line, d.keyword, d.message]), [
    [1, 'static_rules', 'not supported and ignored: these ip rules are not added; add them with the system\'s network configuration'],
    [12, 'vrrp_instance', 'mcast_dst_ip is not supported and is ignored: adverts go to 224.0.0.18 or ff02::12, where peers using another group do not hear them'],
    [13, 'vrrp_instance', 'track_bfd is not supported and is ignored: the priority does not follow the BFD sessions'],
    [18, 'virtual_ipaddress', '10.0.0.100/24: noprefixroute is not supported and is ignored: the address is added without it'],
    [25, 'TCP_CHECK', 'bind_if is not supported and is ignored: the check\'s socket is not bound to the interface'],
  ]);
});

test('a real server whose lthreshold is above its uthreshold (none counts as 0) is refused with file:line, as the kernel would refuse it', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'config-invalid-'));
  const file = path.join(dir, 'keepalived.conf');
  writeFileSync(file, `virtual_server 10.0.0.1 80 {
  protocol TCP
  real_server 10.0.1.1 80 {
    lthreshold 5
  }
  real_server 10.0.1.2 80 {
    uthreshold 10
    lthreshold 11
  }
  real_server 10.0.1.3 80 {
    uthreshold 10
    lthreshold 10
  }
}
`);
  const errors = loadConfig(file).diagnostics.filter((d) => d.severity === 'error').map((d) => [d.line, d.keyword, d.message]);
  assert.deepEqual(errors, [
    [3, 'lthreshold', '10.0.1.1 port 80: lthreshold 5 is above uthreshold 0 (the kernel refuses a lower threshold without an upper one at least as high)'],
    [6, 'lthreshold', '10.0.1.2 port 80: lthreshold 11 is above uthreshold 10 (the kernel refuses a lower threshold without an upper one at least as high)'],
  ]);
});

test('includes, patterns and expansions that would crash, hang or never end are errors naming file:line', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'config-bounds-'));
  const errorsIn = (text: string): string[] => {
    const file = path.join(dir, 'keepalived.conf');
    writeFileSync(file, text);
    return loadConfig(file).diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.line}: ${d.keyword}: ${d.message}`);
  };
  assert.deepEqual(errorsIn('include [z-a].conf\n'), ['1: include: [z-a].conf: "[z-a].conf" is not a valid pattern']);
  assert.match(errorsIn(`include ${'{'.repeat(5000)}a${'}'.repeat(5000)}\n`)[0]!, /^1: include: .*braces nested deeper than 16$/);
  assert.match(errorsIn(`include ${'{a,b}'.repeat(24)}.conf\n`)[0]!, /^1: include: .*braces expand to more than 4096 names$/);
  assert.deepEqual(errorsIn('$A=x\n$A=$A $A\n$A\n'), ['3: config: parameter substitution makes a line longer than 65536 characters (a parameter that refers to itself?)']);
  assert.deepEqual(errorsIn('~SEQ(i, 65536) ~SEQ(j, 65536) x\n'), ['1: ~SEQ: ~SEQ and ~LST make more than 200000 lines']);
  assert.deepEqual(errorsIn('include /dev/zero\n'), ['1: include: /dev/zero is not a file or a pipe']);
  symlinkSync('.', path.join(dir, 'd'));
  assert.match(errorsIn('include d/keepalived.conf\n')[0]!, /^1: include: .*d\/keepalived\.conf includes itself/);
  assert.deepEqual(errorsIn('virtual_server 10.0.0.1 80 {\n  protocol TCP\n  alpha constructor\n}\n'), ['3: virtual_server: alpha "constructor" is not one of on|off|true|false|yes|no']);
  assert.deepEqual(errorsIn('virtual_server fe80::1%eth0 80 {\n  protocol TCP\n}\n'), ['1: virtual_server: virtual_server address "fe80::1%eth0" is not an IPv4 or IPv6 address']);
  assert.deepEqual(errorsIn('virtual_server 10.0.0.1 80 {\n  protocol TCP\n  persistence_granularity 33\n}\n'), ['1: persistence_granularity: 33 is not an IPv4 prefix length (1..32) for 10.0.0.1:80 TCP']);
});

test('mangled configuration files never throw: each problem is a diagnostic naming a file and line', () => {
  const rand = prng(11);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const SEEDS = path.resolve(__dirname, '../../../test/fixtures/config/seeds');
  const corpus = readdirSync(SEEDS).map((f) => readFileSync(path.join(SEEDS, f), 'utf8'));
  const junk = ['{', '}', '"', '\\', '!', '#', '@', '$X', '0', '-1', '99999999999999999999', '0x', '::', '1.2.3.4/33', 'fe80::1%eth0', '\n', ' ',
    'include', 'real_server', 'virtual_server', 'vrrp_instance', 'TCP_CHECK', 'HTTP_GET', 'url', 'virtual_ipaddress', '@^', 'inet6', 'fwmark',
    'NaN', '\u00ff', '\t', 'weight', 'delay_loop', 'track_script', 'notify', '/bin/true', 'group', '$VAR=1', '~SEQ(x,1,2)'];
  const dir = mkdtempSync(path.join(tmpdir(), 'lvsd-mangled-'));
  const file = path.join(dir, 'keepalived.conf');
  let errors = 0;
  for (let i = 0; i < 1500; i++) {
    let parts = pick(corpus).split(/(\s+)/);
    for (let m = 1 + Math.floor(rand() * 6); m > 0; m--) {
      const k = Math.floor(rand() * parts.length);
      const op = rand();
      if (op < 0.3) parts.splice(k, 1);
      else if (op < 0.6) parts.splice(k, 0, pick(junk));
      else if (op < 0.8) parts[k] = pick(junk);
      else if (op < 0.9) parts = parts.slice(0, k);
      else parts.splice(k, 0, ...parts.slice(k, k + Math.floor(rand() * 30)));
    }
    const text = parts.join('');
    writeFileSync(file, text);
    let result: ReturnType<typeof loadConfig>;
    try {
      result = loadConfig(file);
    } catch (err) {
      assert.fail(`case ${i} threw ${(err as Error).stack}\n--- input ---\n${text}`);
    }
    for (const d of result.diagnostics) assert.ok(d.file.length > 0 && Number.isInteger(d.line) && d.message.length > 0, `case ${i}: ${JSON.stringify(d)}`);
    if (!result.ok) errors++;
  }
  assert.ok(errors > 500, `most mangled files are refused (${errors} of 1500)`);
});
