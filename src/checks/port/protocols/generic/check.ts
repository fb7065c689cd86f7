// send/expect: each send written as it is (escapes resolved), each expect a regular expression over
// the bytes received since the last match, at most EXPECT_BUFFER of them (monit's default).
import { ProbeFailure } from '../../../mqtt/classify.js';
import { printable, withConnection } from '../connection.js';
import type { ProbeInput, ProbeOutcome } from '../types.js';
import { sendBytes } from './syntax.js';
import { monotonicMs } from '../../../../util/clock.js';

/** monit's default `set expectbuffer`. */
const EXPECT_BUFFER = 256;

export function probe(input: ProbeInput): Promise<ProbeOutcome> {
  return withConnection(input, async (conn) => {
    let expects = 0;
    const t = monotonicMs();
    for (const step of input.cond.exchange ?? []) {
      if (step.send !== undefined) {
        conn.write(sendBytes(step.send));
        continue;
      }
      const re = new RegExp(step.expect ?? '');
      conn.awaiting(`answer matching "${step.expect ?? ''}"`);
      await conn.read((buf, final) => {
        // The peer's bytes as text, a NUL shown as monit shows it ("\0"), so a pattern can name it.
        const s = buf.toString('latin1').replace(/\0/g, '\\0');
        if (re.test(s)) return buf.length;
        if (!final) return -1;
        throw new ProbeFailure('content-mismatch', `expected "${step.expect ?? ''}", received ${printable(buf)}`);
      }, EXPECT_BUFFER);
      if (expects++ === 0) conn.metrics.firstByteMs = Math.round(monotonicMs() - t);
    }
    return `send/expect (${input.cond.exchange?.length ?? 0} steps)`;
  });
}
