// The soak's verdict: faults injected per kind with their recovery times, each invariant held or
// violated (with the first few violations in words), brokerwatch's footprint start → end, and the
// alert figures. Printed as tables (bench/lib.ts `table`).
import { ms, stats, table } from '../lib.js';
import type { AlertAudit, LoggedEvent } from './alerts-audit.js';
import type { FaultRun } from './faults.js';
import { BROKER_FAULTS, OUTAGES, RECOVERY_BOUND_MS } from './faults.js';
import type { SideFault } from './tracks.js';
import type { Footprint, WatchResult } from './watch.js';

/** brokerwatch's RSS may end this much above its start after warm-up (MB, or this share, the larger). */
const RSS_SLACK_MB = 25;
const RSS_SLACK_SHARE = 0.35;
/** Open descriptors may end this many above the start. */
const FD_SLACK = 10;

export interface Invariant {
  readonly name: string;
  readonly checked: number;
  readonly violations: readonly string[];
}

export interface FootprintSummary {
  readonly start: Footprint | undefined;
  readonly end: Footprint | undefined;
  readonly maxRssMb: number;
  readonly maxFds: number;
  readonly rssBoundMb: number;
  readonly fdBound: number;
}

export interface SoakReport {
  readonly seed: number;
  readonly seconds: number;
  readonly faultSeconds: number;
  readonly roSupported: boolean;
  readonly runs: readonly FaultRun[];
  readonly side: readonly SideFault[];
  readonly invariants: readonly Invariant[];
  readonly footprint: FootprintSummary;
  readonly audit: AlertAudit;
  readonly samples: number;
  readonly maxSampleGapMs: number;
  readonly ok: boolean;
}

export interface ReportInput {
  readonly seed: number;
  readonly seconds: number;
  readonly faultSeconds: number;
  readonly roSupported: boolean;
  readonly runs: readonly FaultRun[];
  readonly side: readonly SideFault[];
  readonly notSteady: readonly string[];
  readonly finalSteady: boolean;
  readonly drained: boolean;
  readonly seen: WatchResult;
  readonly events: readonly LoggedEvent[];
  readonly audit: AlertAudit;
  readonly warmupEndsAt: number;
  /** Log lines brokerwatch marked as its own bug, or fatal. */
  readonly bugs: readonly string[];
}

const hhmmss = (t: number): string => new Date(t).toISOString().slice(11, 23);

/** A failed event of the broker between the injection and a second after it served again. */
function detected(run: FaultRun, events: readonly LoggedEvent[]): boolean {
  const until = (run.servingAt ?? run.endedAt + RECOVERY_BOUND_MS) + 1_000;
  return events.some(
    (e) => e.service === 'mosquitto' && e.state === 'failed' && e.time >= run.injectedAt - 5 && e.time <= until,
  );
}

function footprint(seen: WatchResult, warmupEndsAt: number): FootprintSummary {
  const after = seen.footprints.filter((f) => f.at >= warmupEndsAt);
  const start = after[0];
  const end = after.at(-1);
  const rssBoundMb = start ? start.rssMb + Math.max(RSS_SLACK_MB, start.rssMb * RSS_SLACK_SHARE) : NaN;
  return {
    start,
    end,
    maxRssMb: Math.max(0, ...after.map((f) => f.rssMb)),
    maxFds: Math.max(0, ...after.filter((f) => Number.isFinite(f.fds)).map((f) => f.fds)),
    rssBoundMb,
    fdBound: start ? start.fds + FD_SLACK : NaN,
  };
}

function invariants(r: ReportInput, fp: FootprintSummary): Invariant[] {
  const outages = r.runs.filter((x) => OUTAGES.has(x.kind));
  const keepers = r.runs.filter((x) => !OUTAGES.has(x.kind));
  const floods = r.side.filter((x) => x.apiBack !== undefined);
  const late = r.runs.filter((x) => x.servingAt === undefined);
  return [
    {
      name: 'every outage detected (a failed event of the broker)',
      checked: outages.length,
      violations: outages.filter((x) => !detected(x, r.events)).map((x) => `${x.kind} at ${hhmmss(x.injectedAt)}`),
    },
    {
      name: `broker serving again ≤ ${RECOVERY_BOUND_MS / 1000} s after each fault ended, and steady before the next`,
      checked: r.runs.length + 1,
      violations: [
        ...late.map((x) => `${x.kind} at ${hhmmss(x.injectedAt)}: not serving`),
        ...r.notSteady,
        ...(r.finalSteady ? [] : ['no steady broker at the end']),
      ],
    },
    {
      name: 'healthy broker kept (same PID) through pidfile faults and brokerwatch restarts',
      checked: keepers.length,
      violations: keepers
        .filter((x) => x.pidAfter !== x.pidBefore)
        .map((x) => `${x.kind} at ${hhmmss(x.injectedAt)}: pid ${x.pidBefore} → ${x.pidAfter ?? 'none'}`),
    },
    { name: 'never two brokers for the config at once', checked: r.seen.samples, violations: r.seen.twoBrokers },
    {
      name: 'no signal to a process that is not the broker (decoys, squatters, brokerwatch)',
      checked: r.seen.samples,
      violations: r.seen.signalled,
    },
    {
      name: 'every alert delivered exactly once, in order (same Message-ID repeats allowed)',
      checked: r.audit.events,
      violations: [...r.audit.violations, ...(r.drained ? [] : ['the alert queue did not drain at the end'])],
    },
    { name: "no bug or fatal line in brokerwatch's log", checked: r.events.length, violations: r.bugs },
    {
      name: 'status API answers after each flood',
      checked: floods.length,
      violations: floods.filter((x) => !x.apiBack).map((x) => `${x.kind} at ${hhmmss(x.at)}`),
    },
    {
      name: `brokerwatch RSS flat (end ≤ start + max(${RSS_SLACK_MB} MB, ${RSS_SLACK_SHARE * 100} %))`,
      checked: r.seen.footprints.length,
      violations:
        fp.start && fp.end && fp.end.rssMb <= fp.rssBoundMb
          ? []
          : [`RSS ${fp.start?.rssMb.toFixed(1)} → ${fp.end?.rssMb.toFixed(1)} MB`],
    },
    {
      name: `brokerwatch descriptors flat (end ≤ start + ${FD_SLACK})`,
      checked: r.seen.footprints.length,
      violations: fp.start && fp.end && fp.end.fds <= fp.fdBound ? [] : [`fds ${fp.start?.fds} → ${fp.end?.fds}`],
    },
  ];
}

export function buildReport(r: ReportInput): SoakReport {
  const fp = footprint(r.seen, r.warmupEndsAt);
  const inv = invariants(r, fp);
  return {
    seed: r.seed,
    seconds: r.seconds,
    faultSeconds: r.faultSeconds,
    roSupported: r.roSupported,
    runs: r.runs,
    side: r.side,
    invariants: inv,
    footprint: fp,
    audit: r.audit,
    samples: r.seen.samples,
    maxSampleGapMs: r.seen.maxGapMs,
    ok: inv.every((i) => i.violations.length === 0),
  };
}

function faultRows(r: SoakReport): string[][] {
  const rows: string[][] = [];
  for (const kind of BROKER_FAULTS) {
    const runs = r.runs.filter((x) => x.kind === kind);
    if (runs.length === 0) continue;
    const back = runs.flatMap((x) => (x.servingAt === undefined ? [] : [x.servingAt - x.endedAt]));
    const s = stats(back);
    rows.push([kind, String(runs.length), String(back.length), ms(s.median), ms(s.max)]);
  }
  const sideKinds = [...new Set(r.side.map((x) => x.kind))].sort();
  for (const kind of sideKinds) {
    const list = r.side.filter((x) => x.kind === kind);
    const total = list.reduce((t, x) => t + x.ms, 0);
    rows.push([kind, String(list.length), '–', `${(total / 1000).toFixed(0)} s in all`, '–']);
  }
  if (!r.roSupported) rows.push(['state folder read-only', '0', '–', 'skipped: no read-only mount here', '–']);
  return rows;
}

/** Prints the report's tables. */
export function printReport(r: SoakReport): void {
  console.log(`\nchaos soak: seed ${r.seed}, ${r.faultSeconds} s of faults, ${r.seconds.toFixed(0)} s in all`);
  table('Faults injected', ['fault', 'injected', 'recovered', 'back: median', 'back: max'], faultRows(r));
  table(
    'Invariants',
    ['invariant', 'checked', 'verdict'],
    r.invariants.map((i) => [
      i.name,
      String(i.checked),
      i.violations.length === 0 ? 'held' : `VIOLATED ×${i.violations.length}`,
    ]),
  );
  const fp = r.footprint;
  const f = (v: number | undefined, d = 1): string => (v === undefined || !Number.isFinite(v) ? 'n/a' : v.toFixed(d));
  table(
    `brokerwatch footprint (after a 15 s warm-up; ${r.samples} samples, longest gap ${Math.round(r.maxSampleGapMs)} ms)`,
    ['measure', 'start', 'end', 'max', 'bound for end'],
    [
      ['RSS (MB)', f(fp.start?.rssMb), f(fp.end?.rssMb), f(fp.maxRssMb), f(fp.rssBoundMb)],
      ['open descriptors', f(fp.start?.fds, 0), f(fp.end?.fds, 0), f(fp.maxFds, 0), f(fp.fdBound, 0)],
    ],
  );
  const a = r.audit;
  table(
    'Alerts',
    [
      'alerted events',
      'covered by a mail',
      'deduped repeats',
      'mails accepted',
      'summaries',
      'same Message-ID again',
      'refused 550 (dropped by design)',
      'refused 451 (retried)',
    ],
    [
      [a.events, a.covered, a.deduped, a.mailsAccepted, a.summaries, a.sameIdRepeats, a.refused550, a.refused451].map(
        String,
      ),
    ],
  );
  for (const i of r.invariants) for (const v of i.violations.slice(0, 10)) console.log(`VIOLATION (${i.name}): ${v}`);
  console.log(r.ok ? '\nall invariants held' : '\nINVARIANTS VIOLATED');
}
