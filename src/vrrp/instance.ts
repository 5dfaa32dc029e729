// One vrrp_instance: its configuration, the state machine, and the I/O the
// machine asks for (advertisements over a transport, virtual addresses, GARP/NA
// announcements, notify), with per-instance counters.
import { addressBytes, addressFamily, normalizeAddress, type Family } from './address';
import { emptyDropCounters, type DropCounters, type DropReason } from './drop-reason';
import { decodeAdvertisement, encodeAdvertisement, passwordAuthData, type Advertisement, type AuthType } from './packet';
import { checkAdvertisement, type Expectation } from './receive-check';
import type { TimerScheduler } from './scheduler';
import {
  DEFAULT_GARP, StateMachine, type Action, type GarpSettings, type MachineConfig, type TransitionReason, type VrrpState,
} from './state-machine';
import { advertIntervalUs, US_PER_CENTISECOND, US_PER_SECOND } from './timers';
import type { TrackSpec } from './tracking';

export const VRRP_MULTICAST: Record<Family, string> = { ipv4: '224.0.0.18', ipv6: 'ff02::12' };

export interface ReceivedPacket {
  payload: Buffer;
  ttl: number;
  source: string;
  destination: string;
  ifindex: number;
  /** When the kernel received it, on the scheduler's clock (µs); absent: now. */
  receivedAtUs?: number;
}

/** A raw IP protocol 112 socket bound to one interface (src/native/vrrp-socket.ts). */
export interface VrrpTransport {
  send(payload: Buffer, destination: string): void;
  on(event: 'packet', listener: (p: ReceivedPacket) => void): void;
  close(): void;
}

/** Adds and removes the virtual addresses on the instance's interface. */
export interface VipManager {
  add(vips: string[]): void | Promise<void>;
  remove(vips: string[]): void | Promise<void>;
}

/** Gratuitous ARP (IPv4) and unsolicited neighbour advertisements (IPv6). */
export interface Announcer {
  garp(ifname: string, address: string): void;
  na(ifname: string, address: string): void;
}

export type Notifier = (instance: string, state: VrrpState, priority: number) => void;

/** keepalived's GARP keywords, delays in seconds. */
export interface GarpConfig {
  masterDelay: number;
  masterRepeat: number;
  masterRefresh: number;
  masterRefreshRepeat: number;
  lowerPrioDelay: number;
  lowerPrioRepeat: number;
}

export interface VrrpInstanceConfig {
  name: string;
  /** Where adverts are sent and heard. */
  interface: string;
  /** Where the addresses are announced (gratuitous ARP / NA), when not on `interface`: the VMAC. */
  announceInterface?: string;
  vrid: number;
  /** 1..255; keepalived's default is 100. */
  priority: number;
  version: 2 | 3;
  /** advert_int in seconds. */
  advertInterval: number;
  /** v2 only: authentication { auth_type PASS; auth_pass ... }. */
  auth?: { type: 'pass'; password: string };
  /** The interface's own address: the advertisement source unless unicast_src_ip is set. */
  primaryAddress: string;
  unicastSrcIp?: string;
  unicastPeers?: string[];
  checkUnicastSource?: boolean;
  vips: string[];
  state?: 'MASTER' | 'BACKUP';
  nopreempt?: boolean;
  /** preempt_delay in seconds. */
  preemptDelay?: number;
  downTimerAdverts?: number;
  garp?: Partial<GarpConfig>;
  lowerPrioNoAdvert?: boolean;
  higherPrioSendAdvert?: boolean;
  tracks?: TrackSpec[];
}

export interface InstanceCounters {
  drops: DropCounters;
  advertsReceived: number;
  advertsSent: number;
  priorityZeroReceived: number;
  priorityZeroSent: number;
  transitions: number;
  becameMaster: number;
  /** Failures of the VIP manager, announcer, transport or notifier. */
  ioErrors: number;
}

export interface InstanceDeps {
  transport: VrrpTransport;
  vips: VipManager;
  announcer: Announcer;
  scheduler: TimerScheduler;
  notify?: Notifier;
  /** Told each time the master hears a lower priority advert, with its own priority. */
  masterRxLowerPriority?: (instance: string, priority: number) => void;
  log?: (line: string) => void;
}

interface Resolved {
  family: Family;
  machine: MachineConfig;
  expectation: Expectation;
  source: string;
  destinations: string[];
  advertInterval: number;
}

function fail(name: string, message: string): never {
  throw new Error(`vrrp_instance ${name}: ${message}`);
}

function canonicalList(name: string, what: string, list: readonly string[], family: Family): string[] {
  return list.map((a) => {
    if (addressFamily(a) !== family) fail(name, `${what} ${a} is not an ${family === 'ipv4' ? 'IPv4' : 'IPv6'} address`);
    return normalizeAddress(a);
  });
}

function seconds(name: string, what: string, value: number | undefined, fallbackUs: number): number {
  if (value === undefined) return fallbackUs;
  if (!Number.isFinite(value) || value < 0) fail(name, `${what} ${value} must be a non-negative number of seconds`);
  return Math.round(value * US_PER_SECOND);
}

function count(name: string, what: string, value: number | undefined, fallback: number, min: number, max = 255): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max) fail(name, `${what} ${value} is outside ${min}..${max}`);
  return value;
}

/** keepalived takes any count of gratuitous ARPs; the configuration reads up to this many. */
const GARP_REPEAT_MAX = 10000;

/** Checks and completes a configuration; throws an error naming the instance and the field. */
export function resolveInstanceConfig(c: VrrpInstanceConfig): Resolved {
  const n = c.name;
  if (!Number.isInteger(c.vrid) || c.vrid < 1 || c.vrid > 255) fail(n, `virtual_router_id ${c.vrid} is outside 1..255`);
  if (!Number.isInteger(c.priority) || c.priority < 1 || c.priority > 255) fail(n, `priority ${c.priority} is outside 1..255`);
  if (c.version !== 2 && c.version !== 3) fail(n, `version ${String(c.version)} is not 2 or 3`);
  // As keepalived: a v2 instance without addresses still elects a master (and runs its notify scripts).
  if (c.vips.length === 0 && c.version === 3) fail(n, 'virtual_ipaddress is empty; VRRP version 3 needs at least one address');
  if (c.vips.length > 255) fail(n, `${c.vips.length} virtual addresses, at most 255 fit in an advertisement`);
  const first = c.vips[0] ?? c.unicastSrcIp ?? c.unicastPeers?.[0] ?? '0.0.0.0';
  const family = addressFamily(first);
  if (family === undefined) fail(n, `virtual address ${first} is not an IP address`);
  if (family === 'ipv6' && c.version === 2) fail(n, 'VRRP version 2 cannot carry IPv6 addresses');
  const vips = canonicalList(n, 'virtual address', c.vips, family);
  const peers = canonicalList(n, 'unicast_peer', c.unicastPeers ?? [], family);
  const [primary] = canonicalList(n, 'interface address', [c.primaryAddress], family);
  const source = c.unicastSrcIp === undefined ? primary! : canonicalList(n, 'unicast_src_ip', [c.unicastSrcIp], family)[0]!;
  if (c.auth && c.version !== 2) fail(n, 'authentication exists in VRRP version 2 only');
  if (c.auth && c.auth.password.length === 0) fail(n, 'auth_pass is empty');
  let intervalUs: number;
  try {
    intervalUs = advertIntervalUs(c.version, c.advertInterval);
  } catch (e) {
    fail(n, (e as Error).message);
  }
  const garp: GarpSettings = {
    masterDelayUs: seconds(n, 'garp_master_delay', c.garp?.masterDelay, DEFAULT_GARP.masterDelayUs),
    masterRepeat: count(n, 'garp_master_repeat', c.garp?.masterRepeat, DEFAULT_GARP.masterRepeat, 1, GARP_REPEAT_MAX),
    refreshUs: seconds(n, 'garp_master_refresh', c.garp?.masterRefresh, DEFAULT_GARP.refreshUs),
    refreshRepeat: count(n, 'garp_master_refresh_repeat', c.garp?.masterRefreshRepeat, DEFAULT_GARP.refreshRepeat, 1, GARP_REPEAT_MAX),
    lowerPriorityDelayUs: 0,
    lowerPriorityRepeat: 0,
  };
  // Unset lower-priority settings are keepalived's global defaults (the planner passes the global settings down).
  garp.lowerPriorityDelayUs = seconds(n, 'garp_lower_prio_delay', c.garp?.lowerPrioDelay, DEFAULT_GARP.masterDelayUs);
  garp.lowerPriorityRepeat = count(n, 'garp_lower_prio_repeat', c.garp?.lowerPrioRepeat, DEFAULT_GARP.masterRepeat, 0, GARP_REPEAT_MAX);
  const owner = c.priority === 255;
  const authType: AuthType = c.auth ? 'pass' : 'none';
  return {
    family,
    source,
    destinations: peers.length > 0 ? peers : [VRRP_MULTICAST[family]],
    advertInterval: intervalUs,
    machine: {
      version: c.version,
      priority: c.priority,
      advertIntervalUs: intervalUs,
      primaryAddress: source,
      ...(c.state !== undefined ? { initialState: c.state } : {}),
      // keepalived drops nopreempt and preempt_delay for an owner or an initial MASTER.
      preempt: !c.nopreempt || owner || c.state === 'MASTER',
      preemptDelayUs: owner || c.state === 'MASTER' ? 0 : seconds(n, 'preempt_delay', c.preemptDelay, 0),
      downTimerAdverts: count(n, 'down_timer_adverts', c.downTimerAdverts, 3, 1),
      garp,
      lowerPriorityNoAdvert: c.lowerPrioNoAdvert ?? false,
      higherPrioritySendAdvert: c.higherPrioSendAdvert ?? false,
      tracks: c.tracks ?? [],
    },
    expectation: {
      family,
      vrid: c.vrid,
      version: c.version,
      authType,
      authData: c.auth ? passwordAuthData(c.auth.password) : Buffer.alloc(8),
      advertIntervalSec: Math.round(intervalUs / US_PER_SECOND),
      vips,
      unicastPeers: peers,
      checkUnicastSource: c.checkUnicastSource ?? false,
    },
  };
}

export class VrrpInstance {
  readonly machine: StateMachine;
  readonly counters: InstanceCounters = {
    drops: emptyDropCounters(),
    advertsReceived: 0,
    advertsSent: 0,
    priorityZeroReceived: 0,
    priorityZeroSent: 0,
    transitions: 0,
    becameMaster: 0,
    ioErrors: 0,
  };
  /** Why the latest transition happened, for status displays. */
  lastTransition: { from: VrrpState; to: VrrpState; reason: TransitionReason; at: Date } | undefined;
  private readonly resolved: Resolved;
  private readonly encodedAdverts = new Map<number, Buffer[]>();

  constructor(readonly config: VrrpInstanceConfig, private readonly deps: InstanceDeps) {
    this.resolved = resolveInstanceConfig(config);
    this.machine = new StateMachine(config.name, this.resolved.machine, () => deps.scheduler.now(), (a) => this.perform(a));
    deps.transport.on('packet', (p) => this.receive(p));
    this.advertPayloads(this.machine.priority);
  }

  get name(): string { return this.config.name; }
  /** The addresses announced (GARP / NA) on becoming master, in canonical form. */
  get announcedAddresses(): readonly string[] { return this.resolved.expectation.vips; }
  get state(): VrrpState { return this.machine.state; }

  start(): void { this.machine.handle({ type: 'start' }); }

  /** Leaves the VRRP domain (priority 0 if master) and stops timers; the transport stays with its owner. */
  shutdown(): void {
    this.machine.handle({ type: 'shutdown' });
  }

  track(name: string, up: boolean): void { this.machine.handle({ type: 'track', name, up }); }

  trackValue(name: string, value: number): void { this.machine.handle({ type: 'track-value', name, value }); }

  fault(source: string, active: boolean): void { this.machine.handle({ type: 'fault', source, active }); }

  /** Feeds one received packet through decoding, the instance's checks and the state machine. */
  receive(p: ReceivedPacket): void {
    const { family, expectation } = this.resolved;
    const decoded = decodeAdvertisement(p.payload, { family, source: p.source, destination: p.destination });
    if (!decoded.ok) return this.dropped(decoded.reason, decoded.detail, p.source);
    const verdict = checkAdvertisement(decoded.advert, p, expectation);
    if (!verdict.ok) return this.dropped(verdict.reason, verdict.detail, p.source);
    this.counters.advertsReceived++;
    if (decoded.advert.priority === 0) this.counters.priorityZeroReceived++;
    this.machine.handle({
      type: 'advert',
      advert: { priority: decoded.advert.priority, advertIntervalUs: intervalOf(decoded.advert), source: p.source, at: p.receivedAtUs },
    });
  }

  /** A datagram on the instance's socket whose IP header could not be read. */
  malformed(detail: string, source: string): void {
    this.dropped('malformed-ip', detail, source);
  }

  private dropped(reason: DropReason, detail: string, source: string): void {
    this.counters.drops[reason]++;
    this.log(`dropped advertisement from ${source}: ${reason} (${detail})`);
  }

  private perform(action: Action): void {
    switch (action.type) {
      case 'send-advert': return this.sendAdvert(action.priority);
      case 'announce': return this.announce(action.repeat);
      case 'add-vips': return this.guard('adding virtual addresses', () => this.deps.vips.add(this.config.vips));
      case 'remove-vips': return this.guard('removing virtual addresses', () => this.deps.vips.remove(this.config.vips));
      case 'state-changed':
        this.counters.transitions++;
        if (action.to === 'MASTER') this.counters.becameMaster++;
        this.lastTransition = { from: action.from, to: action.to, reason: action.reason, at: new Date() };
        return this.log(`${action.from} -> ${action.to} (${action.reason})`);
      case 'notify': {
        const notify = this.deps.notify;
        if (notify) this.guard('running notify', () => notify(this.name, action.state, this.machine.priority));
        return;
      }
      case 'priority-changed': return this.log(`effective priority ${action.from} -> ${action.to}`);
      case 'master-rx-lower-priority': {
        const tell = this.deps.masterRxLowerPriority;
        if (tell) this.guard('running notify_master_rx_lower_pri', () => tell(this.name, this.machine.priority));
        return;
      }
      case 'arm-timer':
        return this.deps.scheduler.armAt(this.timerKey(action.timer), action.atUs, () => this.machine.handle({ type: 'timer', timer: action.timer }));
      case 'cancel-timer': return this.deps.scheduler.cancel(this.timerKey(action.timer));
    }
  }

  /** Timer keys carry the instance name so instances can share one scheduler. */
  timerKey(timer: string): string {
    return `${this.name}/${timer}`;
  }

  private sendAdvert(priority: number): void {
    const payloads = this.advertPayloads(priority);
    this.resolved.destinations.forEach((destination, i) => {
      this.guard(`sending an advertisement to ${destination}`, () => this.deps.transport.send(payloads[i], destination));
    });
    this.counters.advertsSent++;
    if (priority === 0) this.counters.priorityZeroSent++;
  }

  /**
   * Encoded once per priority: only the priority changes over an instance's
   * life, and a takeover should not wait for encoding and checksums.
   */
  private advertPayloads(priority: number): Buffer[] {
    const cached = this.encodedAdverts.get(priority);
    if (cached) return cached;
    const { family, source, destinations, advertInterval, expectation } = this.resolved;
    const base = { vrid: this.config.vrid, priority, addresses: expectation.vips };
    const advert: Advertisement = this.config.version === 2
      ? { ...base, version: 2, advertIntervalSec: advertInterval / US_PER_SECOND, authType: expectation.authType, authData: expectation.authData }
      : { ...base, version: 3, advertIntervalCs: advertInterval / US_PER_CENTISECOND };
    // v3 checksums cover the destination, so each unicast peer gets its own encoding.
    const payloads = destinations.map((destination) => encodeAdvertisement(advert, { family, source, destination }));
    this.encodedAdverts.set(priority, payloads);
    return payloads;
  }

  private announce(repeat: number): void {
    const ifname = this.config.announceInterface ?? this.config.interface;
    for (let i = 0; i < repeat; i++) {
      for (const vip of this.resolved.expectation.vips) {
        this.guard(`announcing ${vip}`, () => {
          if (addressBytes(vip).length === 4) this.deps.announcer.garp(ifname, vip);
          else this.deps.announcer.na(ifname, vip);
        });
      }
    }
  }

  /** Runs one I/O step; a failure is counted and logged, never allowed to stop the state machine. */
  private guard(what: string, work: () => void | Promise<void>): void {
    const failed = (e: unknown): void => {
      this.counters.ioErrors++;
      this.log(`error ${what}: ${e instanceof Error ? e.message : String(e)}`);
    };
    try {
      const result = work();
      if (result instanceof Promise) result.catch(failed);
    } catch (e) {
      failed(e);
    }
  }

  private log(line: string): void {
    this.deps.log?.(`(${this.name}) ${line}`);
  }
}

function intervalOf(advert: Advertisement): number {
  return advert.version === 2 ? advert.advertIntervalSec * US_PER_SECOND : advert.advertIntervalCs * US_PER_CENTISECOND;
}
