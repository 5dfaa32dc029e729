// Effective priority and faults from tracked objects (scripts, interfaces,
// files), with keepalived's semantics: a weighted track moves the priority,
// an unweighted one that fails puts the instance in FAULT. A tracked file
// reports a number, which its weight multiplies.
export const PRIORITY_OWNER = 255;

/** A file's value times its weight at or below this is a FAULT (keepalived's limit). */
const FILE_FAULT = -254;
/** The most a file can add to the priority. */
const FILE_MAX = 253;

export interface TrackSpec {
  /** How the operator names it, e.g. "script chk_haproxy" or "interface eth1". */
  name: string;
  /** 0: failure means FAULT. > 0: added while up. < 0: added (so subtracted) while down. */
  weight: number;
  /** Swap up and down (keepalived's `reverse`); for a file, the sign of its weight. */
  reverse?: boolean;
  /** State before the first report; tracks are assumed up. */
  initiallyUp?: boolean;
  /** A tracked file: reports a number instead of up or down. */
  valued?: boolean;
  /** A tracked file's value before the first report (0 otherwise). */
  initialValue?: number;
}

/** What one track reports and what it does to the instance, for the status views. */
export interface TrackView {
  name: string;
  weight: number;
  reverse: boolean;
  /** up or down; a tracked file's number. */
  state: 'up' | 'down' | number;
  /** What it adds to the priority now, or 'fault'. */
  effect: number | 'fault';
}

export class Tracking {
  private readonly specs = new Map<string, TrackSpec>();
  private readonly up = new Map<string, boolean>();
  private readonly values = new Map<string, number>();

  constructor(specs: readonly TrackSpec[]) {
    for (const spec of specs) {
      if (this.specs.has(spec.name)) throw new Error(`track ${spec.name} is listed twice`);
      if (!Number.isInteger(spec.weight) || spec.weight < -254 || spec.weight > 254) {
        throw new Error(`track ${spec.name}: weight ${spec.weight} is outside -254..254`);
      }
      this.specs.set(spec.name, spec);
      if (spec.valued) this.values.set(spec.name, spec.initialValue ?? 0);
      else this.up.set(spec.name, spec.initiallyUp ?? true);
    }
  }

  has(name: string): boolean {
    return this.specs.has(name);
  }

  /** Records an up/down report; returns false when nothing changed. */
  set(name: string, up: boolean): boolean {
    if (this.spec(name).valued) throw new Error(`track ${name} reports a number, not up or down`);
    if (this.up.get(name) === up) return false;
    this.up.set(name, up);
    return true;
  }

  /** Records a tracked file's value; returns false when nothing changed. */
  setValue(name: string, value: number): boolean {
    if (!this.spec(name).valued) throw new Error(`track ${name} reports up or down, not a number`);
    if (!Number.isInteger(value)) throw new Error(`track ${name}: ${value} is not an integer`);
    if (this.values.get(name) === value) return false;
    this.values.set(name, value);
    return true;
  }

  private spec(name: string): TrackSpec {
    const spec = this.specs.get(name);
    if (!spec) throw new Error(`unknown track ${JSON.stringify(name)}`);
    return spec;
  }

  private healthy(spec: TrackSpec): boolean {
    const up = this.up.get(spec.name) ?? true;
    return spec.reverse ? !up : up;
  }

  /**
   * What a track adds to the priority, or 'fault'. A file without weight is
   * a fault while its value is not 0 (is 0 with reverse); a weighted one adds
   * value x weight (negated with reverse), a fault at -254 or below.
   */
  private contribution(spec: TrackSpec): number | 'fault' {
    if (spec.valued) {
      const value = this.values.get(spec.name) ?? 0;
      if (spec.weight === 0) return (value !== 0) !== (spec.reverse === true) ? 'fault' : 0;
      const status = value * spec.weight * (spec.reverse ? -1 : 1);
      return status <= FILE_FAULT ? 'fault' : Math.min(FILE_MAX, status);
    }
    const healthy = this.healthy(spec);
    if (spec.weight === 0) return healthy ? 0 : 'fault';
    if (spec.weight > 0) return healthy ? spec.weight : 0;
    return healthy ? 0 : spec.weight;
  }

  views(): TrackView[] {
    return [...this.specs.values()].map((s) => ({
      name: s.name, weight: s.weight, reverse: s.reverse === true,
      state: s.valued ? (this.values.get(s.name) ?? 0) : ((this.up.get(s.name) ?? true) ? 'up' : 'down'),
      effect: this.contribution(s),
    }));
  }

  /** Names of the tracks that are failing in a way that forces FAULT. */
  faults(): string[] {
    return [...this.specs.values()].filter((s) => this.contribution(s) === 'fault').map((s) => s.name);
  }

  /** Base priority plus weights, kept within 1..254; an address owner (255) is never moved. */
  effectivePriority(base: number): number {
    if (base === PRIORITY_OWNER) return base;
    let total = base;
    for (const spec of this.specs.values()) {
      const c = this.contribution(spec);
      if (c !== 'fault') total += c;
    }
    return Math.min(PRIORITY_OWNER - 1, Math.max(1, total));
  }
}
