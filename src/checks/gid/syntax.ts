// `if failed gid GROUP`: the file belongs to another group.
import type { KindSyntax } from '../kind.js';

export interface GidCondition {
  readonly kind: 'gid';
  readonly group: string;
}

export const gidSyntax: KindSyntax<GidCondition> = {
  kind: 'gid',
  claims: { failed: ['gid'] },
  parse(c) {
    c.next();
    return { kind: 'gid', group: c.expectValue('a group name or id after gid').text };
  },
  print: (c, s) => `failed gid ${s.word(c.group)}`,
  eventType: () => 'gid',
  startGrace: false,
  docs: {
    syntax: '`failed gid GROUP`',
    services: 'file, directory, fifo, filesystem (its mount point)',
    meaning: "the file's group is not GROUP (name or id)",
    example: '`if failed gid mosquitto then alert`',
  },
};
