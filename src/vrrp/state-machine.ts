// The VRRP state machine of RFC 3768 / RFC 5798 with keepalived 2.2.7's
// additions (FAULT, STOP, preempt_delay, tracking, GARP repeats). It is pure:
// events go in, actions come out through the sink; time comes from the
// injected clock and timers are requests the driver carries out.
import { compareAddresses } from './address';
import { initialMasterWaitUs, masterDownIntervalUs, skewTimeUs } from './timers';
import { PRIORITY_OWNER, Tracking, type TrackSpec, type TrackView } from './tracking';

export type VrrpState = 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT' | 'STOP';

export const PRIORITY_STOP = 0;

/** advert: a master's next advertisement; master-down: a backup's takeover; the others repeat GARP/NA bursts. */
export type TimerName = 'advert' | 'master-down' | 'garp-delay' | 'garp-lower-priority';

export type TransitionReason =
  | 'start'
  | 'address-owner'
  | 'master-down-timer'
  | 'higher-priority-advert'
  | 'equal-priority-higher-address'
  | 'fault'
  | 'fault-cleared'
  | 'sync-group'
  | 'shutdown';

/** Why a burst of gratuitous ARPs / unsolicited NAs goes out. */
export type AnnounceCause = 'became-master' | 'master-delay' | 'refresh' | 'lower-priority-advert';

export type Action =
  | { type: 'send-advert'; priority: number }
  | { type: 'announce'; repeat: number; cause: AnnounceCause }
  | { type: 'add-vips' }
  | { type: 'remove-vips' }
  | { type: 'state-changed'; from: VrrpState; to: VrrpState; reason: TransitionReason }
  | { type: 'notify'; state: VrrpState }
  | { type: 'priority-changed'; from: number; to: number }
  /** The master heard a lower priority advert (keepalived's MASTER_RX_LOWER_PRI event). */
  | { type: 'master-rx-lower-priority' }
  /** atUs: the deadline on the machine's clock; delayUs: the same, from when it was set. */
  | { type: 'arm-timer'; timer: TimerName; delayUs: number; atUs: number }
  | { type: 'cancel-timer'; timer: TimerName };

/** An advertisement that passed every check, reduced to what the election needs. */
export interface ReceivedAdvert {
  priority: number;
  /** The sender's interval in microseconds; learned by a v3 backup. */
  advertIntervalUs: number;
  source: string;
  /** When it arrived, on the machine's clock; a backup's down timer runs from then. Default: now. */
  at?: number;
}

export type MachineEvent =
  | { type: 'start' }
  | { type: 'shutdown' }
  | { type: 'advert'; advert: ReceivedAdvert }
  | { type: 'timer'; timer: TimerName }
  | { type: 'track'; name: string; up: boolean }
  | { type: 'track-value'; name: string; value: number }
  | { type: 'fault'; source: string; active: boolean }
  | { type: 'set-priority'; priority: number };

export interface GarpSettings {
  /** garp_master_delay: second burst after becoming master; 0 = none. */
  masterDelayUs: number;
  /** garp_master_repeat: messages per address in a burst. */
  masterRepeat: number;
  /** garp_master_refresh: periodic burst while master; 0 = none. */
  refreshUs: number;
  /** garp_master_refresh_repeat. */
  refreshRepeat: number;
  /** garp_lower_prio_delay: second burst after a lower-priority advert; 0 = none. */
  lowerPriorityDelayUs: number;
  /** garp_lower_prio_repeat: burst when a lower-priority advert arrives; 0 = none. */
  lowerPriorityRepeat: number;
}

/** keepalived's defaults: 5 messages, again after 5 s, no refresh; lower-priority bursts like master ones. */
export const DEFAULT_GARP: GarpSettings = {
  masterDelayUs: 5_000_000,
  masterRepeat: 5,
  refreshUs: 0,
  refreshRepeat: 1,
  lowerPriorityDelayUs: 5_000_000,
  lowerPriorityRepeat: 5,
};

export interface MachineConfig {
  version: 2 | 3;
  /** Base priority 1..255; 255 is the address owner. */
  priority: number;
  advertIntervalUs: number;
  /** Our source address: an equal-priority tie goes to the higher address. */
  primaryAddress: string;
  /** keepalived's `state`: MASTER for a non-owner waits one interval before claiming. Default by priority. */
  initialState?: 'MASTER' | 'BACKUP';
  preempt: boolean;
  preemptDelayUs: number;
  /** Adverts a backup misses before taking over (down_timer_adverts); 3 in the RFCs. */
  downTimerAdverts: number;
  garp: GarpSettings;
  /** Master stays silent on a lower-priority advert (lower_prio_no_advert). */
  lowerPriorityNoAdvert: boolean;
  /** Master answers a higher-priority advert with its own before yielding (higher_prio_send_advert). */
  higherPrioritySendAdvert: boolean;
  tracks: TrackSpec[];
}

/** The coordination a sync group provides (see sync-group.ts). */
export interface SyncGroupLink {
  mayBecomeMaster(member: StateMachine): boolean;
  /** Another member is faulty, so this one stays in FAULT. */
  heldInFault(member: StateMachine): boolean;
  memberChanged(member: StateMachine, from: VrrpState, to: VrrpState): void;
}

export type Clock = () => number;
export type ActionSink = (action: Action) => void;

export class StateMachine {
  private current: VrrpState = 'INIT';
  private wanted: VrrpState = 'BACKUP';
  private basePriority: number;
  private effective: number;
  private masterAdvertIntervalUs: number;
  /** keepalived's ms_down_timer: the down interval last applied, so priority changes can shift the deadline. */
  private downTimerUs = 0;
  private downDeadline = 0;
  private preemptAt: number | undefined;
  private refreshDue: number | undefined;
  private readonly tracking: Tracking;
  private readonly externalFaults = new Set<string>();
  private group: SyncGroupLink | undefined;
  masterAddress: string | undefined;
  masterPriority: number | undefined;

  constructor(
    readonly name: string,
    private readonly config: MachineConfig,
    private readonly clock: Clock,
    private readonly sink: ActionSink,
  ) {
    if (!Number.isInteger(config.priority) || config.priority < 1 || config.priority > PRIORITY_OWNER) {
      throw new RangeError(`vrrp_instance ${name}: priority ${config.priority} is outside 1..255`);
    }
    if (!(config.advertIntervalUs > 0)) throw new RangeError(`vrrp_instance ${name}: advertisement interval must be positive`);
    this.tracking = new Tracking(config.tracks);
    this.basePriority = config.priority;
    this.effective = this.tracking.effectivePriority(config.priority);
    this.masterAdvertIntervalUs = config.advertIntervalUs;
  }

  get state(): VrrpState { return this.current; }
  /** The state this instance would choose on its own, disregarding its sync group. */
  get wantState(): VrrpState { return this.wanted; }
  get priority(): number { return this.effective; }
  get masterAdvertInterval(): number { return this.masterAdvertIntervalUs; }
  get isOwner(): boolean { return this.basePriority === PRIORITY_OWNER; }

  /** Each tracked object, its state and what it does to the priority. */
  tracks(): TrackView[] {
    return this.tracking.views();
  }

  /** Names of whatever currently forces FAULT. */
  faults(): string[] {
    return [...this.tracking.faults(), ...this.externalFaults];
  }

  get faulty(): boolean { return this.faults().length > 0; }

  joinGroup(group: SyncGroupLink): void {
    if (this.group && this.group !== group) throw new Error(`vrrp_instance ${this.name} is already in a sync group`);
    this.group = group;
  }

  handle(event: MachineEvent): void {
    switch (event.type) {
      case 'start': return this.start();
      case 'shutdown': return this.shutdown();
      case 'advert': return this.receive(event.advert);
      case 'timer': return this.timerFired(event.timer);
      case 'track': return this.trackChanged(event.name, (t) => t.set(event.name, event.up));
      case 'track-value': return this.trackChanged(event.name, (t) => t.setValue(event.name, event.value));
      case 'fault': return this.faultChanged(event.source, event.active);
      case 'set-priority': return this.setBasePriority(event.priority);
    }
  }

  // ---- sync group entry points -------------------------------------------

  followMaster(): void {
    if (this.current === 'MASTER' || this.current === 'STOP' || this.current === 'INIT') return;
    this.wanted = 'MASTER';
    this.becomeMaster('sync-group', false);
  }

  followBackup(): void {
    if (this.current === 'BACKUP' || this.current === 'STOP' || this.current === 'INIT' || this.faulty) return;
    this.wanted = 'BACKUP';
    if (this.current === 'MASTER') this.leaveMaster('BACKUP', 'sync-group', false);
    else this.enterBackup('sync-group', this.fullDownTimer(), false);
  }

  followFault(): void {
    if (this.current === 'FAULT' || this.current === 'STOP' || this.current === 'INIT') return;
    this.wanted = 'FAULT';
    if (this.current === 'MASTER') this.leaveMaster('FAULT', 'sync-group', false);
    else this.enterFault('sync-group', false);
  }

  // ---- events ------------------------------------------------------------

  private start(): void {
    if (this.current !== 'INIT' && this.current !== 'STOP') return;
    this.masterAdvertIntervalUs = this.config.advertIntervalUs;
    this.preemptAt = undefined;
    const wantsMaster = (this.config.initialState ?? (this.isOwner ? 'MASTER' : 'BACKUP')) === 'MASTER';
    if (this.faulty || this.group?.heldInFault(this)) {
      this.wanted = 'FAULT';
      this.enterFault('start');
      return;
    }
    if (wantsMaster && this.isOwner) {
      this.wanted = 'MASTER';
      this.tryBecomeMaster('address-owner');
      return;
    }
    this.wanted = wantsMaster ? 'MASTER' : 'BACKUP';
    const wait = wantsMaster ? initialMasterWaitUs(this.config.version, this.masterAdvertIntervalUs) : this.fullDownTimer();
    this.enterBackup('start', wait);
  }

  private shutdown(): void {
    if (this.current === 'STOP' || this.current === 'INIT') return;
    const from = this.current;
    if (from === 'MASTER') {
      // Priority 0 lets a backup take over after Skew_Time instead of Master_Down_Interval.
      this.emit({ type: 'send-advert', priority: PRIORITY_STOP });
      this.emit({ type: 'remove-vips' });
    }
    this.cancelAllTimers();
    this.current = 'STOP';
    this.transitioned(from, 'shutdown', false);
  }

  private receive(advert: ReceivedAdvert): void {
    if (this.current === 'BACKUP') this.receiveAsBackup(advert);
    else if (this.current === 'MASTER') this.receiveAsMaster(advert);
  }

  private receiveAsBackup(advert: ReceivedAdvert): void {
    const now = Math.min(advert.at ?? Infinity, this.clock());
    if (advert.priority === PRIORITY_STOP) {
      this.armDownTimer(skewTimeUs(this.config.version, this.effective, this.masterAdvertIntervalUs), now);
      return;
    }
    const preemptHeld = this.config.preemptDelayUs > 0 && (this.preemptAt === undefined || this.preemptAt > now);
    if (!this.config.preempt || advert.priority >= this.effective || preemptHeld) {
      if (this.config.version === 3) this.masterAdvertIntervalUs = advert.advertIntervalUs;
      this.armDownTimer(this.fullDownTimer(), now);
      this.masterAddress = advert.source;
      this.masterPriority = advert.priority;
      if (this.config.preemptDelayUs > 0) {
        if (advert.priority >= this.effective) this.preemptAt = undefined;
        else if (this.preemptAt === undefined) this.preemptAt = now + this.config.preemptDelayUs;
      }
      this.wanted = 'BACKUP';
      return;
    }
    // A lower priority we may preempt: ignore it and let the down timer run out.
    this.masterAddress = advert.source;
  }

  private receiveAsMaster(advert: ReceivedAdvert): void {
    const order = compareAddresses(advert.source, this.config.primaryAddress);
    const higher = advert.priority > this.effective || (advert.priority === this.effective && order > 0);
    if (advert.priority === PRIORITY_STOP || (this.config.higherPrioritySendAdvert && higher)) {
      this.sendAdvert();
      if (advert.priority === PRIORITY_STOP) return;
    }
    if (advert.priority === this.effective && order !== 0 && this.effective === PRIORITY_OWNER) {
      // Two address owners: a configuration error. keepalived steps down to 254 so one of them wins.
      this.basePriority = PRIORITY_OWNER - 1;
      this.updateEffectivePriority();
    }
    if (advert.priority < this.effective || (advert.priority === this.effective && order < 0)) {
      if (!this.config.lowerPriorityNoAdvert) this.sendAdvert();
      const { lowerPriorityRepeat, lowerPriorityDelayUs } = this.config.garp;
      if (lowerPriorityRepeat > 0) {
        this.emit({ type: 'announce', repeat: lowerPriorityRepeat, cause: 'lower-priority-advert' });
        if (lowerPriorityDelayUs > 0) this.armTimer('garp-lower-priority', lowerPriorityDelayUs);
      }
      this.emit({ type: 'master-rx-lower-priority' });
      return;
    }
    if (advert.priority > this.effective || (advert.priority === this.effective && order > 0)) {
      if (this.config.version === 3) this.masterAdvertIntervalUs = advert.advertIntervalUs;
      this.masterAddress = advert.source;
      this.masterPriority = advert.priority;
      this.wanted = 'BACKUP';
      const reason = advert.priority > this.effective ? 'higher-priority-advert' : 'equal-priority-higher-address';
      this.leaveMaster('BACKUP', reason);
    }
  }

  private timerFired(timer: TimerName): void {
    if (timer === 'master-down' && this.current === 'BACKUP') {
      this.wanted = 'MASTER';
      this.tryBecomeMaster('master-down-timer');
    } else if (timer === 'advert' && this.current === 'MASTER') {
      this.sendAdvert();
      const now = this.clock();
      if (this.refreshDue !== undefined && now > this.refreshDue) {
        this.emit({ type: 'announce', repeat: this.config.garp.refreshRepeat, cause: 'refresh' });
        this.refreshDue = now + this.config.garp.refreshUs;
      }
    } else if (timer === 'garp-delay' && this.current === 'MASTER') {
      this.emit({ type: 'announce', repeat: this.config.garp.masterRepeat, cause: 'master-delay' });
    } else if (timer === 'garp-lower-priority' && this.current === 'MASTER') {
      this.emit({ type: 'announce', repeat: this.config.garp.lowerPriorityRepeat, cause: 'lower-priority-advert' });
    }
  }

  private trackChanged(name: string, record: (tracking: Tracking) => boolean): void {
    if (!this.tracking.has(name)) throw new Error(`vrrp_instance ${this.name}: no track named ${JSON.stringify(name)}`);
    const wasFaulty = this.faulty;
    if (!record(this.tracking)) return;
    this.updateEffectivePriority();
    this.faultsMayHaveChanged(wasFaulty);
  }

  private faultChanged(source: string, active: boolean): void {
    const wasFaulty = this.faulty;
    if (active) this.externalFaults.add(source);
    else this.externalFaults.delete(source);
    this.faultsMayHaveChanged(wasFaulty);
  }

  private setBasePriority(priority: number): void {
    if (!Number.isInteger(priority) || priority < 1 || priority > PRIORITY_OWNER) {
      throw new RangeError(`vrrp_instance ${this.name}: priority ${priority} is outside 1..255`);
    }
    this.basePriority = priority;
    this.updateEffectivePriority();
  }

  // ---- transitions -------------------------------------------------------

  private faultsMayHaveChanged(wasFaulty: boolean): void {
    const faulty = this.faulty;
    if (faulty === wasFaulty || this.current === 'INIT' || this.current === 'STOP') return;
    if (faulty) {
      this.wanted = 'FAULT';
      if (this.current === 'MASTER') this.leaveMaster('FAULT', 'fault');
      else this.enterFault('fault');
      return;
    }
    this.wanted = this.isOwner && (this.config.initialState ?? 'MASTER') === 'MASTER' ? 'MASTER' : 'BACKUP';
    if (this.group?.heldInFault(this)) return;
    this.masterAdvertIntervalUs = this.config.advertIntervalUs;
    if (this.wanted === 'MASTER') this.tryBecomeMaster('fault-cleared');
    else this.enterBackup('fault-cleared', this.fullDownTimer());
  }

  private tryBecomeMaster(reason: TransitionReason): void {
    if (this.group && !this.group.mayBecomeMaster(this)) {
      // Wait for the rest of the group to want mastership too; stay BACKUP meanwhile.
      if (this.current !== 'BACKUP') this.enterBackup(reason, this.fullDownTimer());
      else this.armDownTimer(this.fullDownTimer());
      return;
    }
    this.becomeMaster(reason);
  }

  private becomeMaster(reason: TransitionReason, tellGroup = true): void {
    const from = this.current;
    this.current = 'MASTER';
    this.masterAdvertIntervalUs = this.config.advertIntervalUs;
    this.masterAddress = this.config.primaryAddress;
    this.masterPriority = this.effective;
    this.emit({ type: 'cancel-timer', timer: 'master-down' });
    // The advert goes first so that the old master drops the addresses before our GARPs.
    this.sendAdvert();
    this.emit({ type: 'add-vips' });
    const { masterRepeat, masterDelayUs, refreshUs } = this.config.garp;
    this.emit({ type: 'announce', repeat: masterRepeat, cause: 'became-master' });
    if (masterDelayUs > 0) this.armTimer('garp-delay', masterDelayUs);
    this.refreshDue = refreshUs > 0 ? this.clock() + refreshUs : undefined;
    this.transitioned(from, reason, tellGroup);
  }

  private leaveMaster(to: 'BACKUP' | 'FAULT', reason: TransitionReason, tellGroup = true): void {
    if (to === 'FAULT') this.emit({ type: 'send-advert', priority: PRIORITY_STOP });
    this.emit({ type: 'remove-vips' });
    this.emit({ type: 'cancel-timer', timer: 'garp-delay' });
    this.emit({ type: 'cancel-timer', timer: 'garp-lower-priority' });
    this.emit({ type: 'cancel-timer', timer: 'advert' });
    this.refreshDue = undefined;
    if (to === 'BACKUP') this.enterBackup(reason, this.fullDownTimer(), tellGroup);
    else this.enterFault(reason, tellGroup);
  }

  private enterBackup(reason: TransitionReason, downTimerUs: number, tellGroup = true): void {
    const from = this.current;
    this.current = 'BACKUP';
    this.preemptAt = undefined;
    this.armDownTimer(downTimerUs);
    if (from !== 'BACKUP') this.transitioned(from, reason, tellGroup);
  }

  private enterFault(reason: TransitionReason, tellGroup = true): void {
    const from = this.current;
    this.cancelAllTimers();
    this.current = 'FAULT';
    this.masterAdvertIntervalUs = this.config.advertIntervalUs;
    if (from !== 'FAULT') this.transitioned(from, reason, tellGroup);
  }

  private transitioned(from: VrrpState, reason: TransitionReason, tellGroup: boolean): void {
    const to = this.current;
    this.emit({ type: 'state-changed', from, to, reason });
    this.emit({ type: 'notify', state: to });
    if (tellGroup) this.group?.memberChanged(this, from, to);
  }

  // ---- helpers -----------------------------------------------------------

  private fullDownTimer(): number {
    return masterDownIntervalUs(this.config.version, this.effective, this.masterAdvertIntervalUs, this.config.downTimerAdverts);
  }

  /** The timer runs from `from` (default now): an advert's down timer starts when the advert arrived. */
  private armDownTimer(delayUs: number, from = this.clock()): void {
    this.downTimerUs = delayUs;
    this.downDeadline = from + delayUs;
    this.armTimerAt('master-down', this.downDeadline);
  }

  private armTimer(timer: TimerName, delayUs: number): void {
    this.emit({ type: 'arm-timer', timer, delayUs, atUs: this.clock() + delayUs });
  }

  /** An absolute deadline, so that the time spent between reading the clock and arming is not added to it. */
  private armTimerAt(timer: TimerName, atUs: number): void {
    this.emit({ type: 'arm-timer', timer, delayUs: Math.max(0, atUs - this.clock()), atUs });
  }

  private sendAdvert(): void {
    this.emit({ type: 'send-advert', priority: this.effective });
    this.armTimer('advert', this.config.advertIntervalUs);
  }

  private updateEffectivePriority(): void {
    const next = this.tracking.effectivePriority(this.basePriority);
    if (next === this.effective) return;
    const from = this.effective;
    this.effective = next;
    this.emit({ type: 'priority-changed', from, to: next });
    if (this.current === 'BACKUP') {
      // Shift the running deadline by the change in the down interval, as keepalived does.
      const nextDown = this.fullDownTimer();
      this.downDeadline += nextDown - this.downTimerUs;
      this.downTimerUs = nextDown;
      this.armTimerAt('master-down', this.downDeadline);
    }
  }

  private cancelAllTimers(): void {
    for (const timer of ['advert', 'master-down', 'garp-delay', 'garp-lower-priority'] as const) {
      this.emit({ type: 'cancel-timer', timer });
    }
    this.refreshDue = undefined;
  }

  private emit(action: Action): void {
    this.sink(action);
  }
}
