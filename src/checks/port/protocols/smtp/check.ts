// SMTP (RFC 5321): the 220 greeting, EHLO answered by 250, with `starttls` STARTTLS → 220, the TLS
// handshake and EHLO again, then QUIT answered by 221. A reply may span lines (`250-…` then `250 …`).
import { hostname } from 'node:os';
import { ProbeFailure } from '../../../mqtt/classify.js';
import type { ProbeConnection } from '../connection.js';
import { withConnection } from '../connection.js';
import type { ProbeInput, ProbeOutcome } from '../types.js';
import { monotonicMs } from '../../../../util/clock.js';

/** One reply: its code and its lines' text. */
async function reply(conn: ProbeConnection, after: string): Promise<{ code: number; text: string[] }> {
  conn.awaiting(`reply to ${after}`);
  const text: string[] = [];
  for (;;) {
    const line = await conn.readLine(1000);
    const m = /^(\d{3})([ -])(.*)$/.exec(line) ?? /^(\d{3})()()$/.exec(line);
    if (!m) throw new ProbeFailure('protocol-error', `not an SMTP reply to ${after}: "${line.slice(0, 80)}"`);
    text.push(m[3] ?? '');
    if (m[2] !== '-') return { code: Number(m[1]), text };
  }
}

async function expectCode(conn: ProbeConnection, after: string, code: number): Promise<string[]> {
  const r = await reply(conn, after);
  if (r.code !== code)
    throw new ProbeFailure('protocol-error', `${after} answered ${r.code} ${r.text.join(' ')}, not ${code}`);
  return r.text;
}

async function ehlo(conn: ProbeConnection): Promise<string[]> {
  conn.write(`EHLO ${hostname() || 'localhost'}\r\n`);
  return expectCode(conn, 'EHLO', 250);
}

export function probe(input: ProbeInput): Promise<ProbeOutcome> {
  return withConnection(input, async (conn) => {
    const t = monotonicMs();
    const banner = await expectCode(conn, 'the greeting', 220);
    conn.metrics.firstByteMs = Math.round(monotonicMs() - t);
    const features = await ehlo(conn);
    if (input.cond.starttls) {
      if (!features.some((f) => /^STARTTLS\b/i.test(f)))
        throw new ProbeFailure('protocol-error', 'the server does not offer STARTTLS in its EHLO answer');
      conn.write('STARTTLS\r\n');
      await expectCode(conn, 'STARTTLS', 220);
      await conn.startTls();
      await ehlo(conn);
    }
    conn.write('QUIT\r\n');
    await expectCode(conn, 'QUIT', 221);
    return `SMTP ${input.cond.starttls ? 'with STARTTLS ' : ''}(${(banner[0] ?? '').slice(0, 60)})`;
  });
}
