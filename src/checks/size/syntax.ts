// `if size OP SIZE`: the file's size.
import type { Operator } from '../../config/model.js';
import { operatorOrEqual, parseSize } from '../../config/units.js';
import type { KindSyntax } from '../kind.js';
import { notOnDirectoryOrFifo } from '../misplaced.js';

export interface SizeCondition {
  readonly kind: 'size';
  readonly op: Operator;
  readonly bytes: number;
}

export const sizeSyntax: KindSyntax<SizeCondition> = {
  kind: 'size',
  claims: { if: ['size'] },
  parse(c) {
    c.next();
    const op = operatorOrEqual(c);
    return { kind: 'size', op, bytes: parseSize(c, 'size') };
  },
  print: (c, s) => `size ${c.op} ${s.size(c.bytes)}`,
  eventType: () => 'size',
  startGrace: false,
  misplaced: notOnDirectoryOrFifo('size'),
  docs: {
    syntax: '`size OP SIZE`',
    services: 'file',
    meaning: "the file's size",
    example: '`if size > 2 GB then alert`',
  },
};
