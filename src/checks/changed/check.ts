// `if changed …`: failed (meaning "changed") once when the value differs from the last one seen. A
// file service reads its file, a program service its exit status, a process service its pid/ppid.
import { readProcStat } from '../../process/proc-stat.js';
import { digest, fileChanged, fileTest } from '../file-test.js';
import type { CheckFactory } from '../kind.js';
import { notRunning } from '../process-info.js';
import { outputNote } from '../status/check.js';
import type { Check } from '../types.js';
import type { ChangedCondition } from './syntax.js';

export const check: CheckFactory<ChangedCondition> = (cond, service) =>
  service.type === 'program' ? exitStatus() : service.type === 'process' ? processValue(cond) : fileValue(cond);

function fileValue(cond: ChangedCondition): Check {
  return fileTest(async (st, path, ctx) => {
    const value =
      cond.what === 'checksum'
        ? await digest(path, 'md5')
        : cond.what === 'size'
          ? String(st.size)
          : String(st.mtimeMs);
    return fileChanged(ctx, value, `${path} ${cond.what}`);
  });
}

function exitStatus(): Check {
  return {
    run(ctx) {
      const status = ctx.programStatus;
      if (status === undefined)
        return Promise.resolve({ ruleId: ctx.rule.id, status: 'init', message: 'program has not run yet' });
      const before = ctx.memo.get('value') as number | undefined;
      ctx.memo.set('value', status);
      if (before === undefined || before === status)
        return Promise.resolve({ ruleId: ctx.rule.id, status: 'ok', message: `status ${status}` });
      return Promise.resolve({
        ruleId: ctx.rule.id,
        status: 'failed',
        class: 'program-status',
        message: `status changed from ${before} to ${status}${outputNote(ctx.programOutput)}`,
      });
    },
  };
}

function processValue(cond: ChangedCondition): Check {
  return {
    async run(ctx) {
      if (ctx.pid === undefined) return notRunning(ctx);
      const value = cond.what === 'pid' ? ctx.pid : (await readProcStat(ctx.pid))?.ppid;
      if (value === undefined) return notRunning(ctx);
      const before = ctx.memo.get('value') as number | undefined;
      ctx.memo.set('value', value);
      if (before === undefined || before === value)
        return { ruleId: ctx.rule.id, status: 'ok', message: `${cond.what} ${value}` };
      return { ruleId: ctx.rule.id, status: 'failed', message: `${cond.what} changed from ${before} to ${value}` };
    },
  };
}
