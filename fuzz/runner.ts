// Runs fuzz targets case after case, each case's generator seeded from (run seed, target, case
// number), checks the batch properties, saves the input of every finding, and counts.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { caseSeed, Rng } from './prng.js';
import type { CaseReport, FuzzSession, FuzzTarget, InputFile } from './target.js';

/** How long and what to run. */
export interface RunOptions {
  readonly seed: number;
  /** Cases per target; with `seconds`, whichever ends first. */
  readonly cases?: number;
  /** Seconds per target. */
  readonly seconds?: number;
  /** Only this case number (reproducing a finding). */
  readonly only?: number;
  /** Where the inputs of findings are written; none are written without it. */
  readonly outDir?: string;
  /** Progress and findings, one line each. */
  readonly log?: (line: string) => void;
}

/** One broken promise, with what reproduces it. */
export interface Finding {
  readonly target: string;
  readonly seed: number;
  readonly index: number;
  readonly message: string;
  /** The folder holding the input, when saved. */
  readonly saved?: string;
}

/** The counts of one target. */
export interface TargetStats {
  readonly target: string;
  cases: number;
  accepted: number;
  rejected: number;
  findings: number;
  ms: number;
}

/** Errors nobody caught while a case ran: they are the case's findings. */
class Strays {
  readonly seen: string[] = [];
  readonly #onError = (e: unknown): void =>
    void this.seen.push(e instanceof Error ? (e.stack ?? e.message) : String(e));

  install(): void {
    process.on('uncaughtException', this.#onError);
    process.on('unhandledRejection', this.#onError);
  }

  remove(): void {
    process.off('uncaughtException', this.#onError);
    process.off('unhandledRejection', this.#onError);
  }

  take(): string | undefined {
    const s = this.seen.splice(0);
    return s.length > 0 ? `uncaught: ${s.join(' | ').slice(0, 2000)}` : undefined;
  }
}

/** Runs every target in turn and returns their counts and findings. */
export async function runFuzz(
  targets: readonly FuzzTarget[],
  opts: RunOptions,
): Promise<{ stats: TargetStats[]; findings: Finding[] }> {
  const stats: TargetStats[] = [];
  const findings: Finding[] = [];
  const strays = new Strays();
  strays.install();
  try {
    for (const t of targets) stats.push(await runTarget(t, opts, strays, findings));
  } finally {
    strays.remove();
  }
  return { stats, findings };
}

async function runTarget(t: FuzzTarget, opts: RunOptions, strays: Strays, findings: Finding[]): Promise<TargetStats> {
  const st: TargetStats = { target: t.name, cases: 0, accepted: 0, rejected: 0, findings: 0, ms: 0 };
  const started = Date.now();
  const session = await t.open();
  const batch: Array<{ index: number; input: readonly InputFile[] }> = [];
  const found = async (index: number, message: string, input: readonly InputFile[]): Promise<void> => {
    st.findings++;
    const saved = await save(opts, t.name, index, input);
    const f: Finding = { target: t.name, seed: opts.seed, index, message, ...(saved ? { saved } : {}) };
    findings.push(f);
    opts.log?.(describeFinding(f));
  };
  try {
    for (let i = opts.only ?? 0; more(opts, st, started, i); i++) {
      const report = await runCase(session, new Rng(caseSeed(opts.seed, t.name, i)), i);
      st.cases++;
      st[report.verdict]++;
      const finding = report.finding ?? strays.take();
      if (finding !== undefined) await found(i, finding, report.input);
      batch.push({ index: i, input: report.input });
      if (batch.length >= t.batch || !more(opts, st, started, i + 1)) {
        const broken = (await session.checkpoint?.()) ?? strays.take();
        if (broken !== undefined) await found(i, `after cases ${batch[0]?.index}–${i}: ${broken}`, batchInput(batch));
        batch.length = 0;
      }
    }
  } finally {
    await session.close();
    st.ms = Date.now() - started;
  }
  return st;
}

/** Whether case I is to run. */
function more(opts: RunOptions, st: TargetStats, started: number, i: number): boolean {
  if (opts.only !== undefined) return i === opts.only;
  if (opts.cases !== undefined && st.cases >= opts.cases) return false;
  if (opts.seconds !== undefined && Date.now() - started >= opts.seconds * 1000) return false;
  return opts.cases !== undefined || opts.seconds !== undefined;
}

/** One case; a throw of the harness itself is reported as a finding of the case. */
async function runCase(session: FuzzSession, rng: Rng, index: number): Promise<CaseReport> {
  try {
    return await session.run(rng, index);
  } catch (e) {
    return { verdict: 'rejected', finding: `harness: ${e instanceof Error ? e.stack : String(e)}`, input: [] };
  }
}

/** The inputs of a whole batch, each under its case number. */
function batchInput(batch: ReadonlyArray<{ index: number; input: readonly InputFile[] }>): InputFile[] {
  return batch.flatMap((b) => b.input.map((f) => ({ name: `case-${b.index}-${f.name}`, data: f.data })));
}

async function save(
  opts: RunOptions,
  target: string,
  index: number,
  input: readonly InputFile[],
): Promise<string | undefined> {
  if (opts.outDir === undefined) return undefined;
  const dir = join(opts.outDir, `${target}-seed${opts.seed}-case${index}`);
  await mkdir(dir, { recursive: true });
  for (const f of input) await writeFile(join(dir, f.name.replace(/\//g, '_')), f.data);
  return dir;
}

/** A finding in one line: what broke and how to run it again. */
export function describeFinding(f: Finding): string {
  const again = `npm run fuzz -- --target ${f.target} --seed ${f.seed} --case ${f.index}`;
  return `FINDING ${f.target} seed ${f.seed} case ${f.index}: ${f.message}\n  input: ${f.saved ?? '(not saved)'}\n  again: ${again}`;
}

/** The table printed at the end of a run. */
export function statsTable(stats: readonly TargetStats[]): string {
  const rows = [
    ['target', 'cases', 'accepted', 'rejected', 'findings', 'seconds'],
    ...stats.map((s) => [s.target, s.cases, s.accepted, s.rejected, s.findings, (s.ms / 1000).toFixed(1)].map(String)),
  ];
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  return rows
    .map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('  '))
    .join('\n');
}
