// `if service time OP N ms|s` in `check filesystem`: the time the device behind the file system
// spent per read or write operation since the last cycle (monit's disk service time).
import type { Operator } from '../../config/model.js';
import { operatorOrEqual, parseDuration } from '../../config/units.js';
import type { KindSyntax } from '../kind.js';
import { filesystemOnly } from '../misplaced.js';

export interface ServiceTimeCondition {
  readonly kind: 'service-time';
  readonly op: Operator;
  readonly ms: number;
}

export const serviceTimeSyntax: KindSyntax<ServiceTimeCondition> = {
  kind: 'service-time',
  claims: { if: ['service', 'servicetime'], types: ['filesystem'] },
  parse(c) {
    if (c.next().lower === 'service') c.expectWord("'time' after 'service'", 'time');
    const op = operatorOrEqual(c);
    return { kind: 'service-time', op, ms: parseDuration(c, 'service time', 'ms') };
  },
  print: (c, s) => `service time ${c.op} ${s.duration(c.ms)}`,
  eventType: () => 'resource',
  startGrace: false,
  misplaced: filesystemOnly('service time'),
  docs: {
    syntax: '`service time OP DURATION`',
    services: 'filesystem',
    meaning: 'time per read or write operation of the device since the last cycle (the larger of the two)',
    example: '`if service time > 10 milliseconds for 3 times within 5 cycles then alert`',
  },
};
