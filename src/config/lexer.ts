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

/**
 * Drops a comment as keepalived does: it starts at any `#` or `!` outside
 * double quotes, even inside a word (`auth_pass secret!1` is "secret"), and
 * `\#` or `\!` outside quotes stands for the character itself.
 */
export function stripComment(text: string): string {
  let out = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (c === '\\' && i + 1 < text.length) {
      const next = text[i + 1];
      out += !quoted && (next === '#' || next === '!') ? next : c + next;
      i++;
      continue;
    } else if (!quoted && (c === '#' || c === '!')) return out;
    out += c;
  }
  return out;
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
 * Splits an unquoted word at its braces, wherever they are, as keepalived
 * does ("80{weight" is "80", "{", "weight"); "${NAME}" left over from an
 * undefined parameter stays whole.
 */
function splitBraces(word: string, at: SourceLocation, out: Token[]): void {
  let part = '';
  const flush = (): void => {
    if (part !== '') out.push({ text: part, quoted: false, file: at.file, line: at.line });
    part = '';
  };
  for (let i = 0; i < word.length; i++) {
    const c = word[i];
    const parameter = c === '$' ? /^\$\{[A-Za-z_][A-Za-z0-9_]*\}/.exec(word.slice(i)) : null;
    if (parameter) {
      part += parameter[0];
      i += parameter[0].length - 1;
    } else if (c === '{' || c === '}') {
      flush();
      out.push({ text: c, quoted: false, file: at.file, line: at.line });
    } else {
      part += c;
    }
  }
  flush();
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
