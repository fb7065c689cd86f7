// `if changed fsflags` in `check filesystem`: the mount's flags (`rw,relatime`) differ from the last
// cycle's, e.g. a file system remounted read-only after a disk error. An event each time.
import type { KindSyntax } from '../kind.js';
import { filesystemOnly } from '../misplaced.js';

export interface FsflagsCondition {
  readonly kind: 'fsflags';
}

export const fsflagsSyntax: KindSyntax<FsflagsCondition> = {
  kind: 'fsflags',
  // `changed` is the changed kind's word; this claim is by shape, `changed fsflag(s)`.
  claims: {
    at: (c) => c.isWord('changed') && c.peek(1).type === 'word' && ['fsflags', 'fsflag'].includes(c.peek(1).lower),
    types: ['filesystem'],
  },
  parse(c) {
    c.next();
    c.next();
    return { kind: 'fsflags' };
  },
  print: () => 'changed fsflags',
  eventType: () => 'fsflags',
  startGrace: false,
  oneShot: true,
  misplaced: filesystemOnly('changed fsflags'),
  docs: {
    syntax: '`changed fsflags`',
    services: 'filesystem',
    meaning: 'the mount flags differ from the last cycle (e.g. remounted read-only); an event each time',
    example: '`if changed fsflags then alert`',
  },
};
