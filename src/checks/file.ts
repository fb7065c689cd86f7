// File tests (`check file`): checksum, timestamp, size, permission, owner and group.
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import type { Condition } from '../config/model.js';
import { compare } from './compare.js';
import type { CheckResult } from './result.js';
import type { Check, CheckContext } from './types.js';

/** A test on the file at the service's path. */
export function fileCheck(cond: Condition): Check {
  return {
    async run(ctx) {
      const path = ctx.service.path ?? '';
      const id = ctx.rule.id;
      let st;
      try {
        st = await stat(path);
      } catch {
        if (cond.kind === 'nonexist') return { ruleId: id, status: 'failed', class: 'file', message: `${path} does not exist` };
        if (cond.kind === 'exist') return { ruleId: id, status: 'ok', message: `${path} does not exist` };
        return { ruleId: id, status: 'init', message: `${path} does not exist` };
      }
      const fail = (message: string): CheckResult => ({ ruleId: id, status: 'failed', class: 'file', message });
      const ok = (message: string): CheckResult => ({ ruleId: id, status: 'ok', message });
      switch (cond.kind) {
        case 'nonexist':
          return ok(`${path} exists`);
        case 'exist':
          return fail(`${path} exists`);
        case 'timestamp': {
          const age = ctx.now - st.mtimeMs;
          return compare(age, cond.op, cond.ms) ? fail(`${path} modified ${Math.round(age / 1000)} s ago`) : ok(`${path} modified ${Math.round(age / 1000)} s ago`);
        }
        case 'size':
          return compare(st.size, cond.op, cond.bytes) ? fail(`${path} is ${st.size} B`) : ok(`${path} is ${st.size} B`);
        case 'permission': {
          const mode = st.mode & 0o7777;
          return mode === cond.mode ? ok(`${path} mode ${mode.toString(8)}`) : fail(`${path} has mode ${mode.toString(8)}, not ${cond.mode.toString(8)}`);
        }
        case 'uid':
          return String(st.uid) === cond.user || (await nameOf('/etc/passwd', st.uid)) === cond.user ? ok(`${path} owner ${cond.user}`) : fail(`${path} is owned by uid ${st.uid}, not ${cond.user}`);
        case 'gid':
          return String(st.gid) === cond.group || (await nameOf('/etc/group', st.gid)) === cond.group ? ok(`${path} group ${cond.group}`) : fail(`${path} has gid ${st.gid}, not ${cond.group}`);
        case 'checksum': {
          const sum = createHash(cond.algorithm ?? 'md5').update(await readFile(path)).digest('hex');
          if (cond.expect) return sum === cond.expect ? ok(`${path} checksum ${sum}`) : fail(`${path} checksum ${sum}, expected ${cond.expect}`);
          return changed(ctx, sum, `${path} checksum`);
        }
        case 'changed': {
          const value = cond.what === 'checksum' ? createHash('md5').update(await readFile(path)).digest('hex') : cond.what === 'size' ? String(st.size) : String(st.mtimeMs);
          return changed(ctx, value, `${path} ${cond.what}`);
        }
        default:
          return { ruleId: id, status: 'init', message: `'${cond.kind}' is not a file test` };
      }
    },
  };
}

function changed(ctx: CheckContext, value: string, what: string): CheckResult {
  const before = ctx.memo.get('value') as string | undefined;
  ctx.memo.set('value', value);
  if (before === undefined || before === value) return { ruleId: ctx.rule.id, status: 'ok', message: `${what} ${value}` };
  return { ruleId: ctx.rule.id, status: 'failed', class: 'file', message: `${what} changed` };
}

async function nameOf(file: string, id: number): Promise<string | undefined> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').map((l) => l.split(':')).find((f) => f[2] === String(id))?.[0];
}
