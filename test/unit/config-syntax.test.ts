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

const INCLUDE = path.resolve(__dirname, '../../../test/fixtures/config/include');
const at = { file: 'x.conf', line: 1 };

function words(text: string): string[] {
  return tokenize(text, at, new Diagnostics()).map((t) => t.text);
}

test('comments start a word with # or !, outside quotes', () => {
  assert.equal(stripComment('weight 2   # add 2 points'), 'weight 2   ');
  assert.equal(stripComment('! whole line'), '');
  assert.equal(stripComment('script "a # b ! c" # tail'), 'script "a # b ! c" ');
  assert.equal(stripComment('path /a#b'), 'path /a#b');
  assert.equal(stripComment('{#c'), '{');
});

test('quotes keep spaces, touching parts join, escapes decode', () => {
  assert.deepEqual(words('abcd" efg h jkl "mnop'), ['abcd efg h jkl mnop']);
  assert.deepEqual(words(`abcd "efg h jkl" mnop`), ['abcd', 'efg h jkl', 'mnop']);
  assert.deepEqual(words(String.raw`x "a\tb\x41\101\"q"`), ['x', 'a\tbAA"q']);
  assert.deepEqual(words(`notify 'a b'`), ['notify', 'a b']);
});

test('braces split from words, but not from an unknown ${NAME}', () => {
  assert.deepEqual(words('global_defs{'), ['global_defs', '{']);
  assert.deepEqual(words('virtual_server 192.168.200.100 443{'), ['virtual_server', '192.168.200.100', '443', '{']);
  assert.deepEqual(words('}}'), ['}', '}']);
  assert.deepEqual(words('x ${UNDEF}'), ['x', '${UNDEF}']);
  assert.deepEqual(words('"{"'), ['{']);
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
