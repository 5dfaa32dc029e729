// An lvsd API over an in-memory IPVS table that refuses what the kernel
// refuses (duplicates, unknown entries, an unknown scheduler, one
// "unroutable" address), for the API's unit and browser tests.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { EventLog } from '../../src/api/events';
import type { ApiListener } from '../../src/api/listener';
import { buildApi, type ApiDeps } from '../../src/api/server';
import { readStateFile } from '../../src/api/state-file';
import { ApiStore } from '../../src/api/store';
import { CheckScheduler } from '../../src/check/scheduler';
import { loadConfig } from '../../src/config';
import { Director } from '../../src/director/director';
import { FakeKernel, UNROUTABLE } from '../helpers/fake-kernel';
import type { VrrpView } from '../../src/vrrp/view';

export { FakeKernel, UNROUTABLE };

export const TOKEN = 'test-token-0123456789abcdef';

export const BASE_CONFIG = `
virtual_server 10.0.0.1 80 {
  lb_algo rr
  lb_kind NAT
  protocol TCP
  real_server 192.168.1.11 8080 {
    weight 3
  }
}
`;

export interface Harness {
  app: FastifyInstance;
  kernel: FakeKernel;
  director: Director;
  scheduler: CheckScheduler;
  store: ApiStore;
  stateDir: string;
  vrrp: VrrpView[];
  close(): Promise<void>;
}

const quiet = { info() {}, warn() {}, error() {} };

/** A director loaded with `config`, its API state read from `stateDir` (fresh when omitted). */
export async function harness(opts: { config?: string; stateDir?: string; kernel?: FakeKernel; reload?: ApiDeps['reload']; listener?: ApiListener } = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'lvsd-api-'));
  const file = join(dir, 'keepalived.conf');
  writeFileSync(file, opts.config ?? BASE_CONFIG);
  const loaded = loadConfig(file);
  if (!loaded.ok) throw new Error(`bad test configuration: ${JSON.stringify(loaded.diagnostics)}`);
  const kernel = opts.kernel ?? new FakeKernel();
  const scheduler = new CheckScheduler();
  const director = new Director({ table: kernel, scheduler, log: quiet, runScript: () => undefined });
  const stateDir = opts.stateDir ?? join(dir, 'state');
  const initial = readStateFile(stateDir);
  void director.setApiState(initial);
  await director.load(loaded.config, 'start');
  const store = new ApiStore(stateDir, director, initial);
  const vrrp: VrrpView[] = [];
  const app = await buildApi({ director, kernel, store, token: TOKEN, vrrp: () => vrrp, reload: opts.reload ?? (() => Promise.resolve({ applied: true })), events: new EventLog(), ...(opts.listener ? { listener: opts.listener } : {}) });
  return {
    app, kernel, director, scheduler, store, stateDir, vrrp,
    async close() {
      await app.close();
      await store.close();
      await director.stop();
      scheduler.close();
    },
  };
}

export const auth = { authorization: `Bearer ${TOKEN}` };
export const enc = encodeURIComponent;
