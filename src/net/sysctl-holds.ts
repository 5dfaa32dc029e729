// Sysctls set while something needs them and put back once nothing does: a
// setting several holders share (a base interface's ARP settings under each
// of its VMACs) is set by the first and restored by the last, to the value
// it had before lvsd touched it.
import { ensureSysctl, writeSysctl } from './sysctl';

interface Held {
  /** The value before the first hold; undefined when it already had the held one. */
  before: string | undefined;
  holders: Set<string>;
}

export class SysctlHolds {
  private readonly held = new Map<string, Held>();

  constructor(private readonly netns: string | undefined) {}

  /** Sets `name` to `value` for `holder`. @throws SysctlError when it cannot be read or written */
  hold(holder: string, name: string, value: string | number): void {
    let h = this.held.get(name);
    if (!h) {
      h = { before: ensureSysctl(name, value, this.opts()), holders: new Set() };
      this.held.set(name, h);
    }
    h.holders.add(holder);
  }

  /**
   * Drops every hold of `holder`; a sysctl no one holds any more gets its
   * value back. Returns what could not be put back, with why.
   */
  release(holder: string): string[] {
    const failed: string[] = [];
    for (const [name, h] of this.held) {
      if (!h.holders.delete(holder) || h.holders.size > 0) continue;
      this.held.delete(name);
      if (h.before === undefined) continue;
      try {
        writeSysctl(name, h.before, this.opts());
      } catch (e) {
        failed.push((e as Error).message);
      }
    }
    return failed;
  }

  private opts(): { netns?: string } {
    return this.netns !== undefined ? { netns: this.netns } : {};
  }
}
