// The secrets a rules file holds, so that no response, page or log line of the HTTP server shows
// one. DTOs are built field by field and never from Service or Command objects; this is the second
// guard, for free text (check and event messages) that might quote a value from the rules file.
import type { AlertRecipient, Config } from '../config/model.js';

/** Shorter values are not masked: they occur in ordinary text ("ok", port numbers). */
const MIN_SECRET_LENGTH = 4;
const MASK = '********';

/** Every secret string of the config: httpd and mail passwords, MQTT probe and alert passwords,
 *  webhook URLs (and their path and query, which carry the token). */
export function collectSecrets(config: Config): string[] {
  const found = new Set<string>();
  const add = (s: string | undefined): void => {
    if (s !== undefined && s.length >= MIN_SECRET_LENGTH) found.add(s);
  };
  for (const a of config.httpd?.allow ?? []) if (a.kind === 'user') add(a.password);
  for (const m of config.mailServers) add(m.password);
  const alerts: AlertRecipient[] = [...config.alerts, ...config.services.flatMap((s) => s.alerts)];
  for (const a of alerts) {
    const t = a.target;
    if (t.kind === 'mqtt') add(t.password);
    if (t.kind === 'webhook') for (const part of urlSecrets(t.url)) add(part);
  }
  for (const s of config.services) {
    for (const r of s.rules) if (r.condition.kind === 'port') add(r.condition.mqtt?.password);
  }
  // Longest first, so a URL is masked whole before its path is.
  return [...found].sort((a, b) => b.length - a.length);
}

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

/** Replaces every secret in a text with asterisks. */
export class Scrubber {
  constructor(private readonly secrets: readonly string[]) {}

  /** `text` with every secret masked. */
  scrub(text: string): string {
    let out = text;
    for (const s of this.secrets) if (out.includes(s)) out = out.split(s).join(MASK);
    return out;
  }
}
