// Finishes the removals of draining real servers: each is quiesced (weight 0)
// until the kernel counts no active connection on it, or its time is up.
// Deadlines live in the saved state, so a restart picks up where it stopped.
import type { EventLog } from './events';
import type { ServiceMutations } from './mutations';
import type { ApiStore } from './store';
import { kernelCounters, type KernelTable } from './views';

export interface DrainLog {
  error(obj: object, msg?: string): void;
}

export class DrainWatcher {
  private timer: NodeJS.Timeout | undefined;
  private busy = false;

  constructor(
    private readonly store: ApiStore,
    private readonly kernel: KernelTable,
    private readonly mutations: ServiceMutations,
    private readonly log: DrainLog,
    private readonly events: EventLog,
    private readonly everyMs = 500,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One look at every draining server; public so that tests can step it. */
  async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      // Not a walk over every real server: with thousands, that held the event loop for milliseconds twice a second.
      const draining = this.store.draining();
      if (draining.length === 0) return;
      const counters = await kernelCounters(this.kernel, new Set(draining.map((d) => d.sid)));
      for (const d of draining) {
        const active = counters.get(d.sid)?.servers.get(d.rid)?.activeConns ?? 0;
        if (active === 0) await this.mutations.finishRemoval(d.sid, d.rid, 'no active connection left');
        else if (Date.now() >= d.by) await this.mutations.finishRemoval(d.sid, d.rid, `drain time over with ${active} active connection(s)`);
      }
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'drain watch failed');
      this.events.add('api', `drain watch failed: ${(err as Error).message}`);
    } finally {
      this.busy = false;
    }
  }
}
