// monit's generic protocol: `send "…"` and `expect "regex"` in the order written, with or without
// `protocol generic`. A send string may hold \r, \n, \t, \\ and monit's \0xHH escapes; an expect is
// a regular expression over what the peer sent (at most 256 bytes, monit's default expect buffer).
import type { Cursor } from '../../../../config/cursor.js';
import type { Token } from '../../../../config/lexer.js';
import type { PortCondition } from '../../syntax.js';
import type { Draft, ProtocolSyntax } from '../types.js';

export interface ExchangeStep {
  readonly send?: string;
  readonly expect?: string;
}

function step(kind: 'send' | 'expect') {
  return (c: Cursor, d: Draft): void => {
    c.next();
    const t = c.expectString(`the string to ${kind}`);
    if (kind === 'expect') regex(c, t);
    d.exchange.push(kind === 'send' ? { send: t.text } : { expect: t.text });
  };
}

function regex(c: Cursor, t: Token): void {
  try {
    new RegExp(t.text);
  } catch (e) {
    c.fail(t, `invalid regular expression "${t.text}": ${(e as Error).message}`);
  }
}

/** The bytes a send string stands for: monit's escapes resolved. */
export function sendBytes(s: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const ch = s[i] as string;
    const hex = /^\\0x([0-9a-fA-F]{2})/.exec(s.slice(i));
    if (hex) {
      out.push(parseInt(hex[1] as string, 16));
      i += 4;
    } else if (ch === '\\' && i + 1 < s.length) {
      const e = s[++i] as string;
      const esc: Record<string, string> = { r: '\r', n: '\n', t: '\t', '\\': '\\', '0': '\0' };
      out.push(...Buffer.from(esc[e] ?? `\\${e}`, 'utf8'));
    } else {
      out.push(...Buffer.from(ch, 'utf8'));
    }
  }
  return Buffer.from(out);
}

export const genericProtocol: ProtocolSyntax = {
  name: 'generic',
  names: {},
  options: { send: step('send'), expect: step('expect') },
  build(c: Cursor, d: Draft, start: Token): Partial<PortCondition> {
    if (d.exchange.length === 0) c.fail(start, "a send/expect test needs at least one 'send' or 'expect'");
    return { exchange: d.exchange };
  },
  print: (cond, s) =>
    (cond.exchange ?? []).flatMap((x) =>
      x.send !== undefined ? ['send', s.quote(x.send)] : ['expect', s.quote(x.expect ?? '')],
    ),
  docs: {
    names: '(none: `send`/`expect` instead of `protocol`)',
    options: '`send "STRING"` · `expect "RE"`, repeated, in order',
    meaning:
      'sends each string (escapes `\\r` `\\n` `\\t` `\\0xHH`) and waits for an answer matching each expect (at most 256 bytes read per expect)',
    example: '`if failed port 25 expect "^220" send "QUIT\\r\\n" expect "^221" then alert`',
  },
};
