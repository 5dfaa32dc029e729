// Url regexes run in a worker thread within a deadline: a pattern that
// backtracks without end fails its check instead of stopping the event loop.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { RegexMatcher } from '../../src/check/regex-match';
import { bodyMatches } from '../../src/check/body-regex';

const matcher = new RegexMatcher(300);
after(() => matcher.close());

test('bodyMatches reads the regex as keepalived does: $ before a final newline, offsets bound where a match starts', () => {
  assert.equal(bodyMatches({ regex: 'server$' }, 'the real server\n'), true);
  assert.equal(bodyMatches({ regex: 'server$', regexDollarEndOnly: true }, 'the real server\n'), false);
  assert.equal(bodyMatches({ regex: 'real', regexMinOffset: 4, regexMaxOffset: 4 }, 'the real server'), true);
  assert.equal(bodyMatches({ regex: 'real', regexMinOffset: 5 }, 'the real server'), false);
  assert.equal(bodyMatches({ regex: 'real', regexMaxOffset: 3 }, 'the real server'), false);
});

test('a match runs off the event loop and answers', async () => {
  assert.deepEqual(await matcher.match({ regex: 'real (server)' }, Buffer.from('the real server')), { matches: true });
  assert.deepEqual(await matcher.match({ regex: '^maintenance' }, Buffer.from('the real server')), { matches: false });
});

test('a regex that backtracks past the deadline is given up, the loop kept turning, and the next match is served', async () => {
  let ticks = 0;
  const ticker = setInterval(() => { ticks++; }, 10);
  const started = Date.now();
  // Quadratic: each start position scans to the end of 1 MiB of 'a' looking for a 'b'.
  const stuck = matcher.match({ regex: 'a.*b' }, Buffer.alloc(1 << 20, 'a'));
  const queued = matcher.match({ regex: 'b$' }, Buffer.from('ab\n'));
  const verdict = await stuck;
  clearInterval(ticker);
  assert.deepEqual(verdict, { failed: 'regex "a.*b" still matching after 300 ms, given up' });
  assert.ok(Date.now() - started < 5_000, `gave up after ${Date.now() - started} ms`);
  assert.ok(ticks >= 10, `the event loop turned ${ticks} times meanwhile`);
  assert.deepEqual(await queued, { matches: true });
});

test('an invalid pattern is a failed match with the engine\'s reason', async () => {
  const verdict = await matcher.match({ regex: '(' }, Buffer.from('x'));
  assert.ok('failed' in verdict && /regex "\(": Invalid regular expression/.test(verdict.failed), JSON.stringify(verdict));
});
