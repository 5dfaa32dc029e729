// Dispatches the statements of a { } block to per-keyword handlers.
// Unknown keywords are warned about and skipped, as keepalived does.
import { Diagnostics } from './diagnostics';
import { Statement } from './tree';
import { Args } from './values';

export type Handler<T> = (a: Args, target: T) => void;
export type Handlers<T> = Record<string, Handler<T>>;

export function applyBlock<T>(stmts: Statement[], block: string, handlers: Handlers<T>, target: T, diags: Diagnostics): void {
  for (const stmt of stmts) {
    const handler = Object.hasOwn(handlers, stmt.keyword) ? handlers[stmt.keyword] : undefined;
    if (!handler) {
      diags.warning(stmt.at, block, `unknown keyword "${stmt.keyword}" ignored`);
      continue;
    }
    handler(new Args(stmt, block, diags), target);
  }
}

/** The statements of the block a keyword must open, or an error. */
export function needBlock(a: Args): Statement[] | undefined {
  if (!a.stmt.block) return a.error(`${a.keyword} needs a { } block`);
  return a.stmt.block;
}

/** Keywords keepalived knows that this model does not carry: accepted silently. */
export function ignored<T>(...keywords: string[]): Handlers<T> {
  return Object.fromEntries(keywords.map((k) => [k, () => undefined]));
}

/**
 * Keywords keepalived knows whose effect lvsd does not provide: each is
 * accepted with a warning that says what the director then does not do.
 */
export function unsupported<T>(effects: Record<string, string>): Handlers<T> {
  return Object.fromEntries(Object.entries(effects).map(([k, effect]) => [k, (a: Args) => a.unsupported(effect)]));
}
