// `if uptime OP DURATION`: how long the process has been running.
import type { Operator } from '../../config/model.js';
import { operatorOrEqual, parseDuration } from '../../config/units.js';
import type { KindSyntax } from '../kind.js';
import { processOnly } from '../misplaced.js';

export interface UptimeCondition {
  readonly kind: 'uptime';
  readonly op: Operator;
  readonly ms: number;
}

export const uptimeSyntax: KindSyntax<UptimeCondition> = {
  kind: 'uptime',
  claims: { if: ['uptime'], types: ['process'] },
  parse(c) {
    c.next();
    // monit's `operator` may be left out, and then means `=` (p.y: `operator : /* EMPTY */`).
    const op = operatorOrEqual(c);
    return { kind: 'uptime', op, ms: parseDuration(c, 'uptime', 'seconds') };
  },
  print: (c, s) => `uptime ${c.op} ${s.duration(c.ms)}`,
  eventType: () => 'uptime',
  startGrace: false,
  misplaced: processOnly('uptime'),
  docs: {
    syntax: '`uptime OP DURATION`',
    services: 'process',
    meaning: 'how long the process has run',
    example: '`if uptime < 2 minutes then alert`',
  },
};
