// `if space [usage|free] OP N (%|MB)` in `check filesystem`: the space in use (blocks not free, root's
// reserve counted as used) or free for a non-root user, as monit measures them.
import type { Operator } from '../../config/model.js';
import { operatorOrEqual } from '../../config/units.js';
import type { Amount } from '../amount.js';
import { parseAmount, printAmount } from '../amount.js';
import type { KindSyntax } from '../kind.js';
import { filesystemOnly } from '../misplaced.js';

export interface SpaceCondition {
  readonly kind: 'space';
  /** `space free`: what is left; else what is used. */
  readonly free: boolean;
  readonly op: Operator;
  readonly limit: Amount;
}

export const spaceSyntax: KindSyntax<SpaceCondition> = {
  kind: 'space',
  claims: { if: ['space'], types: ['filesystem'] },
  parse(c) {
    c.next();
    // `usage` is a noise word.
    const free = c.acceptWord('free') !== undefined;
    const op = operatorOrEqual(c);
    return { kind: 'space', free, op, limit: parseAmount(c, `space ${free ? 'free ' : ''}${op}`, 'bytes') };
  },
  print: (c, s) => `space ${c.free ? 'free' : 'usage'} ${c.op} ${printAmount(c.limit, s)}`,
  eventType: () => 'resource',
  startGrace: false,
  misplaced: filesystemOnly('space'),
  docs: {
    syntax: '`space [usage] OP N (%\\|MB)` · `space free OP N (%\\|MB)`',
    services: 'filesystem',
    meaning: "space in use (root's reserve counted as used, as monit does), or free for a non-root user",
    example: '`if space usage > 90% then alert`',
  },
};
