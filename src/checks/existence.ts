// Existence, shared by `exist` and `nonexist`: a process service reads the cycle's lookup
// (CheckContext.process; none while a start or stop runs, and then no sample), a file, directory or
// fifo service stats its path, a filesystem service reads its observer's finding (mounted or not).
// Other services have nothing to exist.
import { stat } from '../util/fs-async.js';
import type { Service } from '../config/model.js';
import type { CheckResult } from './result.js';
import type { Check, CheckContext } from './types.js';

/** The existence check; `failsWhenThere` is true for `exist` (running is bad), false for `nonexist`. */
export function existenceCheck(service: Service, failsWhenThere: boolean): Check | undefined {
  if (service.type === 'process') return { run: (ctx) => Promise.resolve(ofProcess(ctx, failsWhenThere)) };
  if (service.type === 'file') return { run: (ctx) => ofPath(ctx, failsWhenThere, 'file') };
  if (service.type === 'directory') return { run: (ctx) => ofPath(ctx, failsWhenThere, 'directory') };
  if (service.type === 'fifo') return { run: (ctx) => ofPath(ctx, failsWhenThere, 'fifo') };
  if (service.type === 'filesystem') return { run: (ctx) => Promise.resolve(ofFilesystem(ctx, failsWhenThere)) };
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

/** A file system is there when the cycle's observation found it mounted. */
function ofFilesystem(ctx: CheckContext, failsWhenThere: boolean): CheckResult | undefined {
  const o = ctx.observed;
  if (o === undefined) return undefined;
  const message = o.ok ? `${ctx.service.path ?? ''} is mounted` : o.message;
  return o.ok === failsWhenThere
    ? { ruleId: ctx.rule.id, status: 'failed', class: 'file', message }
    : { ruleId: ctx.rule.id, status: 'ok', message };
}

/** A path of the service's kind: a directory or fifo of another kind is not there (monit: "is not directory"). */
async function ofPath(
  ctx: CheckContext,
  failsWhenThere: boolean,
  kind: 'file' | 'directory' | 'fifo',
): Promise<CheckResult> {
  const path = ctx.service.path ?? '';
  const st = await stat(path).catch(() => undefined);
  const wrong = st !== undefined && ((kind === 'directory' && !st.isDirectory()) || (kind === 'fifo' && !st.isFIFO()));
  const exists = st !== undefined && !wrong;
  const message = wrong ? `${path} is not a ${kind}` : exists ? `${path} exists` : `${path} does not exist`;
  return exists === failsWhenThere
    ? { ruleId: ctx.rule.id, status: 'failed', class: 'file', message }
    : { ruleId: ctx.rule.id, status: 'ok', message };
}
