// Command-line scanning with the semantics of libpopt 1.19 as ipvsadm
// configures it: grouped short options, attached or separate arguments,
// "--long=value", "-x=value", optional arguments that never take a word
// starting with '-', "--" ending options, and non-option words kept aside.

export type ArgKind = 'none' | 'required' | 'optional';

export interface OptionSpec<V> {
  long?: string;
  short?: string;
  arg: ArgKind;
  val: V;
}

export type PoptError = 'missing argument' | 'option does not take an argument' | 'unknown option';

export type PoptEvent<V> =
  | { kind: 'option'; val: V; arg: string | null }
  | { kind: 'error'; error: PoptError; badOption: string }
  | { kind: 'end' };

/** An option table indexed by name, built once per table: every command line of a restore looks options up. */
interface OptionIndex<V> { long: Map<string, OptionSpec<V>>; short: Map<string, OptionSpec<V>> }
const indexes = new WeakMap<readonly OptionSpec<unknown>[], OptionIndex<unknown>>();

function optionIndex<V>(table: readonly OptionSpec<V>[]): OptionIndex<V> {
  let index = indexes.get(table) as OptionIndex<V> | undefined;
  if (!index) {
    index = { long: new Map(), short: new Map() };
    // The first of two entries with one name wins, as a search of the table would find it.
    for (const o of table) {
      if (o.long !== undefined && !index.long.has(o.long)) index.long.set(o.long, o);
      if (o.short !== undefined && !index.short.has(o.short)) index.short.set(o.short, o);
    }
    indexes.set(table, index as OptionIndex<unknown>);
  }
  return index;
}

export class PoptContext<V> {
  private next = 0;
  private charArg: string | null = null;
  private restAreArgs = false;
  private readonly leftovers: string[] = [];
  private readonly index: OptionIndex<V>;

  /** args excludes the program name. */
  constructor(private readonly args: readonly string[], table: readonly OptionSpec<V>[]) {
    this.index = optionIndex(table);
  }

  /** The word the last event came from, as poptBadOption reports it. */
  badOption(): string {
    return this.args[this.next - 1] ?? '';
  }

  /** Non-option words in order, as poptGetArg hands them out. */
  takeArg(): string | undefined {
    return this.leftovers.shift();
  }

  nextOption(): PoptEvent<V> {
    for (;;) {
      let opt: OptionSpec<V> | undefined;
      let longArg: string | null = null;
      if (this.charArg === null) {
        if (this.next >= this.args.length) return { kind: 'end' };
        const word = this.args[this.next++];
        if (this.restAreArgs || !word.startsWith('-') || word === '-') {
          this.leftovers.push(word);
          continue;
        }
        if (word === '--') {
          this.restAreArgs = true;
          continue;
        }
        const doubleDash = word.startsWith('--');
        const body = word.slice(doubleDash ? 2 : 1);
        const eq = body.indexOf('=');
        const name = eq >= 0 ? body.slice(0, eq) : body;
        if (doubleDash) {
          opt = this.index.long.get(name);
          if (!opt) return { kind: 'error', error: 'unknown option', badOption: this.badOption() };
          if (eq >= 0) longArg = body.slice(eq + 1);
        } else {
          this.charArg = body;
        }
      }
      if (this.charArg !== null) {
        const chars = this.charArg;
        this.charArg = null;
        opt = this.index.short.get(chars[0]!);
        if (!opt) return { kind: 'error', error: 'unknown option', badOption: this.badOption() };
        if (chars.length > 1) this.charArg = chars.slice(1);
      }
      const found = opt as OptionSpec<V>;
      if (found.arg === 'none') {
        if (longArg !== null || (this.charArg !== null && this.charArg.startsWith('='))) {
          return { kind: 'error', error: 'option does not take an argument', badOption: this.badOption() };
        }
        return { kind: 'option', val: found.val, arg: null };
      }
      let arg: string | null;
      if (longArg !== null) {
        arg = longArg;
      } else if (this.charArg !== null) {
        arg = this.charArg.startsWith('=') ? this.charArg.slice(1) : this.charArg;
        this.charArg = null;
      } else if (this.next >= this.args.length) {
        if (found.arg !== 'optional') return { kind: 'error', error: 'missing argument', badOption: this.badOption() };
        arg = null;
      } else if (found.arg === 'optional' && this.args[this.next].startsWith('-')) {
        arg = null;
      } else {
        arg = this.args[this.next++];
      }
      return { kind: 'option', val: found.val, arg };
    }
  }
}
