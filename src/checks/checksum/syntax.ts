// `if failed [md5|sha1] checksum [expect HASH]`: the file's sum differs from HASH, or (without one)
// changed since the last cycle.
import type { KindSyntax } from '../kind.js';
import { ignoreRule } from '../kind.js';
import { notOnDirectoryOrFifo } from '../misplaced.js';

export interface ChecksumCondition {
  readonly kind: 'checksum';
  readonly algorithm?: 'md5' | 'sha1';
  readonly expect?: string;
}

/** Hex digits of each hash; monit infers the hash from an expected sum's length (p.y addchecksum). */
const HASH_DIGITS = { md5: 32, sha1: 40, sha256: 64 } as const;
const HASH_BY_LENGTH: Readonly<Record<number, keyof typeof HASH_DIGITS>> = { 32: 'md5', 40: 'sha1', 64: 'sha256' };

export const checksumSyntax: KindSyntax<ChecksumCondition> = {
  kind: 'checksum',
  claims: { failed: ['checksum', 'md5', 'sha1', 'sha256'] },
  /**
   * `[md5|sha1|sha256] checksum [expect HASH]`: monit's hash type comes before the word. The expected
   * sum is kept as monit does (cleanup_hash_string): its hex digits, lower-cased, so `8F:7F:…` matches.
   */
  parse(c) {
    // brokerwatch's printer writes the hash after the word (`failed checksum md5`); both read the same.
    const before = c.acceptWord('md5', 'sha1', 'sha256');
    const checksumTok = c.expectWord("'checksum'", 'checksum');
    const hashTok = before ?? c.acceptWord('md5', 'sha1', 'sha256');
    let algorithm = hashTok?.lower as keyof typeof HASH_DIGITS | undefined;
    let expect: string | undefined;
    if (c.acceptWord('expect')) {
      const tok = c.expectValue('a checksum after expect');
      let text = tok.text;
      // A sum whose letters follow its first digits lexes as number and unit (`12abcdef…`): one word again.
      while (c.peek().glued && (c.peek().type === 'word' || c.peek().type === 'number')) text += c.next().text;
      expect = text.replace(/[^0-9a-fA-F]/g, '').toLowerCase();
      const told = HASH_BY_LENGTH[expect.length];
      if (!algorithm && !told)
        c.fail(tok, `unknown checksum type "${text}": not MD5 (32 hex digits), SHA1 (40) or SHA256 (64)`);
      algorithm = algorithm ?? told;
      if (algorithm && expect.length !== HASH_DIGITS[algorithm]) {
        c.fail(
          tok,
          `invalid ${algorithm.toUpperCase()} checksum "${text}": expected ${HASH_DIGITS[algorithm]} hex digits`,
        );
      }
    }
    if (algorithm === 'sha256') {
      c.warn(
        (hashTok ?? checksumTok).pos,
        'SHA256 checksums are not evaluated by brokerwatch (MD5 and SHA1 are); this rule is ignored',
      );
      ignoreRule(c);
    }
    return { kind: 'checksum', ...(algorithm ? { algorithm } : {}), ...(expect ? { expect } : {}) };
  },
  print: (c, s) =>
    `failed checksum${c.algorithm ? ` ${c.algorithm}` : ''}${c.expect ? ` expect ${s.word(c.expect)}` : ''}`,
  eventType: () => 'checksum',
  startGrace: false,
  misplaced: notOnDirectoryOrFifo('checksum'),
  docs: {
    syntax: '`failed [md5\\|sha1] checksum [expect X]`',
    services: 'file',
    meaning:
      'the sum is not X, or without X changed since the last cycle ' +
      '(as in monit, an expected sum of 32 hex digits is MD5 and of 40 SHA1; case and `:` do not matter)',
    example: '`if failed checksum then alert`',
  },
};
