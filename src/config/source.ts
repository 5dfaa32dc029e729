// Turns keepalived.conf and the files it includes into logical lines, doing
// what keepalived does before parsing: comments, includes, "@id" conditional
// lines and "$NAME=value" parameters with their substitution.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Diagnostics, SourceLocation } from './diagnostics';
import { globFiles } from './glob';
import { stripComment } from './lexer';

export interface SourceLine extends SourceLocation {
  text: string;
}

export interface SourceOptions {
  /** Compared with "@id" prefixes; keepalived's default is the first part of the host name. */
  configId?: string;
}

const MAX_EXPANSION_DEPTH = 32;
const DEFINITION = /^\$([A-Za-z_][A-Za-z0-9_]*)=(.*)$/;
const INCLUDE = /^(include[rmwba]?)(?:\s+(.*))?$/;
const PARAMETER = /\$\{([A-Za-z_][A-Za-z0-9_]*)((?:\s+\d+){0,2})\}|\$([A-Za-z_][A-Za-z0-9_]*)(?=\s|$)/g;

export function defaultConfigId(): string {
  return os.hostname().split('.')[0];
}

interface PendingDefinition {
  name: string;
  lines: string[];
}

class SourceReader {
  readonly lines: SourceLine[] = [];
  private readonly parameters = new Map<string, string>();
  private readonly includeStack: string[] = [];

  constructor(private readonly diags: Diagnostics, private readonly configId: string) {}

  readFile(file: string, displayName: string, from?: SourceLocation): void {
    const resolved = path.resolve(file);
    if (this.includeStack.includes(resolved)) {
      this.diags.error(from ?? { file: displayName, line: 0 }, 'include', `${displayName} includes itself (loop through ${this.includeStack.join(' -> ')})`);
      return;
    }
    let content: string;
    try {
      content = fs.readFileSync(resolved, 'utf8');
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      this.diags.error(from ?? { file: displayName, line: 0 }, from ? 'include' : 'config', `cannot read ${displayName}: ${err.code ?? err.message}`);
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
      const include = INCLUDE.exec(text);
      if (include) {
        this.include(include[1], include[2]?.trim() ?? '', resolved, at);
        continue;
      }
      const started = this.startsMultilineDefinition(text);
      if (started) {
        pending = { name: started, lines: [] };
        pendingAt = at;
        continue;
      }
      this.processLine(text, at, resolved, 0);
    }
    if (pending) this.diags.error(pendingAt, 'config', `multiline definition of $${pending.name} is not terminated`);
    this.includeStack.pop();
  }

  /** "$NAME= \" (after an optional @id prefix that matches) opens a multiline definition. */
  private startsMultilineDefinition(text: string): string | undefined {
    const line = this.applyCondition(text);
    if (line === undefined) return undefined;
    const m = DEFINITION.exec(line);
    return m && m[2].trim() === '\\' ? m[1] : undefined;
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
    if (depth > MAX_EXPANSION_DEPTH) {
      this.diags.error(at, 'config', `parameter substitution nested deeper than ${MAX_EXPANSION_DEPTH} levels (a parameter refers to itself?)`);
      return;
    }
    const text = this.applyCondition(raw.trim());
    if (text === undefined || text === '') return;
    const definition = DEFINITION.exec(text);
    if (definition) {
      this.parameters.set(definition[1], definition[2].trim());
      return;
    }
    const substituted = this.substitute(text, currentFile);
    if (substituted === text) {
      this.lines.push({ text, ...at });
      return;
    }
    for (const piece of substituted.split('\n')) this.processLine(piece, at, currentFile, depth + 1);
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
    const files = globFiles(absolute);
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
