// Packages that only some rules need (the HTTP server and its schemas, metrics, mail, MQTT alerts,
// WebSocket probes) are not part of the program's script: scripts/bundle.mjs builds each group of
// them as a script of its own beside it (dist/bin/vendor/GROUP.cjs), and in the program an import
// of one of them becomes a call of `vendorPackage`, made when the module that imports it is first
// evaluated. A daemon watching one broker never reads, compiles or keeps the 1.5 MB of JavaScript
// of fastify, ajv or nodemailer. Each script has its own compile cache (code-cache.ts), written a
// few seconds after it ran or when the process exits.
//
// Only the bundle calls this: the tests and tsc's output import the packages themselves.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compileCached, processHost, runCommonJs } from './code-cache.js';

/** How long after a script ran its cache is written: its start-up code has been compiled by then. */
const WARM_MS = 5_000;

const groups = new Map<string, Readonly<Record<string, unknown>>>();

/** What the package `request` exports, from the script of its group (loaded on the first call). */
export function vendorPackage(group: string, request: string): unknown {
  let exports = groups.get(group);
  if (exports === undefined) {
    // In the bundle, import.meta.url is the program's own script (scripts/bundle.mjs).
    const file = fileURLToPath(new URL(`./vendor/${group}.cjs`, import.meta.url));
    const compiled = compileCached(readFileSync(file), file, 'vendor', processHost(), `vendor.${group}`);
    exports = runCommonJs(compiled, file) as Readonly<Record<string, unknown>>;
    groups.set(group, exports);
    setTimeout(() => compiled.save(), WARM_MS).unref();
    process.once('exit', () => compiled.save());
  }
  if (!(request in exports)) throw new Error(`vendor/${group}.cjs does not hold ${request}`);
  return exports[request];
}
