// `if failed permission MODE`.
import { fileTest, fileVerdict } from '../file-test.js';
import type { CheckFactory } from '../kind.js';
import type { PermissionCondition } from './syntax.js';

export const check: CheckFactory<PermissionCondition> = (cond) =>
  fileTest((st, path, ctx) => {
    const mode = st.mode & 0o7777;
    const ok = mode === cond.mode;
    return fileVerdict(
      ctx,
      !ok,
      ok ? `${path} mode ${mode.toString(8)}` : `${path} has mode ${mode.toString(8)}, not ${cond.mode.toString(8)}`,
    );
  });
