// `if cpu [usage|user|system|wait|nice|hardirq|softirq|steal|guest|guestnice] OP N%` in `check
// system`: the host's share of CPU time by kind between two cycles (a process's cpu is `resource`).
import type { Operator } from '../../config/model.js';
import { operatorOrEqual } from '../../config/units.js';
import type { KindSyntax } from '../kind.js';

export const CPU_SHARES = [
  'usage',
  'user',
  'system',
  'wait',
  'nice',
  'hardirq',
  'softirq',
  'steal',
  'guest',
  'guestnice',
] as const;
export type CpuShare = (typeof CPU_SHARES)[number];

export interface SystemCpuCondition {
  readonly kind: 'system-cpu';
  readonly share: CpuShare;
  readonly op: Operator;
  readonly value: number;
}

const ALIASES: Readonly<Record<string, CpuShare>> = {
  usr: 'user',
  us: 'user',
  sys: 'system',
  sy: 'system',
  wa: 'wait',
  iowait: 'wait',
};

export const systemCpuSyntax: KindSyntax<SystemCpuCondition> = {
  kind: 'system-cpu',
  claims: { if: ['cpu'], types: ['system'] },
  parse(c) {
    c.next();
    // `usage` is a noise word: `cpu usage > 90%` reads as `cpu > 90%`.
    const w = c.acceptWord(...CPU_SHARES, ...Object.keys(ALIASES));
    const share: CpuShare = w ? (ALIASES[w.lower] ?? (w.lower as CpuShare)) : 'usage';
    const op = operatorOrEqual(c);
    const numTok = c.peek();
    const value = c.expectNumber(`a percentage after 'cpu ${op}'`);
    if (!c.acceptWord('%', 'percent'))
      c.warn(numTok.pos, `bare number ${numTok.text} for cpu is taken as a percentage; write '${numTok.text}%'`);
    if (value < 0 || value > 100) c.fail(numTok, `cpu ${value}% is out of range (0–100%)`);
    return { kind: 'system-cpu', share, op, value };
  },
  print: (c, s) => `cpu ${c.share === 'usage' ? '' : `${c.share} `}${c.op} ${s.number(c.value)}%`,
  eventType: () => 'resource',
  startGrace: false,
  misplaced: (_c, type) =>
    type === 'system' ? undefined : "'cpu (user|system|wait…)' of the host applies to 'check system' only",
  docs: {
    syntax: '`cpu [usage\\|user\\|system\\|wait\\|nice\\|hardirq\\|softirq\\|steal\\|guest\\|guestnice] OP N%`',
    services: 'system',
    meaning:
      "the host's share of CPU time (usage: all but idle and I/O wait) since the last cycle; the first cycle has no sample",
    example: '`if cpu usage > 95% for 10 cycles then alert`',
  },
};
