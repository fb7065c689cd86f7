// `if failed permission MODE`: the file's mode bits differ.
import { describe } from '../../config/cursor.js';
import type { KindSyntax } from '../kind.js';

export interface PermissionCondition {
  readonly kind: 'permission';
  readonly mode: number;
}

export const permissionSyntax: KindSyntax<PermissionCondition> = {
  kind: 'permission',
  claims: { failed: ['permission', 'perm'] },
  parse(c) {
    c.next();
    const v = c.peek();
    if (v.type !== 'number' || !/^[0-7]{3,4}$/.test(v.text))
      c.fail(v, `expected an octal mode such as 644 after 'permission', found ${describe(v)}`);
    c.next();
    return { kind: 'permission', mode: parseInt(v.text, 8) };
  },
  print: (c) => `failed permission ${c.mode.toString(8).padStart(3, '0')}`,
  eventType: () => 'permission',
  startGrace: false,
  docs: {
    syntax: '`failed permission MODE`',
    services: 'file, directory, fifo, filesystem (its mount point)',
    meaning: "the file's mode is not MODE (octal)",
    example: '`if failed permission 644 then alert`',
  },
};
