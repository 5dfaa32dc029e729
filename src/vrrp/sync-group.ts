// vrrp_sync_group: instances that must share one state, as keepalived runs
// them. A member entering FAULT or falling back to BACKUP takes the others
// along; mastership is taken only once every member wants it, and then by all.
import type { StateMachine, SyncGroupLink, VrrpState } from './state-machine';

export type GroupState = 'BACKUP' | 'MASTER' | 'FAULT';

export class SyncGroup implements SyncGroupLink {
  private readonly members: StateMachine[] = [];
  private current: GroupState = 'BACKUP';
  private propagating = false;

  constructor(readonly name: string, members: StateMachine[] = []) {
    for (const m of members) this.add(m);
  }

  get state(): GroupState { return this.current; }

  memberNames(): string[] { return this.members.map((m) => m.name); }

  add(member: StateMachine): void {
    if (this.members.includes(member)) throw new Error(`sync group ${this.name}: ${member.name} is listed twice`);
    member.joinGroup(this);
    this.members.push(member);
    if (member.faulty) this.current = 'FAULT';
  }

  mayBecomeMaster(member: StateMachine): boolean {
    if (this.current === 'MASTER') return true;
    // Prefer BACKUP until everyone is ready, to avoid members flapping one by one.
    return this.members.every((m) => m === member || m.wantState === 'MASTER');
  }

  heldInFault(member: StateMachine): boolean {
    return this.members.some((m) => m !== member && m.faulty);
  }

  memberChanged(member: StateMachine, from: VrrpState, to: VrrpState): void {
    if (this.propagating) return;
    if (to === 'MASTER' && this.current !== 'MASTER' && this.mayBecomeMaster(member)) {
      this.propagate(member, 'MASTER', (m) => m.followMaster());
    } else if (to === 'BACKUP' && (from === 'MASTER' || from === 'FAULT') && this.current !== 'BACKUP') {
      this.propagate(member, 'BACKUP', (m) => m.followBackup());
    } else if (to === 'FAULT' && this.current !== 'FAULT') {
      this.propagate(member, 'FAULT', (m) => m.followFault());
    }
  }

  private propagate(origin: StateMachine, state: GroupState, follow: (m: StateMachine) => void): void {
    this.propagating = true;
    try {
      for (const m of this.members) if (m !== origin) follow(m);
    } finally {
      this.propagating = false;
    }
    this.current = state;
  }
}
