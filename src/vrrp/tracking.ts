// Effective priority and faults from tracked objects (scripts, interfaces...),
// with keepalived's semantics: a weighted track moves the priority, an
// unweighted one that fails puts the instance in FAULT.
export const PRIORITY_OWNER = 255;

export interface TrackSpec {
  /** How the operator names it, e.g. "script chk_haproxy" or "interface eth1". */
  name: string;
  /** 0: failure means FAULT. > 0: added while up. < 0: added (so subtracted) while down. */
  weight: number;
  /** Swap up and down (keepalived's `reverse`). */
  reverse?: boolean;
  /** State before the first report; tracks are assumed up. */
  initiallyUp?: boolean;
}

export class Tracking {
  private readonly specs = new Map<string, TrackSpec>();
  private readonly up = new Map<string, boolean>();

  constructor(specs: readonly TrackSpec[]) {
    for (const spec of specs) {
      if (this.specs.has(spec.name)) throw new Error(`track ${spec.name} is listed twice`);
      if (!Number.isInteger(spec.weight) || spec.weight < -254 || spec.weight > 254) {
        throw new Error(`track ${spec.name}: weight ${spec.weight} is outside -254..254`);
      }
      this.specs.set(spec.name, spec);
      this.up.set(spec.name, spec.initiallyUp ?? true);
    }
  }

  has(name: string): boolean {
    return this.specs.has(name);
  }

  /** Records a report; returns false when nothing changed. */
  set(name: string, up: boolean): boolean {
    if (!this.specs.has(name)) throw new Error(`unknown track ${JSON.stringify(name)}`);
    if (this.up.get(name) === up) return false;
    this.up.set(name, up);
    return true;
  }

  private healthy(spec: TrackSpec): boolean {
    const up = this.up.get(spec.name) ?? true;
    return spec.reverse ? !up : up;
  }

  /** Names of unweighted tracks that are failing. */
  faults(): string[] {
    return [...this.specs.values()].filter((s) => s.weight === 0 && !this.healthy(s)).map((s) => s.name);
  }

  /** Base priority plus weights, kept within 1..254; an address owner (255) is never moved. */
  effectivePriority(base: number): number {
    if (base === PRIORITY_OWNER) return base;
    let total = base;
    for (const spec of this.specs.values()) {
      const healthy = this.healthy(spec);
      if (spec.weight > 0 && healthy) total += spec.weight;
      if (spec.weight < 0 && !healthy) total += spec.weight;
    }
    return Math.min(PRIORITY_OWNER - 1, Math.max(1, total));
  }
}
