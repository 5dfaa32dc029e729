// The daemon's VRRP part: the vrrp_instance blocks of each accepted
// configuration, run by a VrrpRuntime in the daemon's namespace. A
// configuration whose VRRP part is invalid is refused before anything changes.
// With vrrp_startup_delay the instances start that long after lvsd does (a
// reload meanwhile is applied then), as keepalived delays them at boot.
import type { KeepalivedConfig } from '../config/model';
import { VrrpRuntime, type GroupTransition, type VrrpTransition } from '../vrrp/runtime';
import { planVrrp } from '../vrrp/settings';
import type { VrrpView } from '../vrrp/view';
import type { Component, DaemonContext } from './run';
import { scriptRunner } from './scripts';

export interface VrrpComponent extends Component {
  /** One snapshot per running vrrp_instance. */
  vrrpView(): VrrpView[];
  /** Calls listener on every instance transition from now on. */
  onTransition(listener: (t: VrrpTransition) => void): void;
  /** Calls listener on every sync group transition from now on. */
  onGroupTransition(listener: (t: GroupTransition) => void): void;
  /** Calls listener each time a master hears a lower priority advert from now on. */
  onMasterRxLowerPriority(listener: (t: { instance: string; priority: number }) => void): void;
}

/** Whether a component tells VRRP transitions (the VRRP one): how others follow them without knowing it. */
export function hasVrrpTransitions(c: Component): c is Component & Pick<VrrpComponent, 'onTransition' | 'onGroupTransition' | 'onMasterRxLowerPriority'> {
  return typeof (c as { onTransition?: unknown }).onTransition === 'function';
}

export function vrrpComponent(ctx: DaemonContext): VrrpComponent {
  const log = ctx.log.child({ component: 'vrrp' });
  let runtime: VrrpRuntime | undefined;
  const listeners: ((t: VrrpTransition) => void)[] = [];
  const groupListeners: ((t: GroupTransition) => void)[] = [];
  const lowerListeners: ((t: { instance: string; priority: number }) => void)[] = [];
  const tellAll = <T>(list: ((t: T) => void)[]) => (t: T): void => {
    for (const l of list) {
      try {
        l(t);
      } catch (err) {
        log.error({ err: (err as Error).message }, 'VRRP transition listener failed');
      }
    }
  };
  let delayed: { timer: NodeJS.Timeout; config: KeepalivedConfig } | undefined;
  /** The start the delay let go, which a stop waits for. */
  let lateStart: Promise<void> = Promise.resolve();
  const run = async (config: KeepalivedConfig, cause: 'start' | 'reload'): Promise<void> => {
    const plan = planVrrp(config);
    if (!runtime && plan.instances.length === 0 && plan.statics.addresses.length + plan.statics.routes.length === 0) return;
    runtime ??= new VrrpRuntime({
      log, runScript: scriptRunner(log), syncDaemons: ctx.client, onTransition: tellAll(listeners), onGroupTransition: tellAll(groupListeners),
      onMasterRxLowerPriority: (instance, priority) => tellAll(lowerListeners)({ instance, priority }),
    });
    await runtime.apply(plan);
    log.info({ cause, instances: plan.instances.length }, 'VRRP configuration applied');
  };
  return {
    name: 'vrrp',
    async apply(config: KeepalivedConfig, cause: 'start' | 'reload'): Promise<void> {
      if (delayed) {
        delayed.config = config;
        return;
      }
      const delayMs = config.global.vrrp.startupDelayMs ?? 0;
      if (cause === 'start' && delayMs > 0) {
        log.info({ delayMs }, 'vrrp_startup_delay: the VRRP instances start later');
        const timer = setTimeout(() => {
          const latest = delayed!.config;
          delayed = undefined;
          lateStart = run(latest, 'start').catch((err: Error) => log.error({ err: err.message }, 'VRRP not started after vrrp_startup_delay'));
        }, delayMs);
        delayed = { timer, config };
        return;
      }
      await run(config, cause);
    },
    async stop(): Promise<void> {
      if (delayed) clearTimeout(delayed.timer);
      delayed = undefined;
      await lateStart;
      await runtime?.stop();
      runtime = undefined;
    },
    vrrpView(): VrrpView[] {
      return runtime?.view() ?? [];
    },
    onTransition(listener): void {
      listeners.push(listener);
    },
    onGroupTransition(listener): void {
      groupListeners.push(listener);
    },
    onMasterRxLowerPriority(listener): void {
      lowerListeners.push(listener);
    },
  };
}
