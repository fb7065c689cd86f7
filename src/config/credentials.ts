// Words that announce a secret, spelt right or not. A misspelt `pasword "SECRET"` is not a keyword,
// so nothing in the model knows its value is a password: read as two more mail hosts it went to DNS,
// to the log and to `-t -v`. The parser names such a word with a hint, and every value written after
// one is masked wherever brokerwatch shows text, whether the rules loaded or not.
import type { Cursor } from './cursor.js';
import type { Token } from './lexer.js';

/** Words that always announce a secret. */
const SECRET_WORDS: ReadonlySet<string> = new Set([
  'password',
  'passwd',
  'passphrase',
  'pass',
  'pwd',
  'pw',
  'secret',
  'token',
  'apikey',
  'api-key',
  'api_key',
]);

/** Keywords whose misspellings (up to two edits away) are taken as announcing a secret. */
const NEAR: readonly string[] = ['password', 'username', 'passphrase'];

/** Right words that are not secrets themselves: `username admin` names a user. */
const NOT_SECRET: ReadonlySet<string> = new Set(['username', 'user']);

/** The keyword `word` (lower case) is a misspelling of, or undefined. */
export function misspeltCredential(word: string): string | undefined {
  if (SECRET_WORDS.has(word) || NOT_SECRET.has(word)) return undefined;
  return NEAR.find((k) => editDistance(word, k, 2) <= 2);
}

/** Whether the value after `word` (lower case) must be taken for a secret. */
export function announcesSecret(word: string): boolean {
  return SECRET_WORDS.has(word) || misspeltCredential(word) !== undefined;
}

/**
 * Every value written after a word that announces a secret: the token after it, and inside quoted
 * strings (a command line) the word after `--password`, `token=` and the like.
 */
export function credentialValues(tokens: readonly Token[]): string[] {
  const found = new Set<string>();
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    const next = tokens[i + 1];
    if (t.type === 'word' && announcesSecret(t.lower) && next && isValue(next) && next.text !== '')
      found.add(next.text);
    if (t.type === 'string') for (const v of valuesInText(t.text)) found.add(v);
  }
  return [...found];
}

/** Words of the language that end a statement's values: `password then alert` has no password. */
const KEYWORDS: ReadonlySet<string> = new Set(
  (
    'if then else check set alert noalert include start stop restart exec unmonitor monitor failed ' +
    'succeeded port host address protocol type username password timeout retry ssl tls every depends ' +
    'group mode not exist'
  ).split(' '),
);

function isValue(t: Token): boolean {
  if (t.type === 'string' || t.type === 'number') return true;
  return t.type === 'word' && !t.lineStart && !KEYWORDS.has(t.lower);
}

/** In free text (`/bin/x --password S`, `token=S`), the words after secret-announcing words. */
function valuesInText(text: string): string[] {
  const words = text.split(/[\s=:]+/).filter((w) => w !== '');
  const out: string[] = [];
  for (let i = 0; i + 1 < words.length; i++) {
    const word = (words[i] as string).replace(/^-+/, '').toLowerCase();
    if (announcesSecret(word)) out.push((words[i + 1] as string).replace(/^['"]|['"]$/g, ''));
  }
  return out.filter((v) => v !== '');
}

/**
 * `text` with each of `secrets` masked where it stands quoted (`'S'`, `"S"`), as a message quotes a
 * token: masking every occurrence would also hide ordinary words of the message (a password `is`).
 */
export function maskQuoted(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets)
    for (const q of ["'", '"'])
      if (out.includes(`${q}${s}${q}`)) out = out.split(`${q}${s}${q}`).join(`${q}********${q}`);
  return out;
}

/**
 * The values found by credentialValues in the tokens a Config was parsed from. Kept beside the model
 * rather than in it: a Config read back from its printed form (which drops what brokerwatch ignores)
 * must stay equal to the original.
 */
const valuesOfConfig = new WeakMap<object, readonly string[]>();

/** Remembers the credential values of the rules `config` was parsed from (the loader). */
export function rememberCredentialValues(config: object, values: readonly string[]): void {
  if (values.length > 0) valuesOfConfig.set(config, values);
}

/** The credential values of the rules `config` was parsed from, longest first. */
export function credentialValuesOf(config: object): readonly string[] {
  return valuesOfConfig.get(config) ?? [];
}

/** Levenshtein distance of `a` and `b`, or `max + 1` as soon as it is known to exceed `max`. */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const v = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      cur.push(v);
      best = Math.min(best, v);
    }
    if (best > max) return max + 1;
    prev = cur;
  }
  return prev[b.length] as number;
}

/**
 * A mail server's host, refusing a word that announces a secret: `username "u" pasword "SECRET"`
 * would otherwise read as two more hosts, `pasword` and `SECRET` (monit lists hosts one after another).
 */
export function expectMailHost(c: Cursor): Token {
  const t = c.expectValue('a mail server host');
  if (t.type !== 'word' || !announcesSecret(t.lower)) return t;
  const meant = misspeltCredential(t.lower);
  return c.fail(
    t,
    meant !== undefined
      ? `unknown word '${t.text}' in 'set mailserver', read as a host: did you mean '${meant}'?`
      : `'${t.text}' in 'set mailserver' is read as a host: write 'password' before a password`,
  );
}
