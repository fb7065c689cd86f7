// `if failed uid USER`: the file is owned by someone else.
import type { KindSyntax } from '../kind.js';

export interface UidCondition {
  readonly kind: 'uid';
  readonly user: string;
}

export const uidSyntax: KindSyntax<UidCondition> = {
  kind: 'uid',
  claims: { failed: ['uid'] },
  parse(c) {
    c.next();
    return { kind: 'uid', user: c.expectValue('a user name or id after uid').text };
  },
  print: (c, s) => `failed uid ${s.word(c.user)}`,
  eventType: () => 'uid',
  startGrace: false,
  docs: {
    syntax: '`failed uid USER`',
    services: 'file, directory, fifo, filesystem (its mount point)',
    meaning: 'the file is not owned by USER (name or id)',
    example: '`if failed uid mosquitto then alert`',
  },
};
