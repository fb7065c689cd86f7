// `if filedescriptors OP N [%]` in `check system` (the host's open files against fs.file-max) and in
// `check process` (the process's descriptors against its own `ulimit -n`), and `if total
// filedescriptors OP N` (a process and all its descendants, a count only), as monit 5.27+ has them.
// A broker runs out of descriptors long before memory: each client is one.
import { describe } from '../../config/cursor.js';
import type { Operator } from '../../config/model.js';
import { operatorOrEqual } from '../../config/units.js';
import type { Amount } from '../amount.js';
import { parseAmount, printAmount } from '../amount.js';
import type { KindSyntax } from '../kind.js';

export interface FiledescriptorsCondition {
  readonly kind: 'filedescriptors';
  /** `total`: the process and its descendants (process services only; a count). */
  readonly total: boolean;
  readonly op: Operator;
  readonly limit: Amount;
}

const WORDS = ['filedescriptors', 'filedescriptor', 'descriptors'];

export const filedescriptorsSyntax: KindSyntax<FiledescriptorsCondition> = {
  kind: 'filedescriptors',
  claims: {
    if: WORDS,
    at: (c) => c.isWord('total') && c.peek(1).type === 'word' && WORDS.includes(c.peek(1).lower),
    types: ['system', 'process'],
  },
  parse(c, ctx) {
    const total = c.acceptWord('total') !== undefined;
    const word = c.next();
    if (total && ctx.serviceType !== 'process')
      c.fail(word, "'total filedescriptors' applies to 'check process' only (a process and its children)");
    const op = operatorOrEqual(c);
    const what = `${total ? 'total ' : ''}filedescriptors ${op}`;
    const at = c.peek();
    const limit = parseAmount(c, what, 'count');
    if (limit.unit === 'bytes') c.fail(at, `expected a number or a percentage after '${what}', found ${describe(at)}`);
    if (total && limit.unit === '%')
      c.fail(at, "'total filedescriptors' is a count (the children have limits of their own): drop the %");
    return { kind: 'filedescriptors', total, op, limit };
  },
  print: (c, s) => `${c.total ? 'total ' : ''}filedescriptors ${c.op} ${printAmount(c.limit, s)}`,
  eventType: () => 'resource',
  startGrace: false,
  misplaced: (_c, type) =>
    type === 'system' || type === 'process'
      ? undefined
      : "'filedescriptors' tests apply to 'check system' and 'check process' only",
  docs: {
    syntax: '`filedescriptors OP N[%]` · `total filedescriptors OP N`',
    services: 'system, process',
    meaning:
      'descriptors open on the host (a share of fs.file-max), or of the process (a share of its own open-files limit); `total`: the process and its descendants',
    example: '`if filedescriptors > 90% then alert`',
  },
};
