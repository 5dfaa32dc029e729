// Follows link state changes as the kernel announces them (RTNLGRP_LINK), so
// that VRRP track_interface can react to an interface going down or up.
import { EventEmitter } from 'node:events';
import { rt, type NetlinkMessage } from 'netlink';
import { outsideNative } from './outside-native';
import { Rtnl, withRtnl } from './rtnl';
import { type Link, linkFromMessage, listLinks } from './links';

/** A link counts as up when it is administratively up and has carrier (IFF_UP and IFF_RUNNING). */
export function isLinkUp(link: Link): boolean {
  return link.adminUp && link.running;
}

export interface LinkWatchEvents {
  /** Any announcement about a link, after the up/down events it caused. */
  change: [link: Link];
  up: [link: Link];
  down: [link: Link];
  added: [link: Link];
  removed: [link: Link];
  error: [err: Error];
}

export class LinkWatcher extends EventEmitter<LinkWatchEvents> {
  private readonly known = new Map<number, Link>();
  private closed = false;

  private constructor(private readonly nl: Rtnl, readonly netns: string | undefined) {
    super();
  }

  /**
   * Subscribes first and lists the links second, so no change falls between
   * the two. The watcher keeps the process alive until close().
   */
  static async start(opts: { netns?: string } = {}): Promise<LinkWatcher> {
    const nl = Rtnl.open({ ...opts, ref: true });
    const watcher = new LinkWatcher(nl, opts.netns);
    try {
      nl.socket.addMembership(rt.MulticastGroups.LINK);
      // Deferred, so an announcement read before close() may come after it: dropped.
      nl.socket.on('message', outsideNative((msgs: NetlinkMessage[]) => { if (!watcher.closed) watcher.onMessages(msgs); }));
      nl.socket.on('error', outsideNative((err: Error) => { if (!watcher.closed) watcher.onSocketError(err); }));
      await watcher.resync();
    } catch (e) {
      nl.close();
      throw e;
    }
    return watcher;
  }

  /** The last known state of every link, by name. */
  links(): Map<string, Link> {
    return new Map([...this.known.values()].map((l) => [l.name, l]));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.nl.close();
  }

  private onMessages(msgs: NetlinkMessage[]): void {
    for (const msg of msgs) {
      if (msg.type !== rt.MessageType.NEWLINK && msg.type !== rt.MessageType.DELLINK) continue;
      let link: Link;
      try {
        link = linkFromMessage(msg);
      } catch (e) {
        this.emit('error', new Error(`unreadable link announcement${this.where()}: ${(e as Error).message}`));
        continue;
      }
      if (msg.type === rt.MessageType.DELLINK) this.forget(link);
      else this.update(link);
    }
  }

  private update(link: Link): void {
    const before = this.known.get(link.index);
    this.known.set(link.index, link);
    if (!before) this.emit('added', link);
    const wasUp = before !== undefined && isLinkUp(before);
    if (isLinkUp(link) && !wasUp) this.emit('up', link);
    if (!isLinkUp(link) && wasUp) this.emit('down', link);
    this.emit('change', link);
  }

  private forget(link: Link): void {
    const before = this.known.get(link.index);
    this.known.delete(link.index);
    if (before && isLinkUp(before)) this.emit('down', { ...link, adminUp: false, running: false });
    this.emit('removed', link);
    this.emit('change', link);
  }

  /** The kernel drops announcements when our queue overflows (ENOBUFS): list everything again. */
  private onSocketError(err: Error): void {
    if (this.closed) return;
    this.resync().catch((e: Error) => this.emit('error', new Error(
      `link watch${this.where()} lost announcements (${err.message}) and could not list links again: ${e.message}`)));
  }

  private async resync(): Promise<void> {
    const current = await withRtnl(this.netns, listLinks);
    const seen = new Set(current.map((l) => l.index));
    for (const link of current) this.update(link);
    for (const old of [...this.known.values()]) if (!seen.has(old.index)) this.forget(old);
  }

  private where(): string {
    return this.netns ? ` in netns ${this.netns}` : '';
  }
}
