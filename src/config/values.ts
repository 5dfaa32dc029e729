// Reads the arguments of one statement as typed values. Each failed read
// records an error naming the file:line, the enclosing block and the keyword,
// and yields undefined so that parsing goes on and every error gets reported.
import * as ipaddr from 'ipaddr.js';
import { splitCommandLine } from '../common/command-line';
import { AF_INET, AF_INET6, AddressFamily } from '../ipvs/types';
import { Diagnostics } from './diagnostics';
import { Token } from './lexer';
import { Script } from './model';
import { Statement } from './tree';

export interface Address {
  family: AddressFamily;
  address: string;
}

const BOOLEANS: Record<string, boolean> = { on: true, true: true, yes: true, off: false, false: false, no: false };

export function parseAddress(text: string): Address | undefined {
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return { family: AF_INET, address: ipaddr.IPv4.parse(text).toString() };
  // No zone (fe80::1%eth0): no table or address list of the kernel's holds one, and keepalived refuses it too.
  if (text.includes(':') && !text.includes('%') && ipaddr.IPv6.isValid(text)) return { family: AF_INET6, address: ipaddr.IPv6.parse(text).toString() };
  return undefined;
}

export class Args {
  constructor(readonly stmt: Statement, readonly block: string, readonly diags: Diagnostics) {}

  get keyword(): string {
    return this.stmt.keyword;
  }

  get count(): number {
    return this.stmt.args.length;
  }

  text(i: number): string | undefined {
    return this.stmt.args[i]?.text;
  }

  error(message: string, tok?: Token): undefined {
    this.diags.error(tok ?? this.stmt.at, this.block, message);
    return undefined;
  }

  warning(message: string): void {
    this.diags.warning(this.stmt.at, this.block, message);
  }

  /** Warns that lvsd does not provide this keyword's effect, and says what the director then does or does not do. */
  unsupported(effect: string): void {
    this.warning(`${this.keyword} is not supported and is ignored: ${effect}`);
  }

  /** The i-th argument, or an error saying what is missing. */
  need(i: number, what = 'a value'): Token | undefined {
    const tok = this.stmt.args[i];
    if (!tok) return this.error(`${this.keyword} needs ${what}`);
    return tok;
  }

  /** Warns about arguments beyond the first n, which keepalived ignores. */
  atMost(n: number): void {
    if (this.count > n) {
      this.warning(`${this.keyword}: extra argument${this.count - n > 1 ? 's' : ''} "${this.stmt.args.slice(n).map((t) => t.text).join(' ')}" ignored`);
    }
  }

  noBlock(): boolean {
    if (this.stmt.block) {
      this.error(`${this.keyword} does not take a { } block`);
      return false;
    }
    return true;
  }

  string(i = 0, what = 'a value'): string | undefined {
    return this.need(i, what)?.text;
  }

  int(i: number, min: number, max: number, what?: string): number | undefined {
    const tok = this.need(i, what ?? `an integer in ${min}..${max}`);
    if (!tok) return undefined;
    const value = /^[-+]?\d+$/.test(tok.text) ? Number(tok.text) : NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      return this.error(`${what ?? this.keyword} "${tok.text}" is not an integer in ${min}..${max}`, tok);
    }
    return value;
  }

  /** A duration in (possibly fractional) seconds, returned in milliseconds. */
  seconds(i: number, minSec = 0, maxSec = Number.MAX_SAFE_INTEGER / 1000, what?: string): number | undefined {
    const tok = this.need(i, 'a duration in seconds');
    if (!tok) return undefined;
    const value = /^\d+(\.\d+)?$|^\.\d+$/.test(tok.text) ? Number(tok.text) : NaN;
    if (!Number.isFinite(value) || value < minSec || value > maxSec) {
      const range = maxSec >= Number.MAX_SAFE_INTEGER / 1000 ? `>= ${minSec}` : `in ${minSec}..${maxSec}`;
      return this.error(`${what ?? this.keyword} "${tok.text}" is not a duration in seconds ${range}`, tok);
    }
    return Math.round(value * 1e6) / 1e3;
  }

  /** A keyword alone means true; otherwise on|off|true|false|yes|no. */
  bool(i = 0): boolean | undefined {
    const tok = this.stmt.args[i];
    if (!tok) return true;
    const word = tok.text.toLowerCase();
    const value = Object.hasOwn(BOOLEANS, word) ? BOOLEANS[word] : undefined;
    if (value === undefined) return this.error(`${this.keyword} "${tok.text}" is not one of on|off|true|false|yes|no`, tok);
    return value;
  }

  oneOf<T extends string>(i: number, values: readonly T[], what?: string): T | undefined {
    const tok = this.need(i, `one of ${values.join('|')}`);
    if (!tok) return undefined;
    const found = values.find((v) => v.toLowerCase() === tok.text.toLowerCase());
    if (found === undefined) return this.error(`${what ?? this.keyword} "${tok.text}" is not one of ${values.join('|')}`, tok);
    return found;
  }

  address(i: number, what?: string): Address | undefined {
    const tok = this.need(i, 'an IP address');
    if (!tok) return undefined;
    const a = parseAddress(tok.text);
    if (!a) return this.error(`${what ?? this.keyword} "${tok.text}" is not an IPv4 or IPv6 address`, tok);
    return a;
  }

  port(i: number, what?: string): number | undefined {
    return this.int(i, 0, 65535, what ?? this.keyword);
  }

  /** "<command> [user [group]]" as used by notify_*, quorum_* and script keywords. */
  /**
   * A script and, after it, the user and group to run it as (unless `runAs` is false).
   * Arguments go inside the quoted command; keepalived ignores further words.
   */
  script(opts: { runAs?: boolean } = {}): Script | undefined {
    const runAs = opts.runAs !== false;
    const command = this.string(0, 'a command');
    if (command === undefined) return undefined;
    if (command.trim() === '') return this.error(`${this.keyword} command is empty`);
    if (runAs) this.atMost(3);
    else if (this.count > 1) {
      this.warning(`${this.keyword}: words after the command are ignored, as keepalived ignores them; to pass arguments, quote the command line: ${this.keyword} "${this.stmt.args.map((t) => t.text).join(' ')}"`);
    }
    let argv: string[];
    try {
      argv = splitCommandLine(command);
    } catch (err) {
      return this.error(`${this.keyword} ${(err as Error).message}`);
    }
    const script: Script = { command, argv };
    if (runAs && this.text(1) !== undefined) script.user = this.text(1);
    if (runAs && this.text(2) !== undefined) script.group = this.text(2);
    return script;
  }
}
