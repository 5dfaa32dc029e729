// Gratuitous ARP and unsolicited NA at takeover, with the work done ahead:
// the packet socket of each interface is opened and every VIP's frame built
// when an instance starts, so the burst after the first advertisement is
// nothing but sends. A failed send (interface re-created, MAC changed)
// rebuilds the interface's state once and tries again. With
// vrrp_garp_interval / vrrp_gna_interval the frames of an interface are paced:
// the first goes at once, each next one that long after the last, and an
// address waits with one frame at most, however many were asked (as
// keepalived keeps one pending flag per address).
import { announcementFrame, FrameSender, interfaceInfo } from '../native/announce';
import { inNetns } from '../net/netns';
import type { Announcer } from './instance';
import type { AnnouncementPacing } from './settings';

interface PreparedLink {
  sender: FrameSender;
  mac: string;
  frames: Map<string, Buffer>;
}

/** One pace: an interface's, or a garp_group's shared by its interfaces. */
interface Pace {
  last: number;
  queue: { ifname: string; address: string }[];
  timer?: NodeJS.Timeout;
}

export class LinkAnnouncer implements Announcer {
  private readonly links = new Map<string, PreparedLink>();
  private readonly paces = new Map<string, Pace>();
  private pacing: AnnouncementPacing = { garpMs: 0, gnaMs: 0, groups: [] };

  /** `late`: told of the failures of paced sends, which no caller waits for. */
  constructor(private readonly netns: string | undefined, private readonly late: (ifname: string, err: Error) => void = () => undefined) {}

  setPacing(pacing: AnnouncementPacing): void {
    this.pacing = pacing;
  }

  /** Opens the interface's socket and builds the addresses' frames now; throws with the interface's error. */
  prepare(ifname: string, addresses: readonly string[]): void {
    const link = this.link(ifname);
    for (const address of addresses) this.frame(link, address);
  }

  garp(ifname: string, address: string): void {
    this.paced(ifname, 'arp', address);
  }

  na(ifname: string, address: string): void {
    this.paced(ifname, 'na', address);
  }

  /** The interface changed (flapped, re-created, new MAC): its state is rebuilt on next use, and frames waiting for it are dropped. */
  forget(ifname: string): void {
    this.dropLink(ifname);
    for (const pace of this.paces.values()) pace.queue = pace.queue.filter((q) => q.ifname !== ifname);
  }

  private dropLink(ifname: string): void {
    this.links.get(ifname)?.sender.close();
    this.links.delete(ifname);
  }

  /** Sends now when unpaced, or when the interval since the last frame has passed (a failure then throws); queues otherwise. */
  private paced(ifname: string, kind: 'arp' | 'na', address: string): void {
    const group = this.pacing.groups.findIndex((g) => g.interfaces.includes(ifname));
    const from = group >= 0 ? this.pacing.groups[group]! : this.pacing;
    const interval = kind === 'arp' ? from.garpMs : from.gnaMs;
    if (interval <= 0) return this.send(ifname, address);
    const key = `${group >= 0 ? `group ${group}` : ifname}/${kind}`;
    let pace = this.paces.get(key);
    if (!pace) {
      pace = { last: -Infinity, queue: [] };
      this.paces.set(key, pace);
    }
    if (pace.queue.some((q) => q.ifname === ifname && q.address === address)) return;
    pace.queue.push({ ifname, address });
    if (pace.timer) return;
    const wait = pace.last + interval - Date.now();
    if (wait > 0) pace.timer = setTimeout(() => this.pump(pace!, interval), wait);
    else this.pump(pace, interval, true);
  }

  private pump(pace: Pace, interval: number, callerWaits = false): void {
    pace.timer = undefined;
    const next = pace.queue.shift();
    if (next === undefined) return;
    pace.last = Date.now();
    if (pace.queue.length) pace.timer = setTimeout(() => this.pump(pace, interval), interval);
    try {
      this.send(next.ifname, next.address);
    } catch (e) {
      if (callerWaits) throw e;
      this.late(next.ifname, e as Error);
    }
  }

  close(): void {
    for (const ifname of [...this.links.keys()]) this.forget(ifname);
    for (const pace of this.paces.values()) if (pace.timer) clearTimeout(pace.timer);
    this.paces.clear();
  }

  private send(ifname: string, address: string): void {
    const fresh = !this.links.has(ifname);
    const link = this.link(ifname);
    try {
      link.sender.send(this.frame(link, address));
    } catch (e) {
      if (fresh) throw e;
      this.dropLink(ifname);
      const retry = this.link(ifname);
      retry.sender.send(this.frame(retry, address));
    }
  }

  private link(ifname: string): PreparedLink {
    let link = this.links.get(ifname);
    if (!link) {
      const opened = inNetns(this.netns, () => ({ sender: new FrameSender(ifname), mac: interfaceInfo(ifname).mac }));
      link = { ...opened, frames: new Map() };
      this.links.set(ifname, link);
    }
    return link;
  }

  private frame(link: PreparedLink, address: string): Buffer {
    let frame = link.frames.get(address);
    if (!frame) {
      frame = announcementFrame(address, link.mac);
      link.frames.set(address, frame);
    }
    return frame;
  }
}
