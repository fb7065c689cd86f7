// `if changed fsflags`: the mount's flags of this cycle against the last cycle's (the first is the
// baseline).
import type { CheckFactory } from '../kind.js';
import { unobserved } from '../amount.js';
import type { FsflagsCondition } from './syntax.js';

export const check: CheckFactory<FsflagsCondition> = () => ({
  run(ctx) {
    const none = unobserved(ctx);
    if (none) return Promise.resolve(none);
    const flags = ctx.observed?.ok ? String(ctx.observed.facts['flags'] ?? '') : '';
    const before = ctx.memo.get('flags') as string | undefined;
    ctx.memo.set('flags', flags);
    if (before === undefined || before === flags)
      return Promise.resolve({ ruleId: ctx.rule.id, status: 'ok' as const, message: `fsflags ${flags}` });
    return Promise.resolve({
      ruleId: ctx.rule.id,
      status: 'failed' as const,
      class: 'file' as const,
      message: `fsflags changed from ${before} to ${flags}`,
    });
  },
});
