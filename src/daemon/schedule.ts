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
