// Turns keepalived.conf and the files it includes into logical lines, doing
// what keepalived does before parsing: comments, includes, "@id" conditional
// lines, "$NAME=value" parameters with their substitution, and the ~SEQ and
// ~LST lines that repeat a line over a sequence or a list of values.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Diagnostics, SourceLocation } from './diagnostics';
import { globFiles, PatternError } from './glob';
import { stripComment } from './lexer';

export interface SourceLine extends SourceLocation {
  text: string;
}

export interface SourceOptions {
  /** Compared with "@id" prefixes; keepalived's default is the first part of the host name. */
  configId?: string;
}

const MAX_EXPANSION_DEPTH = 32;
/** Depth alone does not bound expansion, since each level may double what it makes. */
const MAX_EXPANDED_LINE = 64 * 1024;
const MAX_REPEATED_LINES = 200_000;
/** More lines than any table needs from one ~SEQ or ~LST: a typo such as a missing step must not hang the reader. */
const MAX_REPETITIONS = 65536;
const DEFINITION = /^\$([A-Za-z_][A-Za-z0-9_]*)=(.*)$/;
const INCLUDE = /^(include[rmwba]?)(?:\s+(.*))?$/;
// A bare $NAME ends at a blank, a comma, a closing parenthesis or the end of the line, as in keepalived.
const PARAMETER = /\$\{([A-Za-z_][A-Za-z0-9_]*)((?:\s+\d+){0,2})\}|\$([A-Za-z_][A-Za-z0-9_]*)(?=[\s,)]|$)/g;

export function defaultConfigId(): string {
  return os.hostname().split('.')[0];
}

interface PendingDefinition {
  name: string;
  lines: string[];
}

/** No configuration is this large; a pipe that never ends is not read to exhaustion. */
const MAX_FILE_BYTES = 64 * 1024 * 1024;

function readBounded(file: string): string {
  const fd = fs.openSync(file, 'r');
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(64 * 1024);
      const n = fs.readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      total += n;
      if (total > MAX_FILE_BYTES) throw new Error(`larger than ${MAX_FILE_BYTES / 1024 / 1024} MiB`);
      chunks.push(chunk.subarray(0, n));
    }
    return Buffer.concat(chunks, total).toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}

class SourceReader {
  readonly lines: SourceLine[] = [];
  private readonly parameters = new Map<string, string>();
  private readonly includeStack: string[] = [];
  private repeated = 0;
  /** Lines already reported for nesting too deep: one report each, however often expansion reaches them. */
  private readonly tooDeep = new Set<string>();

  constructor(private readonly diags: Diagnostics, private readonly configId: string) {}

  readFile(file: string, displayName: string, from?: SourceLocation): void {
    const where = from ?? { file: displayName, line: 0 };
    const keyword = from ? 'include' : 'config';
    let resolved: string;
    let content: string;
    try {
      const absolute = path.resolve(file);
      // A device would be read forever: files and pipes (lvsd -f <(program)) are configuration.
      const st = fs.statSync(absolute);
      if (!st.isFile() && !st.isFIFO()) {
        this.diags.error(where, keyword, `${displayName} is not a file or a pipe`);
        return;
      }
      // A file by its real path, so that a loop through a symbolic link is a loop too
      // (a pipe's /dev/fd link has no real path to resolve to).
      resolved = st.isFile() ? fs.realpathSync(absolute) : absolute;
      if (this.includeStack.includes(resolved)) {
        this.diags.error(where, 'include', `${displayName} includes itself (loop through ${this.includeStack.join(' -> ')})`);
        return;
      }
      content = readBounded(resolved);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      this.diags.error(where, keyword, `cannot read ${displayName}: ${err.code ?? err.message}`);
      return;
    }
    this.includeStack.push(resolved);
    const physical = content.split('\n');
    let pending: PendingDefinition | undefined;
    let pendingAt: SourceLocation = { file: displayName, line: 0 };
    for (let i = 0; i < physical.length; i++) {
      const at = { file: displayName, line: i + 1 };
      const text = stripComment(physical[i]).trim();
      if (pending) {
        if (text === '') continue;
        if (text.endsWith('\\')) {
          pending.lines.push(text.slice(0, -1).trim());
          continue;
        }
        pending.lines.push(text);
        this.parameters.set(pending.name, pending.lines.filter((l) => l !== '').join('\n'));
        pending = undefined;
        continue;
      }
      if (text === '') continue;
      const started = this.startsMultilineDefinition(text);
      if (started) {
        pending = { name: started.name, lines: started.first === '' ? [] : [started.first] };
        pendingAt = at;
        continue;
      }
      this.processLine(text, at, resolved, 0);
    }
    if (pending) this.diags.error(pendingAt, 'config', `multiline definition of $${pending.name} is not terminated`);
    this.includeStack.pop();
  }

  /** "$NAME=[first line] \" (after an optional @id prefix that matches) opens a multiline definition. */
  private startsMultilineDefinition(text: string): { name: string; first: string } | undefined {
    const line = this.applyCondition(text);
    if (line === undefined) return undefined;
    const m = DEFINITION.exec(line);
    const value = m?.[2].trim();
    return m && value?.endsWith('\\') ? { name: m[1], first: value.slice(0, -1).trim() } : undefined;
  }

  /** Returns the line without its @id prefix, or undefined when the line is for another config id. */
  private applyCondition(text: string): string | undefined {
    if (!text.startsWith('@')) return text;
    const m = /^@(\^?)(\S*)\s*(.*)$/.exec(text);
    if (!m) return text;
    const matches = m[2] === this.configId;
    return (m[1] === '^' ? !matches : matches) ? m[3] : undefined;
  }

  private processLine(raw: string, at: SourceLocation, currentFile: string, depth: number): void {
    if (this.repeated > MAX_REPEATED_LINES) return;
    if (depth > MAX_EXPANSION_DEPTH) {
      const key = `${at.file}:${at.line}`;
      if (!this.tooDeep.has(key)) {
        this.tooDeep.add(key);
        this.diags.error(at, 'config', `parameter substitution nested deeper than ${MAX_EXPANSION_DEPTH} levels (a parameter refers to itself?)`);
      }
      return;
    }
    const text = this.applyCondition(raw.trim());
    if (text === undefined || text === '') return;
    const definition = DEFINITION.exec(text);
    if (definition) {
      this.parameters.set(definition[1], definition[2].trim());
      return;
    }
    if (text.startsWith('~SEQ') || text.startsWith('~LST')) {
      this.repeat(text, at, currentFile, depth);
      return;
    }
    const substituted = this.substitute(text, currentFile);
    if (substituted.length > MAX_EXPANDED_LINE) {
      this.diags.error(at, 'config', `parameter substitution makes a line longer than ${MAX_EXPANDED_LINE} characters (a parameter that refers to itself?)`);
      return;
    }
    if (substituted === text) {
      // As in keepalived, "@id include ..." and "include $DIR/..." are includes too.
      const include = INCLUDE.exec(text);
      if (include) this.include(include[1], include[2]?.trim() ?? '', currentFile, at);
      else this.lines.push({ text, ...at });
      return;
    }
    for (const piece of substituted.split('\n')) this.processLine(piece, at, currentFile, depth + 1);
  }

  /**
   * "~SEQ(NAME, [START,] [STEP,] END) LINE" gives LINE once per number, with
   * $NAME set to it (~SEQx: in hex); "~LST(NAME, V1, V2, ...) LINE" or
   * "~LST({A, B}, {A1, B1}, {A2, B2}) LINE" once per value or set of values.
   */
  private repeat(text: string, at: SourceLocation, currentFile: string, depth: number): void {
    const kind = text.slice(0, 4);
    const close = text.indexOf(')');
    const open = text.indexOf('(');
    const head = /^~(SEQx?|LST)\s*$/.exec(text.slice(0, open === -1 ? text.length : open));
    if (!head || close < open) {
      this.diags.error(at, kind, `expected ${kind}(...) followed by the line to repeat, got "${text}"`);
      return;
    }
    const inside = this.substitute(text.slice(open + 1, close), currentFile);
    const line = text.slice(close + 1).trim();
    const sets = kind === '~SEQ' ? sequence(inside, head[1] === 'SEQx') : valueSets(inside);
    if (typeof sets === 'string') {
      this.diags.error(at, kind, `${sets}: "${text.slice(0, close + 1)}"`);
      return;
    }
    if (line === '') return;
    for (const values of sets.values) {
      if (++this.repeated > MAX_REPEATED_LINES) {
        if (this.repeated === MAX_REPEATED_LINES + 1) this.diags.error(at, kind, `~SEQ and ~LST make more than ${MAX_REPEATED_LINES} lines`);
        return;
      }
      sets.names.forEach((name, i) => this.parameters.set(name, values[i] ?? ''));
      this.processLine(line, at, currentFile, depth + 1);
    }
  }

  /** One pass of parameter replacement; undefined parameters stay as written. */
  private substitute(text: string, currentFile: string): string {
    return text.replace(PARAMETER, (whole: string, braced?: string, numbers?: string, bare?: string) => {
      const name = braced ?? bare ?? '';
      switch (name) {
        case '_PWD': return path.dirname(currentFile);
        case '_INSTANCE': return this.configId;
        case '_HASH': return '#';
        case '_BANG': return '!';
        case '_RANDOM': {
          const [min = 0, max = 32767] = (numbers ?? '').trim().split(/\s+/).filter(Boolean).map(Number);
          return String(min + Math.floor(Math.random() * (Math.max(max, min) - min + 1)));
        }
      }
      return this.parameters.get(name) ?? whole;
    });
  }

  private include(kind: string, pattern: string, currentFile: string, at: SourceLocation): void {
    if (pattern === '') {
      this.diags.error(at, kind, 'missing file name');
      return;
    }
    const unquoted = pattern.replace(/^"(.*)"$/, '$1');
    // Relative names are relative to the directory of the including file.
    const absolute = path.isAbsolute(unquoted) ? unquoted : path.join(path.dirname(currentFile), unquoted);
    let files: string[];
    try {
      files = globFiles(absolute);
    } catch (e) {
      if (!(e instanceof PatternError)) throw e;
      this.diags.error(at, kind, `${unquoted}: ${e.message}`);
      return;
    }
    if (files.length === 0) {
      // Plain "include" tolerates missing files (keepalived's backward-compatible behaviour).
      if (kind === 'include') this.diags.warning(at, kind, `no file matches ${unquoted}`);
      else this.diags.error(at, kind, `no file matches ${unquoted}`);
      return;
    }
    for (const f of files) {
      if (fs.statSync(f).isDirectory()) continue;
      this.readFile(f, f, at);
    }
  }
}

export function readSource(file: string, diags: Diagnostics, options: SourceOptions = {}): SourceLine[] {
  const reader = new SourceReader(diags, options.configId ?? defaultConfigId());
  reader.readFile(file, file);
  return reader.lines;
}

interface ValueSets {
  names: string[];
  values: string[][];
}

/** A C number as strtol(…, 0) reads one: decimal, 0x hex or 0 octal, with a sign. */
function cNumber(text: string): number | undefined {
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(text.trim());
  if (!m) return undefined;
  const digits = m[2];
  const n = /^0[xX]/.test(digits) ? parseInt(digits.slice(2), 16) : digits.length > 1 && digits.startsWith('0') ? parseInt(digits, 8) : Number(digits);
  return m[1] === '-' ? -n : n;
}

/** The inside of ~SEQ(...): a name and END, START and END, or START, STEP and END. */
function sequence(inside: string, hex: boolean): ValueSets | string {
  const [name, ...rest] = inside.split(',').map((p) => p.trim());
  if (!name || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return 'the first argument must be a parameter name';
  if (rest.length < 1 || rest.length > 3) return 'expected the name, then END, or START and END, or START, STEP and END';
  const nums = rest.map(cNumber);
  if (nums.some((n) => n === undefined)) return 'START, STEP and END must be integers';
  const [a, b, c] = nums as number[];
  let start: number;
  let step: number;
  let end: number;
  if (rest.length === 1) [start, step, end] = [a < 0 ? -1 : 1, a < 1 ? -1 : 1, a];
  else if (rest.length === 2) [start, step, end] = [a, a <= b ? 1 : -1, b];
  else [start, step, end] = [a, b, c];
  if (step === 0 || (start < end && step < 0) || (start > end && step > 0)) return 'STEP must be non-zero and go from START towards END';
  if (hex && (start < 0 || end < 0)) return '~SEQx takes only positive numbers';
  const count = Math.floor((end - start) / step) + 1;
  if (count > MAX_REPETITIONS) return `gives ${count} lines, more than ${MAX_REPETITIONS}`;
  const values: string[][] = [];
  for (let i = 0, n = start; i < count; i++, n += step) values.push([hex ? n.toString(16) : String(n)]);
  return { names: [name], values };
}

/** The inside of ~LST(...): a name or {names}, then values or {value sets}. */
function valueSets(inside: string): ValueSets | string {
  const items: string[][] = [];
  const re = /\s*(?:\{([^}]*)\}|([^,{}]*))\s*(,|$)/gy;
  let m: RegExpExecArray | null;
  while (re.lastIndex < inside.length && (m = re.exec(inside)) !== null) {
    items.push(m[1] !== undefined ? m[1].split(',').map((v) => v.trim()) : [m[2].trim()]);
    if (m[3] === '') break;
  }
  if (re.lastIndex < inside.length) return 'expected NAME or {NAME, ...}, then values or {value, ...} sets, separated by commas';
  const [names, ...values] = items;
  if (!names || names.some((n) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(n))) return 'the first argument must be a parameter name or {names}';
  if (values.length === 0) return 'no values';
  if (values.some((v) => v.length > names.length)) return 'a set has more values than there are names';
  return { names, values };
}
