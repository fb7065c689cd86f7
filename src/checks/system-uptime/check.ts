// `if uptime OP DURATION` of the host: from the system service's reading of the cycle.
import { numberFact } from '../../observers/kind.js';
import { judge, unobserved } from '../amount.js';
import type { CheckFactory } from '../kind.js';
import type { SystemUptimeCondition } from './syntax.js';

export const check: CheckFactory<SystemUptimeCondition> = (cond) => ({
  run(ctx) {
    const none = unobserved(ctx);
    if (none) return Promise.resolve(none);
    const secs = numberFact(ctx.observed?.ok ? ctx.observed.facts : undefined, 'uptimeSeconds');
    if (secs === undefined)
      return Promise.resolve({ ruleId: ctx.rule.id, status: 'init' as const, message: 'no /proc/uptime' });
    return Promise.resolve(judge(ctx, secs * 1000, cond.op, cond.ms, `uptime ${secs} s`, { uptimeSeconds: secs }));
  },
});
