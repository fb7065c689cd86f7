// When a service is due: every cycle, every N cycles, or on a cron expression (5 fields with
// `*`, lists, ranges and steps such as `*/5`, which monit does not allow). Pure: time is passed in.
import type { Schedule } from '../config/model.js';

const RANGES: readonly [number, number][] = [
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 7],
];

function fieldMatches(field: string, value: number, [lo, hi]: [number, number]): boolean {
  return field.split(',').some((part) => {
    const [range, stepText] = part.split('/') as [string, string | undefined];
    const step = stepText === undefined ? 1 : Number(stepText);
    let from = lo;
    let to = hi;
    if (range !== '*') {
      const [a, b] = range.split('-');
      from = Number(a);
      to = b === undefined ? (stepText === undefined ? from : hi) : Number(b);
    }
    return value >= from && value <= to && (value - from) % step === 0;
  });
}

/** True when the local time `date` matches the cron expression (weekday 0 and 7 are Sunday). */
export function cronMatches(expression: string, date: Date): boolean {
  const f = expression.trim().split(/\s+/);
  if (f.length !== 5) return false;
  const values = [date.getMinutes(), date.getHours(), date.getDate(), date.getMonth() + 1, date.getDay()];
  return f.every((field, i) => {
    const v = values[i] as number;
    const range = RANGES[i] as [number, number];
    return fieldMatches(field, v, range) || (i === 4 && v === 0 && fieldMatches(field, 7, range));
  });
}

/** Decides per cycle whether the service's checks run (`waiting` otherwise), like monit's `every`. */
export class ScheduleGate {
  #cycles = 0;
  #lastCronMinute = -1;
  constructor(private readonly schedule: Schedule) {}

  /** Call once per cycle. */
  due(now: Date): boolean {
    const s = this.schedule;
    switch (s.kind) {
      case 'always':
        return true;
      case 'cycles':
        return this.#cycles++ % s.every === 0;
      case 'cron': {
        const matches = cronMatches(s.expression, now);
        if (s.negate) return !matches;
        // Once per matching minute: a 1 s cycle must not run a `*/5` job sixty times.
        const minute = Math.floor(now.getTime() / 60_000);
        if (!matches || minute === this.#lastCronMinute) return false;
        this.#lastCronMinute = minute;
        return true;
      }
    }
  }
}

/** The first cycles of all services are spread over one cycle, but never over more than this… */
const SPREAD_MAX_MS = 1_000;
/** …in steps this far apart… */
const SPREAD_STEP_MS = 25;
/** …each step taking this many services before the next one is used. */
const SERVICES_PER_STEP = 5;

/**
 * When each of `n` services has its first cycle, in ms from the first one, in rules-file order:
 * services share a timer wakeup five to a step, and steps are 25 ms apart within one cycle (at most
 * 1 s); past 5 × 40 services, the steps take more each. Node pays for every wakeup (a wakeup of an
 * idle daemon costs more than reading a few /proc files), so a daemon watching a broker and its host
 * wakes once a cycle for all of them, as monit does; and 500 services due in the same millisecond
 * would start their cycles one after another, the last ones 100 ms late, every cycle. Five to a step:
 * for 200 HTTP checks, the fifth started some 2 ms late; a step of its own for each (5 ms apart) was
 * measured too: no fewer cycles over 5 ms late on a quiet machine (99.7 %), and twice the CPU
 * (13 → 27 % of a core: code that has gone cold between wakeups runs slower).
 */
export function spreadOffsets(n: number, cycleMs: number): number[] {
  const window = Math.min(cycleMs, SPREAD_MAX_MS);
  const steps = Math.max(1, Math.floor(window / SPREAD_STEP_MS));
  const step = (i: number): number =>
    n <= steps * SERVICES_PER_STEP ? Math.floor(i / SERVICES_PER_STEP) : Math.floor((i * steps) / n);
  return Array.from({ length: n }, (_, i) => step(i) * SPREAD_STEP_MS);
}
