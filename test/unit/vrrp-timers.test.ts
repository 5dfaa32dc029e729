import { test } from 'node:test';
import assert from 'node:assert/strict';
import { advertIntervalUs, initialMasterWaitUs, masterDownIntervalUs, skewTimeUs } from '../../src/vrrp/timers';

test('v2, advert_int 1 s, priority 90: skew 648,437 us and master down 3,648,437 us', () => {
  // (256 - 90) / 256 s = 0.6484375 s, truncated to the microsecond as keepalived does.
  assert.equal(skewTimeUs(2, 90, 1_000_000), 648_437);
  assert.equal(masterDownIntervalUs(2, 90, 1_000_000), 3_648_437);
});

test('v2 skew does not depend on the interval (RFC 3768)', () => {
  assert.equal(skewTimeUs(2, 100, 5_000_000), skewTimeUs(2, 100, 1_000_000));
  assert.equal(masterDownIntervalUs(2, 100, 5_000_000), 15_000_000 + 609_375);
});

test('v3, advert_int 0.1 s, priority 90: skew 64,843 us and master down 364,843 us', () => {
  // (256 - 90) x 10 cs / 256 = 6.484375 cs; keepalived's takeover measured at 364.8 ms.
  assert.equal(skewTimeUs(3, 90, 100_000), 64_843);
  assert.equal(masterDownIntervalUs(3, 90, 100_000), 364_843);
});

test('v3 skew scales with the master interval', () => {
  assert.equal(skewTimeUs(3, 100, 1_000_000), 609_375);
  assert.equal(skewTimeUs(3, 255, 40_950_000), 159_960);
  assert.equal(masterDownIntervalUs(3, 1, 40_950_000), 3 * 40_950_000 + 40_790_039);
});

test('down_timer_adverts other than 3', () => {
  assert.equal(masterDownIntervalUs(2, 90, 1_000_000, 5), 5_648_437);
});

test('an initial-MASTER non-owner waits one interval plus the smallest skew', () => {
  assert.equal(initialMasterWaitUs(2, 1_000_000), 1_003_906);
  assert.equal(initialMasterWaitUs(3, 100_000), 100_390);
});

test('advert_int rounds to the wire unit and refuses out-of-range values', () => {
  assert.equal(advertIntervalUs(3, 0.1), 100_000);
  assert.equal(advertIntervalUs(3, 0.015), 20_000);
  assert.equal(advertIntervalUs(3, 40.95), 40_950_000);
  assert.equal(advertIntervalUs(2, 1.4), 1_000_000);
  assert.equal(advertIntervalUs(2, 2.5), 3_000_000);
  assert.throws(() => advertIntervalUs(3, 41), /outside 0.01..40.95 s/);
  assert.throws(() => advertIntervalUs(3, 0.004), /outside/);
  assert.throws(() => advertIntervalUs(2, 0.4), /outside 1..255 s/);
  assert.throws(() => advertIntervalUs(2, 256), /outside/);
  assert.throws(() => advertIntervalUs(2, Number.NaN), /outside/);
});
