// Telling the segment an address now lives behind a MAC: gratuitous ARP for
// IPv4, unsolicited neighbour advertisement for IPv6. Both are sent at once,
// without blocking, on the interface of the calling thread's namespace.
import { native, type NativeFrameSender } from './index';
import { gratuitousArpFrame, unsolicitedNaFrame } from './frames';
import { addressBytes, checkInterfaceName, parseMac } from './validate';

export interface InterfaceInfo { index: number; mac: string; up: boolean }

export function interfaceInfo(ifname: string): InterfaceInfo {
  const { index, mac, up } = native().interfaceInfo(checkInterfaceName(ifname));
  return { index, mac, up };
}

/** The given sender MAC, or the interface's own. */
function senderMac(ifname: string, mac: string | undefined): Buffer {
  if (mac !== undefined) return parseMac(mac, 'sender MAC');
  const info = native().interfaceInfo(ifname);
  if (!info.ethernet) throw new Error(`interface ${ifname} is not an Ethernet interface: no MAC to announce`);
  return parseMac(info.mac, `MAC of ${ifname}`);
}

/** ARP request, sender = target = address, broadcast from mac (default: the interface's MAC). */
export function sendGratuitousArp(ifname: string, address: string, mac?: string): void {
  checkInterfaceName(ifname);
  const vip = addressBytes(4, address, 'gratuitous ARP address');
  native().sendFrame(ifname, gratuitousArpFrame(vip, senderMac(ifname, mac)));
}

/** Neighbour advertisement for address to ff02::1 with the override flag, target link-layer option = mac. */
export function sendUnsolicitedNa(ifname: string, address: string, mac?: string): void {
  checkInterfaceName(ifname);
  const vip = naTarget(address);
  native().sendFrame(ifname, unsolicitedNaFrame(vip, senderMac(ifname, mac)));
}

/** The 16 bytes of an address a neighbour advertisement may announce: unicast IPv6. */
function naTarget(address: string): Buffer {
  const vip = addressBytes(6, address, 'neighbour advertisement address');
  if (vip[0] === 0xff) throw new TypeError(`neighbour advertisement address ${address} is multicast`);
  return vip;
}

/** The announcement of an address: gratuitous ARP for IPv4, unsolicited NA for IPv6, from mac. */
export function announcementFrame(address: string, mac: string): Buffer {
  const sender = parseMac(mac, 'sender MAC');
  if (!address.includes(':')) return gratuitousArpFrame(addressBytes(4, address, 'gratuitous ARP address'), sender);
  return unsolicitedNaFrame(naTarget(address), sender);
}

/**
 * A packet socket held open on one Ethernet interface (of the namespace it
 * was opened in): each frame then costs one system call.
 */
export class FrameSender {
  private handle: NativeFrameSender | undefined;

  constructor(readonly ifname: string) {
    this.handle = new (native().FrameSender)(checkInterfaceName(ifname));
  }

  send(frame: Buffer): void {
    if (!this.handle) throw new Error(`sending a frame on ${this.ifname}: sender is closed`);
    this.handle.send(frame);
  }

  close(): void {
    this.handle?.close();
    this.handle = undefined;
  }
}
