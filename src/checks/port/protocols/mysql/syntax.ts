// `protocol mysql`: the server's initial handshake packet (protocol 10), which it sends first; an
// error packet instead (host not allowed, too many connections) is a failure with its message.
// monit's `username`, `password` and `rsakey` (a login) are read and not used.
import type { ProtocolSyntax } from '../types.js';

export const mysqlProtocol: ProtocolSyntax = {
  name: 'mysql',
  names: { mysql: { tls: false } },
  credentials: 'ignored',
  docs: {
    names: '`mysql`',
    options: "(monit's `username`, `password`: read, not used)",
    meaning: 'the server greets with a protocol 10 handshake packet, not an error packet (no login is made)',
    example: '`if failed port 3306 protocol mysql then restart`',
  },
};
