// `if inode …`: from the filesystem service's statfs reading of the cycle.
import { numberFact } from '../../observers/kind.js';
import { judge, showAmount, unobserved } from '../amount.js';
import type { CheckFactory } from '../kind.js';
import type { InodeCondition } from './syntax.js';

export const check: CheckFactory<InodeCondition> = (cond) => ({
  run(ctx) {
    const none = unobserved(ctx);
    if (none) return Promise.resolve(none);
    const facts = ctx.observed?.ok ? ctx.observed.facts : undefined;
    if (!numberFact(facts, 'inodesTotal'))
      return Promise.resolve({
        ruleId: ctx.rule.id,
        status: 'init' as const,
        message: 'this file system has no inodes to count',
      });
    const name = `inodes${cond.free ? 'Free' : 'Used'}${cond.limit.unit === '%' ? 'Percent' : ''}`;
    const v = numberFact(facts, name) ?? 0;
    const label = `inode ${cond.free ? 'free' : 'usage'} ${showAmount(v, cond.limit.unit)}`;
    return Promise.resolve(judge(ctx, v, cond.op, cond.limit.value, label, { [name]: v }));
  },
});
