// `if failed gid GROUP`: GROUP is a name or a number.
import { fileTest, fileVerdict, nameOf } from '../file-test.js';
import type { CheckFactory } from '../kind.js';
import type { GidCondition } from './syntax.js';

export const check: CheckFactory<GidCondition> = (cond) =>
  fileTest(async (st, path, ctx) => {
    const ok = String(st.gid) === cond.group || (await nameOf('/etc/group', st.gid)) === cond.group;
    return fileVerdict(ctx, !ok, ok ? `${path} group ${cond.group}` : `${path} has gid ${st.gid}, not ${cond.group}`);
  });
