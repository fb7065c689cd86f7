// The one DNS message the probe sends and what it reads of the answer (RFC 1035 §4.1): monit's
// query for the root's name servers (". IN NS", recursion desired), which every server answers one
// way or another, and the answer's header: same ID, the QR bit, the RCODE.
import { randomBytes } from 'node:crypto';

/** RFC 1035 §4.1.1 and RFC 6895 §2.3: the RCODEs a header can carry, by their usual names. */
const RCODES: readonly string[] = [
  'NOERROR',
  'FORMERR',
  'SERVFAIL',
  'NXDOMAIN',
  'NOTIMP',
  'REFUSED',
  'YXDOMAIN',
  'YXRRSET',
  'NXRRSET',
  'NOTAUTH',
  'NOTZONE',
];

/** The name of RCODE (`SERVFAIL`), or its number for codes without one. */
export function rcodeName(rcode: number): string {
  return RCODES[rcode] ?? `RCODE ${rcode}`;
}

/** A query for ". IN NS" with a fresh random ID: 12 header bytes and a 5-byte question. */
export function rootNsQuery(): { id: number; bytes: Buffer } {
  const bytes = Buffer.alloc(17);
  randomBytes(2).copy(bytes, 0);
  bytes.writeUInt16BE(0x0100, 2); // QR 0, opcode QUERY, RD 1
  bytes.writeUInt16BE(1, 4); // QDCOUNT
  // ANCOUNT, NSCOUNT, ARCOUNT 0; the root name is the empty label (byte 12 stays 0).
  bytes.writeUInt16BE(2, 13); // QTYPE NS
  bytes.writeUInt16BE(1, 15); // QCLASS IN
  return { id: bytes.readUInt16BE(0), bytes };
}

/** What the header of an answer says. */
export interface DnsHeader {
  readonly id: number;
  readonly response: boolean;
  readonly rcode: number;
  readonly answers: number;
}

/** The header of MSG; undefined when MSG is too short to hold one. */
export function readHeader(msg: Buffer): DnsHeader | undefined {
  if (msg.length < 12) return undefined;
  const flags = msg.readUInt16BE(2);
  return {
    id: msg.readUInt16BE(0),
    response: (flags & 0x8000) !== 0,
    rcode: flags & 0x000f,
    answers: msg.readUInt16BE(6),
  };
}

/** Why MSG is not a good answer to the query ID, or undefined when it is: monit's three checks. */
export function answerProblem(msg: Buffer, id: number): string | undefined {
  const h = readHeader(msg);
  if (!h) return `DNS answer of ${msg.length} bytes, shorter than a header`;
  if (h.id !== id) return `DNS answer ID ${h.id} does not match the query's ${id}`;
  if (!h.response) return 'DNS message without the QR bit: not an answer';
  if (h.rcode !== 0) return `DNS error ${rcodeName(h.rcode)} (RCODE ${h.rcode})`;
  return undefined;
}
