// `if failed checksum [expect HASH]`: against HASH, or (without one) against the last cycle's sum.
import { digest, fileChanged, fileTest, fileVerdict } from '../file-test.js';
import type { CheckFactory } from '../kind.js';
import type { ChecksumCondition } from './syntax.js';

export const check: CheckFactory<ChecksumCondition> = (cond) =>
  fileTest(async (_st, path, ctx) => {
    const sum = await digest(path, cond.algorithm ?? 'md5');
    if (!cond.expect) return fileChanged(ctx, sum, `${path} checksum`);
    const ok = sum === cond.expect;
    return fileVerdict(ctx, !ok, ok ? `${path} checksum ${sum}` : `${path} checksum ${sum}, expected ${cond.expect}`);
  });
