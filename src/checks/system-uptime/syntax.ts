// `if uptime OP DURATION` in `check system`: how long the host has been up (a process's uptime is
// the `uptime` kind).
import type { Operator } from '../../config/model.js';
import { operatorOrEqual, parseDuration } from '../../config/units.js';
import type { KindSyntax } from '../kind.js';

export interface SystemUptimeCondition {
  readonly kind: 'system-uptime';
  readonly op: Operator;
  readonly ms: number;
}

export const systemUptimeSyntax: KindSyntax<SystemUptimeCondition> = {
  kind: 'system-uptime',
  claims: { if: ['uptime'], types: ['system'] },
  parse(c) {
    c.next();
    const op = operatorOrEqual(c);
    return { kind: 'system-uptime', op, ms: parseDuration(c, 'uptime', 'seconds') };
  },
  print: (c, s) => `uptime ${c.op} ${s.duration(c.ms)}`,
  eventType: () => 'uptime',
  startGrace: false,
  misplaced: (_c, type) => (type === 'system' ? undefined : "the host's 'uptime' applies to 'check system' only"),
  docs: {
    syntax: '`uptime OP DURATION`',
    services: 'system',
    meaning: 'how long the host has been up (/proc/uptime)',
    example: '`if uptime < 10 minutes then alert`',
  },
};
