// The htpasswd files of `set httpd … allow md5|crypt|cleartext FILE [USER …]`, read when the rules
// load (and so again on every reload), as monit reads them (p.y addhtpasswdentry): a line is
// `USER:HASH`, trailing blanks dropped, everything from a `#` on a comment; for md5 and crypt a
// second `:` ends the hash (a passwd/shadow-style line). Where monit takes a line that can never log
// anyone in, brokerwatch refuses the file, so that a wrong file fails at load and not at the login.
// No message quotes a hash or a password.
import { readFile, stat } from '../util/fs-async.js';
import type { Diagnostic } from './diagnostics.js';
import type { Config, HtpasswdAllow, HttpAllow } from './model.js';

/** An htpasswd file over 1 MiB is refused: a lone login file is a few kB. */
const MAX_BYTES = 1024 * 1024;

/** `$1$` (MD5-crypt) and Apache's `$apr1$`: monit's md5 computes either (its id is the hash's own). */
const MD5_CRYPT = /^\$(1|apr1)\$[^$]{0,8}\$[./0-9A-Za-z]{22}$/;
/** Traditional DES crypt(3): two salt characters and eleven of the hash. */
const DES_CRYPT = /^[./0-9A-Za-z]{13}$/;

type Entry = HtpasswdAllow['entries'][number];

/** The config with every htpasswd allow's entries read from its file, and what was wrong. */
export async function readHtpasswdFiles(config: Config): Promise<{ config: Config; diagnostics: Diagnostic[] }> {
  const httpd = config.httpd;
  if (!httpd?.allow.some((a) => a.kind === 'htpasswd')) return { config, diagnostics: [] };
  const diagnostics: Diagnostic[] = [];
  const known = new Set(httpd.allow.flatMap((a) => (a.kind === 'user' ? [a.user] : [])));
  const allow: HttpAllow[] = [];
  for (const a of httpd.allow) {
    if (a.kind !== 'htpasswd') {
      allow.push(a);
      continue;
    }
    const entries = await entriesOf(a, diagnostics);
    const kept: Entry[] = [];
    for (const e of entries) {
      if (known.has(e.user)) {
        // monit: "Credentials for user … were already added, entry ignored".
        diagnostics.push(warning(a, `user '${e.user}' of ${a.file} is defined already; this entry is ignored`));
        continue;
      }
      known.add(e.user);
      kept.push(e);
    }
    allow.push({ ...a, entries: kept });
  }
  return { config: { ...config, httpd: { ...httpd, allow } }, diagnostics };
}

/** The usable entries of one allow's file, with its problems added to `out`. */
async function entriesOf(a: HtpasswdAllow, out: Diagnostic[]): Promise<Entry[]> {
  let text: string;
  try {
    const st = await stat(a.file);
    if (!st.isFile()) {
      out.push(error(a, `the htpasswd file ${a.file} is not a file`));
      return [];
    }
    if (st.size > MAX_BYTES) {
      out.push(error(a, `the htpasswd file ${a.file} is over 1 MiB (${st.size} bytes)`));
      return [];
    }
    text = await readFile(a.file, 'utf8');
  } catch (e) {
    out.push(error(a, `cannot read the htpasswd file ${a.file}: ${reason(e)}`));
    return [];
  }
  const { entries, problems } = parseHtpasswd(text, a.digest);
  for (const p of problems) out.push(error(a, `${a.file} line ${p.line}: ${p.message}`));
  if (problems.length > 0) return [];
  const wanted = a.users.length > 0 ? entries.filter((e) => a.users.includes(e.user)) : entries;
  for (const u of a.users)
    if (!entries.some((e) => e.user === u)) out.push(warning(a, `the htpasswd file ${a.file} has no user '${u}'`));
  if (entries.length === 0) out.push(warning(a, `the htpasswd file ${a.file} has no users`));
  return wanted;
}

/** The entries of htpasswd text and what is wrong with its lines (1-based), without quoting a secret. */
export function parseHtpasswd(
  text: string,
  digest: HtpasswdAllow['digest'],
): { entries: Entry[]; problems: Array<{ line: number; message: string }> } {
  const entries: Entry[] = [];
  const problems: Array<{ line: number; message: string }> = [];
  text.split('\n').forEach((raw, i) => {
    const hash = raw.indexOf('#');
    const line = (hash >= 0 ? raw.slice(0, hash) : raw).trimEnd();
    if (line.trim() === '') return;
    const colon = line.indexOf(':');
    const problem = (message: string): void => void problems.push({ line: i + 1, message });
    if (colon < 0) return problem("no ':' between the user and the password");
    const user = line.slice(0, colon);
    let secret = line.slice(colon + 1);
    if (digest !== 'cleartext') secret = secret.split(':')[0] ?? '';
    if (user === '') return problem('the user name is empty');
    if (secret === '') return problem(`the password of user '${user}' is empty`);
    if (digest === 'md5' && !MD5_CRYPT.test(secret))
      return problem(`the password of user '${user}' is not an MD5-crypt hash ($1$… or $apr1$…)`);
    if (digest === 'crypt' && !DES_CRYPT.test(secret))
      return problem(`the password of user '${user}' is not a DES crypt hash (13 characters of [./0-9A-Za-z])`);
    entries.push({ user, hash: secret });
  });
  return { entries, problems };
}

function reason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES') return 'permission denied';
  return code ?? (e as Error).message;
}

const error = (a: HtpasswdAllow, message: string): Diagnostic => ({ severity: 'error', pos: a.pos, message });
const warning = (a: HtpasswdAllow, message: string): Diagnostic => ({ severity: 'warning', pos: a.pos, message });
