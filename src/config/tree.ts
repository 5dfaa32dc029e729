// Builds the block structure of keepalived.conf: a statement is a keyword with
// its arguments up to the end of the line or a brace, optionally followed by a
// { } block, whose "{" may also open the next line.
import { Diagnostics, SourceLocation } from './diagnostics';
import { Token, tokenize } from './lexer';
import { SourceLine } from './source';

export interface Statement {
  keyword: string;
  args: Token[];
  at: SourceLocation;
  /** Present when the statement opened a { } block (possibly empty). */
  block?: Statement[];
}

interface OpenBlock {
  owner: Statement;
  body: Statement[];
}

export function buildTree(lines: SourceLine[], diags: Diagnostics): Statement[] {
  const top: Statement[] = [];
  const stack: OpenBlock[] = [];
  const body = (): Statement[] => (stack.length ? stack[stack.length - 1].body : top);

  for (const line of lines) {
    const tokens = tokenize(line.text, line, diags);
    let current: Statement | undefined;
    for (const tok of tokens) {
      const isBrace = !tok.quoted && (tok.text === '{' || tok.text === '}');
      if (!isBrace) {
        if (current) current.args.push(tok);
        else {
          current = { keyword: tok.text, args: [], at: { file: tok.file, line: tok.line } };
          body().push(current);
        }
        continue;
      }
      if (tok.text === '{') {
        // A "{" alone at the start of a line opens the block of the previous statement.
        const siblings = body();
        const owner = current ?? siblings[siblings.length - 1];
        if (!owner || owner.block) {
          diags.error(tok, 'syntax', 'unexpected "{" without a keyword before it');
          stack.push({ owner: { keyword: '{', args: [], at: tok }, body: [] });
        } else {
          owner.block = [];
          stack.push({ owner, body: owner.block });
        }
      } else if (stack.length === 0) {
        diags.error(tok, 'syntax', 'unexpected "}" with no open block');
      } else {
        stack.pop();
      }
      current = undefined;
    }
  }
  for (const open of stack) {
    diags.error(open.owner.at, open.owner.keyword, 'block is not closed: missing "}"');
  }
  return top;
}
