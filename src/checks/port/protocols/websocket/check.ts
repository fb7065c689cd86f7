// WebSocket: the opening handshake (a GET with Upgrade, answered by 101 and the Sec-WebSocket-Accept
// our key asks for), a ping with a random payload answered by a pong echoing it (data frames the
// server sends meanwhile are skipped), then the closing handshake. Timed: requestMs (handshake
// sent), firstByteMs (its answer), responseMs (ping to pong), totalMs.
import { randomBytes } from 'node:crypto';
import { VERSION } from '../../../../util/version.js';
import { ProbeFailure } from '../../../mqtt/classify.js';
import type { ProbeConnection } from '../connection.js';
import { withConnection } from '../connection.js';
import type { ProbeInput, ProbeOutcome } from '../types.js';
import type { Frame } from './frames.js';
import { checkHandshake, clientFrame, closeReason, frameLength, newKey, OPCODE, parseFrame } from './frames.js';
import type { WebSocketOptions } from './syntax.js';
import { DEFAULT_WEBSOCKET_VERSION } from './syntax.js';
import { monotonicMs } from '../../../../util/clock.js';

/** The most of the handshake's answer read, and of one frame. */
const HEAD_CAP = 16 * 1024;
const FRAME_CAP = 1024 * 1024;

/** The Host header: the rule's, or the target as HTTP names it (no port when it is the default). */
function hostHeader(input: ProbeInput, w: WebSocketOptions): string {
  if (w.host !== undefined) return w.host;
  const t = input.target;
  const host = t.host.includes(':') ? `[${t.host}]` : t.host;
  return t.path !== undefined || t.port === (t.tls ? 443 : 80) ? host : `${host}:${t.port}`;
}

function upgradeRequest(input: ProbeInput, w: WebSocketOptions, key: string): string {
  return [
    `GET ${w.request} HTTP/1.1`,
    `Host: ${hostHeader(input, w)}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${key}`,
    `Sec-WebSocket-Version: ${w.version}`,
    ...(w.origin !== undefined ? [`Origin: ${w.origin}`] : []),
    `User-Agent: brokerwatch/${VERSION}`,
    '',
    '',
  ].join('\r\n');
}

async function readFrame(conn: ProbeConnection): Promise<Frame> {
  const b = await conn.read((buf, final) => {
    const n = frameLength(buf);
    if (n < 0 && final)
      throw new ProbeFailure(
        'protocol-error',
        buf.length >= FRAME_CAP ? `a frame over ${FRAME_CAP} bytes` : 'connection closed inside a frame',
      );
    return n;
  }, FRAME_CAP);
  return parseFrame(b);
}

/** Frames until the pong that echoes PAYLOAD; a close before it is the server's refusal. */
async function pong(conn: ProbeConnection, payload: Buffer): Promise<void> {
  for (;;) {
    const f = await readFrame(conn);
    if (f.opcode === OPCODE.close)
      throw new ProbeFailure(
        'protocol-error',
        `the server closed instead of answering the ping (${closeReason(f.payload)})`,
      );
    if (f.opcode === OPCODE.ping) conn.write(clientFrame(OPCODE.pong, f.payload));
    if (f.opcode === OPCODE.pong && f.payload.equals(payload)) return;
  }
}

/** Our close (1000, normal), and the server's close back; a server that just hangs up is fine too. */
async function close(conn: ProbeConnection): Promise<void> {
  const code = Buffer.alloc(2);
  code.writeUInt16BE(1000, 0);
  conn.write(clientFrame(OPCODE.close, code));
  conn.awaiting('the close frame answering ours');
  try {
    while ((await readFrame(conn)).opcode !== OPCODE.close);
  } catch (e) {
    if (!(e instanceof ProbeFailure && /^connection closed by the peer/.test(e.message))) throw e;
  }
}

export function probe(input: ProbeInput): Promise<ProbeOutcome> {
  const w = input.cond.websocket ?? { request: '/', version: DEFAULT_WEBSOCKET_VERSION };
  return withConnection(input, async (conn) => {
    const key = newKey();
    const t = monotonicMs();
    conn.write(upgradeRequest(input, w, key));
    conn.metrics.requestMs = Math.round(monotonicMs() - t);
    conn.awaiting(`answer to the WebSocket handshake (GET ${w.request})`);
    const head = await conn.read((b) => {
      const i = b.indexOf('\r\n\r\n');
      return i < 0 ? -1 : i + 4;
    }, HEAD_CAP);
    conn.metrics.firstByteMs = Math.round(monotonicMs() - t);
    checkHandshake(head, key);
    const payload = randomBytes(8);
    const tPing = monotonicMs();
    conn.write(clientFrame(OPCODE.ping, payload));
    conn.awaiting('pong');
    await pong(conn, payload);
    conn.metrics.responseMs = Math.round(monotonicMs() - tPing);
    await close(conn);
    return `WebSocket 101, pong in ${conn.metrics.responseMs} ms`;
  });
}
