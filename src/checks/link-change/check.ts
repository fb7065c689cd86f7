// `if changed link`: speed and duplex of this cycle against the last cycle's (the first is the baseline).
import type { CheckFactory } from '../kind.js';
import { unobserved } from '../amount.js';
import type { LinkChangeCondition } from './syntax.js';

export const check: CheckFactory<LinkChangeCondition> = () => ({
  run(ctx) {
    const none = unobserved(ctx);
    if (none) return Promise.resolve(none);
    const f = ctx.observed?.ok ? ctx.observed.facts : {};
    const speed = f['speedBitsPerSecond'];
    const now = `${typeof speed === 'number' ? `${speed / 1e6} Mb/s` : 'unknown speed'} ${String(f['duplex'] ?? 'unknown')} duplex`;
    const before = ctx.memo.get('link') as string | undefined;
    ctx.memo.set('link', now);
    if (before === undefined || before === now)
      return Promise.resolve({ ruleId: ctx.rule.id, status: 'ok' as const, message: `link ${now}` });
    return Promise.resolve({
      ruleId: ctx.rule.id,
      status: 'failed' as const,
      class: 'resource' as const,
      message: `link changed from ${before} to ${now}`,
    });
  },
});
