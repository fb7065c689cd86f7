// What the process kinds share: the result when there is no process to measure.
import type { CheckResult } from './result.js';
import type { CheckContext } from './types.js';

/** No process this cycle: nothing to measure, so neither ok nor failed. */
export function notRunning(ctx: CheckContext): CheckResult {
  return { ruleId: ctx.rule.id, status: 'init', message: 'process not running' };
}
