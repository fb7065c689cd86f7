// Redis: the inline command PING, answered with a RESP simple string.
import { ProbeFailure } from '../../../mqtt/classify.js';
import { printable, withConnection } from '../connection.js';
import type { ProbeInput, ProbeOutcome } from '../types.js';
import { monotonicMs } from '../../../../util/clock.js';

export function probe(input: ProbeInput): Promise<ProbeOutcome> {
  return withConnection(input, async (conn) => {
    const t = monotonicMs();
    conn.write('PING\r\n');
    conn.awaiting('answer to PING');
    const line = await conn.readLine(512);
    conn.metrics.firstByteMs = Math.round(monotonicMs() - t);
    if (line === '+PONG') return 'PONG';
    if (line.startsWith('-NOAUTH')) return 'NOAUTH (the server asks for a password)';
    throw new ProbeFailure('protocol-error', `PING answered ${printable(Buffer.from(line, 'latin1'))}, not +PONG`);
  });
}
