// Checking a password against an htpasswd entry, as monit does (util.c Util_checkCredentials): md5
// is MD5-crypt ($1$, and Apache's $apr1$, which differs only in its magic string), computed here on
// node:crypto's MD5; crypt is traditional DES crypt(3) with the hash's first two characters as the
// salt, computed by the unix-crypt-td-js package (a pure-JS port of V7 Unix crypt.c: no native build,
// and the same hash as glibc's crypt() for any bytes); cleartext is the password itself. The
// password's UTF-8 bytes are hashed, as htpasswd and openssl do. Results are compared in constant
// time (digests of equal length).
import { createHash, timingSafeEqual } from 'node:crypto';
import unixCryptTD from 'unix-crypt-td-js';

export type Digest = 'cleartext' | 'md5' | 'crypt';

const ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const md5 = (...parts: Buffer[]): Buffer => {
  const h = createHash('md5');
  for (const p of parts) h.update(p);
  return h.digest();
};

/** `n` characters of ITOA64 for the low bits of `v`, least significant first. */
function to64(v: number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++, v >>= 6) s += ITOA64[v & 0x3f];
  return s;
}

/** MD5-crypt (Poul-Henning Kamp's FreeBSD scheme) of PASSWORD with MAGIC (`$1$` or `$apr1$`) and up to
 *  8 characters of SALT. */
export function md5Crypt(password: string, magic: '$1$' | '$apr1$', salt: string): string {
  const pw = Buffer.from(password, 'utf8');
  const s = Buffer.from(salt.split('$')[0] ?? '', 'utf8').subarray(0, 8);
  const alt = md5(pw, s, pw);
  const parts: Buffer[] = [pw, Buffer.from(magic), s];
  for (let left = pw.length; left > 0; left -= 16) parts.push(alt.subarray(0, Math.min(16, left)));
  // For each bit of the length, from the lowest: a zero byte for a 1, the password's first byte for a 0.
  for (let i = pw.length; i > 0; i >>= 1) parts.push(i & 1 ? Buffer.of(0) : pw.subarray(0, 1));
  let final = md5(...parts);
  // A thousand rounds, to slow down a dictionary.
  for (let i = 0; i < 1000; i++) {
    const round: Buffer[] = [i & 1 ? pw : final];
    if (i % 3) round.push(s);
    if (i % 7) round.push(pw);
    round.push(i & 1 ? final : pw);
    final = md5(...round);
  }
  const f = (i: number): number => final[i] ?? 0;
  const out =
    to64((f(0) << 16) | (f(6) << 8) | f(12), 4) +
    to64((f(1) << 16) | (f(7) << 8) | f(13), 4) +
    to64((f(2) << 16) | (f(8) << 8) | f(14), 4) +
    to64((f(3) << 16) | (f(9) << 8) | f(15), 4) +
    to64((f(4) << 16) | (f(10) << 8) | f(5), 4) +
    to64(f(11), 2);
  return `${magic}${s.toString('utf8')}$${out}`;
}

/** DES crypt(3) of PASSWORD's bytes with the two-character SALT. */
export function desCrypt(password: string, salt: string): string {
  return unixCryptTD([...Buffer.from(password, 'utf8')], salt.slice(0, 2));
}

const sha256 = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** True if PASSWORD hashes to STORED (an entry of DIGEST's form); constant time in the comparison. */
export function checkPassword(digest: Digest, stored: string, password: string): boolean {
  return timingSafeEqual(sha256(hashLike(digest, stored, password)), sha256(stored));
}

/** PASSWORD hashed the way STORED was (the salt taken from STORED). */
function hashLike(digest: Digest, stored: string, password: string): string {
  if (digest === 'cleartext') return password;
  if (digest === 'crypt') return desCrypt(password, stored);
  const m = /^(\$(?:1|apr1)\$)([^$]*)\$/.exec(stored);
  // The loader admits no other form; a stored value of another shape matches nothing.
  if (!m) return `${stored}-`;
  return md5Crypt(password, m[1] as '$1$' | '$apr1$', m[2] ?? '');
}

/** The work of one check of DIGEST, for a login that names no such user (see AccessPolicy). */
export function dummyCheck(digest: Digest, password: string): void {
  if (digest === 'md5') md5Crypt(password, '$1$', 'dummysal');
  else if (digest === 'crypt') desCrypt(password, 'du');
}
