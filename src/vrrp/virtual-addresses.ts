// What a master holds: its virtual addresses (with their dev, label, scope,
// brd) and virtual_routes, added on becoming master and removed on leaving.
// Requests run one after the other, so a quick master-backup-master sequence
// ends in the right state; every address is tried even if one fails.
import { addAddress, deleteAddress } from '../net/addresses';
import { formatAddressSpec, type AddressSpec } from '../net/address-spec';
import { addRoute, deleteRoute } from '../net/routes';
import { formatRouteSpec, type RouteSpec } from '../net/route-spec';
import type { Rtnl } from '../net/rtnl';
import type { VipManager } from './instance';

export class VirtualAddresses implements VipManager {
  private queue: Promise<void> = Promise.resolve();

  /** `quietly` wraps the removals (an IPv6 VMAC's: no listener report from the VRRP MAC). */
  constructor(
    private readonly nl: Rtnl,
    readonly addresses: readonly AddressSpec[],
    readonly routes: readonly RouteSpec[],
    private readonly quietly: (work: () => Promise<void>) => Promise<void> = (work) => work(),
  ) {}

  /** The instance passes its VIP list; the full specs given at construction are what is added. */
  add(): Promise<void> {
    return this.enqueue(async (failures) => {
      for (const a of this.addresses) await attempt(failures, () => addAddress(this.nl, a), `add ${formatAddressSpec(a)}`);
      // Routes may need the addresses (src, gateway on their subnet): they come second.
      for (const r of this.routes) await attempt(failures, () => addRoute(this.nl, r), `add route ${formatRouteSpec(r)}`);
    });
  }

  remove(): Promise<void> {
    return this.enqueue(async (failures) => {
      for (const r of this.routes) await attempt(failures, () => deleteRoute(this.nl, r), `delete route ${formatRouteSpec(r)}`);
      try {
        await this.quietly(async () => {
          for (const a of this.addresses) await attempt(failures, () => deleteAddress(this.nl, a), `delete ${formatAddressSpec(a)}`);
        });
      } catch (e) {
        failures.push((e as Error).message);
      }
    });
  }

  /** Resolves once every queued change is done (failures included). */
  async idle(): Promise<void> {
    await this.queue.catch(() => undefined);
  }

  private enqueue(work: (failures: string[]) => Promise<void>): Promise<void> {
    const next = this.queue.catch(() => undefined).then(async () => {
      const failures: string[] = [];
      await work(failures);
      if (failures.length) throw new Error(failures.join('; '));
    });
    this.queue = next;
    return next;
  }
}

async function attempt(failures: string[], work: () => Promise<boolean>, what: string): Promise<void> {
  try {
    await work();
  } catch (e) {
    failures.push(`${what}: ${(e as Error).message}`);
  }
}
