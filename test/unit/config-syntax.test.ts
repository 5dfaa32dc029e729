import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig } from '../../src/config';
import { Diagnostics } from '../../src/config/diagnostics';
import { expandBraces } from '../../src/config/glob';
import { stripComment, tokenize } from '../../src/config/lexer';
import { buildTree } from '../../src/config/tree';
import { loadConfigText } from '../helpers/config-text';

const INCLUDE = path.resolve(__dirname, '../../../test/fixtures/config/include');
const at = { file: 'x.conf', line: 1 };

function words(text: string): string[] {
  return tokenize(text, at, new Diagnostics()).map((t) => t.text);
}

test('comments start at any # or ! outside double quotes; \\# and \\! escape them', () => {
  assert.equal(stripComment('weight 2   # add 2 points'), 'weight 2   ');
  assert.equal(stripComment('! whole line'), '');
  assert.equal(stripComment('script "a # b ! c" # tail'), 'script "a # b ! c" ');
  assert.equal(stripComment('path /a#b'), 'path /a');
  assert.equal(stripComment('auth_pass secret!1'), 'auth_pass secret');
  assert.equal(stripComment('weight 3#primary'), 'weight 3');
  assert.equal(stripComment('auth_pass se\\!cret \\# x'), 'auth_pass se!cret # x');
  assert.equal(stripComment('script "a \\" # b" # tail'), 'script "a \\" # b" ');
  assert.equal(stripComment('$LIST=a \\'), '$LIST=a \\');
  assert.equal(stripComment('{#c'), '{');
});

test('quotes keep spaces, touching parts join, escapes decode', () => {
  assert.deepEqual(words('abcd" efg h jkl "mnop'), ['abcd efg h jkl mnop']);
  assert.deepEqual(words(`abcd "efg h jkl" mnop`), ['abcd', 'efg h jkl', 'mnop']);
  assert.deepEqual(words(String.raw`x "a\tb\x41\101\"q"`), ['x', 'a\tbAA"q']);
  assert.deepEqual(words(`notify 'a b'`), ['notify', 'a b']);
});

test('braces split words wherever they are, but not an unknown ${NAME}', () => {
  assert.deepEqual(words('global_defs{'), ['global_defs', '{']);
  assert.deepEqual(words('virtual_server 192.168.200.100 443{'), ['virtual_server', '192.168.200.100', '443', '{']);
  assert.deepEqual(words('}}'), ['}', '}']);
  assert.deepEqual(words('x ${UNDEF}'), ['x', '${UNDEF}']);
  assert.deepEqual(words('"{"'), ['{']);
  assert.deepEqual(words('real_server 192.168.9.1 80{weight 3}'), ['real_server', '192.168.9.1', '80', '{', 'weight', '3', '}']);
  assert.deepEqual(words('a{b}c ${X}y'), ['a', '{', 'b', '}', 'c', '${X}y']);
});

test('a block may open on the next line and hold statements on its opening line', () => {
  const diags = new Diagnostics();
  const lines = ['vrrp_instance VI_1', '{', 'state MASTER', 'authentication { auth_type PASS auth_pass 1111 }', '}']
    .map((text, i) => ({ text, file: 'x.conf', line: i + 1 }));
  const [vi] = buildTree(lines, diags);
  assert.deepEqual(diags.list, []);
  assert.equal(vi.keyword, 'vrrp_instance');
  assert.deepEqual(vi.block?.map((s) => s.keyword), ['state', 'authentication']);
  const auth = vi.block?.[1].block;
  assert.deepEqual(auth?.map((s) => [s.keyword, s.args.map((t) => t.text)]), [['auth_type', ['PASS', 'auth_pass', '1111']]]);
});

test('csh-style braces expand like glob(3)', () => {
  assert.deepEqual(expandBraces('{foo/{,cat,dog},bar}'), ['foo/', 'foo/cat', 'foo/dog', 'bar']);
  assert.deepEqual(expandBraces('a.conf'), ['a.conf']);
});

test('include, parameters, multiline definitions and @id lines', () => {
  const { config, diagnostics, ok } = loadConfig(path.join(INCLUDE, 'main.conf'), { configId: 'lab1' });
  assert.deepEqual(diagnostics, []);
  assert.equal(ok, true);
  const [vi] = config.vrrpInstances;
  assert.equal(vi.at.file, path.join(INCLUDE, 'conf.d/10-vrrp.conf'), 'relative include resolved from the including file');
  assert.equal(vi.priority, 150);
  assert.equal(vi.state, 'MASTER');
  assert.deepEqual(vi.notify.master?.argv, ['/usr/bin/logger', '#master', path.join(INCLUDE, 'conf.d')]);
  assert.deepEqual([vi.virtualIpAddresses[0].address, vi.virtualIpAddresses[0].label], ['192.168.1.10', 'eth0:vip']);
  const [vs] = config.virtualServers;
  assert.deepEqual(vs.key, { kind: 'address', family: 2, address: '192.168.1.10', port: 80 });
  assert.deepEqual(vs.realServers.map((r) => [r.address, r.weight]), [['192.168.1.2', 2], ['192.168.1.3', 3]]);
  assert.equal(vs.realServers[1].at.line, 16, 'expanded lines carry the line where the parameter was used');

  const other = loadConfig(path.join(INCLUDE, 'main.conf'), { configId: 'lab2' }).config.vrrpInstances[0];
  assert.equal(other.priority, 50);
  assert.equal(other.state, 'BACKUP');
});

test('an include loop and a self-referencing parameter are errors, not hangs', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lvsd-config-'));
  try {
    fs.writeFileSync(path.join(dir, 'a.conf'), 'include b.conf\n');
    fs.writeFileSync(path.join(dir, 'b.conf'), 'global_defs {\n router_id b\n}\ninclude a.conf\n');
    const loop = loadConfig(path.join(dir, 'a.conf'));
    assert.equal(loop.config.global.routerId, 'b');
    assert.deepEqual(loop.diagnostics.map((d) => [path.basename(d.file), d.line, d.keyword]), [['b.conf', 4, 'include']]);
    assert.match(loop.diagnostics[0].message, /includes itself/);

    fs.writeFileSync(path.join(dir, 'c.conf'), '$A=x $A\n$A\n');
    const self = loadConfig(path.join(dir, 'c.conf'));
    assert.equal(self.ok, false);
    assert.deepEqual(self.diagnostics.map((d) => [d.line, d.keyword]), [[2, 'config']]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('"@id include" and "include ${DIR}/..." include, as in keepalived', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lvsd-config-'));
  try {
    fs.writeFileSync(path.join(dir, 'a.conf'), 'virtual_server 10.0.0.1 80 {\n  protocol TCP\n}\n');
    fs.writeFileSync(path.join(dir, 'b.conf'), 'virtual_server 10.0.0.2 80 {\n  protocol TCP\n}\n');
    fs.writeFileSync(path.join(dir, 'main.conf'), `$DIR=${dir}\ninclude \${DIR}/a.conf\n@lb1 include b.conf\n@^lb1 include missing.conf\n`);
    const lb1 = loadConfig(path.join(dir, 'main.conf'), { configId: 'lb1' });
    assert.deepEqual(lb1.diagnostics, []);
    assert.deepEqual(lb1.config.virtualServers.map((v) => v.key.kind === 'address' && v.key.address), ['10.0.0.1', '10.0.0.2']);
    const lb2 = loadConfig(path.join(dir, 'main.conf'), { configId: 'lb2' });
    assert.deepEqual(lb2.config.virtualServers.map((v) => v.key.kind === 'address' && v.key.address), ['10.0.0.1']);
    assert.deepEqual(lb2.diagnostics.map((d) => [d.line, d.severity, d.message]), [[4, 'warning', 'no file matches missing.conf']]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('~SEQ and ~LST repeat a line, or a multiline definition, over values', () => {
  const { config, diagnostics } = loadConfigText([
    '$NET=192.168.3',
    'virtual_server 10.2.0.1 80 {',
    '  protocol TCP',
    '  ~SEQ(i, 1, 2, 5) real_server ${NET}.$i 80 { weight $i }',
    '  ~LST({ip, w}, {10.2.0.2, 7}, {10.2.0.3}) real_server $ip 80 { weight 1${w} }',
    '}',
    '$VS=virtual_server 10.9.0.$n 80 { \\',
    '  protocol TCP \\',
    '  real_server 192.168.5.$n 80 \\',
    '}',
    '~SEQ(n, 2) $VS',
    '~SEQx(h, 10, 11) virtual_server fd00::$h 53 { protocol UDP }',
  ]);
  assert.deepEqual(diagnostics, []);
  const list = config.virtualServers.map((v) => [v.key.kind === 'address' && v.key.address, v.realServers.map((r) => `${r.address}:${r.weight}`)]);
  assert.deepEqual(list, [
    ['10.2.0.1', ['192.168.3.1:1', '192.168.3.3:3', '192.168.3.5:5', '10.2.0.2:17', '10.2.0.3:1']],
    ['10.9.0.1', ['192.168.5.1:1']],
    ['10.9.0.2', ['192.168.5.2:1']],
    ['fd00::a', []],
    ['fd00::b', []],
  ]);

  const bad = loadConfigText('~SEQ(i, 1, 0, 5) x\n~SEQ(i, 1, 1, 100000000) x\n~LST(i) x\n~SEQ i 1 x\n');
  assert.deepEqual(bad.diagnostics.map((d) => [d.line, d.keyword]), [[1, '~SEQ'], [2, '~SEQ'], [3, '~LST'], [4, '~SEQ']]);
  assert.match(bad.diagnostics[0].message, /STEP must be non-zero/);
  assert.match(bad.diagnostics[1].message, /more than 65536/);
});
