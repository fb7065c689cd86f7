// `if service time …`: from the filesystem service's reading of the device's I/O counters.
import { numberFact } from '../../observers/kind.js';
import { judge, unobserved } from '../amount.js';
import type { CheckFactory } from '../kind.js';
import type { ServiceTimeCondition } from './syntax.js';

export const check: CheckFactory<ServiceTimeCondition> = (cond) => ({
  run(ctx) {
    const none = unobserved(ctx);
    if (none) return Promise.resolve(none);
    const facts = ctx.observed?.ok ? ctx.observed.facts : undefined;
    const r = numberFact(facts, 'readServiceTimeMs');
    const w = numberFact(facts, 'writeServiceTimeMs');
    if (r === undefined || w === undefined)
      return Promise.resolve({
        ruleId: ctx.rule.id,
        status: 'init' as const,
        message: 'service time (first sample, or no block device)',
      });
    const v = Math.max(r, w);
    const label = `service time ${v.toFixed(3)} ms/operation (read ${r.toFixed(3)} ms, write ${w.toFixed(3)} ms)`;
    return Promise.resolve(judge(ctx, v, cond.op, cond.ms, label, { readServiceTimeMs: r, writeServiceTimeMs: w }));
  },
});
