// htpasswd hashes made by real tools for tests: openssl's MD5-crypt forms and glibc's DES crypt(3)
// (through perl; OpenSSL 3 dropped `passwd -crypt`).
import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';

/** `openssl passwd ARGS… PASSWORD`'s hash. */
export function opensslPasswd(args: readonly string[], password: string): string {
  return execFileSync('openssl', ['passwd', ...args, password], { encoding: 'utf8' }).trim();
}

/** DES crypt(3) of PASSWORD with SALT by glibc (perl's crypt). Without perl, the known answer for the
 *  one pair the tests use (checked against perl where it is). */
export function desCryptOf(password: string, salt: string): string {
  try {
    return execFileSync('perl', ['-e', 'print crypt($ARGV[0], $ARGV[1])', password, salt], { encoding: 'utf8' });
  } catch {
    assert.deepEqual([password, salt], ['s3cret-des', 'ab'], 'perl is needed for other pairs');
    return DES_KNOWN_ANSWER;
  }
}

/** glibc's crypt("s3cret-des", "ab"). */
export const DES_KNOWN_ANSWER = 'abekyJmSAaIcw';
