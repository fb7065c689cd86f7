// PostgreSQL: SSLRequest (length 8, code 80877103), answered by one byte: 'S' (TLS offered) or 'N'.
import { ProbeFailure } from '../../../mqtt/classify.js';
import { printable, withConnection } from '../connection.js';
import type { ProbeInput, ProbeOutcome } from '../types.js';
import { monotonicMs } from '../../../../util/clock.js';

const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);

export function probe(input: ProbeInput): Promise<ProbeOutcome> {
  return withConnection(input, async (conn) => {
    const t = monotonicMs();
    conn.write(SSL_REQUEST);
    conn.awaiting('answer to SSLRequest');
    const b = await conn.read((buf) => (buf.length >= 1 ? 1 : -1), 1);
    conn.metrics.firstByteMs = Math.round(monotonicMs() - t);
    const ch = String.fromCharCode(b[0] ?? 0);
    if (ch === 'S' || ch === 'N') return `SSLRequest answered ${ch}`;
    throw new ProbeFailure('protocol-error', `SSLRequest answered ${printable(b)}, not S or N`);
  });
}
