// What the file kinds share: the stat of the service's path (a missing file is "not measurable"
// for every test but existence), results of class `file`, and the memory of "changed".
import { createHash } from 'node:crypto';
import { readFile, stat } from '../util/fs-async.js';
import type { Stats } from 'node:fs';
import type { CheckResult } from './result.js';
import type { Check, CheckContext } from './types.js';

/** The path a file test stats: a filesystem service's mount point (its path may be a device or a
 *  path inside the mount, as monit tests the mount point), else the service's path. */
function subjectPath(ctx: CheckContext): string {
  const mp = ctx.observed?.ok ? ctx.observed.facts['mountPoint'] : undefined;
  return typeof mp === 'string' ? mp : (ctx.service.path ?? '');
}

/** Judges the file at the service's path; a missing file is `init`. */
export function fileTest(
  judge: (st: Stats, path: string, ctx: CheckContext) => CheckResult | Promise<CheckResult>,
): Check {
  return {
    async run(ctx) {
      const path = subjectPath(ctx);
      let st: Stats;
      try {
        st = await stat(path);
      } catch {
        return { ruleId: ctx.rule.id, status: 'init', message: `${path} does not exist` };
      }
      return judge(st, path, ctx);
    },
  };
}

/** ok, or failed with class `file`. */
export function fileVerdict(ctx: CheckContext, failed: boolean, message: string): CheckResult {
  return failed
    ? { ruleId: ctx.rule.id, status: 'failed', class: 'file', message }
    : { ruleId: ctx.rule.id, status: 'ok', message };
}

/** The hex digest of the file. */
export async function digest(path: string, algorithm: 'md5' | 'sha1'): Promise<string> {
  return createHash(algorithm)
    .update(await readFile(path))
    .digest('hex');
}

/** `changed …` of a file: failed once when the value differs from the last one seen. */
export function fileChanged(ctx: CheckContext, value: string, what: string): CheckResult {
  const before = ctx.memo.get('value') as string | undefined;
  ctx.memo.set('value', value);
  if (before === undefined || before === value)
    return { ruleId: ctx.rule.id, status: 'ok', message: `${what} ${value}` };
  return { ruleId: ctx.rule.id, status: 'failed', class: 'file', message: `${what} changed` };
}

/** The name of a uid or gid in /etc/passwd or /etc/group. */
export async function nameOf(file: string, id: number): Promise<string | undefined> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text
    .split('\n')
    .map((l) => l.split(':'))
    .find((f) => f[2] === String(id))?.[0];
}
