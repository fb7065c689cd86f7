// `if inode(s) [usage|free] OP N [%]` in `check filesystem`: inodes in use or free, as a count or a
// share (a file system with no inode table, such as btrfs, has none to test).
import type { Operator } from '../../config/model.js';
import { operatorOrEqual } from '../../config/units.js';
import type { Amount } from '../amount.js';
import { parseAmount, printAmount } from '../amount.js';
import type { KindSyntax } from '../kind.js';
import { filesystemOnly } from '../misplaced.js';

export interface InodeCondition {
  readonly kind: 'inode';
  readonly free: boolean;
  readonly op: Operator;
  readonly limit: Amount;
}

export const inodeSyntax: KindSyntax<InodeCondition> = {
  kind: 'inode',
  claims: { if: ['inode', 'inodes'], types: ['filesystem'] },
  parse(c) {
    c.next();
    const free = c.acceptWord('free') !== undefined;
    const op = operatorOrEqual(c);
    return { kind: 'inode', free, op, limit: parseAmount(c, `inode ${free ? 'free ' : ''}${op}`, 'count') };
  },
  print: (c, s) => `inode ${c.free ? 'free' : 'usage'} ${c.op} ${printAmount(c.limit, s)}`,
  eventType: () => 'resource',
  startGrace: false,
  misplaced: filesystemOnly('inode'),
  docs: {
    syntax: '`inode [usage] OP N[%]` · `inode free OP N[%]` (or `inodes`)',
    services: 'filesystem',
    meaning: 'inodes in use or free, a count or a share',
    example: '`if inode usage > 90% then alert`',
  },
};
