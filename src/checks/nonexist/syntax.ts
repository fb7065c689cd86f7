// `if [does] not exist`: the process is not running (process), the file is missing (file).
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
    type === 'process' || type === 'file'
      ? undefined
      : `'if not exist' applies to process and file checks, not to 'check ${type}'`,
  docs: {
    syntax: '`[does] not exist`',
    services: 'process, file',
    meaning: 'the process is not running, the file is missing',
    example: '`if does not exist for 2 cycles then restart`',
  },
};
