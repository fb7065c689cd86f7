// `npm run soak -- --minutes N [--seed S] [--keep-log FILE]`: the chaos soak from the command line. Prints progress and
// the report; exits 1 if an invariant was violated, 130 on Ctrl-C (after ending what it started).
import { parseArgs } from 'node:util';
import { printReport } from './report.js';
import { runSoak, teardownAll } from './run.js';

const { values } = parseArgs({
  options: { minutes: { type: 'string', default: '2' }, seed: { type: 'string' }, 'keep-log': { type: 'string' } },
});
const minutes = Number(values.minutes);
const seed = values.seed !== undefined ? Number(values.seed) : Date.now() % 1_000_000;
if (!(minutes > 0) || !Number.isInteger(seed)) {
  console.error('usage: npm run soak -- [--minutes N] [--seed INTEGER] [--keep-log FILE]');
  process.exit(2);
}

// Ctrl-C: end every process the soak started, undo its mounts, remove its folder, and leave.
const onSignal = (): void => {
  console.error('interrupted: cleaning up');
  teardownAll();
  process.exit(130);
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

const started = Date.now();
const log = (line: string): void =>
  console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${line}`);
try {
  const keepLog = values['keep-log'];
  const report = await runSoak({ seconds: minutes * 60, seed, log, ...(keepLog ? { keepLog } : {}) });
  printReport(report);
  process.exitCode = report.ok ? 0 : 1;
} catch (err) {
  console.error(err);
  process.exitCode = 1;
}
