// Mail, monit's channel: the target is a bare address (or `<address>`), with an optional
// `mail-format { … }` of its own after the filter and reminder.
import type { Cursor } from '../../../config/cursor.js';
import { describe } from '../../../config/cursor.js';
import type { MailFormat } from '../../../config/model.js';
import type { ChannelSyntax } from '../contract.js';
import { parseMailFormat, printMailFormat } from './format-syntax.js';

/** `set alert ops@example.com [mail-format { … }]`. */
export interface MailTarget {
  readonly kind: 'mail';
  readonly address: string;
  readonly format?: MailFormat;
}

const MAIL_ADDRESS = /^[^@\s]+@[^@\s]+$/;

/**
 * `<ops@example.com>`, as some monitrc files write a recipient: monit's lexer keeps the brackets in
 * the address; they are only the mail syntax around it, so brokerwatch drops them.
 */
export function acceptBracketedAddress(c: Cursor): string | undefined {
  if (!bracketedAt(c)) return undefined;
  c.next();
  const addr = c.next();
  c.next();
  return addr.text;
}

function bracketedAt(c: Cursor): boolean {
  const [open, addr, close] = [c.peek(), c.peek(1), c.peek(2)];
  if (!(
    open.type === 'op' &&
    open.text === '<' &&
    (addr.type === 'word' || addr.type === 'string') &&
    MAIL_ADDRESS.test(addr.text)
  ))
    return false;
  return close.type === 'op' && close.text === '>' && close.glued && addr.glued;
}

function isAddress(c: Cursor): boolean {
  const t = c.peek();
  return (t.type === 'word' || t.type === 'string') && MAIL_ADDRESS.test(t.text);
}

/** The mail channel's syntax. */
export const mailSyntax: ChannelSyntax<MailTarget> = {
  kind: 'mail',
  expected: 'a mail address',
  docs: '`ADDRESS` (or `<ADDRESS>`): a mail through `set mailserver`, or an .eml file in the outbox when none is set',
  example: '<Ops@Example.com> mail-format { subject: $SERVICE $EVENT }',
  starts: (c) => bracketedAt(c) || isAddress(c),
  parse: (c) => ({ kind: 'mail', address: acceptBracketedAddress(c) ?? c.next().text }),
  clause: {
    word: 'mail-format',
    parse(c, kw, target) {
      const block = c.peek();
      if (block.type !== 'block') return c.fail(block, `expected '{' after mail-format, found ${describe(block)}`);
      c.next();
      if (!target) return c.fail(kw, 'mail-format applies to mail recipients only');
      return { ...target, format: parseMailFormat(block, c) };
    },
    print: (t, indent) => (t.format ? printMailFormat(t.format, indent) : undefined),
  },
  // Bare when it is one plain word, quoted otherwise.
  print: (t, p) => (/^[A-Za-z0-9._%+-]+@[A-Za-z0-9._-]+$/.test(t.address) ? t.address : p.quote(t.address)),
  // The same address in two places, in any case, is one recipient.
  identity: (t) => `mail\0${t.address.toLowerCase()}`,
  label: (t) => t.address,
  noalertName: (t) => t.address,
  secrets: () => [],
};
