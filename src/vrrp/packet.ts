// VRRP advertisement wire format: version 2 (RFC 3768, IPv4 only) and
// version 3 (RFC 5798, IPv4 and IPv6). The decoder only judges the packet on
// its own; what an instance expects of it lives in receive-check.ts.
import { ADDRESS_LENGTH, addressBytes, formatAddress, type Family } from './address';
import { internetChecksum, pseudoHeader } from './checksum';
import { DropReason } from './drop-reason';

export const VRRP_TYPE_ADVERTISEMENT = 1;
export const HEADER_LENGTH = 8;
export const AUTH_DATA_LENGTH = 8;
export const V2_MAX_ADVERT_SECONDS = 255;
export const V3_MAX_ADVERT_CENTISECONDS = 0x0fff;

/** v2 authentication: 0 none, 1 simple text password. Type 2 (IP AH) is refused. */
export type AuthType = 'none' | 'pass';
const AUTH_CODES: Record<AuthType, number> = { none: 0, pass: 1 };
const AUTH_AH = 2;

export interface AdvertisementV2 {
  version: 2;
  vrid: number;
  priority: number;
  advertIntervalSec: number;
  authType: AuthType;
  /** Always 8 bytes: the password zero-padded, or zeros without authentication. */
  authData: Buffer;
  addresses: string[];
}

export interface AdvertisementV3 {
  version: 3;
  vrid: number;
  priority: number;
  /** Max Adver Int, 12 bits, in centiseconds. */
  advertIntervalCs: number;
  addresses: string[];
}

export type Advertisement = AdvertisementV2 | AdvertisementV3;

/** Addresses of the IP header around the VRRP message: v3 checksums cover them. */
export interface Envelope {
  family: Family;
  source: string;
  destination: string;
}

export type DecodeResult =
  | { ok: true; advert: Advertisement }
  | { ok: false; reason: DropReason; detail: string };

function drop(reason: DropReason, detail: string): DecodeResult {
  return { ok: false, reason, detail };
}

/** The 8-byte v2 authentication data for a password: truncated or zero-padded, as keepalived stores it. */
export function passwordAuthData(password: string): Buffer {
  const data = Buffer.alloc(AUTH_DATA_LENGTH);
  Buffer.from(password, 'utf8').copy(data, 0, 0, AUTH_DATA_LENGTH);
  return data;
}

function checkRange(what: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`VRRP ${what} ${value} is outside ${min}..${max}`);
  }
}

/** Builds one advertisement, checksum included; throws a RangeError naming the bad field. */
export function encodeAdvertisement(advert: Advertisement, envelope: Envelope): Buffer {
  const { family } = envelope;
  checkRange('VRID', advert.vrid, 1, 255);
  checkRange('priority', advert.priority, 0, 255);
  checkRange('address count', advert.addresses.length, 0, 255);
  if (advert.version === 2 && family !== 'ipv4') throw new RangeError('VRRP version 2 carries IPv4 only');
  const addresses = advert.addresses.map((a) => addressBytes(a, family));
  const authLength = advert.version === 2 ? AUTH_DATA_LENGTH : 0;
  const buf = Buffer.alloc(HEADER_LENGTH + addresses.length * ADDRESS_LENGTH[family] + authLength);
  buf.writeUInt8((advert.version << 4) | VRRP_TYPE_ADVERTISEMENT, 0);
  buf.writeUInt8(advert.vrid, 1);
  buf.writeUInt8(advert.priority, 2);
  buf.writeUInt8(addresses.length, 3);
  if (advert.version === 2) {
    checkRange('advertisement interval (s)', advert.advertIntervalSec, 1, V2_MAX_ADVERT_SECONDS);
    if (advert.authData.length !== AUTH_DATA_LENGTH) throw new RangeError('VRRP v2 authentication data must be 8 bytes');
    buf.writeUInt8(AUTH_CODES[advert.authType], 4);
    buf.writeUInt8(advert.advertIntervalSec, 5);
  } else {
    checkRange('advertisement interval (cs)', advert.advertIntervalCs, 1, V3_MAX_ADVERT_CENTISECONDS);
    buf.writeUInt16BE(advert.advertIntervalCs, 4);
  }
  addresses.forEach((a, i) => a.copy(buf, HEADER_LENGTH + i * a.length));
  if (advert.version === 2) advert.authData.copy(buf, buf.length - AUTH_DATA_LENGTH);
  buf.writeUInt16BE(checksumOf(advert.version, buf, envelope), 6);
  return buf;
}

/** Checksum of `message` with its checksum field taken as zero. */
function checksumOf(version: 2 | 3, message: Buffer, envelope: Envelope): number {
  const zeroed = Buffer.from(message);
  zeroed.writeUInt16BE(0, 6);
  if (version === 2) return internetChecksum(zeroed);
  return internetChecksum(pseudoHeader(envelope.family, envelope.source, envelope.destination, message.length), zeroed);
}

function envelopeValid(envelope: Envelope): boolean {
  try {
    addressBytes(envelope.source, envelope.family);
    addressBytes(envelope.destination, envelope.family);
    return true;
  } catch {
    return false;
  }
}

/** Parses one VRRP message (no IP header). Never throws: any defect is a drop reason. */
export function decodeAdvertisement(payload: Buffer, envelope: Envelope): DecodeResult {
  if (!Buffer.isBuffer(payload) || payload.length < HEADER_LENGTH) {
    return drop('too-short', `${Buffer.isBuffer(payload) ? payload.length : 0} bytes, need at least ${HEADER_LENGTH}`);
  }
  const version = payload[0]! >> 4;
  const type = payload[0]! & 0x0f;
  if (version !== 3 && !(version === 2 && envelope.family === 'ipv4')) {
    return drop('bad-version', `version ${version} over ${envelope.family}`);
  }
  if (type !== VRRP_TYPE_ADVERTISEMENT) return drop('bad-type', `type ${type}`);
  const count = payload[3]!;
  const addressLength = ADDRESS_LENGTH[envelope.family];
  const expected = HEADER_LENGTH + count * addressLength + (version === 2 ? AUTH_DATA_LENGTH : 0);
  if (payload.length !== expected) {
    return drop('length-mismatch', `${payload.length} bytes for ${count} address(es), expected ${expected}`);
  }
  if (version === 2) {
    const auth = payload[4]!;
    if (auth === AUTH_AH) return drop('auth-ah-unsupported', 'IP AH authentication (type 2) is not supported');
    if (auth !== AUTH_CODES.none && auth !== AUTH_CODES.pass) return drop('auth-type-invalid', `auth type ${auth}`);
  }
  if (!envelopeValid(envelope)) {
    return drop('bad-envelope', `source ${envelope.source} / destination ${envelope.destination} are not ${envelope.family}`);
  }
  if (payload[1] === 0) return drop('unknown-vrid', 'VRID 0 is never valid');
  // An interval of 0 would make a backup's down timer zero: refuse it rather than learn it.
  const interval = version === 2 ? payload[5]! : payload.readUInt16BE(4) & 0x0fff;
  if (interval === 0) return drop('bad-advert-interval', 'advertisement interval 0');
  const stored = payload.readUInt16BE(6);
  const computed = checksumOf(version as 2 | 3, payload, envelope);
  if (stored !== computed) {
    return drop('bad-checksum', `checksum 0x${hex4(stored)}, computed 0x${hex4(computed)}`);
  }
  const addresses: string[] = [];
  for (let i = 0; i < count; i++) {
    const at = HEADER_LENGTH + i * addressLength;
    addresses.push(formatAddress(payload.subarray(at, at + addressLength)));
  }
  const vrid = payload[1]!;
  const priority = payload[2]!;
  if (version === 2) {
    return {
      ok: true,
      advert: {
        version: 2, vrid, priority, addresses,
        advertIntervalSec: interval,
        authType: payload[4] === AUTH_CODES.pass ? 'pass' : 'none',
        authData: Buffer.from(payload.subarray(payload.length - AUTH_DATA_LENGTH)),
      },
    };
  }
  // The top 4 bits of the interval field are reserved: ignored on receipt.
  return { ok: true, advert: { version: 3, vrid, priority, addresses, advertIntervalCs: interval } };
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}
