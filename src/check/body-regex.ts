// Whether a response body satisfies a url's regex, as keepalived's PCRE
// reads it. Pure and synchronous: run by the regex worker (regex-worker.ts),
// off the event loop, since a pattern may backtrack for minutes.
import type { UrlCheck } from './types';

export type BodyRegex = Pick<UrlCheck, 'regex' | 'regexFlags' | 'regexDollarEndOnly' | 'regexMinOffset' | 'regexMaxOffset'> & { regex: string };

export function bodyMatches(spec: BodyRegex, text: string): boolean {
  // keepalived's PCRE lets $ match before a final newline too (unless dollar_endonly); a JavaScript $ only at the very end.
  return matchesWithin(spec, text) || (!spec.regexDollarEndOnly && text.endsWith('\n') && matchesWithin(spec, text.slice(0, -1)));
}

/** Whether the body has a match starting within regex_min_offset..regex_max_offset (the whole body by default). */
function matchesWithin(spec: BodyRegex, text: string): boolean {
  const re = new RegExp(spec.regex, `${spec.regexFlags ?? ''}g`);
  re.lastIndex = spec.regexMinOffset ?? 0;
  const m = re.exec(text);
  return m !== null && (spec.regexMaxOffset === undefined || m.index <= spec.regexMaxOffset);
}
