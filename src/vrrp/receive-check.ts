// Judges a decoded advertisement against the instance receiving it, in the
// order keepalived 2.2.7 applies its checks, so the same packet is counted
// under the same reason by both.
import type { Family } from './address';
import { normalizeAddress } from './address';
import type { DropReason } from './drop-reason';
import type { Advertisement, AuthType } from './packet';

export const VRRP_TTL = 255;

/** What one instance accepts. Addresses are in canonical form (normalizeAddress). */
export interface Expectation {
  family: Family;
  vrid: number;
  version: 2 | 3;
  /** v2 only. */
  authType: AuthType;
  /** v2 with authType 'pass': the 8 bytes to match. */
  authData: Buffer;
  /** v2 only: adverts with another interval are dropped (two routers with different timers would both be master). */
  advertIntervalSec: number;
  vips: string[];
  /** Non-empty: the instance runs unicast. */
  unicastPeers: string[];
  /** Unicast only: drop adverts whose source is not a listed peer (keepalived's check_unicast_src; off by default). */
  checkUnicastSource: boolean;
}

/** How the packet arrived. */
export interface Arrival {
  ttl: number;
  source: string;
  destination: string;
}

export type Verdict = { ok: true } | { ok: false; reason: DropReason; detail: string };

const OK: Verdict = { ok: true };

function no(reason: DropReason, detail: string): Verdict {
  return { ok: false, reason, detail };
}

function isMulticast(address: string, family: Family): boolean {
  if (family === 'ipv4') {
    const first = Number(address.split('.')[0]);
    return first >= 224 && first <= 239;
  }
  return address.toLowerCase().startsWith('ff');
}

function canonical(address: string): string | undefined {
  try {
    return normalizeAddress(address);
  } catch {
    return undefined;
  }
}

/** Never throws; the first failed check wins. */
export function checkAdvertisement(advert: Advertisement, arrival: Arrival, expect: Expectation): Verdict {
  if (advert.vrid !== expect.vrid) return no('unknown-vrid', `VRID ${advert.vrid}, ours is ${expect.vrid}`);
  const unicast = expect.unicastPeers.length > 0;
  // RFC 3768 5.2.3 / RFC 5798 5.1.1.3: a router-to-router packet that crossed a router is forged. Unicast may be routed.
  if (!unicast && arrival.ttl !== VRRP_TTL) return no('wrong-ttl', `TTL/hop limit ${arrival.ttl}, expected ${VRRP_TTL}`);
  if (advert.version !== expect.version) return no('version-mismatch', `version ${advert.version}, ours is ${expect.version}`);
  if (advert.version === 2) {
    if (advert.authType !== expect.authType) {
      return no('auth-type-mismatch', `auth type ${advert.authType}, ours is ${expect.authType}`);
    }
    if (expect.authType === 'pass' && !advert.authData.equals(expect.authData)) {
      return no('auth-failure', 'password does not match');
    }
    if (advert.advertIntervalSec !== expect.advertIntervalSec) {
      return no('advert-interval-mismatch', `interval ${advert.advertIntervalSec} s, ours is ${expect.advertIntervalSec} s`);
    }
  }
  if (advert.addresses.length !== expect.vips.length) {
    return no('address-count-mismatch', `${advert.addresses.length} address(es), ours has ${expect.vips.length}`);
  }
  if (isMulticast(arrival.destination, expect.family) === unicast) {
    return unicast
      ? no('unexpected-multicast', `multicast to ${arrival.destination} on a unicast instance`)
      : no('unexpected-unicast', `unicast to ${arrival.destination} on a multicast instance`);
  }
  const carried = new Set(advert.addresses);
  const missing = expect.vips.find((vip) => !carried.has(vip));
  if (missing !== undefined) return no('address-list-mismatch', `virtual address ${missing} missing from the advertisement`);
  if (unicast && expect.checkUnicastSource) {
    const source = canonical(arrival.source);
    if (source === undefined || !expect.unicastPeers.includes(source)) {
      return no('not-unicast-peer', `source ${arrival.source} is not a unicast peer`);
    }
  }
  return OK;
}
