// `if failed uid USER`: USER is a name or a number.
import { fileTest, fileVerdict, nameOf } from '../file-test.js';
import type { CheckFactory } from '../kind.js';
import type { UidCondition } from './syntax.js';

export const check: CheckFactory<UidCondition> = (cond) =>
  fileTest(async (st, path, ctx) => {
    const ok = String(st.uid) === cond.user || (await nameOf('/etc/passwd', st.uid)) === cond.user;
    return fileVerdict(
      ctx,
      !ok,
      ok ? `${path} owner ${cond.user}` : `${path} is owned by uid ${st.uid}, not ${cond.user}`,
    );
  });
