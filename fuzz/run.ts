// `npm run fuzz -- [--seed N] [--cases N | --seconds N] [--target rules,http,mqtt,smtp] [--case K]
// [--out DIR]`: runs the fuzzers, prints a table of cases, rejections and findings per target, and
// exits 1 on any finding, each printed with its seed, case number and the folder holding its input.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { describeFinding, runFuzz, statsTable } from './runner.js';
import { TARGETS } from './targets.js';

const USAGE = `usage: npm run fuzz -- [--seed N] [--cases N | --seconds N] [--target ${TARGETS.map((t) => t.name).join(',')}] [--case K] [--out DIR]
  --seed N      the run's seed (default: from the clock, printed)
  --cases N     cases per target (default 200 when --seconds is not given)
  --seconds N   seconds per target
  --target T    only these targets, comma separated
  --case K      only case K (with the seed of a finding: reproduces it)
  --out DIR     where the inputs of findings are saved (default fuzz-findings/)`;

function number(v: string | undefined, what: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${what} must be a whole number, not '${v}'`);
  return n;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string' },
      cases: { type: 'string' },
      seconds: { type: 'string' },
      target: { type: 'string' },
      case: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const seed = number(values.seed, '--seed') ?? Date.now() % 1_000_000;
  const seconds = number(values.seconds, '--seconds');
  const cases = number(values.cases, '--cases') ?? (seconds === undefined ? 200 : undefined);
  const only = number(values.case, '--case');
  const names = values.target?.split(',') ?? TARGETS.map((t) => t.name);
  const unknown = names.filter((n) => !TARGETS.some((t) => t.name === n));
  if (unknown.length > 0) throw new Error(`unknown target ${unknown.join(', ')}\n${USAGE}`);
  const targets = TARGETS.filter((t) => names.includes(t.name));
  const outDir = resolve(values.out ?? 'fuzz-findings');
  const limit =
    only !== undefined
      ? `case ${only}`
      : [cases && `${cases} cases`, seconds && `${seconds} s`].filter(Boolean).join(' or ');
  console.log(`fuzzing ${targets.map((t) => t.name).join(', ')} with seed ${seed}, ${limit} per target`);
  const { stats, findings } = await runFuzz(targets, {
    seed,
    ...(cases !== undefined ? { cases } : {}),
    ...(seconds !== undefined ? { seconds } : {}),
    ...(only !== undefined ? { only } : {}),
    outDir,
    log: (line) => console.log(line),
  });
  console.log(`\n${statsTable(stats)}`);
  if (findings.length === 0) {
    console.log(`\nno findings (seed ${seed})`);
    return 0;
  }
  console.log(`\n${findings.length} finding${findings.length === 1 ? '' : 's'} (seed ${seed}):`);
  for (const f of findings) console.log(describeFinding(f));
  return 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(2);
  },
);
