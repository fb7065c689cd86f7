// MySQL/MariaDB: the server speaks first, one packet (3-byte length, sequence number, payload) whose
// payload is a handshake (0x0a, the version string, …) or an error (0xff, code, message).
import { ProbeFailure } from '../../../mqtt/classify.js';
import { printable, withConnection } from '../connection.js';
import type { ProbeInput, ProbeOutcome } from '../types.js';
import { monotonicMs } from '../../../../util/clock.js';

export function probe(input: ProbeInput): Promise<ProbeOutcome> {
  return withConnection(input, async (conn) => {
    const t = monotonicMs();
    conn.awaiting('MySQL handshake packet');
    const packet = await conn.read((buf) => {
      if (buf.length < 4) return -1;
      const n = buf.readUIntLE(0, 3) + 4;
      return buf.length >= n ? n : -1;
    }, 64 * 1024);
    conn.metrics.firstByteMs = Math.round(monotonicMs() - t);
    const payload = packet.subarray(4);
    if (payload[0] === 0x0a) {
      const end = payload.indexOf(0, 1);
      return `MySQL ${payload.subarray(1, end < 0 ? undefined : end).toString('latin1')}`;
    }
    if (payload[0] === 0xff) {
      const code = payload.length >= 3 ? payload.readUInt16LE(1) : 0;
      const text = payload
        .subarray(3)
        .toString('utf8')
        .replace(/^#\w{5}/, '');
      throw new ProbeFailure('protocol-error', `the server refused: error ${code}: ${text}`);
    }
    throw new ProbeFailure('protocol-error', `not a MySQL handshake: ${printable(payload.subarray(0, 16))}`);
  });
}
