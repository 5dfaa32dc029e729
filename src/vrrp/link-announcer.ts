// Gratuitous ARP and unsolicited NA at takeover, with the work done ahead:
// the packet socket of each interface is opened and every VIP's frame built
// when an instance starts, so the burst after the first advertisement is
// nothing but sends. A failed send (interface re-created, MAC changed)
// rebuilds the interface's state once and tries again.
import { announcementFrame, FrameSender, interfaceInfo } from '../native/announce';
import { inNetns } from '../net/netns';
import type { Announcer } from './instance';

interface PreparedLink {
  sender: FrameSender;
  mac: string;
  frames: Map<string, Buffer>;
}

export class LinkAnnouncer implements Announcer {
  private readonly links = new Map<string, PreparedLink>();

  constructor(private readonly netns: string | undefined) {}

  /** Opens the interface's socket and builds the addresses' frames now; throws with the interface's error. */
  prepare(ifname: string, addresses: readonly string[]): void {
    const link = this.link(ifname);
    for (const address of addresses) this.frame(link, address);
  }

  garp(ifname: string, address: string): void {
    this.send(ifname, address);
  }

  na(ifname: string, address: string): void {
    this.send(ifname, address);
  }

  /** The interface changed (flapped, re-created, new MAC): its state is rebuilt on next use. */
  forget(ifname: string): void {
    this.links.get(ifname)?.sender.close();
    this.links.delete(ifname);
  }

  close(): void {
    for (const ifname of [...this.links.keys()]) this.forget(ifname);
  }

  private send(ifname: string, address: string): void {
    const fresh = !this.links.has(ifname);
    const link = this.link(ifname);
    try {
      link.sender.send(this.frame(link, address));
    } catch (e) {
      if (fresh) throw e;
      this.forget(ifname);
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
