// `if saturation …`: from the network service's reading of the cycle.
import { numberFact } from '../../observers/kind.js';
import { judge, unobserved } from '../amount.js';
import type { CheckFactory } from '../kind.js';
import type { SaturationCondition } from './syntax.js';

export const check: CheckFactory<SaturationCondition> = (cond) => ({
  run(ctx) {
    const none = unobserved(ctx);
    if (none) return Promise.resolve(none);
    const v = numberFact(ctx.observed?.ok ? ctx.observed.facts : undefined, 'saturationPercent');
    if (v === undefined)
      return Promise.resolve({
        ruleId: ctx.rule.id,
        status: 'init' as const,
        message: 'saturation not measurable (first sample, or a link without a speed)',
      });
    return Promise.resolve(judge(ctx, v, cond.op, cond.value, `saturation ${v.toFixed(1)}%`, { saturationPercent: v }));
  },
});
