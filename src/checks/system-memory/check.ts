// `if memory|swap OP N` of the host: from the system service's reading of the cycle.
import { numberFact } from '../../observers/kind.js';
import { judge, showAmount, unobserved } from '../amount.js';
import type { CheckFactory } from '../kind.js';
import type { SystemMemoryCondition } from './syntax.js';

export const check: CheckFactory<SystemMemoryCondition> = (cond) => ({
  run(ctx) {
    const none = unobserved(ctx);
    if (none) return Promise.resolve(none);
    const facts = ctx.observed?.ok ? ctx.observed.facts : undefined;
    const pct = cond.limit.unit === '%';
    const name = `${cond.what}${pct ? 'Percent' : 'Bytes'}`;
    const v = numberFact(facts, name) ?? 0;
    const label = `${cond.what} usage ${showAmount(v, cond.limit.unit)}`;
    return Promise.resolve(judge(ctx, v, cond.op, cond.limit.value, label, { [name]: v }));
  },
});
