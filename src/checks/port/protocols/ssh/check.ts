// SSH: the server speaks first, one line `SSH-protoversion-softwareversion` (RFC 4253 §4.2), possibly
// after other lines; we answer with our own banner and leave before any key exchange.
import { ProbeFailure } from '../../../mqtt/classify.js';
import { printable, withConnection } from '../connection.js';
import type { ProbeInput, ProbeOutcome } from '../types.js';
import { monotonicMs } from '../../../../util/clock.js';

export function probe(input: ProbeInput): Promise<ProbeOutcome> {
  return withConnection(input, async (conn) => {
    conn.awaiting('SSH version banner');
    const t = monotonicMs();
    // RFC 4253 lets a server send other lines before its version; 255 bytes is a line's limit.
    for (let i = 0; i < 10; i++) {
      const line = await conn.readLine(255);
      if (i === 0) conn.metrics.firstByteMs = Math.round(monotonicMs() - t);
      if (!line.startsWith('SSH-')) continue;
      if (!/^SSH-(2\.0|1\.99)-/.test(line))
        throw new ProbeFailure('protocol-error', `SSH version not 2.0: ${printable(Buffer.from(line, 'latin1'))}`);
      conn.write('SSH-2.0-brokerwatch\r\n');
      return line;
    }
    throw new ProbeFailure('protocol-error', 'no SSH version banner in the first 10 lines');
  });
}
