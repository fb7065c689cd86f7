// `protocol dns`: monit's DNS test (src/protocols/dns.c): a query for the root's name servers,
// answered with the same ID, the QR bit and RCODE 0 (NOERROR). Over UDP with `type udp`, over TCP
// otherwise (monit likewise speaks the transport of the test). No options.
import type { Cursor } from '../../../../config/cursor.js';
import type { Token } from '../../../../config/lexer.js';
import type { Draft, ProtocolSyntax } from '../types.js';

export const dnsProtocol: ProtocolSyntax = {
  name: 'dns',
  names: { dns: { tls: false } },
  build(c: Cursor, d: Draft, start: Token) {
    if (d.transport === 'udp' && d.tls) c.fail(start, "DNS over UDP has no TLS: drop 'ssl' or 'type udp'");
    return {};
  },
  docs: {
    names: '`dns`',
    options: '– (`type udp` for UDP, TCP otherwise)',
    meaning:
      'a query for `. NS` (recursion desired) answered with its ID, the QR bit and RCODE NOERROR; another RCODE fails naming it (`SERVFAIL`, `REFUSED`, …)',
    example: '`if failed port 53 type udp protocol dns with timeout 2 seconds then restart`',
  },
};
