// `check program`: the daemon runs the program once per cycle; these tests read its exit status.
import type { Condition } from '../config/model.js';
import { compare } from './compare.js';
import type { Check } from './types.js';

/** `if status OP N` and `if changed status`. */
export function statusCheck(cond: Extract<Condition, { kind: 'status' } | { kind: 'changed' }>): Check {
  return {
    async run(ctx) {
      const status = ctx.programStatus;
      if (status === undefined) return { ruleId: ctx.rule.id, status: 'init', message: 'program has not run yet' };
      if (cond.kind === 'changed') {
        const before = ctx.memo.get('value') as number | undefined;
        ctx.memo.set('value', status);
        if (before === undefined || before === status) return { ruleId: ctx.rule.id, status: 'ok', message: `status ${status}` };
        return { ruleId: ctx.rule.id, status: 'failed', class: 'program-status', message: `status changed from ${before} to ${status}` };
      }
      const matched = compare(status, cond.op, cond.value);
      return { ruleId: ctx.rule.id, status: matched ? 'failed' : 'ok', ...(matched ? { class: 'program-status' as const } : {}), message: `exit status ${status}`, metrics: { status } };
    },
  };
}
