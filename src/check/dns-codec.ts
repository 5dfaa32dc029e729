// Just enough of the DNS wire format (RFC 1035) for a health check: build a
// one-question query and read a response's header and question section.
import type { DnsQueryType } from './types';

export const DNS_TYPE_CODE: Record<DnsQueryType, number> = {
  A: 1, NS: 2, CNAME: 5, SOA: 6, MX: 15, TXT: 16, AAAA: 28, RRSIG: 46, DNSKEY: 48,
};
const CLASS_IN = 1;
const FLAG_QR = 0x8000;
const FLAG_RD = 0x0100;
const FLAG_TC = 0x0200;

export const RCODE_NAMES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];

export interface DnsQuestion { name: string; type: number; klass: number }

export interface DnsHeader {
  id: number;
  response: boolean;
  opcode: number;
  truncated: boolean;
  rcode: number;
  questionCount: number;
  answerCount: number;
  authorityCount: number;
  additionalCount: number;
}

export interface DnsMessage extends DnsHeader { questions: DnsQuestion[] }

export function encodeName(name: string): Buffer {
  const labels = name === '.' ? [] : name.replace(/\.$/, '').split('.');
  const parts: Buffer[] = [];
  for (const label of labels) {
    const bytes = Buffer.from(label, 'ascii');
    if (bytes.length === 0 || bytes.length > 63) throw new Error(`DNS name ${JSON.stringify(name)}: label of ${bytes.length} bytes`);
    parts.push(Buffer.from([bytes.length]), bytes);
  }
  parts.push(Buffer.from([0]));
  const out = Buffer.concat(parts);
  if (out.length > 255) throw new Error(`DNS name ${JSON.stringify(name)} exceeds 255 bytes`);
  return out;
}

export function encodeQuery(id: number, name: string, type: DnsQueryType): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(FLAG_RD, 2);
  header.writeUInt16BE(1, 4);
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(DNS_TYPE_CODE[type], 0);
  tail.writeUInt16BE(CLASS_IN, 2);
  return Buffer.concat([header, encodeName(name), tail]);
}

/** Reads a possibly compressed name at offset; returns it with the offset just after it. */
export function decodeName(msg: Buffer, offset: number): { name: string; next: number } {
  const labels: string[] = [];
  let next = -1;
  let pos = offset;
  for (let jumps = 0; ; ) {
    if (pos >= msg.length) throw new Error(`DNS name at ${offset} runs past the message end`);
    const len = msg[pos]!;
    if (len === 0) { pos += 1; break; }
    if ((len & 0xc0) === 0xc0) {
      if (pos + 1 >= msg.length) throw new Error(`DNS name at ${offset}: truncated pointer`);
      if (++jumps > 16) throw new Error(`DNS name at ${offset}: pointer loop`);
      if (next < 0) next = pos + 2;
      pos = ((len & 0x3f) << 8) | msg[pos + 1]!;
      continue;
    }
    if ((len & 0xc0) !== 0) throw new Error(`DNS name at ${offset}: bad label type 0x${len.toString(16)}`);
    if (pos + 1 + len > msg.length) throw new Error(`DNS name at ${offset}: label runs past the message end`);
    labels.push(msg.toString('ascii', pos + 1, pos + 1 + len));
    pos += 1 + len;
  }
  return { name: labels.length === 0 ? '.' : labels.join('.'), next: next < 0 ? pos : next };
}

/** The 12-byte header of a message. */
export function decodeHeader(msg: Buffer): DnsHeader {
  if (msg.length < 12) throw new Error(`DNS message of ${msg.length} bytes is shorter than a header`);
  const flags = msg.readUInt16BE(2);
  return {
    id: msg.readUInt16BE(0),
    response: (flags & FLAG_QR) !== 0,
    opcode: (flags >> 11) & 0xf,
    truncated: (flags & FLAG_TC) !== 0,
    rcode: flags & 0xf,
    questionCount: msg.readUInt16BE(4),
    answerCount: msg.readUInt16BE(6),
    authorityCount: msg.readUInt16BE(8),
    additionalCount: msg.readUInt16BE(10),
  };
}

export function decodeMessage(msg: Buffer): DnsMessage {
  const header = decodeHeader(msg);
  const questions: DnsQuestion[] = [];
  let pos = 12;
  for (let i = 0; i < header.questionCount; i++) {
    const { name, next } = decodeName(msg, pos);
    if (next + 4 > msg.length) throw new Error(`DNS question #${i + 1} is truncated`);
    questions.push({ name, type: msg.readUInt16BE(next), klass: msg.readUInt16BE(next + 2) });
    pos = next + 4;
  }
  return { ...header, questions };
}

export function rcodeName(rcode: number): string {
  return RCODE_NAMES[rcode] ?? `RCODE${rcode}`;
}
