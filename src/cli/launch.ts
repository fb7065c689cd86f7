#!/usr/bin/env node
// The installed `brokerwatch` command (dist/bin/brokerwatch.js): runs the bundled program
// (brokerwatch.cjs beside it, built from main.ts) through V8's compile cache (util/code-cache.ts).
// SIGUSR1 is taken first, as in main.ts: while the program compiles, the signal must not open
// Node's inspector. The daemon's cache (one per rules file) is written once it has run for a while,
// its HTTP server, checks and alerts compiled by then (a daemon stopped sooner, as in a test, writes
// none); a CLI verb's when it exits.
//
// V8 takes a cache only under the flags it was made with. The daemon holds V8's compilers beyond the
// interpreter back (daemon/optimizer.ts) from here on, before its script is compiled, and its caches
// are read and written under those flags (util/compiler-tiers.ts): otherwise every start would turn
// its cache down, compile the whole program and write the cache again (some 1.5 MB more RSS for the
// daemon's life, in what the allocator keeps of the copy).
import './wake.js';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import type * as V8 from 'node:v8';
import { fileURLToPath } from 'node:url';
import { holdTiers } from '../util/compiler-tiers.js';
import { cacheName, compileCached, launchRole, processHost, runCommonJs } from '../util/code-cache.js';

/** How long the daemon runs before its cache is written. */
const DAEMON_WARM_MS = 5_000;

const file = fileURLToPath(new URL('./brokerwatch.cjs', import.meta.url));
const { role, rulesFile } = launchRole(process.argv.slice(2));
const name = cacheName(role, rulesFile === undefined ? undefined : resolve(rulesFile));
// Required here, not imported: the commands never load node:v8.
if (role === 'daemon') holdTiers((createRequire(import.meta.url)('node:v8') as typeof V8).setFlagsFromString);
const compiled = compileCached(readFileSync(file), file, role, processHost(), name);
if (role === 'daemon') setTimeout(() => compiled.save(), DAEMON_WARM_MS).unref();
else process.once('exit', () => compiled.save());
runCommonJs(compiled, file);
