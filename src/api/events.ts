// Recent happenings for the status page: real servers going up or down,
// quorum, API changes, reloads and VRRP transitions, newest last, bounded.
export interface DirectorEvent {
  at: string;
  kind: 'server' | 'quorum' | 'api' | 'reload' | 'vrrp';
  text: string;
  /** The real server ("<virtual server> -> <address:port>") a server event is about. */
  server?: string;
  up?: boolean;
}

export class EventLog {
  private readonly events: DirectorEvent[] = [];
  private readonly byServer = new Map<string, { up: boolean; at: string }[]>();

  constructor(private readonly capacity = 200, private readonly perServer = 20) {}

  add(kind: DirectorEvent['kind'], text: string, extra: { server?: string; up?: boolean; at?: number } = {}): void {
    const e: DirectorEvent = { at: new Date(extra.at ?? Date.now()).toISOString(), kind, text };
    if (extra.server !== undefined) e.server = extra.server;
    if (extra.up !== undefined) e.up = extra.up;
    this.events.push(e);
    if (this.events.length > this.capacity) this.events.shift();
    if (extra.server !== undefined && extra.up !== undefined) {
      const list = this.byServer.get(extra.server) ?? [];
      list.push({ up: extra.up, at: e.at });
      if (list.length > this.perServer) list.shift();
      this.byServer.set(extra.server, list);
    }
  }

  recent(limit = 50): DirectorEvent[] {
    return this.events.slice(-limit);
  }

  /** The latest up/down changes of one real server, oldest first. */
  history(server: string): { up: boolean; at: string }[] {
    return this.byServer.get(server) ?? [];
  }
}
