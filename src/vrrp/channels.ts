// One raw VRRP socket per interface, family, source and mode, shared by the
// instances that use it (a raw socket sees every VRRP packet of its
// interface, so one per instance would make each count the others' adverts
// as strangers). Packets go to the instance of their VRID; a packet that
// names no instance here, or cannot be read at all, goes to every instance so
// each counts it. An instance with a VMAC also hears on the VMAC itself (a
// link listener of its own): adverts a peer sends from its VMAC carry our
// VMAC's MAC, and the kernel gives them to that macvlan, not to its base. It
// sends from the VMAC through a socket of its own there, which joins no group
// and uses the base interface's address (the VMAC has none of its own).
import { VrrpSocket, type MalformedVrrp, type ReceivedVrrp } from '../native/vrrp-socket';
import { inNetns } from '../net/netns';
import type { ReceivedPacket, VrrpTransport } from './instance';

export interface ChannelKey {
  family: 4 | 6;
  interface: string;
  source: string;
  multicast: boolean;
}

/** The per-instance end of a shared socket: what VrrpInstance sees as its transport. */
export class Channel implements VrrpTransport {
  private readonly packetListeners: ((p: ReceivedPacket) => void)[] = [];
  onMalformed: ((detail: string, source: string) => void) | undefined;

  /** Set when adverts leave from a VMAC rather than from the shared socket's interface. */
  sender: VrrpSocket | undefined;

  constructor(private readonly shared: SharedSocket, readonly vrid: number, private readonly release: () => void) {}

  send(payload: Buffer, destination: string): void {
    (this.sender ?? this.shared.socket).send(payload, destination);
  }

  on(_event: 'packet', listener: (p: ReceivedPacket) => void): void {
    this.packetListeners.push(listener);
  }

  deliver(p: ReceivedPacket): void {
    for (const l of this.packetListeners) l(p);
  }

  close(): void {
    this.release();
  }
}

class SharedSocket {
  readonly channels = new Set<Channel>();

  constructor(readonly socket: VrrpSocket, onError: (err: Error) => void) {
    socket.on('packet', (p) => this.dispatch(p));
    socket.on('malformed', (m) => this.malformed(m));
    socket.on('error', onError);
  }

  private dispatch(p: ReceivedVrrp): void {
    const vrid = p.payload.length >= 2 ? p.payload[1] : undefined;
    const owners = [...this.channels].filter((c) => c.vrid === vrid);
    for (const c of owners.length ? owners : [...this.channels]) c.deliver(p);
  }

  private malformed(m: MalformedVrrp): void {
    for (const c of this.channels) c.onMalformed?.(`${m.reason} (${m.length} bytes)`, m.source);
  }
}

/** The VMAC an instance also hears on, and whether it sends from there too. */
export interface ChannelVmac { name: string; sendsFromVmac: boolean }

export class ChannelPool {
  private readonly sockets = new Map<string, SharedSocket>();

  constructor(private readonly netns: string | undefined, private readonly onError: (key: ChannelKey, err: Error) => void) {}

  /**
   * Opens (or shares) the socket, and the VMAC's own sockets when given;
   * throws with the interface and errno when one cannot be opened.
   */
  open(key: ChannelKey, vrid: number, vmac?: ChannelVmac): Channel {
    const id = `${key.family}/${key.interface}/${key.source}/${key.multicast ? 'multicast' : 'unicast'}`;
    let shared = this.sockets.get(id);
    if (!shared) {
      const socket = inNetns(this.netns, () => VrrpSocket.open({
        family: key.family, interface: key.interface, sourceAddress: key.source, multicast: key.multicast,
      }));
      shared = new SharedSocket(socket, (err) => this.onError(key, err));
      this.sockets.set(id, shared);
    }
    const owner = shared;
    let listener: VrrpSocket | undefined;
    const channel: Channel = new Channel(owner, vrid, () => {
      listener?.close();
      channel.sender?.close();
      owner.channels.delete(channel);
      if (owner.channels.size === 0) {
        owner.socket.close();
        this.sockets.delete(id);
      }
    });
    owner.channels.add(channel);
    if (vmac === undefined) return channel;
    const vmacKey = { ...key, interface: vmac.name };
    try {
      listener = inNetns(this.netns, () => VrrpSocket.openLinkListener(vmac.name, key.family));
      // No group joined: a backup's VMAC must send nothing (no IGMP or MLD report either).
      if (vmac.sendsFromVmac) {
        channel.sender = inNetns(this.netns, () => VrrpSocket.openVmacSender(key.family, vmac.name, key.source));
      }
    } catch (e) {
      channel.close();
      throw e;
    }
    listener.on('packet', (p) => channel.deliver(p));
    listener.on('malformed', (m) => channel.onMalformed?.(`${m.reason} (${m.length} bytes)`, m.source));
    listener.on('error', (err) => this.onError(vmacKey, err));
    channel.sender?.on('error', (err) => this.onError(vmacKey, err));
    return channel;
  }

  get openSockets(): number {
    return this.sockets.size;
  }
}
