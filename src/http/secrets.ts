// The secrets a rules file holds, so that no response, page or log line of the HTTP server shows
// one. DTOs are built field by field and never from Service or Command objects; this is the second
// guard, for free text (check and event messages) that might quote a value from the rules file.
import { syntaxOf as channelOf } from '../alerts/channels/registry.js';
import { syntaxOf } from '../checks/registry.js';
import { credentialValuesOf } from '../config/credentials.js';
import type { AlertRecipient, Config } from '../config/model.js';
import { fleetSecrets } from '../fleet/syntax.js';
import { mmonitSecrets } from '../mmonit/syntax.js';

export { Scrubber } from '../util/scrubber.js';

/** Every secret string of the config: httpd and mail passwords, MQTT probe passwords, what each
 *  alert channel counts as secret (MQTT passwords, webhook URLs with their path and query), and every
 *  value the rules wrote after a word like `password`, spelt right or not. */
export function collectSecrets(config: Config): string[] {
  const found = new Set<string>();
  const add = (s: string | undefined): void => {
    if (s === undefined || s === '') return;
    found.add(s);
    // As it would stand in a URL (an mqtt:// alert target, a webhook) or a form.
    const encoded = encodeURIComponent(s);
    if (encoded !== s) found.add(encoded);
  };
  for (const a of config.httpd?.allow ?? []) {
    if (a.kind === 'user') add(a.password);
    // An htpasswd file's passwords (cleartext) and hashes (md5, crypt), though the rules never print them.
    if (a.kind === 'htpasswd') for (const e of a.entries) add(e.hash);
  }
  for (const m of config.mailServers) add(m.password);
  for (const secret of fleetSecrets(config.fleet)) add(secret);
  for (const s of config.mmonit ? mmonitSecrets(config.mmonit) : []) add(s);
  const alerts: AlertRecipient[] = [...config.alerts, ...config.services.flatMap((s) => s.alerts)];
  // Each channel names its own: an MQTT password, a webhook's URL with its path and query, …
  for (const { target } of alerts) for (const secret of channelOf(target).secrets(target)) add(secret);
  for (const s of config.services) {
    for (const r of s.rules) for (const secret of syntaxOf(r.condition).secrets?.(r.condition) ?? []) add(secret);
  }
  // What followed a word announcing a secret, misspelt ones included (`pasword "S"`).
  for (const v of credentialValuesOf(config)) add(v);
  // Longest first, so a URL is masked whole before its path is.
  return [...found].sort((a, b) => b.length - a.length);
}
