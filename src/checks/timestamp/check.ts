// `if timestamp OP DURATION`: the age of the file's last modification at the start of the cycle.
import { compare } from '../compare.js';
import { fileTest, fileVerdict } from '../file-test.js';
import type { CheckFactory } from '../kind.js';
import type { TimestampCondition } from './syntax.js';

export const check: CheckFactory<TimestampCondition> = (cond) =>
  fileTest((st, path, ctx) => {
    const age = ctx.now - st.mtimeMs;
    return fileVerdict(ctx, compare(age, cond.op, cond.ms), `${path} modified ${Math.round(age / 1000)} s ago`);
  });
