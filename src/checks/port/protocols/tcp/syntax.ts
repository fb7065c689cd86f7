// No protocol (or `protocol default`, brokerwatch's `tcp`): the port accepts a connection, over TLS
// when the test is TLS, with the certificate tests.
import type { ProtocolSyntax } from '../types.js';

export const tcpProtocol: ProtocolSyntax = {
  name: 'tcp',
  names: { default: { tls: false }, tcp: { tls: false } },
  docs: {
    names: '(none) · `default` · `tcp`',
    options: '–',
    meaning: 'the port accepts a TCP connection (and completes the TLS handshake when the test is TLS)',
    example: '`if failed port 8883 type tcpssl certificate valid > 30 days then alert`',
  },
};
