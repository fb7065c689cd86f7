// `if cpu|totalcpu|memory|totalmemory|children|threads OP N`: the process's resources (with
// `total`, its children's too).
import { describe } from '../../config/cursor.js';
import type { Cursor } from '../../config/cursor.js';
import type { Operator } from '../../config/model.js';
import { isSizeUnit, operatorOrEqual, parseSize } from '../../config/units.js';
import type { KindSyntax } from '../kind.js';
import { processOnly } from '../misplaced.js';

export type ResourceKind =
  'cpu' | 'cpuuser' | 'cpusystem' | 'totalcpu' | 'memory' | 'totalmemory' | 'children' | 'threads';

export interface ResourceCondition {
  readonly kind: 'resource';
  readonly resource: ResourceKind;
  readonly op: Operator;
  readonly value: number;
  /** `%` for cpu and memory shares, `bytes` for memory sizes, `count` for children/threads. */
  readonly unit: '%' | 'bytes' | 'count';
}

const RESOURCE_WORDS: Record<ResourceKind, string> = {
  cpu: 'cpu',
  cpuuser: 'cpu user',
  cpusystem: 'cpu system',
  totalcpu: 'totalcpu',
  memory: 'memory',
  totalmemory: 'totalmemory',
  children: 'children',
  threads: 'threads',
};

const BY_WORD: Readonly<Record<string, ResourceKind>> = {
  totalcpu: 'totalcpu',
  memory: 'memory',
  mem: 'memory',
  totalmemory: 'totalmemory',
  totalmem: 'totalmemory',
  children: 'children',
  child: 'children',
  threads: 'threads',
  thread: 'threads',
};

/** `cpu (user)`, `cpu usage (us)`: the parentheses are blanks, `usage` a noise word. */
function cpuResource(c: Cursor): ResourceKind {
  const sub = c.acceptWord('user', 'usr', 'us', 'system', 'sys', 'sy', 'wait', 'wa');
  const s = sub?.lower;
  const resource =
    s === 'user' || s === 'usr' || s === 'us'
      ? 'cpuuser'
      : s === 'system' || s === 'sys' || s === 'sy'
        ? 'cpusystem'
        : 'cpu';
  if (sub && resource === 'cpu') c.warn(sub.pos, "'cpu wait' is a system test; it is read as process cpu");
  return resource;
}

function parseResource(c: Cursor): ResourceCondition {
  let t = c.next();
  // `total memory`, `total cpu` (monit's lexer joins them).
  if (t.lower === 'total') {
    const w = c.next();
    t = { ...w, text: `total ${w.text}`, lower: w.lower === 'cpu' ? 'totalcpu' : 'totalmemory' };
  }
  const resource = t.lower === 'cpu' ? cpuResource(c) : (BY_WORD[t.lower] ?? 'threads');
  const opTok = c.peek();
  const op = operatorOrEqual(c);
  // Messages name what was written: `after 'cpu >'`, or `after 'cpu'` when the operator was left out.
  const after = c.peek() !== opTok ? `${t.text} ${op}` : t.text;
  if (resource === 'children' || resource === 'threads') {
    return {
      kind: 'resource',
      resource,
      op,
      value: c.expectInteger(`a number of ${resource}`, 0, 10_000_000),
      unit: 'count',
    };
  }
  const isCpu = resource !== 'memory' && resource !== 'totalmemory';
  const numTok = c.peek();
  if (isCpu || (c.peek(1).type === 'word' && (c.peek(1).lower === '%' || c.peek(1).lower === 'percent'))) {
    const v = c.expectNumber(`a percentage after '${after}'`);
    if (!c.acceptWord('%', 'percent'))
      c.warn(numTok.pos, `bare number ${numTok.text} for ${t.text} is taken as a percentage; write '${numTok.text}%'`);
    if (v > (isCpu ? 100 * 1024 : 100)) c.fail(numTok, `${t.text} ${v}% is out of range`);
    return { kind: 'resource', resource, op, value: v, unit: '%' };
  }
  if (c.peek(1).type === 'word' && !isSizeUnit(c.peek(1).text) && c.peek(1).lower !== 'then') {
    c.fail(c.peek(1), `expected a size unit (B, kB, MB, GB) or % after ${numTok.text}, found ${describe(c.peek(1))}`);
  }
  return { kind: 'resource', resource, op, value: parseSize(c, t.text), unit: 'bytes' };
}

export const resourceSyntax: KindSyntax<ResourceCondition> = {
  kind: 'resource',
  claims: {
    if: ['cpu', 'totalcpu', 'memory', 'mem', 'totalmemory', 'totalmem', 'children', 'child', 'threads', 'thread'],
    // monit's lexer reads `total memory` and `total cpu` as totalmemory and totalcpu.
    at: (c) => c.isWord('total') && c.peek(1).type === 'word' && ['mem', 'memory', 'cpu'].includes(c.peek(1).lower),
    // The host's cpu and memory in `check system` are the system-cpu and system-memory kinds.
    types: ['process'],
  },
  parse: parseResource,
  print(c, s) {
    const v = c.unit === '%' ? `${s.number(c.value)}%` : c.unit === 'bytes' ? s.size(c.value) : s.number(c.value);
    return `${RESOURCE_WORDS[c.resource]} ${c.op} ${v}`;
  },
  eventType: () => 'resource',
  startGrace: false,
  misplaced: processOnly('resource'),
  docs: {
    syntax:
      '`cpu [user\\|system] OP N%` · `totalcpu OP N%` (or `total cpu`) · `memory OP N (MB\\|%)` · `totalmemory OP N (MB\\|%)` (or `totalmem`, `total memory`) · `children OP N` · `threads OP N`',
    services: 'process',
    meaning: 'the resources of the process (`total`: with its children); the first cpu sample only primes the next',
    example: '`if cpu > 90% for 5 cycles then alert`',
  },
};
