// `set mmonit URL [with timeout N seconds], URL2 … [and register without credentials]`: monit's
// statement (monit 5.33 src/p.y, `mmonit`), read by the rules front end. Each URL is an M/Monit
// collector (`http://USER:PASSWORD@HOST:8080/collector`), tried in order; its user info is the
// basic auth of the push, a secret.
import type { Cursor } from '../config/cursor.js';
import { describe } from '../config/cursor.js';
import type { Token } from '../config/lexer.js';
import type { SslOptions } from '../config/parse-ssl.js';
import { parseSslBlock } from '../config/parse-ssl.js';
import { parseDuration } from '../config/units.js';
import { maskUrlPassword } from '../util/url-password.js';

/** One M/Monit collector. */
export interface MMonitCollector {
  readonly url: string;
  /** The deadline of one push (monit's default: its network timeout, 5 s). */
  readonly timeoutMs: number;
  /** An https:// collector's certificate check: `ssl { … }` over `set ssl { … }`, as written. */
  readonly tls?: MMonitTls;
}

/** monit's SSL options that apply to a push; the certificate is verified unless they say not. */
export interface MMonitTls {
  readonly verify?: boolean;
  readonly allowSelfSigned?: boolean;
  readonly caFile?: string;
}

/** `set mmonit`: where status and events are pushed. */
export interface MMonit {
  /** Tried in order until one takes the push (monit's fail-over list). */
  readonly collectors: readonly MMonitCollector[];
  /** The first `set httpd` user who may act is sent in `<credentials>`, so M/Monit can act
   *  through brokerwatch's API; `register without credentials` sends none. */
  readonly credentials: boolean;
}

/** monit's network timeout, the deadline of its M/Monit pushes. */
export const DEFAULT_MMONIT_TIMEOUT_MS = 5_000;

/** Parses after `set mmonit`. */
export function parseMMonit(c: Cursor): MMonit {
  const collectors: MMonitCollector[] = [];
  let credentials = true;
  do {
    const tok = c.expectValue('an M/Monit collector URL (http://USER:PASSWORD@HOST:8080/collector)');
    checkCollectorUrl(c, tok);
    let timeoutMs = DEFAULT_MMONIT_TIMEOUT_MS;
    let own: SslOptions | undefined;
    for (;;) {
      if (c.acceptWord('timeout')) timeoutMs = parseDuration(c, 'timeout', 'seconds');
      else if (c.isWord('ssl', 'tls') && c.peek(1).type === '{') {
        c.next();
        own = parseSslBlock(c);
        for (const u of own.unused)
          c.warn(u.pos, `'${u.key}' in the SSL options of 'set mmonit' is not used by brokerwatch; ignored`);
      } else break;
    }
    const tls = tlsOf({ ...c.globalSsl, ...own, unused: [] });
    collectors.push({ url: tok.text, timeoutMs, ...(tls ? { tls } : {}) });
    // `register without credentials` (`without` and `and` are noise words).
    if (c.acceptWord('register')) {
      c.expectWord("'credentials' after 'register without'", 'credentials');
      credentials = false;
    }
  } while (
    (c.peek().type === 'word' || c.peek().type === 'string') &&
    !c.peek().lineStart &&
    /^https?:\/\//i.test(c.peek().text)
  );
  return { collectors, credentials };
}

/** The options of SSL that a push uses; undefined when none is set. */
function tlsOf(o: SslOptions): MMonitTls | undefined {
  const tls = {
    ...(o.verify !== undefined ? { verify: o.verify } : {}),
    ...(o.allowSelfSigned !== undefined ? { allowSelfSigned: o.allowSelfSigned } : {}),
    ...(o.caFile !== undefined ? { caFile: o.caFile } : {}),
  };
  return Object.keys(tls).length > 0 ? tls : undefined;
}

function checkCollectorUrl(c: Cursor, tok: Token): void {
  let url: URL;
  try {
    url = new URL(tok.text);
  } catch {
    c.fail(tok, `"${tok.text}" is not a valid URL (http://USER:PASSWORD@HOST:8080/collector)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    c.fail(tok, `expected an http:// or https:// URL, found ${describe(tok)}`);
}

/** The config printer's helpers (src/config/printer.ts); `mask` stands for passwords when given. */
export interface MMonitPrinter {
  word(s: string): string;
  duration(ms: number): string;
  readonly mask?: string;
}

/** The statement as the rules file writes it. */
export function printMMonit(m: MMonit, p: MMonitPrinter): string {
  const urls = m.collectors.map((col) => {
    const timeout = col.timeoutMs !== DEFAULT_MMONIT_TIMEOUT_MS ? ` with timeout ${p.duration(col.timeoutMs)}` : '';
    const t = col.tls;
    const ssl = t
      ? [
          t.verify !== undefined ? `verify: ${t.verify ? 'enable' : 'disable'}` : undefined,
          t.allowSelfSigned !== undefined ? `selfsigned: ${t.allowSelfSigned ? 'allow' : 'reject'}` : undefined,
          t.caFile !== undefined ? `cacertificatefile: ${p.word(t.caFile)}` : undefined,
        ].filter((x) => x !== undefined)
      : [];
    const options = ssl.length > 0 ? ` with ssl { ${ssl.join(', ')} }` : '';
    return `${p.word(p.mask !== undefined ? maskUrlPassword(col.url, p.mask) : col.url)}${timeout}${options}`;
  });
  return `set mmonit ${urls.join(', ')}${m.credentials ? '' : ' and register without credentials'}`;
}

/** The passwords in the collectors' URLs, as written and decoded. */
export function mmonitSecrets(m: MMonit): string[] {
  const out: string[] = [];
  for (const col of m.collectors) {
    try {
      const u = new URL(col.url);
      if (u.password) out.push(u.password, decodeURIComponent(u.password));
    } catch {
      // The parser took only URLs.
    }
  }
  return out;
}

/** A collector's URL in logs: no user info. */
export function collectorLabel(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return 'M/Monit';
  }
}
