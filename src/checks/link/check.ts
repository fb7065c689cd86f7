// `if link down|up`: from the network service's reading of the cycle; a missing interface is down.
import type { CheckFactory } from '../kind.js';
import type { LinkCondition } from './syntax.js';

export const check: CheckFactory<LinkCondition> = (cond) => ({
  run(ctx) {
    const o = ctx.observed;
    if (o === undefined)
      return Promise.resolve({ ruleId: ctx.rule.id, status: 'init' as const, message: 'not observed yet' });
    const up = o.ok && o.facts['linkUp'] === 1;
    const failed = (cond.state === 'down') !== up;
    const message = o.ok ? `link ${up ? 'up' : 'down'} (${String(o.facts['operstate'] ?? '?')})` : o.message;
    return Promise.resolve({
      ruleId: ctx.rule.id,
      status: failed ? ('failed' as const) : ('ok' as const),
      ...(failed ? { class: 'resource' as const } : {}),
      message,
      metrics: { linkUp: up ? 1 : 0 },
    });
  },
});
