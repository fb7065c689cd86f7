// `protocol smtp|smtps`: monit's SMTP test (src/protocols/smtp.c): the 220 banner, EHLO answered
// by 250, QUIT answered by 221. `starttls` (brokerwatch's) upgrades the connection after EHLO with
// STARTTLS and greets again over TLS, with the test's TLS options; `smtps` is TLS from the start.
import type { Cursor } from '../../../../config/cursor.js';
import type { Token } from '../../../../config/lexer.js';
import type { PortCondition } from '../../syntax.js';
import type { Draft, ProtocolSyntax } from '../types.js';

export const smtpProtocol: ProtocolSyntax = {
  name: 'smtp',
  names: { smtp: { tls: false }, smtps: { tls: true } },
  credentials: 'ignored',
  options: {
    starttls(c, d) {
      c.next();
      d.starttls = true;
    },
  },
  build(c: Cursor, d: Draft, start: Token): Partial<PortCondition> {
    if (d.starttls && d.protocol === 'smtps')
      c.fail(start, "'starttls' upgrades a plain connection: not with 'smtps', which is TLS from the start");
    return d.starttls ? { starttls: true } : {};
  },
  print: (cond) => (cond.starttls ? ['starttls'] : []),
  docs: {
    names: '`smtp` · `smtps`',
    options: "`starttls` (monit's `username`, `password`: read, not used)",
    meaning:
      "the 220 banner, `EHLO` answered by 250, `QUIT` by 221; `starttls` upgrades to TLS after EHLO (with the test's TLS options) and greets again",
    example: '`if failed port 587 protocol smtp starttls certificate valid > 14 days then alert`',
  },
};
