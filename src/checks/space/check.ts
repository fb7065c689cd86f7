// `if space …`: from the filesystem service's statfs reading of the cycle.
import { numberFact } from '../../observers/kind.js';
import { judge, showAmount, unobserved } from '../amount.js';
import type { CheckFactory } from '../kind.js';
import type { SpaceCondition } from './syntax.js';

export const check: CheckFactory<SpaceCondition> = (cond) => ({
  run(ctx) {
    const none = unobserved(ctx);
    if (none) return Promise.resolve(none);
    const facts = ctx.observed?.ok ? ctx.observed.facts : undefined;
    const base = cond.free ? 'spaceAvailable' : 'spaceUsed';
    const name = `${base}${cond.limit.unit === '%' ? 'Percent' : 'Bytes'}`;
    const v = numberFact(facts, name) ?? 0;
    const label = `space ${cond.free ? 'free' : 'usage'} ${showAmount(v, cond.limit.unit)}`;
    return Promise.resolve(judge(ctx, v, cond.op, cond.limit.value, label, { [name]: v }));
  },
});
