// The few pieces of RFC 6455 a probe needs: the opening handshake's request and the check of its
// answer (§4.1–4.2), and frames: masked ones written (§5.3, a client must mask), the server's read.
import { createHash, randomBytes } from 'node:crypto';
import { ProbeFailure } from '../../../mqtt/classify.js';
import { printable } from '../connection.js';

/** RFC 6455 §1.3: appended to the key before hashing. */
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export const OPCODE = { text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

/** What the server's Sec-WebSocket-Accept must say for KEY. */
export function acceptFor(key: string): string {
  return createHash('sha1')
    .update(key + GUID)
    .digest('base64');
}

/** A fresh Sec-WebSocket-Key: 16 random bytes in base64. */
export function newKey(): string {
  return randomBytes(16).toString('base64');
}

/** The handshake's answer (its head, up to the blank line): throws unless it is 101 with the right
 *  Upgrade, Connection and Sec-WebSocket-Accept. Returns the status line. */
export function checkHandshake(head: Buffer, key: string): string {
  const lines = head.toString('latin1').split('\r\n');
  const status = lines[0] ?? '';
  const m = /^HTTP\/1\.[01] (\d{3})\b/.exec(status);
  if (!m)
    throw new ProbeFailure(
      'protocol-error',
      `not an HTTP answer to the WebSocket handshake: ${printable(head.subarray(0, 60))}`,
    );
  if (m[1] !== '101')
    throw new ProbeFailure(
      'protocol-error',
      `WebSocket handshake answered "${status.slice(0, 80)}", not 101 Switching Protocols`,
    );
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const i = line.indexOf(':');
    if (i > 0) headers.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
  }
  if ((headers.get('upgrade') ?? '').toLowerCase() !== 'websocket')
    throw new ProbeFailure('protocol-error', `101 without "Upgrade: websocket" (${headers.get('upgrade') ?? 'none'})`);
  if (!/(^|,)\s*upgrade\s*(,|$)/i.test(headers.get('connection') ?? ''))
    throw new ProbeFailure('protocol-error', '101 without "Connection: Upgrade"');
  const accept = headers.get('sec-websocket-accept');
  if (accept !== acceptFor(key))
    throw new ProbeFailure(
      'protocol-error',
      accept === undefined
        ? '101 without Sec-WebSocket-Accept'
        : `Sec-WebSocket-Accept "${accept}" does not answer our key`,
    );
  return status;
}

/** A final client frame: OPCODE and PAYLOAD (at most 125 bytes: control frames), masked. */
export function clientFrame(opcode: number, payload: Buffer): Buffer {
  const mask = randomBytes(4);
  const out = Buffer.alloc(6 + payload.length);
  out[0] = 0x80 | opcode;
  out[1] = 0x80 | payload.length;
  mask.copy(out, 2);
  for (let i = 0; i < payload.length; i++) out[6 + i] = (payload[i] as number) ^ (mask[i % 4] as number);
  return out;
}

/** One frame of the server. */
export interface Frame {
  readonly opcode: number;
  readonly payload: Buffer;
}

/** The length of the first whole frame in B, or -1 while it is incomplete. */
export function frameLength(b: Buffer): number {
  if (b.length < 2) return -1;
  if (((b[1] as number) & 0x80) !== 0) throw new ProbeFailure('protocol-error', 'the server sent a masked frame');
  let len = (b[1] as number) & 0x7f;
  let off = 2;
  if (len === 126) {
    if (b.length < 4) return -1;
    len = b.readUInt16BE(2);
    off = 4;
  } else if (len === 127) {
    if (b.length < 10) return -1;
    const big = b.readBigUInt64BE(2);
    if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw new ProbeFailure('protocol-error', 'a frame length out of range');
    len = Number(big);
    off = 10;
  }
  return b.length >= off + len ? off + len : -1;
}

/** The frame B holds whole. */
export function parseFrame(b: Buffer): Frame {
  const len = (b[1] as number) & 0x7f;
  const off = len === 126 ? 4 : len === 127 ? 10 : 2;
  return { opcode: (b[0] as number) & 0x0f, payload: b.subarray(off) };
}

/** A close frame's status code and reason, for messages. */
export function closeReason(payload: Buffer): string {
  if (payload.length < 2) return 'no status code';
  const reason = payload.subarray(2).toString('utf8');
  return `code ${payload.readUInt16BE(0)}${reason ? ` "${reason.slice(0, 60)}"` : ''}`;
}
