// Which modules a `brokerwatch` command loads, read with the trace of trace-register.ts: the import
// graph behind its start-up time, so that a static import that drags the daemon, pino or fastify into
// `-t` shows as a list of names instead of a few slower milliseconds.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** dist/, where the compiled bench, src and test live. */
const DIST = resolve(import.meta.dirname, '..');
/** The command as it is shipped (package.json's bin): the bundle of scripts/bundle.mjs. */
export const CLI_BIN = join(DIST, 'bin', 'brokerwatch.js');
/** The same command as tsc built it, one module per file: what the trace lists. */
export const CLI_MAIN = join(DIST, 'src', 'cli', 'main.js');
const REGISTER = join(DIST, 'bench', 'trace-register.js');

/** What one command loaded: project modules as `src/…` paths, packages by name. */
export interface LoadedModules {
  readonly exitCode: number | null;
  /** Project files, e.g. `src/config/lexer.js`, sorted. */
  readonly project: readonly string[];
  /** Package names (`commander`, `@fastify/rate-limit`), sorted, each once. */
  readonly packages: readonly string[];
  /** Every module file, packages' own files included. */
  readonly total: number;
}

function packageOf(path: string): string | undefined {
  const at = path.lastIndexOf('/node_modules/');
  if (at < 0) return undefined;
  const parts = path.slice(at + '/node_modules/'.length).split('/');
  return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1] ?? ''}` : parts[0];
}

/** Runs `node CLI_MAIN ...args` with the trace and returns what it loaded. */
export function modulesLoaded(args: readonly string[], env: NodeJS.ProcessEnv = {}): LoadedModules {
  const dir = mkdtempSync(join(tmpdir(), 'bw-trace-'));
  const file = join(dir, 'modules');
  try {
    const r = spawnSync(process.execPath, ['--import', REGISTER, CLI_MAIN, ...args], {
      env: { ...process.env, ...env, BW_TRACE_FILE: file },
      stdio: 'ignore',
      timeout: 30_000,
    });
    let urls: string[] = [];
    try {
      urls = readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('file://'));
    } catch {
      // Nothing loaded at all: an empty list says so.
    }
    const paths = [...new Set(urls.map((u) => fileURLToPath(u)))].filter(
      (p) => p !== REGISTER && !p.endsWith('/bench/trace-hooks.js'),
    );
    const project = paths
      .filter((p) => !p.includes('/node_modules/'))
      .map((p) => relative(DIST, p))
      .sort();
    const packages = [...new Set(paths.flatMap((p) => packageOf(p) ?? []))].sort();
    return { exitCode: r.status, project, packages, total: paths.length };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
