// `if upload|download OP N (B|kB|MB|GB)/s | N packets/s` and `if total upload|download OP N
// (B|kB|MB|GB|packets) [in last] N minutes|hours|days` in `check network`: the interface's traffic
// per second since the last cycle, or in total over a window of time.
import { describe } from '../../config/cursor.js';
import type { Cursor } from '../../config/cursor.js';
import type { Operator } from '../../config/model.js';
import { operatorOrEqual, parseDuration } from '../../config/units.js';
import type { KindSyntax } from '../kind.js';
import { networkOnly } from '../misplaced.js';

export interface TrafficCondition {
  readonly kind: 'traffic';
  readonly direction: 'download' | 'upload';
  readonly per: 'bytes' | 'packets';
  readonly op: Operator;
  readonly value: number;
  /** `total … in last N hours`: the sum over this window; absent: the rate per second. */
  readonly windowMs?: number;
}

/** 1024-based, like every size of the rules language. */
const FACTOR: Readonly<Record<string, number>> = Object.fromEntries(
  [
    [['b', 'byte', 'bytes'], 1],
    [['k', 'kb', 'kilobyte', 'kilobytes'], 1024],
    [['m', 'mb', 'megabyte', 'megabytes'], 1024 ** 2],
    [['g', 'gb', 'gigabyte', 'gigabytes'], 1024 ** 3],
    [['t', 'tb', 'terabyte', 'terabytes'], 1024 ** 4],
  ].flatMap(([words, f]) => (words as string[]).map((w) => [w, f as number])),
);
const WINDOW_UNITS: Readonly<Record<string, number>> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** `N UNIT` or `N UNIT/s` (RATE), bytes or packets. */
function parseAmount(c: Cursor, what: string, rate: boolean): { per: 'bytes' | 'packets'; value: number } {
  const numTok = c.peek();
  const n = c.expectNumber(`an amount after '${what}'`);
  const u = c.peek();
  const expected = rate ? 'B/s, kB/s, MB/s, GB/s or packets/s' : 'B, kB, MB, GB or packets';
  if (u.type !== 'word') c.fail(u, `expected ${expected} after ${numTok.text}, found ${describe(u)}`);
  c.next();
  const [unit = '', slash] = u.lower.split('/');
  if (rate && slash === undefined) c.acceptWord('s', 'second', 'sec');
  const perOk = rate ? slash === undefined || ['s', 'second', 'sec'].includes(slash) : slash === undefined;
  const per = unit === 'packets' || unit === 'packet' ? 'packets' : FACTOR[unit] !== undefined ? 'bytes' : undefined;
  if (!perOk || per === undefined) c.fail(u, `expected ${expected} after ${numTok.text}, found ${describe(u)}`);
  const value = per === 'packets' ? n : Math.round(n * (FACTOR[unit] ?? 1));
  if (!Number.isFinite(value) || (per === 'bytes' && !Number.isSafeInteger(value)))
    c.fail(numTok, `${what} ${numTok.text} is out of range`);
  return { per, value };
}

/** `[in last] N minutes|hours|days`, or a bare `day`, `hour`. */
function parseWindow(c: Cursor): number {
  const w = c.peek();
  if (w.type === 'word') {
    const unit = w.lower.replace(/s$/, '');
    const ms = WINDOW_UNITS[unit];
    if (ms === undefined) c.fail(w, `expected a time window after the amount (2 hours, day), found ${describe(w)}`);
    c.next();
    return ms;
  }
  return parseDuration(c, 'the window', 'seconds');
}

export const trafficSyntax: KindSyntax<TrafficCondition> = {
  kind: 'traffic',
  claims: {
    if: ['upload', 'uploaded', 'download', 'downloaded'],
    at: (c) =>
      c.isWord('total') &&
      c.peek(1).type === 'word' &&
      ['upload', 'uploaded', 'download', 'downloaded'].includes(c.peek(1).lower),
    types: ['network'],
  },
  parse(c) {
    const total = c.acceptWord('total') !== undefined;
    const direction = c.next().lower.startsWith('up') ? 'upload' : 'download';
    const op = operatorOrEqual(c);
    const amount = parseAmount(c, `${total ? 'total ' : ''}${direction} ${op}`, !total);
    return { kind: 'traffic', direction, op, ...amount, ...(total ? { windowMs: parseWindow(c) } : {}) };
  },
  print(c, s) {
    const amount = c.per === 'packets' ? `${s.number(c.value)} packets` : s.size(c.value);
    return c.windowMs === undefined
      ? `${c.direction} ${c.op} ${amount}/s`
      : `total ${c.direction} ${c.op} ${amount} in last ${s.duration(c.windowMs)}`;
  },
  eventType: (c) =>
    c.direction === 'download'
      ? c.per === 'bytes'
        ? 'bytein'
        : 'packetin'
      : c.per === 'bytes'
        ? 'byteout'
        : 'packetout',
  startGrace: false,
  misplaced: networkOnly('upload/download'),
  docs: {
    syntax:
      '`download\\|upload OP N (B\\|kB\\|MB\\|GB)/s` · `download\\|upload OP N packets/s` · `total download\\|upload OP N (MB\\|…\\|packets) [in last] N (minutes\\|hours\\|days)`',
    services: 'network',
    meaning: 'traffic through the interface per second since the last cycle, or in total over the last window',
    example: '`if total upload > 10 GB in last day then alert`',
  },
};
