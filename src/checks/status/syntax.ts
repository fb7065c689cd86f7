// `if status OP N` (and monit's `if failed status`): the exit status of a `check program` run.
import type { Operator } from '../../config/model.js';
import { operatorOrEqual } from '../../config/units.js';
import type { KindSyntax } from '../kind.js';

export interface StatusCondition {
  readonly kind: 'status';
  readonly op: Operator;
  readonly value: number;
}

export const statusSyntax: KindSyntax<StatusCondition> = {
  kind: 'status',
  claims: { if: ['status'], failed: ['status'] },
  parse(c, ctx) {
    c.next();
    // `failed status` is a non-zero exit status; `status` with no operator means `=`.
    if (ctx.after === 'failed') return { kind: 'status', op: '!=', value: 0 };
    const op = operatorOrEqual(c);
    return { kind: 'status', op, value: c.expectInteger('an exit status', 0, 255) };
  },
  print: (c, s) => `status ${c.op} ${s.number(c.value)}`,
  eventType: () => 'status',
  startGrace: false,
  misplaced: (_c, type) => (type === 'program' ? undefined : `'status' tests apply to 'check program' only`),
  docs: {
    syntax: '`status OP N` · `failed status`',
    services: 'program',
    meaning: "the program's exit status (`failed status`: not 0)",
    example: '`if status != 0 then alert`',
  },
};
