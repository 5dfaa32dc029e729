// The daemon's REST API part: loads the saved API state before the first
// configuration (so the first table already holds the API's objects), serves
// the API, metrics and status page, finishes drains, and records events.
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { DrainWatcher } from '../api/drain';
import { EventLog } from '../api/events';
import { ApiListener } from '../api/listener';
import { ServiceMutations } from '../api/mutations';
import { readStateFile } from '../api/state-file';
import { ApiStore } from '../api/store';
import { parseListen } from '../common/listen';
import { emptyApiState } from '../director/api-state';
import { hasVrrpTransitions } from './vrrp';
import type { VrrpView } from '../vrrp/view';
import type { Component, DaemonContext } from './run';

export const DEFAULT_API_LISTEN = '127.0.0.1:7080';
export const DEFAULT_STATE_DIR = '/var/lib/lvsd';

function readToken(file: string): string {
  let token: string;
  try {
    token = readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new Error(`--api-token-file ${file}: ${(err as Error).message}`);
  }
  if (token.length < 16 || /\s/.test(token)) throw new Error(`--api-token-file ${file}: the token must be one word of at least 16 characters`);
  return token;
}

function hasVrrpView(c: Component): c is Component & { vrrpView(): VrrpView[] } {
  return typeof (c as { vrrpView?: unknown }).vrrpView === 'function';
}

export function apiComponent(ctx: DaemonContext): Component {
  const { options, director, client } = ctx;
  const log = ctx.log.child({ component: 'api' });
  const stateDir = options.stateDir ?? DEFAULT_STATE_DIR;
  const events = new EventLog();
  let startError: Error | undefined;
  let initial = emptyApiState();
  try {
    initial = readStateFile(stateDir);
  } catch (err) {
    startError = err as Error;
  }
  // Remembered by the director before its first load.
  void director.setApiState(initial);
  const store = new ApiStore(stateDir, director, initial);
  const mutations = new ServiceMutations(director, store, events);
  const drains = new DrainWatcher(store, client, mutations, log, events);
  const vrrp = (): VrrpView[] => ctx.components.filter(hasVrrpView).flatMap((c) => c.vrrpView());
  let app: FastifyInstance | undefined;
  let listener: ApiListener | undefined;
  let token: string | undefined;
  // The daemon runs every precheck before the first apply, and starts nothing when one throws.
  const precheck = async (): Promise<void> => {
    // A state file that cannot be read would start lvsd without the API's objects, removing them from the kernel.
    if (startError) throw startError;
    if (options.api === 'off') return;
    const parsed = parseListen(options.api ?? DEFAULT_API_LISTEN);
    if ('error' in parsed) throw new Error(`--api: ${parsed.error}`);
    token = options.apiTokenFile !== undefined ? readToken(options.apiTokenFile) : undefined;
    // Bound now: a start that cannot serve its API must not have changed the table first.
    listener = await ApiListener.open(parsed.host, parsed.port);
  };

  director.on('server', (t) => events.add('server', `${t.server} ${t.up ? 'up' : 'down'}${t.reason ? `: ${t.reason}` : ''}`, { server: t.server, up: t.up, at: t.at }));
  // Quorum at start is the normal state, not news: a table of hundreds of virtual servers would fill the log with it.
  director.on('quorum', (q) => {
    if (q.first && q.up) return;
    events.add('quorum', `${q.virtualServer}: ${q.first ? 'starting without quorum' : q.up ? 'quorum regained' : 'quorum lost'}`);
  });
  // Every transition as it happens: a master-backup-master flap within a second is three events, not none.
  const followVrrp = (): void => {
    for (const c of ctx.components.filter(hasVrrpTransitions)) {
      c.onTransition((t) => {
        if (t.from === undefined || t.from === 'INIT') return;
        events.add('vrrp', `${t.instance}: ${t.from} -> ${t.to}${t.reason ? ` (${t.reason})` : ''}`);
      });
    }
  };

  return {
    name: 'api',
    precheck,
    async apply(_config, cause): Promise<void> {
      if (director.apiStateRefused) events.add('api', `saved API objects not in effect: ${director.apiStateRefused}`);
      if (cause === 'reload') return;
      // On start every component exists; the VRRP one starts after this one.
      followVrrp();
      if (!listener) {
        log.info({}, 'REST API off');
        return;
      }
      if (token === undefined) log.warn({}, 'no --api-token-file: the REST API is read-only');
      // Required only now, once the table is in: fastify, TypeBox, swagger and prom-client are hundreds of
      // modules (1.5 s of a start in the lab), which the kernel's real servers need not wait for.
      const { buildApi } = require('../api/server') as typeof import('../api/server');
      app = await buildApi({ director, kernel: client, store, token, vrrp, events, reload: () => ctx.reload(), listener });
      await app.ready();
      listener.serve();
      drains.start();
      log.info({ listen: listener.address, stateDir }, 'REST API listening');
    },
    async stop(): Promise<void> {
      drains.stop();
      await app?.close();
      await listener?.close();
      await store.close();
    },
  };
}
