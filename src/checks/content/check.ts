// `if content …`: a file service reads the lines appended since the last cycle (tail.ts), a program
// service the output of this cycle's run; lines an `ignore` statement names are dropped, and the rest
// that match make the cycle's result "changed" (a one-shot event listing them, as monit's
// "content match:" message, bounded by fileContentBuffer).
import type { Service } from '../../config/model.js';
import { DEFAULT_FILE_CONTENT_BYTES, DEFAULT_PROGRAM_OUTPUT_BYTES } from '../../config/model.js';
import type { CheckFactory } from '../kind.js';
import type { CheckResult } from '../result.js';
import type { Check, CheckContext } from '../types.js';
import type { ContentCondition, ContentPatterns } from './syntax.js';
import { compilePattern } from './syntax.js';
import type { TailCursor, TailRead } from './tail.js';
import { readAppended } from './tail.js';

/** The most a cycle reads of a file; the rest is read the next cycle. */
export const CONTENT_READ_MAX = 1024 * 1024;

/** Compiled patterns: a line is picked when any pattern's match differs from `not`. */
type Matcher = (line: string) => boolean;

function matcher(sets: readonly ContentPatterns[]): Matcher {
  const compiled = sets.flatMap((s) => s.patterns.map((p) => ({ re: compilePattern(p), not: s.not })));
  return (line) => compiled.some(({ re, not }) => re.test(line) !== not);
}

export const check: CheckFactory<ContentCondition> = (cond, service) => {
  const picks = matcher([cond]);
  const ignored = matcher(service.ignoreContent ?? []);
  const select = (lines: readonly string[]): string[] => lines.filter((l) => !ignored(l) && picks(l));
  return service.type === 'program' ? ofProgram(select) : ofFile(cond, service, select);
};

function ofProgram(select: (lines: readonly string[]) => string[]): Check {
  return {
    run(ctx) {
      const output = ctx.programOutput;
      if (output === undefined)
        return Promise.resolve({ ruleId: ctx.rule.id, status: 'init', message: 'program has not run yet' });
      const matched = select(output.split('\n').filter((l, i, all) => l !== '' || i < all.length - 1));
      const cap = ctx.limits?.programOutputBytes ?? DEFAULT_PROGRAM_OUTPUT_BYTES;
      return Promise.resolve(verdict(ctx, matched, cap, 'program-status', 'output'));
    },
  };
}

/** What the state file keeps of a file content rule: where it stopped, and for which path and patterns. */
interface Kept extends TailCursor {
  readonly key: string;
}

function ofFile(cond: ContentCondition, service: Service, select: (lines: readonly string[]) => string[]): Check {
  const path = service.path ?? '';
  // A rule whose path or patterns changed (a reload, a new rules file) starts again at the end.
  const key = `${path}\n${cond.not ? '!' : '='}${cond.patterns.join('\n')}`;
  return {
    async run(ctx) {
      const lineMax = ctx.limits?.fileContentBytes ?? DEFAULT_FILE_CONTENT_BYTES;
      const read = await readAppended(path, kept(ctx, key), { lineMax, readMax: CONTENT_READ_MAX });
      if (!read) return { ruleId: ctx.rule.id, status: 'init', message: `${path} does not exist` };
      ctx.durable?.set({ key, inode: read.cursor.inode, offset: read.cursor.offset } satisfies Kept);
      const r = verdict(ctx, select(read.lines), lineMax, 'file', 'lines');
      return { ...r, message: `${r.message}${note(read, path)}`, metrics: { bytesRead: read.bytesRead } };
    },
  };
}

function kept(ctx: CheckContext, key: string): TailCursor | undefined {
  const v = ctx.durable?.get() as Partial<Kept> | undefined;
  if (!v || v.key !== key || typeof v.inode !== 'number' || typeof v.offset !== 'number') return undefined;
  return { inode: v.inode, offset: v.offset };
}

function note(read: TailRead, path: string): string {
  const parts: string[] = [];
  if (read.first) parts.push(`reading ${path} from its end, offset ${read.cursor.offset}`);
  if (read.restart) parts.push(`${path} was ${read.restart}: read from its start`);
  if (read.more) parts.push(`read ${read.bytesRead} B, the rest next cycle`);
  return parts.length > 0 ? ` (${parts.join('; ')})` : '';
}

/** monit's message: `content match:` and the lines, each on its own line, cut with `...` past CAP bytes. */
function verdict(
  ctx: CheckContext,
  matched: readonly string[],
  cap: number,
  cls: 'file' | 'program-status',
  what: string,
): CheckResult {
  if (matched.length === 0) return { ruleId: ctx.rule.id, status: 'ok', message: `no matching ${what}` };
  let log = '';
  for (const line of matched) {
    if (Buffer.byteLength(log) >= cap) break;
    log += `${line}\n`;
    if (Buffer.byteLength(log) >= cap) log += '...\n';
  }
  return { ruleId: ctx.rule.id, status: 'failed', class: cls, message: `content match:\n${log.trimEnd()}` };
}
