// Notify FIFOs: state changes written as keepalived writes them, a line
// each, to a named pipe lvsd makes (and removes) or finds; the FIFO's script
// runs with its path and is ended with lvsd.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { closeSync, constants, existsSync, mkdtempSync, openSync, readFileSync, readSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fifoServerName, fifoServiceName, notifyFifoComponent } from '../../src/daemon/notify-fifo';
import type { DaemonContext } from '../../src/daemon/run';
import type { GroupTransition, VrrpTransition } from '../../src/vrrp/runtime';
import { loadConfigText } from '../helpers/config-text';

test('services and real servers are named as keepalived names them on its FIFOs', () => {
  const { config } = loadConfigText(`
virtual_server 10.0.0.1 80 {
  protocol TCP
  real_server 192.168.1.11 8080 {
  }
}
virtual_server fd00::1 53 {
  protocol UDP
  real_server fd00::11 53 {
  }
}
virtual_server fwmark 7 {
  protocol TCP
  real_server 192.168.1.12 80 {
  }
}
`);
  assert.deepEqual(config.virtualServers.map((vs) => [fifoServiceName(vs), fifoServerName(vs, vs.realServers[0]!)]), [
    ['[10.0.0.1]:tcp:80', '[192.168.1.11]:tcp:8080'],
    ['[fd00::1]:udp:53', '[fd00::11]:udp:53'],
    ['FWM 7', '[192.168.1.12]:tcp:80'],
  ]);
});

/** Whatever the FIFO holds now, read without waiting. */
function drain(fd: number): string {
  const buf = Buffer.alloc(65536);
  try {
    return buf.toString('utf8', 0, readSync(fd, buf));
  } catch {
    return '';
  }
}

test('lines go to the FIFOs of their kind; a FIFO lvsd made is removed at stop, and its script gets the path and then SIGTERM', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lvsd-fifo-'));
  const all = join(dir, 'all.fifo');
  const lvs = join(dir, 'lvs.fifo');
  const said = join(dir, 'script.said');
  // The script says its arguments, then waits to be ended.
  const script = join(dir, 'reader.sh');
  writeFileSync(script, `#!/bin/sh\necho "$@" > ${said}\ntrap 'echo TERM >> ${said}; exit 0' TERM\nwhile :; do sleep 0.05; done\n`, { mode: 0o755 });
  const { config, ok, diagnostics } = loadConfigText(`
global_defs {
  notify_fifo ${all}
  lvs_notify_fifo ${lvs}
  lvs_notify_fifo_script "${script} first"
}
virtual_server 10.0.0.1 80 {
  protocol TCP
  real_server 192.168.1.11 8080 {
  }
}
`);
  assert.ok(ok, JSON.stringify(diagnostics));
  const director = new EventEmitter();
  const transitions = new EventEmitter();
  const vrrp = {
    name: 'vrrp', apply: async () => undefined, stop: async () => undefined,
    onTransition: (l: (t: VrrpTransition) => void) => transitions.on('t', l),
    onGroupTransition: (l: (t: GroupTransition) => void) => transitions.on('g', l),
    onMasterRxLowerPriority: (l: (t: { instance: string; priority: number }) => void) => transitions.on('lower', l),
  };
  const quiet = { info() {}, warn() {}, error() {}, child() { return quiet; } };
  const ctx = { log: quiet, director, components: [vrrp] } as unknown as DaemonContext;
  const fifo = notifyFifoComponent(ctx);
  await fifo.apply(config, 'start');
  assert.ok(statSync(all).isFIFO() && statSync(lvs).isFIFO());
  const readers = [all, lvs].map((p) => openSync(p, constants.O_RDONLY | constants.O_NONBLOCK));
  try {
    const vs = config.virtualServers[0]!;
    director.emit('server', { server: 'x', up: false, reason: 'refused', at: 0, vs, rs: vs.realServers[0] });
    director.emit('quorum', { virtualServer: 'x', up: false, first: false, vs });
    transitions.emit('t', { instance: 'VI_1', from: 'BACKUP', to: 'MASTER', reason: undefined, priority: 150 });
    transitions.emit('t', { instance: 'VI_1', from: undefined, to: 'INIT', reason: undefined, priority: 150 });
    transitions.emit('g', { group: 'G1', to: 'MASTER' });
    transitions.emit('lower', { instance: 'VI_1', priority: 150 });
    assert.equal(drain(readers[0]!), 'RS [192.168.1.11]:tcp:8080 [10.0.0.1]:tcp:80 DOWN\nVS [10.0.0.1]:tcp:80 DOWN\nINSTANCE "VI_1" MASTER 150\nGROUP "G1" MASTER 0\nINSTANCE "VI_1" MASTER_RX_LOWER_PRI 150\n');
    assert.equal(drain(readers[1]!), 'RS [192.168.1.11]:tcp:8080 [10.0.0.1]:tcp:80 DOWN\nVS [10.0.0.1]:tcp:80 DOWN\n');
    for (let i = 0; i < 100 && !existsSync(said); i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(readFileSync(said, 'utf8'), `first ${lvs}\n`);
  } finally {
    for (const fd of readers) closeSync(fd);
  }
  await fifo.stop();
  assert.ok(!existsSync(all) && !existsSync(lvs), 'the FIFOs lvsd made are gone');
  for (let i = 0; i < 100 && !readFileSync(said, 'utf8').includes('TERM'); i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(readFileSync(said, 'utf8'), `first ${lvs}\nTERM\n`);
});

test('with no reader the FIFO fills and further lines are dropped, never waited on; something that is not a FIFO is left alone', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lvsd-fifo-'));
  const path = join(dir, 'full.fifo');
  const plain = join(dir, 'plain');
  writeFileSync(plain, 'keep');
  const { config } = loadConfigText(`global_defs {\n  vrrp_notify_fifo ${path}\n  lvs_notify_fifo ${plain}\n}\n`);
  const transitions = new EventEmitter();
  const lines: string[] = [];
  const log = { info() {}, warn(o: object, m?: string) { lines.push(`${m} ${JSON.stringify(o)}`); }, error(o: object, m?: string) { lines.push(`${m} ${JSON.stringify(o)}`); }, child() { return log; } };
  const vrrp = {
    name: 'vrrp', apply: async () => undefined, stop: async () => undefined,
    onTransition: (l: (t: VrrpTransition) => void) => transitions.on('t', l),
    onGroupTransition: (l: (t: GroupTransition) => void) => transitions.on('g', l),
    onMasterRxLowerPriority: (l: (t: { instance: string; priority: number }) => void) => transitions.on('lower', l),
  };
  const fifo = notifyFifoComponent({ log, director: new EventEmitter(), components: [vrrp] } as unknown as DaemonContext);
  await fifo.apply(config, 'start');
  assert.equal(readFileSync(plain, 'utf8'), 'keep');
  assert.match(lines.join('\n'), /notify FIFO not opened.*it exists and is not a FIFO/);
  // A pipe holds 64 KiB: 3,000 lines of about 30 bytes overflow it.
  for (let i = 0; i < 3000; i++) transitions.emit('t', { instance: 'VI_1', from: 'BACKUP', to: 'MASTER', reason: undefined, priority: 150 });
  assert.match(lines.join('\n'), /notify FIFO line dropped/);
  await fifo.stop();
});
