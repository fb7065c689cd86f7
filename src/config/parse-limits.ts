// `set limits { programOutput: 512 B, fileContentBuffer: 512 B, startTimeout: 30 s, … }` (monit 5.33's
// p.y: programOutput, sendExpectBuffer, fileContentBuffer, httpContentBuffer, networkTimeout,
// programTimeout, stopTimeout, startTimeout, restartTimeout). Keys are `key:`, `key :` or bare;
// commas are blanks. The ones that mean nothing here load with a warning.
import type { Cursor } from './cursor.js';
import { describe } from './cursor.js';
import type { Token } from './lexer.js';
import type { Command, Limits, Service } from './model.js';
import { parseDuration, parseSize } from './units.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The keys brokerwatch applies: which field, and whether it is a size or a duration. */
const APPLIED: Readonly<Record<string, readonly [keyof Limits, 'size' | 'time']>> = {
  programoutput: ['programOutputBytes', 'size'],
  filecontentbuffer: ['fileContentBytes', 'size'],
  programtimeout: ['programTimeoutMs', 'time'],
  starttimeout: ['startTimeoutMs', 'time'],
  stoptimeout: ['stopTimeoutMs', 'time'],
  restarttimeout: ['restartTimeoutMs', 'time'],
};

/** Keys read and warned about: monit's buffers and timeouts for tests brokerwatch does its own way. */
const UNUSED: Readonly<Record<string, 'size' | 'time'>> = {
  sendexpectbuffer: 'size',
  httpcontentbuffer: 'size',
  networktimeout: 'time',
  // monit 5.35's; 5.33 rejects it. brokerwatch's shutdown waits for each stop program's own timeout.
  shutdowntimeout: 'time',
};

/** Bounds of the applied sizes: a line of at least 1 byte, and no more than a content read (1 MB). */
const SIZE_RANGE: Readonly<Partial<Record<keyof Limits, readonly [number, number]>>> = {
  programOutputBytes: [1, 1024 * 1024],
  fileContentBytes: [2, 1024 * 1024],
};

const KEY_NAMES =
  'programOutput, fileContentBuffer, programTimeout, startTimeout, stopTimeout, restartTimeout, ' +
  'sendExpectBuffer, httpContentBuffer, networkTimeout';

/** Parses `{ … }` after `set limits` (the cursor is at `{`). */
export function parseLimits(c: Cursor): Limits {
  const open = c.peek();
  if (open.type !== '{') c.fail(open, `expected '{' after 'set limits', found ${describe(open)}`);
  c.next();
  const out: Mutable<Limits> = {};
  for (;;) {
    const t = c.peek();
    if (t.type === '}') {
      c.next();
      return out;
    }
    if (t.type === 'eof')
      c.fail(t, `expected '}' to close the limits opened at line ${open.pos.line}, found end of file`);
    if (t.type !== 'word') c.fail(t, `expected a limit (${KEY_NAMES}), found ${describe(t)}`);
    c.next();
    readLimit(c, t, out);
  }
}

function readLimit(c: Cursor, t: Token, out: Mutable<Limits>): void {
  const key = t.lower.replace(/:$/, '');
  if (!t.text.endsWith(':') && c.peek().type === 'word' && c.peek().text === ':') c.next();
  const applied = APPLIED[key];
  const unused = UNUSED[key];
  if (!applied && !unused) c.fail(t, `unknown limit '${t.text.replace(/:$/, '')}': expected ${KEY_NAMES}`);
  const kind = applied ? applied[1] : unused;
  const at = c.peek();
  const value = kind === 'size' ? parseSize(c, t.text) : parseDuration(c, t.text, 'seconds');
  if (!applied) {
    c.warn(t.pos, `'${t.text.replace(/:$/, '')}' in set limits is not used by brokerwatch; ignored`);
    return;
  }
  const [field] = applied;
  const range = SIZE_RANGE[field];
  if (range && (value < range[0] || value > range[1]))
    c.fail(at, `${t.text.replace(/:$/, '')} of ${value} B is out of range (${range[0]} B to 1 MB)`);
  out[field] = value;
}

/** A service with the limits' default deadlines on the programs that give none (monit's meaning). */
export function withLimitDefaults(s: Service, limits: Limits | undefined): Service {
  if (!limits) return s;
  const fill = (cmd: Command | undefined, ms: number | undefined): Command | undefined =>
    cmd && cmd.timeoutMs === undefined && ms !== undefined ? { ...cmd, timeoutMs: ms } : cmd;
  const start = fill(s.start, limits.startTimeoutMs);
  const stop = fill(s.stop, limits.stopTimeoutMs);
  const restart = fill(s.restart, limits.restartTimeoutMs);
  const program = s.type === 'program' ? fill(s.program, limits.programTimeoutMs) : s.program;
  return {
    ...s,
    ...(start ? { start } : {}),
    ...(stop ? { stop } : {}),
    ...(restart ? { restart } : {}),
    ...(program ? { program } : {}),
  };
}

/** `set limits { … }` as the printer writes it: every key set, in the model's order. */
export function printLimits(l: Limits, size: (b: number) => string, duration: (ms: number) => string): string {
  const parts: string[] = [];
  if (l.programOutputBytes !== undefined) parts.push(`programOutput: ${size(l.programOutputBytes)}`);
  if (l.fileContentBytes !== undefined) parts.push(`fileContentBuffer: ${size(l.fileContentBytes)}`);
  if (l.programTimeoutMs !== undefined) parts.push(`programTimeout: ${duration(l.programTimeoutMs)}`);
  if (l.startTimeoutMs !== undefined) parts.push(`startTimeout: ${duration(l.startTimeoutMs)}`);
  if (l.stopTimeoutMs !== undefined) parts.push(`stopTimeout: ${duration(l.stopTimeoutMs)}`);
  if (l.restartTimeoutMs !== undefined) parts.push(`restartTimeout: ${duration(l.restartTimeoutMs)}`);
  return `set limits { ${parts.join(', ')} }`;
}
