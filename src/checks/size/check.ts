// `if size OP SIZE`.
import { compare } from '../compare.js';
import { fileTest, fileVerdict } from '../file-test.js';
import type { CheckFactory } from '../kind.js';
import type { SizeCondition } from './syntax.js';

export const check: CheckFactory<SizeCondition> = (cond) =>
  fileTest((st, path, ctx) => fileVerdict(ctx, compare(st.size, cond.op, cond.bytes), `${path} is ${st.size} B`));
