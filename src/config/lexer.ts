// Splits one logical line of keepalived.conf into words. Quoting follows
// keepalived: " or ' delimit a string that keeps its spaces, quoted and
// unquoted parts that touch form one word, and quoted strings take
// shell-like backslash escapes.
import { Diagnostics, SourceLocation } from './diagnostics';

export interface Token extends SourceLocation {
  text: string;
  /** True when any part of the word was quoted: such a word is never a brace. */
  quoted: boolean;
}

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v';
}

/** Drops a `#` or `!` comment that starts a word outside quotes. */
export function stripComment(text: string): string {
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if ((c === '#' || c === '!') && (i === 0 || isSpace(text[i - 1]) || text[i - 1] === '{' || text[i - 1] === '}')) {
      return text.slice(0, i);
    }
  }
  return text;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07', b: '\b', E: '\x1b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v',
};

/** Decodes the escape starting after a backslash at text[i]; returns [value, next index]. */
function escape(text: string, i: number): [string, number] {
  const c = text[i];
  if (c === undefined) return ['\\', i];
  if (SIMPLE_ESCAPES[c] !== undefined) return [SIMPLE_ESCAPES[c], i + 1];
  if (c === 'x') {
    const m = /^[0-9A-Fa-f]+/.exec(text.slice(i + 1));
    if (m) return [String.fromCharCode(parseInt(m[0], 16) & 0xff), i + 1 + m[0].length];
  }
  const octal = /^[0-7]{1,3}/.exec(text.slice(i));
  if (octal) return [String.fromCharCode(parseInt(octal[0], 8) & 0xff), i + octal[0].length];
  if (c === 'c' && text[i + 1] !== undefined) {
    return [String.fromCharCode(text[i + 1].toUpperCase().charCodeAt(0) ^ 0x40), i + 2];
  }
  return [c, i + 1];
}

/**
 * Splits an unquoted word's leading and trailing braces off, so that
 * "global_defs{" and "}" work as in keepalived; "${NAME}" left over from an
 * undefined parameter stays whole.
 */
function splitBraces(word: string, at: SourceLocation, out: Token[]): void {
  let start = 0;
  while (start < word.length && (word[start] === '{' || word[start] === '}')) {
    out.push({ text: word[start], quoted: false, file: at.file, line: at.line });
    start++;
  }
  let end = word.length;
  const tail: Token[] = [];
  while (end > start && (word[end - 1] === '{' || (word[end - 1] === '}' && !word.slice(start, end - 1).includes('{')))) {
    tail.unshift({ text: word[end - 1], quoted: false, file: at.file, line: at.line });
    end--;
  }
  if (end > start) out.push({ text: word.slice(start, end), quoted: false, file: at.file, line: at.line });
  out.push(...tail);
}

export function tokenize(text: string, at: SourceLocation, diags: Diagnostics): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && isSpace(text[i])) i++;
    if (i >= text.length) break;
    let word = '';
    let quoted = false;
    while (i < text.length && !isSpace(text[i])) {
      const c = text[i];
      if (c === '"' || c === "'") {
        quoted = true;
        const close = c;
        i++;
        let closed = false;
        while (i < text.length) {
          if (text[i] === close) {
            closed = true;
            i++;
            break;
          }
          if (text[i] === '\\') {
            const [value, next] = escape(text, i + 1);
            word += value;
            i = next;
          } else {
            word += text[i++];
          }
        }
        if (!closed) diags.error(at, 'syntax', `unterminated quoted string ${close}${word}`);
      } else {
        word += c;
        i++;
      }
    }
    if (quoted) tokens.push({ text: word, quoted: true, file: at.file, line: at.line });
    else splitBraces(word, at, tokens);
  }
  return tokens;
}
