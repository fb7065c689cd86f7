// Existence, shared by `exist` and `nonexist`: a process service reads the cycle's lookup
// (CheckContext.process; none while a start or stop runs, and then no sample), a file service stats
// its path. Other services have nothing to exist.
import { stat } from 'node:fs/promises';
import type { Service } from '../config/model.js';
import type { CheckResult } from './result.js';
import type { Check, CheckContext } from './types.js';

/** The existence check; `failsWhenThere` is true for `exist` (running is bad), false for `nonexist`. */
export function existenceCheck(service: Service, failsWhenThere: boolean): Check | undefined {
  if (service.type === 'process') return { run: (ctx) => Promise.resolve(ofProcess(ctx, failsWhenThere)) };
  if (service.type === 'file') return { run: (ctx) => ofFile(ctx, failsWhenThere) };
  return undefined;
}

function ofProcess(ctx: CheckContext, failsWhenThere: boolean): CheckResult | undefined {
  const found = ctx.process;
  // During a start/stop the process is in flux; existence is judged when the action is done.
  if (!found) return undefined;
  const status = found.running === failsWhenThere ? 'failed' : 'ok';
  // Kept by its identity while the pidfile is unreadable: running, and the message says why.
  const note = found.running && found.pidfile !== undefined ? ` (${found.pidfile}; known by its identity)` : '';
  return found.running
    ? { ruleId: ctx.rule.id, status, message: `running, pid ${found.identity.pid}${note}` }
    : { ruleId: ctx.rule.id, status, class: found.class, message: found.message };
}

async function ofFile(ctx: CheckContext, failsWhenThere: boolean): Promise<CheckResult> {
  const path = ctx.service.path ?? '';
  const exists = await stat(path).then(
    () => true,
    () => false,
  );
  const message = exists ? `${path} exists` : `${path} does not exist`;
  return exists === failsWhenThere
    ? { ruleId: ctx.rule.id, status: 'failed', class: 'file', message }
    : { ruleId: ctx.rule.id, status: 'ok', message };
}
