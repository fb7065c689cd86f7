// Resources of a process (cpu, memory, children, threads) through pidusage and /proc. The first cpu
// sample is "init": a share needs two samples, as in monit.
import { readFile } from '../../util/fs-async.js';
import { totalmem } from 'node:os';
import pidusage from 'pidusage';
import { descendants } from '../../process/tree.js';
import { compare } from '../compare.js';
import type { CheckFactory } from '../kind.js';
import { notRunning } from '../process-info.js';
import type { CheckResult } from '../result.js';
import type { CheckContext } from '../types.js';
import type { ResourceCondition } from './syntax.js';

export const check: CheckFactory<ResourceCondition> = (cond) => ({ run: (ctx) => measure(cond, ctx) });

async function measure(cond: ResourceCondition, ctx: CheckContext): Promise<CheckResult> {
  if (ctx.pid === undefined) return notRunning(ctx);
  let value: number;
  let label: string;
  const total = cond.resource === 'totalcpu' || cond.resource === 'totalmemory';
  if (cond.resource === 'children' || cond.resource === 'threads') {
    if (cond.resource === 'threads') value = (await readThreads(ctx.pid)) ?? 0;
    else value = (await descendants(ctx.pid)).children;
    label = `${value} ${cond.resource}`;
  } else {
    const pids = total ? (await descendants(ctx.pid)).all : [ctx.pid];
    let stats: Record<string, pidusage.Status>;
    try {
      stats = await pidusage(pids);
    } catch {
      return notRunning(ctx);
    }
    const list = Object.values(stats);
    if (cond.resource === 'memory' || cond.resource === 'totalmemory') {
      const bytes = list.reduce((s, x) => s + x.memory, 0);
      value = cond.unit === '%' ? (bytes / totalmem()) * 100 : bytes;
      label = cond.unit === '%' ? `memory ${value.toFixed(1)}%` : `memory ${(bytes / 1048576).toFixed(1)} MB`;
    } else {
      value = list.reduce((s, x) => s + x.cpu, 0);
      label = `cpu ${value.toFixed(1)}%`;
      // A cpu share needs two samples; pidusage's first one is the lifetime average.
      const first = !ctx.memo.has('sampled');
      ctx.memo.set('sampled', true);
      if (first) return { ruleId: ctx.rule.id, status: 'init', message: `${label} (first sample)` };
    }
  }
  const matched = compare(value, cond.op, cond.value);
  return {
    ruleId: ctx.rule.id,
    status: matched ? 'failed' : 'ok',
    ...(matched ? { class: 'resource' as const } : {}),
    message: label,
    metrics: { [cond.resource]: value },
  };
}

async function readThreads(pid: number): Promise<number | undefined> {
  try {
    const m = /^Threads:\s+(\d+)$/m.exec(await readFile(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}
