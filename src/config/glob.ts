// Expands the file patterns of keepalived's include directive: csh-style
// braces, then *, ? and [...] per path segment, matches sorted like glob(3).
import * as fs from 'node:fs';
import * as path from 'node:path';

/** A pattern glob(3) would refuse, or one that would expand beyond reason. */
export class PatternError extends Error {}

/** Bounds on brace expansion: a pattern is a few names, not a combinatorial explosion. */
const MAX_BRACE_DEPTH = 16;
const MAX_EXPANSIONS = 4096;

/** "{a,b{c,d}}x" -> ["ax", "bcx", "bdx"]; unbalanced braces are kept literally. */
export function expandBraces(pattern: string): string[] {
  let depth = 0;
  for (const c of pattern) {
    if (c === '{' && ++depth > MAX_BRACE_DEPTH) throw new PatternError(`braces nested deeper than ${MAX_BRACE_DEPTH}`);
    if (c === '}' && depth > 0) depth--;
  }
  return expandWithin(pattern);
}

function expandWithin(pattern: string): string[] {
  let depth = 0;
  let open = -1;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      i++;
    } else if (c === '{') {
      if (depth++ === 0) open = i;
    } else if (c === '}' && depth > 0 && --depth === 0) {
      const alternatives: string[] = [];
      let level = 0;
      let from = open + 1;
      for (let j = open + 1; j < i; j++) {
        if (pattern[j] === '{') level++;
        else if (pattern[j] === '}') level--;
        else if (pattern[j] === ',' && level === 0) {
          alternatives.push(pattern.slice(from, j));
          from = j + 1;
        }
      }
      alternatives.push(pattern.slice(from, i));
      const head = pattern.slice(0, open);
      const rest = expandWithin(pattern.slice(i + 1));
      const out: string[] = [];
      for (const alt of alternatives) {
        for (const h of expandWithin(head + alt)) {
          if (out.length + rest.length > MAX_EXPANSIONS) throw new PatternError(`braces expand to more than ${MAX_EXPANSIONS} names`);
          for (const r of rest) out.push(h + r);
        }
      }
      return out;
    }
  }
  return [pattern];
}

function hasWildcard(segment: string): boolean {
  return /[*?[]/.test(segment);
}

function segmentRegExp(segment: string): RegExp {
  let re = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = segment.indexOf(']', i + 2);
      if (close < 0) {
        re += '\\[';
        continue;
      }
      let set = segment.slice(i + 1, close);
      if (set.startsWith('!')) set = '^' + set.slice(1);
      re += '[' + set.replace(/\\/g, '\\\\') + ']';
      i = close;
    } else if (c === '\\' && i + 1 < segment.length) {
      re += segment[++i].replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    } else {
      re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    }
  }
  try {
    return new RegExp(`^${re}$`);
  } catch {
    throw new PatternError(`"${segment}" is not a valid pattern`);
  }
}

function matchSegments(base: string, segments: string[]): string[] {
  if (segments.length === 0) return fs.existsSync(base) ? [base] : [];
  const [segment, ...rest] = segments;
  if (!hasWildcard(segment)) return matchSegments(path.join(base, segment), rest);
  let names: string[];
  try {
    names = fs.readdirSync(base);
  } catch {
    return [];
  }
  const re = segmentRegExp(segment);
  // As in glob(3), wildcards do not match a leading dot.
  return names
    .filter((n) => re.test(n) && (!n.startsWith('.') || segment.startsWith('.')))
    .sort()
    .flatMap((n) => matchSegments(path.join(base, n), rest));
}

/** Absolute file names matching an absolute pattern, in glob(3) order. */
export function globFiles(pattern: string): string[] {
  const found: string[] = [];
  for (const p of expandBraces(pattern)) {
    const segments = p.split('/').filter((s) => s !== '');
    for (const f of matchSegments('/', segments)) if (!found.includes(f)) found.push(f);
  }
  return found;
}
