// The secrets a rules file holds, so that no response, page or log line of the HTTP server shows
// one. DTOs are built field by field and never from Service or Command objects; this is the second
// guard, for free text (check and event messages) that might quote a value from the rules file.
import { syntaxOf as channelOf } from '../alerts/channels/registry.js';
import { syntaxOf } from '../checks/registry.js';
import type { AlertRecipient, Config } from '../config/model.js';
import { mmonitSecrets } from '../mmonit/syntax.js';

/** Shorter values occur in ordinary text ("ok", port numbers): they are masked only as whole words. */
const MIN_SECRET_LENGTH = 4;
const MASK = '********';

/** Every secret string of the config: httpd and mail passwords, MQTT probe passwords, and what each
 *  alert channel counts as secret (MQTT passwords, webhook URLs with their path and query). */
export function collectSecrets(config: Config): string[] {
  const found = new Set<string>();
  const add = (s: string | undefined): void => {
    if (s === undefined || s === '') return;
    found.add(s);
    // As it would stand in a URL (an mqtt:// alert target, a webhook) or a form.
    const encoded = encodeURIComponent(s);
    if (encoded !== s) found.add(encoded);
  };
  for (const a of config.httpd?.allow ?? []) if (a.kind === 'user') add(a.password);
  for (const m of config.mailServers) add(m.password);
  for (const s of config.mmonit ? mmonitSecrets(config.mmonit) : []) add(s);
  const alerts: AlertRecipient[] = [...config.alerts, ...config.services.flatMap((s) => s.alerts)];
  // Each channel names its own: an MQTT password, a webhook's URL with its path and query, …
  for (const { target } of alerts) for (const secret of channelOf(target).secrets(target)) add(secret);
  for (const s of config.services) {
    for (const r of s.rules) for (const secret of syntaxOf(r.condition).secrets?.(r.condition) ?? []) add(secret);
  }
  // Longest first, so a URL is masked whole before its path is.
  return [...found].sort((a, b) => b.length - a.length);
}

/** Replaces every secret in a text with asterisks. */
export class Scrubber {
  readonly #long: readonly string[];
  readonly #short: readonly RegExp[];

  constructor(secrets: readonly string[]) {
    this.#long = secrets.filter((s) => s.length >= MIN_SECRET_LENGTH);
    const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    this.#short = secrets
      .filter((s) => s.length > 0 && s.length < MIN_SECRET_LENGTH)
      .map((s) => new RegExp(`(?<![\\p{L}\\p{N}])${escape(s)}(?![\\p{L}\\p{N}])`, 'gu'));
  }

  /** `text` with every secret masked. */
  scrub(text: string): string {
    let out = text;
    for (const s of this.#long) if (out.includes(s)) out = out.split(s).join(MASK);
    for (const re of this.#short) out = out.replace(re, MASK);
    return out;
  }
}
