// `if changed pid|ppid|checksum|timestamp|size|status`: a one-shot event each time the value differs
// from the last cycle's (process, file and program services each read their own value).
import type { ServiceType } from '../../config/model.js';
import type { KindSyntax } from '../kind.js';
import { ignoreRule } from '../kind.js';

export type ChangedWhat = 'pid' | 'ppid' | 'checksum' | 'timestamp' | 'size' | 'status';

export interface ChangedCondition {
  readonly kind: 'changed';
  readonly what: ChangedWhat;
}

/** What `changed` may test in monit beyond what brokerwatch evaluates (a warning names them). */
const IGNORED_CHANGES = new Set([
  'permission',
  'perm',
  'fsflag',
  'fsflags',
  'link',
  'hardlink',
  'hardlinks',
  'atime',
  'ctime',
  'uid',
  'gid',
]);

export const changedSyntax: KindSyntax<ChangedCondition> = {
  kind: 'changed',
  claims: { if: ['changed'] },
  parse(c) {
    c.next();
    const ignored = c.peek();
    if (ignored.type === 'word' && IGNORED_CHANGES.has(ignored.lower)) {
      c.warn(ignored.pos, `'changed ${ignored.text}' tests are not evaluated by brokerwatch; this rule is ignored`);
      ignoreRule(c);
    }
    const w = c.expectWord(
      "'pid', 'ppid', 'checksum', 'timestamp', 'size' or 'status' after 'changed'",
      'pid',
      'ppid',
      'checksum',
      'timestamp',
      'time',
      'mtime',
      'size',
      'status',
      'md5',
      'sha1',
      'sha256',
    );
    // Any hash notices a change; brokerwatch's is MD5 whatever the rule names.
    const hashed = w.lower === 'md5' || w.lower === 'sha1' || w.lower === 'sha256';
    const what = hashed
      ? 'checksum'
      : w.lower === 'time' || w.lower === 'mtime'
        ? 'timestamp'
        : (w.lower as ChangedWhat);
    if (hashed) c.expectWord("'checksum'", 'checksum');
    return { kind: 'changed', what };
  },
  print: (c) => `changed ${c.what}`,
  eventType: (c) => c.what,
  startGrace: false,
  oneShot: true,
  misplaced: (c, type: ServiceType) =>
    (c.what === 'pid' || c.what === 'ppid') && type !== 'process'
      ? `'changed pid' tests apply to 'check process' only`
      : (c.what === 'checksum' || c.what === 'size') && (type === 'directory' || type === 'fifo')
        ? `'changed ${c.what}' tests do not apply to 'check ${type}'`
        : undefined,
  docs: {
    syntax:
      '`changed pid` · `changed ppid` · `changed checksum` · `changed timestamp` · `changed size` · `changed status`',
    services: 'process (pid, ppid), file, directory and fifo (timestamp), program (status)',
    meaning: 'the value differs from the last cycle (an event each time, no failed state)',
    example: '`if changed pid then alert`',
  },
};
