// notify_fifo, vrrp_notify_fifo and lvs_notify_fifo: state changes written
// to named pipes, a line each, in keepalived's words, so that the readers
// operators wrote for keepalived read lvsd's too:
//   INSTANCE "VI_1" MASTER 100
//   GROUP "G1" BACKUP 0
//   VS [10.0.0.1]:tcp:80 UP
//   RS [192.168.1.11]:tcp:8080 [10.0.0.1]:tcp:80 DOWN
// A FIFO that is not there is made (and removed at stop); a *_fifo_script
// runs while lvsd does, with the FIFO's path as its last argument, and gets
// SIGTERM as lvsd stops. The FIFO is held open for reading and writing, so
// lvsd never waits for a reader: with none, lines wait in the pipe, and once
// it is full they are dropped, and said so.
import type { ChildProcess } from 'node:child_process';
import { chownSync, closeSync, constants as fsConstants, lstatSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { resolveRunAs } from '../check/run-as';
import type { KeepalivedConfig, NotifyFifo, RealServer, VirtualServer } from '../config/model';
import { native } from '../native';
import type { Component, DaemonContext } from './run';
import { startScript } from './scripts';
import { hasVrrpTransitions } from './vrrp';

/** keepalived's name of a virtual server (FMT_VS). */
export function fifoServiceName(vs: VirtualServer): string {
  const key = vs.key;
  if (key.kind === 'fwmark') return `FWM ${key.fwmark}`;
  if (key.kind === 'group') return `[${key.group}]:0`;
  return trio(key.address, vs, key.port);
}

/** keepalived's name of a real server (FMT_RS): its address with the service's protocol. */
export function fifoServerName(vs: VirtualServer, rs: RealServer): string {
  return trio(rs.address, vs, rs.port);
}

function trio(address: string, vs: VirtualServer, port: number): string {
  return `[${address}]:${vs.protocol.toLowerCase()}:${port}`;
}

interface OpenFifo {
  spec: NotifyFifo;
  fd: number;
  created: boolean;
  script?: ChildProcess;
  dropped: number;
}

export function notifyFifoComponent(ctx: DaemonContext): Component {
  const log = ctx.log.child({ component: 'notify-fifo' });
  let open: OpenFifo[] = [];
  let following = false;

  const write = (kind: 'vrrp' | 'lvs', line: string): void => {
    for (const f of open) {
      if (f.spec.events !== 'all' && f.spec.events !== kind) continue;
      try {
        writeSync(f.fd, `${line}\n`);
      } catch (err) {
        // EAGAIN: the pipe is full, no one reads it.
        f.dropped++;
        if (f.dropped === 1 || f.dropped % 100 === 0) {
          log.warn({ fifo: f.spec.path, dropped: f.dropped, err: (err as Error).message }, 'notify FIFO line dropped');
        }
      }
    }
  };

  const follow = (): void => {
    if (following) return;
    following = true;
    ctx.director.on('server', (t) => write('lvs', `RS ${fifoServerName(t.vs, t.rs)} ${fifoServiceName(t.vs)} ${t.up ? 'UP' : 'DOWN'}`));
    ctx.director.on('quorum', (q) => write('lvs', `VS ${fifoServiceName(q.vs)} ${q.up ? 'UP' : 'DOWN'}`));
    for (const c of ctx.components.filter(hasVrrpTransitions)) {
      c.onTransition((t) => {
        if (t.to === 'INIT') return;
        write('vrrp', `INSTANCE "${t.instance}" ${t.to} ${t.priority}`);
      });
      c.onGroupTransition((t) => write('vrrp', `GROUP "${t.group}" ${t.to} 0`));
      c.onMasterRxLowerPriority((t) => write('vrrp', `INSTANCE "${t.instance}" MASTER_RX_LOWER_PRI ${t.priority}`));
    }
  };

  const openOne = (spec: NotifyFifo): OpenFifo | undefined => {
    try {
      const created = native().makeFifo(spec.path, 0o600);
      if (!created && !lstatSync(spec.path).isFIFO()) throw new Error('it exists and is not a FIFO');
      if (created && spec.owner) {
        const ids = resolveRunAs(spec.owner.user, spec.owner.group);
        chownSync(spec.path, ids.uid, ids.gid);
      }
      const fd = openSync(spec.path, fsConstants.O_RDWR | fsConstants.O_NONBLOCK);
      const f: OpenFifo = { spec, fd, created, dropped: 0 };
      if (spec.script) f.script = startReader(spec);
      log.info({ fifo: spec.path, events: spec.events, created }, 'notify FIFO open');
      return f;
    } catch (err) {
      log.error({ fifo: spec.path, err: (err as Error).message }, 'notify FIFO not opened: no state change is written to it');
      return undefined;
    }
  };

  /** The *_fifo_script reads the FIFO, whose path is its last argument, while lvsd runs. */
  const startReader = (spec: NotifyFifo): ChildProcess | undefined => {
    const child = startScript(spec.script!, [spec.path], { fifo: spec.path }, log);
    child?.once('exit', (code, signal) => log.info({ script: spec.script!.command, fifo: spec.path, code, signal }, 'notify FIFO script ended'));
    return child;
  };

  const closeOne = (f: OpenFifo): void => {
    f.script?.kill('SIGTERM');
    closeSync(f.fd);
    if (f.created) {
      try {
        unlinkSync(f.spec.path);
      } catch (err) {
        log.warn({ fifo: f.spec.path, err: (err as Error).message }, 'notify FIFO not removed');
      }
    }
  };

  return {
    name: 'notify-fifo',
    stopsAfterDirector: true,
    async apply(config: KeepalivedConfig): Promise<void> {
      const wanted = config.global.notifyFifos;
      const key = (s: NotifyFifo): string => JSON.stringify({ ...s, at: undefined });
      const keep = open.filter((f) => wanted.some((w) => key(w) === key(f.spec)));
      for (const f of open) if (!keep.includes(f)) closeOne(f);
      open = keep;
      for (const spec of wanted) {
        if (open.some((f) => key(f.spec) === key(spec))) continue;
        const f = openOne(spec);
        if (f) open.push(f);
      }
      if (open.length > 0) follow();
    },
    async stop(): Promise<void> {
      for (const f of open) closeOne(f);
      open = [];
    },
  };
}
