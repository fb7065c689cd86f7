// `if loadavg [(1min|5min|15min)] [per core] OP N`: the host's load average, in `check system` and,
// as monit allows, in `check process` (the same host-wide number).
import { describe } from '../../config/cursor.js';
import type { Operator } from '../../config/model.js';
import { operatorOrEqual } from '../../config/units.js';
import type { KindSyntax } from '../kind.js';

export interface LoadavgCondition {
  readonly kind: 'loadavg';
  readonly period: 1 | 5 | 15;
  /** `per core`: the average divided by the number of CPUs. */
  readonly perCore: boolean;
  readonly op: Operator;
  readonly value: number;
}

export const loadavgSyntax: KindSyntax<LoadavgCondition> = {
  kind: 'loadavg',
  claims: { if: ['loadavg'], types: ['system', 'process'] },
  parse(c) {
    c.next();
    let period: LoadavgCondition['period'] = 1;
    // `(5min)`: the parentheses are blanks, so a number glued to `min`.
    if (
      c.peek().type === 'number' &&
      c.peek(1).type === 'word' &&
      ['min', 'm', 'minute', 'minutes'].includes(c.peek(1).lower)
    ) {
      const t = c.next();
      c.next();
      if (t.text !== '1' && t.text !== '5' && t.text !== '15')
        c.fail(t, `expected 1min, 5min or 15min after 'loadavg', found ${describe(t)}`);
      period = Number(t.text) as LoadavgCondition['period'];
    }
    // `per` is a noise word: `per core` reads as `core`.
    const perCore = c.acceptWord('core', 'cores') !== undefined;
    const op = operatorOrEqual(c);
    const numTok = c.peek();
    const value = c.expectNumber(`a load after 'loadavg ${op}'`);
    if (value < 0 || !Number.isFinite(value)) c.fail(numTok, `loadavg ${numTok.text} is out of range`);
    return { kind: 'loadavg', period, perCore, op, value };
  },
  print: (c, s) => `loadavg (${c.period}min)${c.perCore ? ' per core' : ''} ${c.op} ${s.number(c.value)}`,
  eventType: () => 'resource',
  startGrace: false,
  misplaced: (_c, type) =>
    type === 'system' || type === 'process'
      ? undefined
      : "'loadavg' tests apply to 'check system' and 'check process' only",
  docs: {
    syntax: '`loadavg [(1min\\|5min\\|15min)] [per core] OP N`',
    services: 'system, process',
    meaning: "the host's load average (`per core`: divided by the number of CPUs)",
    example: '`if loadavg (5min) per core > 2 for 3 cycles then alert`',
  },
};
