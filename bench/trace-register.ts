// `node --import dist/bench/trace-register.js SCRIPT`: lists in BW_TRACE_FILE every module SCRIPT
// loads, ES modules through the loader hooks (trace-hooks.ts) and CommonJS ones, which a package
// may require() past those hooks, from require's cache when the process exits.
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';

register('./trace-hooks.js', import.meta.url);
const require = createRequire(import.meta.url);
process.on('exit', () => {
  const file = process.env.BW_TRACE_FILE;
  if (file)
    appendFileSync(
      file,
      Object.keys(require.cache)
        .map((p) => `file://${p}\n`)
        .join(''),
    );
});
