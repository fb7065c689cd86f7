// `if memory|swap [usage] OP N% | N MB` in `check system`: the host's memory in use (total less
// what is available) and swap in use. A process's memory is `resource`.
import type { Operator } from '../../config/model.js';
import { operatorOrEqual } from '../../config/units.js';
import type { Amount } from '../amount.js';
import { parseAmount, printAmount } from '../amount.js';
import type { KindSyntax } from '../kind.js';

export interface SystemMemoryCondition {
  readonly kind: 'system-memory';
  readonly what: 'memory' | 'swap';
  readonly op: Operator;
  readonly limit: Amount;
}

export const systemMemorySyntax: KindSyntax<SystemMemoryCondition> = {
  kind: 'system-memory',
  claims: { if: ['memory', 'mem', 'swap'], types: ['system'] },
  parse(c) {
    const w = c.next();
    const what = w.lower === 'swap' ? 'swap' : 'memory';
    const op = operatorOrEqual(c);
    return { kind: 'system-memory', what, op, limit: parseAmount(c, `${what} ${op}`, 'bytes') };
  },
  print: (c, s) => `${c.what} usage ${c.op} ${printAmount(c.limit, s)}`,
  eventType: () => 'resource',
  startGrace: false,
  misplaced: (c, type) => (type === 'system' ? undefined : `'${c.what}' of the host applies to 'check system' only`),
  docs: {
    syntax: '`memory [usage] OP N (%\\|MB)` · `swap [usage] OP N (%\\|MB)`',
    services: 'system',
    meaning: "the host's memory in use (total less available) and swap in use",
    example: '`if memory usage > 90% for 5 cycles then alert`',
  },
};
