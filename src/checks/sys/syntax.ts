// Extension: `$SYS` rules, thresholds on the broker's statistics and two watches on its uptime.
import { describe } from '../../config/cursor.js';
import type { Cursor } from '../../config/cursor.js';
import type { Operator } from '../../config/model.js';
import { expectOperator, isSizeUnit } from '../../config/units.js';
import type { KindSyntax } from '../kind.js';

export interface SysCondition {
  readonly kind: 'sys';
  /** A numeric `$SYS` topic with a threshold, or one of the two uptime watches. */
  readonly test:
    | { readonly kind: 'threshold'; readonly topic: string; readonly op: Operator; readonly value: number }
    | { readonly kind: 'uptime-reset' }
    | { readonly kind: 'uptime-stalled' };
  /** Broker endpoint; defaults to the service's first `protocol mqtt` test. */
  readonly host?: string;
  readonly port?: number;
}

/** `sys "TOPIC" OP N`, `sys uptime reset`, `sys uptime stalled`, then `[host H] [port N]`. */
function parseSys(c: Cursor): SysCondition {
  c.next();
  let test: SysCondition['test'];
  const t = c.peek();
  if (t.type === 'string' || (t.type === 'word' && t.text.startsWith('$SYS/'))) {
    c.next();
    if (!t.text.startsWith('$SYS/')) c.fail(t, `a $SYS rule needs a topic under $SYS/, found "${t.text}"`);
    if (/[#+]/.test(t.text)) c.fail(t, `a $SYS rule needs one numeric topic without wildcards, found "${t.text}"`);
    const op = expectOperator(c, t.text);
    const numTok = c.peek();
    let value = c.expectNumber(`a number after '${t.text} ${op}'`);
    const unit = c.peek();
    if (unit.type === 'word' && isSizeUnit(unit.text))
      value = Math.round(Number(numTok.text) * sizeFactor(c.next().lower));
    if (!Number.isFinite(value)) c.fail(numTok, `${t.text} threshold ${numTok.text} is out of range`);
    test = { kind: 'threshold', topic: t.text, op, value };
  } else if (c.acceptWord('uptime')) {
    const w = c.expectWord(
      "'reset' or 'stalled' after 'sys uptime'",
      'reset',
      'backwards',
      'stalled',
      'stale',
      'frozen',
    );
    test = w.lower === 'reset' || w.lower === 'backwards' ? { kind: 'uptime-reset' } : { kind: 'uptime-stalled' };
  } else {
    c.fail(t, `expected a "$SYS/…" topic or 'uptime' after 'sys', found ${describe(t)}`);
  }
  let host: string | undefined;
  let port: number | undefined;
  for (;;) {
    if (c.acceptWord('host')) host = c.expectValue('a host').text;
    else if (c.acceptWord('port')) port = c.expectInteger('a port number', 1, 65535);
    else break;
  }
  return { kind: 'sys', test, ...(host ? { host } : {}), ...(port ? { port } : {}) };
}

function sizeFactor(u: string): number {
  const k = u.startsWith('k') ? 1 : u.startsWith('m') ? 2 : u.startsWith('g') ? 3 : u.startsWith('t') ? 4 : 0;
  return 1024 ** k;
}

export const sysSyntax: KindSyntax<SysCondition> = {
  kind: 'sys',
  claims: { if: ['sys'] },
  parse: parseSys,
  print(c, s) {
    const t = c.test;
    let out =
      t.kind === 'threshold'
        ? `sys ${s.quote(t.topic)} ${t.op} ${s.number(t.value)}`
        : `sys uptime ${t.kind === 'uptime-reset' ? 'reset' : 'stalled'}`;
    if (c.host) out += ` host ${s.word(c.host)}`;
    if (c.port !== undefined) out += ` port ${c.port}`;
    return out;
  },
  // No monit counterpart: thresholds on broker statistics are `resource` (like cpu/memory), the two
  // uptime watches (went backwards, stopped advancing) are `uptime`.
  eventType: (c) => (c.test.kind === 'threshold' ? 'resource' : 'uptime'),
  startGrace: true,
  docs: {
    syntax: '`sys "TOPIC" OP N` · `sys uptime reset` · `sys uptime stalled`',
    services: 'process, host',
    meaning: "the broker's `$SYS` statistics ([extensions](#sys-rules))",
    example: '`if sys uptime reset then alert`',
  },
};
