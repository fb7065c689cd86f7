// `if uptime OP DURATION`: from the process's start time in /proc.
import { readProcStat, startedAtMs } from '../../process/proc-stat.js';
import { compare } from '../compare.js';
import type { CheckFactory } from '../kind.js';
import { notRunning } from '../process-info.js';
import type { UptimeCondition } from './syntax.js';

export const check: CheckFactory<UptimeCondition> = (cond) => ({
  async run(ctx) {
    if (ctx.pid === undefined) return notRunning(ctx);
    const st = await readProcStat(ctx.pid);
    const started = st ? startedAtMs(st.startTime) : undefined;
    if (started === undefined) return notRunning(ctx);
    const uptimeMs = ctx.now - started;
    const matched = compare(uptimeMs, cond.op, cond.ms);
    const secs = Math.round(uptimeMs / 1000);
    return {
      ruleId: ctx.rule.id,
      status: matched ? 'failed' : 'ok',
      ...(matched ? { class: 'resource' as const } : {}),
      message: `uptime ${secs} s`,
      metrics: { uptimeSeconds: secs },
    };
  },
});
