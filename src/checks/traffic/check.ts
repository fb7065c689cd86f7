// `if upload|download …`: the rate from the network service's reading; a total over a window from
// the counters of past cycles, kept in the rule's memory.
import { numberFact } from '../../observers/kind.js';
import { judge, unobserved } from '../amount.js';
import type { CheckFactory } from '../kind.js';
import type { CheckContext } from '../types.js';
import type { TrafficCondition } from './syntax.js';

type Sample = readonly [at: number, counter: number];

/** The counter's growth over the window: from the newest sample at or before its start (or the oldest). */
function total(ctx: CheckContext, windowMs: number, counter: number): number | undefined {
  const history = [...((ctx.memo.get('history') as Sample[] | undefined) ?? []), [ctx.now, counter] as const];
  // A counter that went back (the interface was recreated) starts the history again.
  const start = history.findLastIndex(([, v], i) => i > 0 && v < (history[i - 1]?.[1] ?? 0));
  const kept = start > 0 ? history.slice(start) : history;
  const from = kept.findLastIndex(([at]) => at <= ctx.now - windowMs);
  const window = from > 0 ? kept.slice(from) : kept;
  ctx.memo.set('history', window);
  return window.length > 1 ? counter - (window[0]?.[1] ?? counter) : undefined;
}

export const check: CheckFactory<TrafficCondition> = (cond) => ({
  run(ctx) {
    const none = unobserved(ctx);
    if (none) return Promise.resolve(none);
    const facts = ctx.observed?.ok ? ctx.observed.facts : undefined;
    const name = `${cond.direction}${cond.per === 'bytes' ? 'Bytes' : 'Packets'}`;
    const unit = cond.per === 'bytes' ? 'B' : 'packets';
    if (cond.windowMs === undefined) {
      const v = numberFact(facts, `${name}PerSecond`);
      if (v === undefined)
        return Promise.resolve({
          ruleId: ctx.rule.id,
          status: 'init' as const,
          message: `${cond.direction} (first sample)`,
        });
      return Promise.resolve(
        judge(ctx, v, cond.op, cond.value, `${cond.direction} ${Math.round(v)} ${unit}/s`, { [`${name}PerSecond`]: v }),
      );
    }
    const v = total(ctx, cond.windowMs, numberFact(facts, name) ?? 0);
    if (v === undefined)
      return Promise.resolve({
        ruleId: ctx.rule.id,
        status: 'init' as const,
        message: `total ${cond.direction} (first sample)`,
      });
    return Promise.resolve(
      judge(ctx, v, cond.op, cond.value, `total ${cond.direction} ${v} ${unit}`, { [`${name}Total`]: v }),
    );
  },
});
