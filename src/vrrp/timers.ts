// VRRP timer arithmetic in integer microseconds, truncated exactly where
// keepalived truncates, so takeover times match it to the microsecond.
export const US_PER_SECOND = 1_000_000;
export const US_PER_CENTISECOND = 10_000;

/**
 * Skew_Time for a priority. v2 (RFC 3768): (256 - priority) / 256 seconds, independent of the
 * interval. v3 (RFC 5798): (256 - priority) * Master_Adver_Interval / 256, the interval in whole
 * centiseconds. Both truncated to the microsecond.
 */
export function skewTimeUs(version: 2 | 3, priority: number, masterAdvertIntervalUs: number): number {
  const weight = 256 - priority;
  if (version === 2) return Math.floor((weight * US_PER_SECOND) / 256);
  const centiseconds = Math.floor(masterAdvertIntervalUs / US_PER_CENTISECOND);
  return Math.floor((weight * centiseconds * US_PER_CENTISECOND) / 256);
}

/** Master_Down_Interval = adverts-to-miss (3 in the RFCs) x Master_Adver_Interval + Skew_Time. */
export function masterDownIntervalUs(
  version: 2 | 3, priority: number, masterAdvertIntervalUs: number, advertsToMiss = 3,
): number {
  return advertsToMiss * masterAdvertIntervalUs + skewTimeUs(version, priority, masterAdvertIntervalUs);
}

/**
 * Wait before a non-owner configured with `state MASTER` claims mastership at start-up: one interval
 * plus the smallest skew, enough to hear a master that is already there.
 */
export function initialMasterWaitUs(version: 2 | 3, masterAdvertIntervalUs: number): number {
  return masterAdvertIntervalUs + skewTimeUs(version, 255, masterAdvertIntervalUs);
}

/**
 * The configured advert_int (seconds) in microseconds, rounded half-up to the wire unit as
 * keepalived does: whole seconds for v2 (1..255), centiseconds for v3 (0.01..40.95).
 */
export function advertIntervalUs(version: 2 | 3, seconds: number): number {
  const unit = version === 2 ? US_PER_SECOND : US_PER_CENTISECOND;
  const max = version === 2 ? 255 : 0x0fff;
  const units = Math.floor((seconds * US_PER_SECOND + unit / 2) / unit);
  if (!Number.isFinite(seconds) || units < 1 || units > max) {
    const range = version === 2 ? '1..255 s' : '0.01..40.95 s';
    throw new RangeError(`advert_int ${seconds} is outside ${range} for VRRP version ${version}`);
  }
  return units * unit;
}
