// V8's compile cache for the bundled program (dist/bin/brokerwatch.cjs): compiling its 3 MB of
// JavaScript is most of what a start costs after Node's own, and a cache V8 made on an earlier run
// skips it (the status page answers ~150 ms sooner; each CLI verb starts sooner too). Node 20 has no
// module compile cache (22 has), so the program is one CommonJS script compiled through node:vm with
// `cachedData`, and the cache is written by the run that found none (or one V8 turned down).
//
// A cache is code the program will run, so it is read only from a folder that no other user can
// write: root's /var/cache/brokerwatch (systemd's CacheDirectory), a user's ~/.cache/brokerwatch, or
// BROKERWATCH_CODE_CACHE (a folder, or `off`). Its name carries a hash of the script, Node's version
// and the architecture, so a new build or a new Node never reads an old cache; V8 checks its own
// version and flags on top and rejects what does not match. Anything wrong (no such folder, not ours,
// unreadable, a full disk) means no cache, never a failed start.
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';
import { isAscii } from 'node:buffer';
import { underHeldTiers } from './compiler-tiers.js';

/**
 * What a cache goes by: the daemon and the CLI verbs run different code, each keeps its own; a
 * package built as a script of its own (util/vendor.ts) has one per script.
 */
export type CacheRole = 'daemon' | 'cli' | 'vendor';

/** Caches kept per role: a daemon's is made under its rules file (see `cacheName`). */
const KEEP: Record<CacheRole, number> = { daemon: 4, cli: 1, vendor: 8 };

/**
 * The name a run's cache goes by. A cache holds every function compiled in the run that made it,
 * and all of it is loaded, used or not: a daemon's depends on its rules (one with `set httpd` has
 * the HTTP server in it), so each rules file has its own, and another daemon's never costs memory.
 */
export function cacheName(role: CacheRole, rulesFile: string | undefined): string {
  if (role === 'cli') return 'cli';
  return `daemon.${createHash('sha256')
    .update(rulesFile ?? '')
    .digest('hex')
    .slice(0, 12)}`;
}

/** The parts of the process the cache depends on (given, so tests choose them). */
export interface CacheHost {
  readonly env: NodeJS.ProcessEnv;
  readonly euid: number;
  readonly home: string;
}

/** This process's user, home and environment: what the command and its benchmarks go by. */
export function processHost(): CacheHost {
  return { env: process.env, euid: process.geteuid?.() ?? -1, home: homedir() };
}

/** The folder caches live in; undefined when BROKERWATCH_CODE_CACHE is `off`. */
export function codeCacheDir(host: CacheHost): string | undefined {
  const set = host.env.BROKERWATCH_CODE_CACHE;
  if (set === 'off') return undefined;
  if (set) return set;
  if (host.euid === 0) return '/var/cache/brokerwatch';
  return join(host.env.XDG_CACHE_HOME || join(host.home, '.cache'), 'brokerwatch');
}

/** True when `path` is ours and no one else may write it (created, mode 0700, when `create`). */
function ours(path: string, euid: number, kind: 'dir' | 'file', create = false): boolean {
  try {
    if (create) mkdirSync(path, { recursive: true, mode: 0o700 });
    const st = lstatSync(path);
    const isKind = kind === 'dir' ? st.isDirectory() : st.isFile();
    return isKind && st.uid === euid && (st.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

/**
 * `-I` runs the daemon, and so does no verb at all; `-t`, `-V`, `--help` and every verb are the CLI.
 * With the rules file `-c` names, if any.
 */
export function launchRole(args: readonly string[]): { role: CacheRole; rulesFile: string | undefined } {
  let daemon = true;
  let interactive = false;
  let rulesFile: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '-I' || a === '--interactive') interactive = true;
    else if (a === '-c' || a === '--control') rulesFile = args[++i];
    else if (a.startsWith('--control=')) rulesFile = a.slice('--control='.length);
    else if (['-t', '--test', '-V', '--version', '-h', '--help'].includes(a) || !a.startsWith('-')) daemon = false;
  }
  return { role: interactive || daemon ? 'daemon' : 'cli', rulesFile };
}

/**
 * Compiles SOURCE, in a daemon under the flags that hold V8's compilers back, as its cache was written
 * (compiler-tiers.ts). A function of its own: a closure in compileCached would put the cache's bytes
 * in the context that save() keeps for the daemon's life (0.7 MB).
 */
function compile(source: string, filename: string, cachedData: Buffer | undefined): Script {
  return underHeldTiers(() => new Script(source, { filename, cachedData }));
}

/** A compiled script and what became of its cache. */
export interface CachedScript {
  readonly script: Script;
  /** The cache file this run reads and writes; undefined when there is no trusted folder. */
  readonly file: string | undefined;
  /** `accepted` (V8 took it), `rejected` (V8 turned it down), `none` (no cache to give). */
  readonly cache: 'accepted' | 'rejected' | 'none';
  /** Writes V8's cache of what has been compiled so far, once, if this run found none it could use. */
  save(): void;
}

/**
 * Compiles a CommonJS module's bytes as the function Node would wrap them in (exports, require,
 * module, __filename, __dirname), with the role's cache.
 */
export function compileCached(
  bytes: Buffer,
  filename: string,
  role: CacheRole,
  host: CacheHost,
  name: string = role,
): CachedScript {
  const dir = codeCacheDir(host);
  const trusted = dir !== undefined && ours(dir, host.euid, 'dir', true);
  const key = createHash('sha256').update(`${process.version} ${process.arch}\n`).update(bytes).digest('hex');
  const file = trusted ? join(dir, `${name}-${key.slice(0, 24)}.v8cache`) : undefined;
  // Decoded as Latin-1, an ASCII script (the bundle always is: esbuild escapes the rest) of more than
  // 1 MB becomes a string outside V8's heap, freed by the next scavenge once the wrapped copy below
  // is made: one copy of the 3 MB source stays, not three (UTF-8 decoding and a replace() leave theirs
  // in the large-object space until a full collection, which an idle daemon may not run for hours).
  const text = isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
  // The `#!` line is for a direct run; inside a function it would be a syntax error: made a comment.
  const source = `(function (exports, require, module, __filename, __dirname) {${text.startsWith('#!') ? '//' : ''}${text}\n})`;
  let cachedData: Buffer | undefined;
  if (file && ours(file, host.euid, 'file')) {
    try {
      cachedData = readFileSync(file);
    } catch {
      cachedData = undefined;
    }
  }
  const script = compile(source, filename, cachedData);
  const cache = cachedData === undefined ? 'none' : script.cachedDataRejected ? 'rejected' : 'accepted';
  let saved = cache === 'accepted' || file === undefined;
  return {
    script,
    file,
    cache,
    save() {
      if (saved || file === undefined || dir === undefined) return;
      saved = true;
      try {
        const tmp = `${file}.${process.pid}.tmp`;
        writeFileSync(
          tmp,
          underHeldTiers(() => script.createCachedData()),
          { mode: 0o600 },
        );
        renameSync(tmp, file);
        evict(dir, role, name, file);
      } catch {
        // A cache is an optimisation: a read-only or full disk costs speed, nothing else.
      }
    },
  };
}

/**
 * Runs a compiled CommonJS script as Node would run the module at `file` (its own `require`,
 * `module`, `__filename`, `__dirname`) and returns what it exports.
 */
export function runCommonJs(compiled: CachedScript, file: string): unknown {
  const main = compiled.script.runInThisContext() as (
    exports: object,
    require: NodeJS.Require,
    module: { exports: unknown },
    filename: string,
    dir: string,
  ) => void;
  const module: { exports: unknown } = { exports: {} };
  main.call(module.exports, module.exports as object, createRequire(file), module, file, dirname(file));
  return module.exports;
}

/** Removes the caches of this name made by other builds and Node versions (never read again), and
 *  the role's oldest caches of other names beyond the number it keeps. */
function evict(dir: string, role: CacheRole, name: string, kept: string): void {
  const stale: string[] = [];
  const others: { file: string; mtime: number }[] = [];
  for (const n of readdirSync(dir)) {
    const file = join(dir, n);
    if (!n.startsWith(role) || !n.endsWith('.v8cache') || file === kept) continue;
    if (n.startsWith(`${name}-`)) stale.push(file);
    else others.push({ file, mtime: lstatSync(file).mtimeMs });
  }
  others.sort((a, b) => b.mtime - a.mtime);
  for (const file of [...stale, ...others.slice(KEEP[role] - 1).map((o) => o.file)]) rmSync(file, { force: true });
}
