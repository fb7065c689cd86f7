// `if [total] filedescriptors …`: the system service's reading of /proc/sys/fs/file-nr, or a
// process's /proc/PID/fd entries against the soft "Max open files" of /proc/PID/limits.
import { readFile, readdir } from '../../util/fs-async.js';
import { numberFact } from '../../observers/kind.js';
import { descendants } from '../../process/tree.js';
import { judge, showAmount, unobserved } from '../amount.js';
import type { CheckFactory } from '../kind.js';
import { notRunning } from '../process-info.js';
import type { CheckResult } from '../result.js';
import type { CheckContext } from '../types.js';
import type { FiledescriptorsCondition } from './syntax.js';

/** Open descriptors of PID; undefined when they cannot be listed (gone, or not ours to read). */
export async function openDescriptors(pid: number): Promise<number | undefined> {
  try {
    return (await readdir(`/proc/${pid}/fd`)).length;
  } catch {
    return undefined;
  }
}

/** The soft limit on open files of PID (`ulimit -n`); undefined when unlimited or unreadable. */
export async function descriptorLimit(pid: number): Promise<number | undefined> {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(await readFile(`/proc/${pid}/limits`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

function noReading(ctx: CheckContext, message: string): CheckResult {
  return { ruleId: ctx.rule.id, status: 'init', message };
}

function ofSystem(cond: FiledescriptorsCondition, ctx: CheckContext): CheckResult {
  const none = unobserved(ctx);
  if (none) return none;
  const facts = ctx.observed?.ok ? ctx.observed.facts : undefined;
  const allocated = numberFact(facts, 'filesAllocated');
  const maximum = numberFact(facts, 'filesMaximum');
  if (allocated === undefined || !maximum) return noReading(ctx, 'no descriptor counts here (/proc/sys/fs/file-nr)');
  // Kernels before 2.6 kept freed handles allocated; `unused` says how many (0 today).
  const open = allocated - (numberFact(facts, 'filesUnused') ?? 0);
  const v = cond.limit.unit === '%' ? (open / maximum) * 100 : open;
  const label = `filedescriptors ${showAmount(v, cond.limit.unit)} (${open} of ${maximum})`;
  return judge(ctx, v, cond.op, cond.limit.value, label, { filedescriptors: open });
}

async function ofProcess(cond: FiledescriptorsCondition, ctx: CheckContext, pid: number): Promise<CheckResult> {
  const pids = cond.total ? (await descendants(pid)).all : [pid];
  const counts = await Promise.all(pids.map(openDescriptors));
  const own = counts[0];
  if (own === undefined) return noReading(ctx, `cannot list /proc/${pid}/fd (gone, or another user's process)`);
  const open = counts.reduce<number>((sum, n) => sum + (n ?? 0), 0);
  const name = cond.total ? 'total filedescriptors' : 'filedescriptors';
  if (cond.limit.unit !== '%') return judge(ctx, open, cond.op, cond.limit.value, `${name} ${open}`, { [name]: open });
  const limit = await descriptorLimit(pid);
  if (!limit) return noReading(ctx, `filedescriptors ${open}: the process has no open-files limit to compare with`);
  const share = (open / limit) * 100;
  const label = `filedescriptors ${showAmount(share, '%')} (${open} of ${limit})`;
  return judge(ctx, share, cond.op, cond.limit.value, label, { filedescriptors: open });
}

export const check: CheckFactory<FiledescriptorsCondition> = (cond, service) => ({
  async run(ctx) {
    if (service.type === 'system') return ofSystem(cond, ctx);
    if (ctx.pid === undefined) return notRunning(ctx);
    return ofProcess(cond, ctx, ctx.pid);
  },
});
