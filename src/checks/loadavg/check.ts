// `if loadavg …`: from the system service's reading of the cycle, or (in `check process`) from
// /proc/loadavg directly.
import { cpus } from 'node:os';
import { readLoadavg } from '../../observers/system.js';
import { numberFact } from '../../observers/kind.js';
import { judge } from '../amount.js';
import type { CheckFactory } from '../kind.js';
import type { CheckContext } from '../types.js';
import type { LoadavgCondition } from './syntax.js';

async function reading(
  cond: LoadavgCondition,
  ctx: CheckContext,
): Promise<{ load: number; cores: number } | undefined> {
  const facts = ctx.observed?.ok ? ctx.observed.facts : undefined;
  const load = numberFact(facts, `load${cond.period}`);
  if (load !== undefined) return { load, cores: numberFact(facts, 'cores') ?? cpus().length };
  const all = await readLoadavg();
  if (!all) return undefined;
  return { load: all[cond.period === 1 ? 0 : cond.period === 5 ? 1 : 2], cores: Math.max(1, cpus().length) };
}

export const check: CheckFactory<LoadavgCondition> = (cond) => ({
  async run(ctx) {
    const r = await reading(cond, ctx);
    if (!r) return { ruleId: ctx.rule.id, status: 'init', message: 'no load average here (/proc/loadavg)' };
    const value = cond.perCore ? r.load / r.cores : r.load;
    const label = `loadavg (${cond.period}min)${cond.perCore ? ` per core ${value.toFixed(2)}` : ` ${value.toFixed(2)}`}`;
    return judge(ctx, value, cond.op, cond.value, label, { [`load${cond.period}`]: r.load });
  },
});
