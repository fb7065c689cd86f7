// CSRF tokens for the web page's forms. The browser sends basic-auth credentials with any request to
// this origin, a cross-site form post included, so a form post proves nothing by itself: it must also
// carry a token that only a page served to this user could hold. Stateless: HMAC-SHA256 of the user
// and the time it was issued, under a key made at start (a restart of brokerwatch voids old pages).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** How long a page's forms stay usable. */
const TOKEN_TTL_MS = 12 * 3_600_000;

/** Issues and checks tokens bound to a user name. */
export class CsrfTokens {
  readonly #key: Buffer;
  readonly #now: () => number;

  constructor(opts: { key?: Buffer; now?: () => number } = {}) {
    this.#key = opts.key ?? randomBytes(32);
    this.#now = opts.now ?? Date.now;
  }

  /** A token for `user`, good for 12 hours. */
  issue(user: string): string {
    const issued = this.#now().toString(36);
    return `${issued}.${this.#mac(user, issued)}`;
  }

  /** Whether `token` was issued by this server to `user` and has not expired. */
  verify(user: string, token: unknown): boolean {
    if (typeof token !== 'string' || token.length > 200) return false;
    const dot = token.indexOf('.');
    if (dot <= 0) return false;
    const issued = token.slice(0, dot);
    const at = Number.parseInt(issued, 36);
    const age = this.#now() - at;
    if (!Number.isFinite(at) || age < 0 || age > TOKEN_TTL_MS) return false;
    const want = Buffer.from(this.#mac(user, issued));
    const got = Buffer.from(token.slice(dot + 1));
    return got.length === want.length && timingSafeEqual(got, want);
  }

  #mac(user: string, issued: string): string {
    return createHmac('sha256', this.#key).update(`${issued}\0${user}`).digest('base64url');
  }
}
