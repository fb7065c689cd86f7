// `if read|write [rate] OP N B/s|kB/s|MB/s|GB/s` and `… OP N operations/s` in `check filesystem`:
// the I/O of the block device behind the file system, per second between two cycles.
import { describe } from '../../config/cursor.js';
import type { Cursor } from '../../config/cursor.js';
import type { Operator } from '../../config/model.js';
import { operatorOrEqual } from '../../config/units.js';
import type { KindSyntax } from '../kind.js';
import { filesystemOnly } from '../misplaced.js';

export interface DiskIoCondition {
  readonly kind: 'disk-io';
  readonly direction: 'read' | 'write';
  /** Bytes per second, or operations per second. */
  readonly per: 'bytes' | 'operations';
  readonly op: Operator;
  readonly value: number;
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

/** `N UNIT/s`, `N UNIT per second` (`per` is a noise word), `N operations/s`. */
export function parsePerSecond(c: Cursor, what: string): { per: 'bytes' | 'operations'; value: number } {
  const numTok = c.peek();
  const n = c.expectNumber(`a rate after '${what}'`);
  const u = c.peek();
  if (u.type !== 'word')
    c.fail(
      u,
      `expected a unit per second (B/s, kB/s, MB/s or operations/s) after ${numTok.text}, found ${describe(u)}`,
    );
  c.next();
  const [unit = '', slash] = u.lower.split('/');
  if (slash === undefined) c.acceptWord('s', 'second', 'sec');
  else if (slash !== 's' && slash !== 'second' && slash !== 'sec')
    c.fail(u, `expected a unit per second (B/s, kB/s, MB/s or operations/s), found ${describe(u)}`);
  if (unit === 'operations' || unit === 'operation' || unit === 'ops') return { per: 'operations', value: n };
  const f = FACTOR[unit];
  if (f === undefined) c.fail(u, `expected a unit per second (B/s, kB/s, MB/s or operations/s), found ${describe(u)}`);
  const value = Math.round(n * f);
  if (!Number.isSafeInteger(value)) c.fail(numTok, `${what} ${numTok.text} is out of range`);
  return { per: 'bytes', value };
}

export const diskIoSyntax: KindSyntax<DiskIoCondition> = {
  kind: 'disk-io',
  claims: { if: ['read', 'write'], types: ['filesystem'] },
  parse(c) {
    const direction = c.next().lower === 'read' ? 'read' : 'write';
    // `rate` is a noise word.
    const op = operatorOrEqual(c);
    return { kind: 'disk-io', direction, op, ...parsePerSecond(c, `${direction} ${op}`) };
  },
  print: (c, s) =>
    `${c.direction} rate ${c.op} ${c.per === 'operations' ? `${s.number(c.value)} operations/s` : `${s.size(c.value)}/s`}`,
  eventType: () => 'resource',
  startGrace: false,
  misplaced: filesystemOnly('read/write rate'),
  docs: {
    syntax: '`read [rate] OP N (B\\|kB\\|MB\\|GB)/s` · `read [rate] OP N operations/s` · the same with `write`',
    services: 'filesystem',
    meaning:
      'I/O of the block device behind the file system since the last cycle (none for tmpfs, overlay, network file systems)',
    example: '`if write rate > 50 MB/s for 5 cycles then alert`',
  },
};
