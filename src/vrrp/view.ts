// A read-only snapshot of one running vrrp_instance, for the REST API and
// status displays. Plain data: safe to serialise as JSON.
import type { DropCounters } from './drop-reason';
import type { VrrpInstance } from './instance';
import type { TransitionReason, VrrpState } from './state-machine';
import type { TrackView } from './tracking';

export interface VrrpView {
  name: string;
  interface: string;
  vrid: number;
  version: 2 | 3;
  state: VrrpState;
  /** Configured priority. */
  priority: number;
  /** Priority after tracked interfaces and scripts. */
  effectivePriority: number;
  vips: string[];
  /** Address of the current master (ourselves when master); undefined until one is heard. */
  masterAddress: string | undefined;
  syncGroup: string | undefined;
  /** Names of the tracked objects that currently force FAULT. */
  faults: string[];
  /** Every tracked interface, script, file and process: its state and what it adds to the priority. */
  tracks: TrackView[];
  transitions: number;
  lastTransition: { at: string; from: VrrpState; to: VrrpState; reason: TransitionReason } | undefined;
  counters: {
    advertsReceived: number;
    advertsSent: number;
    priorityZeroReceived: number;
    priorityZeroSent: number;
    becameMaster: number;
    ioErrors: number;
    /** Dropped packets by reason, e.g. { 'auth-failure': 3 }. */
    drops: DropCounters;
    dropped: number;
  };
}

export function viewOf(instance: VrrpInstance, syncGroup?: string): VrrpView {
  const c = instance.counters;
  const last = instance.lastTransition;
  return {
    name: instance.name,
    interface: instance.config.interface,
    vrid: instance.config.vrid,
    version: instance.config.version,
    state: instance.state,
    priority: instance.config.priority,
    effectivePriority: instance.machine.priority,
    vips: [...instance.config.vips],
    masterAddress: instance.state === 'MASTER' || instance.state === 'BACKUP' ? instance.machine.masterAddress : undefined,
    syncGroup,
    faults: instance.machine.faults(),
    tracks: instance.machine.tracks(),
    transitions: c.transitions,
    lastTransition: last ? { at: last.at.toISOString(), from: last.from, to: last.to, reason: last.reason } : undefined,
    counters: {
      advertsReceived: c.advertsReceived,
      advertsSent: c.advertsSent,
      priorityZeroReceived: c.priorityZeroReceived,
      priorityZeroSent: c.priorityZeroSent,
      becameMaster: c.becameMaster,
      ioErrors: c.ioErrors,
      drops: { ...c.drops },
      dropped: Object.values(c.drops).reduce((a, b) => a + b, 0),
    },
  };
}
