// `protocol pgsql`: PostgreSQL's SSLRequest answered by 'S' or 'N', the first message any client
// sends; monit's `username`, `password` and `database` (a login) are read and not used.
import type { ProtocolSyntax } from '../types.js';

export const pgsqlProtocol: ProtocolSyntax = {
  name: 'pgsql',
  names: { pgsql: { tls: false } },
  credentials: 'ignored',
  docs: {
    names: '`pgsql`',
    options: "(monit's `username`, `password`, `database`: read, not used)",
    meaning: "the server answers PostgreSQL's SSLRequest with `S` or `N` (no login is made)",
    example: '`if failed port 5432 protocol pgsql then restart`',
  },
};
