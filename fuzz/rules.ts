// Fuzz target 1, the rules front end: mutants of every rules file of the repository (config/,
// test/config/field/, the README's examples) loaded as `brokerwatch -t -v` loads them, in a worker
// thread. Promises: nothing but the loader's ConfigError escapes, no file takes over 2 s, a refused
// file has an error, and every diagnostic is `FILE:LINE:COL: message` on one line, the position
// inside the file it names.
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Rng } from './prng.js';
import type { CheckAnswer, CheckRequest } from './rules-worker.js';
import { mutate, withIncludes } from './rules-mutate.js';
import type { Seed } from './rules-mutate.js';
import type { CaseReport, FuzzSession, FuzzTarget, InputFile } from './target.js';

/** The repository, from dist/fuzz/. */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** No rules file may take more CPU time to check (the process's, while the worker checks it). */
export const HANG_MS = 2_000;
/** debian-server-tools.rc includes it by a relative path: each case folder gets a copy. */
const TEMPLATE = 'templates/rootbin';

/** Every rules file of the repository, sorted: config/*.rc, test/config/field/*.rc, README examples. */
export async function loadCorpus(): Promise<Seed[]> {
  const seeds: Seed[] = [];
  for (const dir of ['config', 'test/config/field']) {
    for (const name of (await readdir(join(ROOT, dir))).filter((n) => n.endsWith('.rc')).sort())
      seeds.push({ name: `${dir}/${name}`, text: await readFile(join(ROOT, dir, name), 'utf8') });
  }
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  // The examples of "The rules language": its code blocks without a language and no shell prompt.
  const part = readme.slice(readme.indexOf('\n## The rules language'), readme.indexOf('\n## Development'));
  for (const [i, m] of [...part.matchAll(/\n```\n([\s\S]*?)\n```/g)].entries())
    if (!m[1]?.startsWith('$ ')) seeds.push({ name: `README.md#${i}`, text: `${m[1] ?? ''}\n` });
  return seeds;
}

/** A worker thread checking one file at a time; replaced when it hangs or dies. */
class Checker {
  #worker: Worker | undefined;
  #next = 0;

  /** Checks FILE; 'hang' once the process spent CPUMS of CPU time on it (or WALLMS passed). */
  async check(file: string, cpuMs: number, wallMs = 60_000): Promise<CheckAnswer | 'hang'> {
    const worker = await this.#ready();
    const id = ++this.#next;
    // CPU time, not wall time: on a loaded machine a file's turn on a core may come late.
    const cpu0 = process.cpuUsage();
    const wall0 = Date.now();
    return new Promise((resolve) => {
      const done = (a: CheckAnswer | 'hang'): void => {
        clearInterval(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        resolve(a);
      };
      const onMessage = (a: CheckAnswer): void => void (a.id === id && done(a));
      const onError = (e: Error): void => {
        this.#worker = undefined;
        done({ id, crash: `worker died: ${e.stack ?? e.message}` });
      };
      const timer = setInterval(() => {
        const used = process.cpuUsage(cpu0);
        if ((used.user + used.system) / 1000 < cpuMs && Date.now() - wall0 < wallMs) return;
        void this.close();
        done('hang');
      }, 50);
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.postMessage({ id, file } satisfies CheckRequest);
    });
  }

  async close(): Promise<void> {
    const w = this.#worker;
    this.#worker = undefined;
    await w?.terminate();
  }

  /** The worker, started and warmed up (its modules loaded) outside of any case's time. */
  async #ready(): Promise<Worker> {
    if (this.#worker) return this.#worker;
    const w = new Worker(new URL('./rules-worker.js', import.meta.url), {
      resourceLimits: { maxOldGenerationSizeMb: 1024 },
    });
    this.#worker = w;
    const file = join(await mkdtemp(join(tmpdir(), 'brokerwatch-fuzz-warm-')), 'warm.rc');
    await writeFile(file, 'set daemon 5\n', { mode: 0o600 });
    await new Promise<void>((resolve, reject) => {
      w.once('message', () => resolve());
      w.once('error', reject);
      w.postMessage({ id: 0, file } satisfies CheckRequest);
    });
    await rm(dirname(file), { recursive: true, force: true });
    return w;
  }
}

/** Why the diagnostics of one answer break a promise, or undefined. */
export function diagnosticsProblem(ok: boolean, lines: readonly string[]): string | undefined {
  const summary = lines[lines.length - 1] ?? '';
  const warnings = Number(/(\d+) warnings?\)$/.exec(summary)?.[1] ?? 0);
  const diagnostics = ok ? lines.slice(0, warnings) : lines.slice(0, -1);
  if (!ok && !diagnostics.some((l) => !/^\S.*?:\d+:\d+: warning: /.test(l))) return 'refused without an error';
  const texts = new Map<string, string[] | undefined>();
  for (const line of diagnostics) {
    if (/[\r\n]/.test(line) || line.includes('\x1b'))
      return `a diagnostic over several lines or with a control character: ${JSON.stringify(line.slice(0, 300))}`;
    const m = /^(.+?):(\d+):(\d+): /.exec(line);
    if (!m) return `a diagnostic without FILE:LINE:COL: ${line.slice(0, 300)}`;
    const [, file = '', l = '', c = ''] = m;
    if (!texts.has(file)) texts.set(file, linesOf(file));
    const fileLines = texts.get(file);
    if (fileLines === undefined) return `a diagnostic in a file that does not exist: ${line.slice(0, 300)}`;
    const text = fileLines[Number(l) - 1];
    if (text === undefined || Number(c) < 1 || Number(c) > text.length + 1)
      return `position ${l}:${c} outside the file (${fileLines.length} lines, that one ${text?.length ?? 'absent'} long): ${line.slice(0, 300)}`;
  }
  return undefined;
}

/** The lines of FILE as the loader decodes it, or undefined when it cannot be read. */
function linesOf(file: string): string[] | undefined {
  try {
    return new TextDecoder('utf-8').decode(readFileSync(file)).split('\n');
  } catch {
    return undefined;
  }
}

class RulesSession implements FuzzSession {
  readonly #checker = new Checker();

  constructor(
    readonly corpus: readonly Seed[],
    readonly dir: string,
    readonly template: Buffer,
  ) {}

  async run(rng: Rng, index: number): Promise<CaseReport> {
    const seed = rng.pick(this.corpus);
    const files = withIncludes(rng, mutate(rng, seed, this.corpus), this.corpus);
    const input: InputFile[] = [...files].map(([name, data]) => ({ name, data }));
    input.push({ name: 'seed.txt', data: `${seed.name}\n` });
    const dir = join(this.dir, `case-${index}`);
    await mkdir(join(dir, dirname(TEMPLATE)), { recursive: true, mode: 0o700 });
    await writeFile(join(dir, TEMPLATE), this.template, { mode: 0o600 });
    for (const [name, data] of files) await writeFile(join(dir, name), data, { mode: 0o600 });
    try {
      const file = join(dir, 'main.rc');
      const answer = await this.#checker.check(file, HANG_MS);
      if (answer === 'hang')
        return { verdict: 'rejected', finding: `hang: ${file} took over ${HANG_MS} ms of CPU time`, input };
      if ('crash' in answer) return { verdict: 'rejected', finding: `crash: ${answer.crash}`, input };
      const problem = diagnosticsProblem(answer.ok, answer.lines);
      return { verdict: answer.ok ? 'accepted' : 'rejected', ...(problem ? { finding: problem } : {}), input };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async close(): Promise<void> {
    await this.#checker.close();
    await rm(this.dir, { recursive: true, force: true });
  }
}

export const rulesTarget: FuzzTarget = {
  name: 'rules',
  batch: 100,
  async open() {
    const corpus = await loadCorpus();
    const dir = await mkdtemp(join(tmpdir(), 'brokerwatch-fuzz-rules-'));
    await chmod(dir, 0o700);
    const template = await readFile(join(ROOT, 'test/config/field', TEMPLATE));
    return new RulesSession(corpus, dir, template);
  },
};
