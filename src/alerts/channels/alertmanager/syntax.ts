// Alertmanager: `alertmanager "http[s]://[USER:PASS@]HOST:PORT[/PREFIX]" [labels { NAME = "VALUE" … }]
// [resend every N minutes] [with timeout N s]`. Alertmanager groups, deduplicates, silences and
// routes what it gets; brokerwatch posts each event as an alert of its v2 API. A failure is re-sent
// while it lasts, since Alertmanager resolves an alert that is not (see send.ts).
import { parseDuration } from '../../../config/units.js';
import { describe } from '../../../config/cursor.js';
import type { Cursor } from '../../../config/cursor.js';
import type { ChannelSyntax } from '../contract.js';
import { checkUrl } from '../url-syntax.js';
import { maskUrlPassword } from '../../../util/url-password.js';

/** `set alert alertmanager "http://127.0.0.1:9093" labels { team = "ops" }`. */
export interface AlertmanagerTarget {
  readonly kind: 'alertmanager';
  /** The base URL (the web UI's); alerts go to BASE/api/v2/alerts. May carry basic auth credentials. */
  readonly url: string;
  /** Labels added to every alert, over brokerwatch's own (`severity = "warning"` replaces critical). */
  readonly labels: Readonly<Record<string, string>>;
  /** How often a failure still open is posted again (Prometheus's resend delay: 1 minute). */
  readonly resendMs: number;
  readonly timeoutMs: number;
}

/** Prometheus re-sends a firing alert every minute (`--rules.alert.resend-delay`). */
export const DEFAULT_RESEND_MS = 60_000;
/** The POST's deadline when the target names none. */
export const DEFAULT_ALERTMANAGER_TIMEOUT_MS = 10_000;
/** Alertmanager's (and Prometheus's) label names. */
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** The Alertmanager channel's syntax. */
export const alertmanagerSyntax: ChannelSyntax<AlertmanagerTarget> = {
  kind: 'alertmanager',
  expected: 'alertmanager "URL"',
  docs: '`alertmanager "URL" [labels { NAME = "VALUE" … }] [resend every N minutes] [with timeout N s]`: each event as an alert of Alertmanager\'s v2 API (a failure firing, re-sent while it lasts; its recovery resolving it)',
  example:
    'alertmanager "https://bw:s3cr3t-Pa55@alertmanager.example.com:9093/am" labels { team = "ops", env = "prod" } resend every 2 minutes with timeout 5 seconds',
  starts: (c) => c.isWord('alertmanager'),
  parse(c) {
    c.next();
    const urlTok = c.expectString('a URL after alertmanager');
    const url = checkUrl(c, urlTok, ['http:', 'https:']);
    if (url.search || url.hash) c.fail(urlTok, `an Alertmanager URL has no query or fragment: "${urlTok.text}"`);
    let labels: Record<string, string> = {};
    let resendMs = DEFAULT_RESEND_MS;
    let timeoutMs = DEFAULT_ALERTMANAGER_TIMEOUT_MS;
    for (;;) {
      if (c.acceptWord('labels')) labels = { ...labels, ...parseLabels(c) };
      else if (c.acceptWord('resend')) {
        c.acceptWord('every');
        const at = c.peek();
        resendMs = parseDuration(c, 'resend', 'seconds');
        if (resendMs < 1_000) c.fail(at, `a resend interval of ${resendMs} ms is too short (at least 1 second)`);
      } else if (c.acceptWord('timeout')) timeoutMs = parseDuration(c, 'timeout', 'seconds');
      else break;
    }
    return { kind: 'alertmanager', url: urlTok.text, labels, resendMs, timeoutMs };
  },
  print(t, p) {
    let s = `alertmanager ${p.quote(p.mask !== undefined ? maskUrlPassword(t.url, p.mask) : t.url)}`;
    const labels = Object.entries(t.labels);
    if (labels.length > 0) s += ` labels { ${labels.map(([k, v]) => `${k} = ${p.quote(v)}`).join(', ')} }`;
    if (t.resendMs !== DEFAULT_RESEND_MS) s += ` resend every ${p.duration(t.resendMs)}`;
    if (t.timeoutMs !== DEFAULT_ALERTMANAGER_TIMEOUT_MS) s += ` with timeout ${p.duration(t.timeoutMs)}`;
    return s;
  },
  // One Alertmanager, one lane: a service's own recipient of it (other labels) replaces the global one.
  identity: (t) => `alertmanager\0${withoutUserInfo(t.url)}`,
  label: (t) => {
    try {
      return `alertmanager ${new URL(t.url).origin}`;
    } catch {
      return 'alertmanager';
    }
  },
  noalertName: (t) => withoutUserInfo(t.url),
  resendMs: (t) => t.resendMs,
  secrets(t) {
    try {
      const u = new URL(t.url);
      return u.password ? [decodeURIComponent(u.password), u.password] : [];
    } catch {
      return [];
    }
  },
};

/** `{ NAME = VALUE, … }` (the cursor is at `{`); `=` and `:` may be left out, as in monit's blocks. */
function parseLabels(c: Cursor): Record<string, string> {
  const open = c.peek();
  if (open.type !== '{') c.fail(open, `expected '{' and labels after 'labels', found ${describe(open)}`);
  c.next();
  const out: Record<string, string> = {};
  for (;;) {
    const t = c.peek();
    if (t.type === '}') {
      c.next();
      return out;
    }
    if (t.type === 'eof')
      c.fail(t, `expected '}' to close the labels opened at line ${open.pos.line}, found end of file`);
    const glued = t.type === 'word' && t.text.endsWith(':') ? t.text.slice(0, -1) : t.text;
    if (t.type !== 'word' || !LABEL_NAME.test(glued))
      c.fail(t, `expected a label name ([a-zA-Z_][a-zA-Z0-9_]*), found ${describe(t)}`);
    c.next();
    if (glued === t.text && !c.acceptOp() && c.peek().type === 'word' && c.peek().text === ':') c.next();
    if (glued.startsWith('__')) c.fail(t, `label names starting with '__' are reserved by Alertmanager: ${glued}`);
    out[glued] = c.expectValue(`a value for label ${glued}`).text;
  }
}

/** The URL as written without its user info: what names the Alertmanager (`noalert "http://am:9093"`)
 *  and never shows a password. */
export function withoutUserInfo(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/?#]*@/i, '$1');
}
