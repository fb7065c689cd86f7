// `if cpu … OP N%` of the host: from the system service's reading (cpu shares between two cycles).
import { numberFact } from '../../observers/kind.js';
import { judge, unobserved } from '../amount.js';
import type { CheckFactory } from '../kind.js';
import type { SystemCpuCondition } from './syntax.js';

/** The observer's fact for each share. */
const FACT: Record<SystemCpuCondition['share'], string> = {
  usage: 'cpuUsage',
  user: 'cpuUser',
  system: 'cpuSystem',
  wait: 'cpuWait',
  nice: 'cpuNice',
  hardirq: 'cpuHardirq',
  softirq: 'cpuSoftirq',
  steal: 'cpuSteal',
  guest: 'cpuGuest',
  guestnice: 'cpuGuestnice',
};

export const check: CheckFactory<SystemCpuCondition> = (cond) => ({
  run(ctx) {
    const none = unobserved(ctx);
    if (none) return Promise.resolve(none);
    const facts = ctx.observed?.ok ? ctx.observed.facts : undefined;
    const v = numberFact(facts, FACT[cond.share]);
    // A share needs two readings of the tick counters: the first cycle only primes the next.
    if (v === undefined)
      return Promise.resolve({
        ruleId: ctx.rule.id,
        status: 'init' as const,
        message: `cpu ${cond.share} (first sample)`,
      });
    return Promise.resolve(
      judge(ctx, v, cond.op, cond.value, `cpu ${cond.share} ${v.toFixed(1)}%`, { [FACT[cond.share]]: v }),
    );
  },
});
