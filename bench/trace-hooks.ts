// Module customization hooks (https://nodejs.org/api/module.html#customization-hooks) that append
// the URL of every module the ESM loader loads to the file named by BW_TRACE_FILE. Registered by
// trace-register.ts; they run on the loader's own thread, hence a synchronous append per module.
import { appendFileSync } from 'node:fs';

type Load = (
  url: string,
  context: object,
  next: (url: string, context: object) => Promise<unknown>,
) => Promise<unknown>;

/** Records `url`, then loads it as usual. */
export const load: Load = (url, context, next) => {
  const file = process.env.BW_TRACE_FILE;
  if (file && !url.startsWith('node:')) appendFileSync(file, `${url}\n`);
  return next(url, context);
};
