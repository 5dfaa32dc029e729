// The VMAC of a use_vmac instance: a private-mode macvlan on the instance's
// interface, with the VRRP virtual MAC, that holds the instance's addresses,
// so hosts keep one MAC for the VIPs whichever director is master. Adverts
// leave from it with the base interface's address (the VMAC has no address
// of its own, an IPv6 one included); a backup's VMAC is up but sends
// nothing, so switches learn the VMAC only at the master.
import { createLink, deleteLink, findLink, requireLink, setLinkUp } from '../net/links';
import type { Rtnl } from '../net/rtnl';
import { ensureSysctl, interfaceSysctl, writeSysctl } from '../net/sysctl';
import type { SysctlHolds } from '../net/sysctl-holds';
import type { VmacPlan } from './settings';

const BASE_SETTINGS = [['arp_ignore', 1], ['arp_filter', 1], ['arp_announce', 2]] as const;

export class VmacLinks {
  /** `holds` keeps the base interfaces' ARP settings, held by each VMAC, put back when the last goes. */
  constructor(private readonly nl: Rtnl, private readonly netns: string | undefined, private readonly holds: SysctlHolds) {}

  /** Creates the VMAC (or takes over the one an earlier run left) and brings it up. */
  async ensure(v: VmacPlan): Promise<void> {
    const base = await requireLink(this.nl, v.base);
    const existing = await findLink(this.nl, v.name);
    if (existing && !(existing.kind === 'macvlan' && existing.mac === v.mac)) {
      throw new Error(`interface ${v.name} exists and is not the VMAC ${v.mac}: remove it, or name another with use_vmac NAME`);
    }
    const created = !existing && await createLink(this.nl, { kind: 'macvlan', name: v.name, parentIndex: base.index, mac: v.mac });
    try {
      await this.configure(v);
    } catch (e) {
      this.holds.release(vmacHolder(v));
      if (created) await deleteLink(this.nl, v.name).catch(() => undefined);
      throw e;
    }
  }

  private async configure(v: VmacPlan): Promise<void> {
    const opts = this.netns !== undefined ? { netns: this.netns } : {};
    if (v.family === 6) {
      await this.configureIpv6(v, opts);
      return;
    }
    // IPv6 would make a backup's VMAC send router and multicast listener solicitations, and switches learn the VMAC there.
    writeSysctl(interfaceSysctl(v.name, 'disable_ipv6', 'ipv6'), 1, opts);
    // Answer ARP only for the addresses on the VMAC itself.
    writeSysctl(interfaceSysctl(v.name, 'arp_ignore'), 1, opts);
    // Traffic to a VIP comes in on the VMAC while the route back to its sender is on the base interface.
    writeSysctl(interfaceSysctl(v.name, 'rp_filter'), 0, opts);
    await setLinkUp(this.nl, v.name, true);
    // Otherwise the base interface answers ARP for the VIPs with its own MAC (arp_ignore, arp_filter),
    // or asks for a neighbour in a VIP's name (arp_announce: replies leave by the base interface),
    // and hosts learn its MAC for the VIP either way.
    for (const [key, value] of BASE_SETTINGS) this.holds.hold(vmacHolder(v), interfaceSysctl(v.base, key), value);
  }

  /**
   * IPv6 on, but no address of its own (addr_gen_mode 1: no link-local one
   * from the MAC, RFC 5798 7.4; accept_ra 0: none from a router's prefix
   * either): each address would join its solicited-node group, and a
   * backup's VMAC would send listener reports that switches learn it from.
   * The VIPs alone come and go, on the master. forwarding 0: a router's
   * interface is in the all-routers group and answers listener queries for
   * it (forwarding itself follows all.forwarding); a VMAC made while
   * all.forwarding is 1 is born in that group, and leaves it quietly (see
   * quietly()). The base interface's ARP settings do not concern IPv6:
   * neighbour solicitations for a VIP are answered only by the interface
   * that holds it.
   */
  private async configureIpv6(v: VmacPlan, opts: { netns?: string }): Promise<void> {
    await this.quietly(v, () => writeSysctl(interfaceSysctl(v.name, 'forwarding', 'ipv6'), 0, opts));
    writeSysctl(interfaceSysctl(v.name, 'addr_gen_mode', 'ipv6'), 1, opts);
    writeSysctl(interfaceSysctl(v.name, 'accept_ra', 'ipv6'), 0, opts);
    writeSysctl(interfaceSysctl(v.name, 'disable_ipv6', 'ipv6'), 0, opts);
    await setLinkUp(this.nl, v.name, true);
  }

  /**
   * Runs `work`, which takes an IPv6 VMAC out of multicast groups, without a
   * listener report for it: MLDv2 reports each group left from the VRRP MAC,
   * a backup's included (sent when it comes up, for a group left while it
   * was down), and switches learn the VMAC there. In MLDv1 mode a group is
   * left with a report only by the host that last reported it, and this one
   * reported in v2; so the VMAC is in v1 mode for the while.
   */
  async quietly(v: VmacPlan, work: () => void | Promise<void>): Promise<void> {
    if (v.family !== 6) {
      await work();
      return;
    }
    const opts = this.netns !== undefined ? { netns: this.netns } : {};
    const key = interfaceSysctl(v.name, 'force_mld_version', 'ipv6');
    let before: string | undefined;
    try {
      before = ensureSysctl(key, 1, opts);
    } catch (e) {
      // The work is done all the same (a VIP must leave a backup); the report it may make is what is said.
      await work();
      throw new Error(`${v.name} may have sent a listener report from the VRRP MAC: ${(e as Error).message}`);
    }
    try {
      await work();
    } finally {
      if (before !== undefined) writeSysctl(key, before, opts);
    }
  }

  /**
   * Deletes the VMAC (its addresses go with it); its base interface's ARP
   * settings are put back if it was the last. Returns the settings that
   * could not be, with why.
   */
  async remove(v: VmacPlan): Promise<string[]> {
    await deleteLink(this.nl, v.name);
    return this.holds.release(vmacHolder(v));
  }
}

function vmacHolder(v: VmacPlan): string {
  return `VMAC ${v.name}`;
}
