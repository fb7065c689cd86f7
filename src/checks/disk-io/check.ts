// `if read|write rate …`: from the filesystem service's reading of the device's I/O counters.
import { numberFact } from '../../observers/kind.js';
import { judge, unobserved } from '../amount.js';
import type { CheckFactory } from '../kind.js';
import type { DiskIoCondition } from './syntax.js';

export const check: CheckFactory<DiskIoCondition> = (cond) => ({
  run(ctx) {
    const none = unobserved(ctx);
    if (none) return Promise.resolve(none);
    const facts = ctx.observed?.ok ? ctx.observed.facts : undefined;
    const name = `${cond.direction}${cond.per === 'bytes' ? 'Bytes' : 'Ops'}PerSecond`;
    if (facts && !(name in facts))
      return Promise.resolve({
        ruleId: ctx.rule.id,
        status: 'init' as const,
        message: `no I/O counters for ${String(facts['device'] ?? 'this file system')} (not a block device)`,
      });
    const v = numberFact(facts, name);
    // A rate needs two readings of the counters: the first cycle only primes the next.
    if (v === undefined)
      return Promise.resolve({
        ruleId: ctx.rule.id,
        status: 'init' as const,
        message: `${cond.direction} rate (first sample)`,
      });
    const label =
      cond.per === 'bytes'
        ? `${cond.direction} rate ${(v / 1024).toFixed(1)} kB/s`
        : `${cond.direction} rate ${v.toFixed(1)} operations/s`;
    return Promise.resolve(judge(ctx, v, cond.op, cond.value, label, { [name]: v }));
  },
});
