// `if timestamp OP DURATION`: how long ago the file was modified.
import type { Operator } from '../../config/model.js';
import { operatorOrEqual, parseDuration } from '../../config/units.js';
import type { KindSyntax } from '../kind.js';

export interface TimestampCondition {
  readonly kind: 'timestamp';
  readonly op: Operator;
  readonly ms: number;
}

export const timestampSyntax: KindSyntax<TimestampCondition> = {
  kind: 'timestamp',
  claims: { if: ['timestamp', 'time', 'mtime', 'modification'] },
  parse(c) {
    // The modification time (`mtime`, `modification time`) is what brokerwatch's timestamp reads.
    const t = c.next();
    if (t.lower === 'modification') c.acceptWord('time', 'timestamp');
    const op = operatorOrEqual(c);
    return { kind: 'timestamp', op, ms: parseDuration(c, 'timestamp', 'seconds') };
  },
  print: (c, s) => `timestamp ${c.op} ${s.duration(c.ms)}`,
  eventType: () => 'timestamp',
  startGrace: false,
  docs: {
    syntax: '`timestamp OP DURATION` (or `mtime`, `modification time`)',
    services: 'file, directory, fifo',
    meaning: 'the age of the last modification',
    example: '`if timestamp > 65 minutes then alert`',
  },
};
