// The connect test: TCP, then TLS and the certificate tests when the test is TLS.
import { withConnection } from '../connection.js';
import type { ProbeInput, ProbeOutcome } from '../types.js';

export function probe(input: ProbeInput): Promise<ProbeOutcome> {
  return withConnection(input, () => Promise.resolve(input.target.tls ? 'TLS connection' : 'connection'));
}
