// `if [does] not exist`: the process is not running (process), the file is missing (file), the file
// system is not mounted (filesystem).
import type { KindSyntax } from '../kind.js';

export interface NonexistCondition {
  readonly kind: 'nonexist';
}

export const nonexistSyntax: KindSyntax<NonexistCondition> = {
  kind: 'nonexist',
  claims: { if: ['not', 'non'] },
  parse(c) {
    c.next();
    c.expectWord("'exist' after 'not'", 'exist', 'exists');
    return { kind: 'nonexist' };
  },
  print: () => 'does not exist',
  eventType: () => 'nonexist',
  startGrace: false,
  misplaced: (_c, type) =>
    type === 'process' || type === 'file' || type === 'directory' || type === 'fifo' || type === 'filesystem'
      ? undefined
      : `'if not exist' applies to process, file, directory, fifo and filesystem checks, not to 'check ${type}'`,
  docs: {
    syntax: '`[does] not exist`',
    services: 'process, file, directory, fifo, filesystem',
    meaning:
      'the process is not running, the file (directory, fifo) is missing or of another kind, the file system is not mounted',
    example: '`if does not exist for 2 cycles then restart`',
  },
};
