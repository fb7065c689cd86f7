// Webhook: `webhook "URL" [slack] [with timeout N s]`. The URL's path and query usually carry the
// receiver's token (Slack's do), so they count as secrets and never reach a label.
import { parseDuration } from '../../../config/units.js';
import type { ChannelSyntax } from '../contract.js';
import { checkUrl } from '../url-syntax.js';
import { maskUrlPassword } from '../../../util/url-password.js';

/** `set alert webhook "https://…" [slack] [with timeout N s]`. */
export interface WebhookTarget {
  readonly kind: 'webhook';
  readonly url: string;
  /** Send Slack's incoming-webhook body instead of the alert document. */
  readonly slack: boolean;
  readonly timeoutMs: number;
}

/** The POST's deadline when the target names none. */
export const DEFAULT_WEBHOOK_TIMEOUT_MS = 5_000;

/** The webhook channel's syntax. */
export const webhookSyntax: ChannelSyntax<WebhookTarget> = {
  kind: 'webhook',
  expected: 'webhook "URL"',
  docs: '`webhook "URL" [slack] [with timeout N s]`: the alert as JSON in a POST (with `slack`, a body Slack, Mattermost and Rocket.Chat take)',
  example: 'webhook "https://hooks.example.com/services/T0/B0/s3cr3t-T0ken?k=v" slack with timeout 10 seconds',
  starts: (c) => c.isWord('webhook'),
  parse(c) {
    c.next();
    const url = c.expectString('a URL after webhook');
    checkUrl(c, url, ['http:', 'https:']);
    let slack = false;
    let timeoutMs = DEFAULT_WEBHOOK_TIMEOUT_MS;
    for (;;) {
      if (c.acceptWord('slack')) slack = true;
      else if (c.acceptWord('timeout')) timeoutMs = parseDuration(c, 'timeout', 'seconds');
      else break;
    }
    return { kind: 'webhook', url: url.text, slack, timeoutMs };
  },
  print(t, p) {
    const timeout = t.timeoutMs !== DEFAULT_WEBHOOK_TIMEOUT_MS ? ` with timeout ${p.duration(t.timeoutMs)}` : '';
    return `webhook ${p.quote(p.mask !== undefined ? maskUrlPassword(t.url, p.mask) : t.url)}${t.slack ? ' slack' : ''}${timeout}`;
  },
  identity: (t) => `webhook\0${t.url}`,
  label(t) {
    try {
      return `webhook ${new URL(t.url).origin}`;
    } catch {
      return 'webhook';
    }
  },
  noalertName: (t) => t.url,
  secrets: (t) => urlSecrets(t.url),
};

/** The URL whole, its password, and its path and query (which carry the token). */
function urlSecrets(url: string): string[] {
  const out = [url];
  try {
    const u = new URL(url);
    if (u.password) out.push(decodeURIComponent(u.password), u.password);
    if (u.pathname.length > 1) out.push(u.pathname, u.pathname.slice(1));
    if (u.search) out.push(u.search.slice(1));
  } catch {
    // Not a URL: the whole string is the secret.
  }
  return out;
}
