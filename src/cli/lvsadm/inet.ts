// Address text conversions with the exact acceptance rules of the C library
// calls ipvsadm relies on (inet_aton, inet_pton, inet_ntop), so that the same
// argument is accepted or refused, and printed, the same way.
import { dottedQuadNumber } from '../../ipvs/address';

export type Family = 4 | 6;

/** An address as 16 bytes: IPv4 in the first four (like the kernel's union nf_inet_addr). */
export interface InetAddr { family: Family; bytes: Uint8Array }

const U32 = 0xffffffff;
/** Most a part may hold, by how many parts precede it: "a.b.c.d", "a.b.c", "a.b", "a". */
const LAST_PART_MAX = [U32, 0xffffff, 0xffff, 0xff];

const isBlank = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d);

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const lower = c | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x57 : -1;
}

/**
 * inet_aton: "a", "a.b", "a.b.c", "a.b.c.d", each part a C number (0x.. hex,
 * 0.. octal, otherwise decimal); a blank ends the address. A scan without
 * allocations: a restore reads two addresses per line.
 */
export function inetAton(text: string): number | undefined {
  const n = text.length;
  let i = 0;
  let head = 0;
  let parts = 0;
  for (;;) {
    let c = i < n ? text.charCodeAt(i) : -1;
    if (c < 0x30 || c > 0x39) return undefined;
    let part = 0;
    if (c !== 0x30) {
      for (; i < n && (c = text.charCodeAt(i)) >= 0x30 && c <= 0x39; i++) {
        part = part * 10 + (c - 0x30);
        if (part > U32) return undefined;
      }
    } else if (++i < n && (text.charCodeAt(i) | 0x20) === 0x78) {
      // "0x" needs a hex digit: glibc's strtoul then stops at the x, which ends no part.
      if (i + 1 >= n || hexValue(text.charCodeAt(i + 1)) < 0) return undefined;
      for (i++; i < n; i++) {
        const d = hexValue(text.charCodeAt(i));
        if (d < 0) break;
        part = part * 16 + d;
        if (part > U32) return undefined;
      }
    } else {
      for (; i < n && (c = text.charCodeAt(i)) >= 0x30 && c <= 0x39; i++) {
        if (c > 0x37) return undefined;
        part = part * 8 + (c - 0x30);
        if (part > U32) return undefined;
      }
    }
    if (i < n && text.charCodeAt(i) === 0x2e) {
      if (parts === 3 || part > 0xff) return undefined;
      head += part * 2 ** (24 - 8 * parts);
      parts++;
      i++;
      continue;
    }
    if (i < n && !isBlank(text.charCodeAt(i))) return undefined;
    if (part > LAST_PART_MAX[parts]!) return undefined;
    return head + part;
  }
}

/** inet_pton(AF_INET): exactly four decimal octets, no leading zeros. */
export function inetPton4(text: string): Uint8Array | undefined {
  const n = dottedQuadNumber(text);
  return n < 0 ? undefined : Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

/** An IPv4 address the kernel client handed back, as a number; such text is exactly what ntop4 prints for it. */
export function v4Number(text: string): number {
  const n = dottedQuadNumber(text);
  if (n < 0) throw new Error(`not an IPv4 address: ${JSON.stringify(text)}`);
  return n;
}

/** inet_pton(AF_INET6), including an embedded dotted IPv4 tail. */
export function inetPton6(text: string): Uint8Array | undefined {
  // Every IPv6 form has two colons or more; most text tried here is IPv4.
  if (text.indexOf(':') === text.lastIndexOf(':')) return undefined;
  const out = new Uint8Array(16);
  let src = text;
  if (src.startsWith(':')) {
    if (!src.startsWith('::')) return undefined;
    src = src.slice(1);
  }
  let pos = 0;
  let gap = -1;
  let group = '';
  let sawGroup = false;
  const flush = (): boolean => {
    if (pos + 2 > 16) return false;
    const v = parseInt(group, 16);
    out[pos++] = v >> 8;
    out[pos++] = v & 0xff;
    group = '';
    sawGroup = false;
    return true;
  };
  for (let i = 0; i < src.length; i++) {
    const ch = src[i];
    if (/[0-9a-fA-F]/.test(ch)) {
      if (group.length === 4) return undefined;
      group += ch;
      sawGroup = true;
      continue;
    }
    if (ch === ':') {
      if (!sawGroup) {
        if (gap >= 0) return undefined;
        gap = pos;
        continue;
      }
      if (i + 1 >= src.length) return undefined;
      if (!flush()) return undefined;
      continue;
    }
    if (ch === '.' && pos + 4 <= 16) {
      const start = src.lastIndexOf(':', i) + 1;
      const v4 = inetPton4(src.slice(start));
      if (!v4) return undefined;
      out.set(v4, pos);
      pos += 4;
      sawGroup = false;
      group = '';
      i = src.length;
      break;
    }
    return undefined;
  }
  if (sawGroup && !flush()) return undefined;
  if (gap >= 0) {
    if (pos === 16) return undefined;
    const tail = out.slice(gap, pos);
    out.fill(0, gap);
    out.set(tail, 16 - tail.length);
    pos = 16;
  }
  return pos === 16 ? out : undefined;
}

export function ntop4(bytes: Uint8Array): string {
  return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
}

/** inet_ntop(AF_INET6) as glibc prints it: longest zero run compressed, IPv4 tail for ::a.b.c.d and ::ffff:a.b.c.d. */
export function ntop6(bytes: Uint8Array): string {
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((bytes[i] << 8) | bytes[i + 1]);
  let best = { base: -1, len: 0 };
  let cur = { base: -1, len: 0 };
  for (let i = 0; i < 8; i++) {
    if (words[i] === 0) {
      if (cur.base === -1) cur = { base: i, len: 1 };
      else cur.len++;
    } else if (cur.base !== -1) {
      if (best.base === -1 || cur.len > best.len) best = cur;
      cur = { base: -1, len: 0 };
    }
  }
  if (cur.base !== -1 && (best.base === -1 || cur.len > best.len)) best = cur;
  if (best.base !== -1 && best.len < 2) best = { base: -1, len: 0 };
  let text = '';
  for (let i = 0; i < 8; i++) {
    if (best.base !== -1 && i >= best.base && i < best.base + best.len) {
      if (i === best.base) text += ':';
      continue;
    }
    if (i !== 0) text += ':';
    if (i === 6 && best.base === 0 && (best.len === 6 || (best.len === 5 && words[5] === 0xffff))) {
      text += ntop4(bytes.subarray(12, 16));
      break;
    }
    text += words[i].toString(16);
  }
  if (best.base !== -1 && best.base + best.len === 8) text += ':';
  return text;
}

export function ntop(addr: InetAddr): string {
  return addr.family === 4 ? ntop4(addr.bytes) : ntop6(addr.bytes);
}

export function v4FromNumber(value: number): InetAddr {
  const bytes = new Uint8Array(16);
  bytes[0] = value >>> 24;
  bytes[1] = (value >>> 16) & 0xff;
  bytes[2] = (value >>> 8) & 0xff;
  bytes[3] = value & 0xff;
  return { family: 4, bytes };
}

export function v4ToNumber(bytes: Uint8Array): number {
  return ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
}

/** Parses the address text the kernel client hands back (any valid v4 or v6 form). */
export function fromText(family: Family, text: string): InetAddr {
  if (family === 4) return v4FromNumber(v4Number(text));
  const bytes = inetPton6(text);
  if (!bytes) throw new Error(`not an IPv6 address: ${JSON.stringify(text)}`);
  return { family, bytes };
}

/** Plain hex form for handing addresses to the kernel client (no dotted IPv4 tail). */
export function toClientText(addr: InetAddr): string {
  if (addr.family === 4) return ntop4(addr.bytes);
  const words: string[] = [];
  for (let i = 0; i < 16; i += 2) words.push(((addr.bytes[i] << 8) | addr.bytes[i + 1]).toString(16));
  return words.join(':');
}
