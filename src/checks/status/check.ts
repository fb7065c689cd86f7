// `if status OP N`: the daemon runs the program once per cycle; this reads its exit status.
import { compare } from '../compare.js';
import type { CheckFactory } from '../kind.js';
import type { StatusCondition } from './syntax.js';

export const check: CheckFactory<StatusCondition> = (cond) => ({
  run(ctx) {
    const status = ctx.programStatus;
    if (status === undefined)
      return Promise.resolve({ ruleId: ctx.rule.id, status: 'init', message: 'program has not run yet' });
    const matched = compare(status, cond.op, cond.value);
    return Promise.resolve({
      ruleId: ctx.rule.id,
      status: matched ? 'failed' : 'ok',
      ...(matched ? { class: 'program-status' as const } : {}),
      message: `exit status ${status}${outputNote(ctx.programOutput)}`,
      metrics: { status },
    });
  },
});

/** monit's ` -- OUTPUT` after a program's status, or ` -- no output`; nothing when none was captured. */
export function outputNote(output: string | undefined): string {
  if (output === undefined) return '';
  const text = output.trim();
  return text === '' ? ' -- no output' : ` -- ${text}`;
}
