// `npm run bench`: every benchmark, printed as tables, brokerwatch beside monit 5.33 when it is
// installed. BENCH_RUNS (default 12) sets the kills per supervisor, BENCH_IDLE_S (default 60) the
// idle window, BENCH_ONLY=brokerwatch skips monit.
import { idleBench, killBench } from './supervision.js';
import type { IdleResult, KillResult } from './supervision.js';
import { monitAvailable, ms, stats, table } from './lib.js';

const runs = Number(process.env.BENCH_RUNS ?? 12);
const idleSeconds = Number(process.env.BENCH_IDLE_S ?? 60);
const kinds: ('brokerwatch' | 'monit')[] = process.env.BENCH_ONLY === 'brokerwatch' || !monitAvailable() ? ['brokerwatch'] : ['brokerwatch', 'monit'];
// Each kill comes after the broker has served through at least one full cycle (1 s), so that it is a
// fresh crash and not a crash loop, for both supervisors alike; a random part picks the phase.
const spacingMs = 1_500;

const kill = new Map<string, KillResult>();
const idle = new Map<string, IdleResult>();
for (const k of kinds) {
  process.stderr.write(`kill benchmark: ${k}, ${runs} runs …\n`);
  kill.set(k, await killBench(k, runs, spacingMs));
}
for (const k of kinds) {
  process.stderr.write(`idle benchmark: ${k}, ${idleSeconds} s …\n`);
  idle.set(k, await idleBench(k, idleSeconds));
}

const rows: string[][] = [];
for (const [k, r] of kill) {
  const d = stats(r.detect);
  const s = stats(r.serving);
  rows.push([k, 'kill → start program run', String(d.n), ms(d.min), ms(d.median), ms(d.p90), ms(d.max)]);
  rows.push([k, 'kill → CONNACK from new broker', String(s.n), ms(s.min), ms(s.median), ms(s.p90), ms(s.max)]);
}
table('SIGKILL of mosquitto (`set daemon 1`, random phase of the cycle)', ['supervisor', 'measure', 'n', 'min', 'median', 'p90', 'max'], rows);
table(
  `Idle cost, one broker probed every second (${idleSeconds} s)`,
  ['supervisor', 'CPU (% of a core)', 'RSS (max)'],
  [...idle].map(([k, r]) => [k, `${r.cpuPercent.toFixed(2)} %`, `${r.rssMb.toFixed(1)} MB`]),
);
console.log('\nTargets: kill → start median ≤ 50 ms; kill → serving median ≤ 100 ms, p90 ≤ 200 ms; idle ≤ 0.5 % of a core and ≤ 70 MB RSS.');
