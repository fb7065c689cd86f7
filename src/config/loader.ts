// Reading rules files: permission checks (for the main file and every included one, which monit
// forgets), `include` globs expanded on the token stream where they stand (include-reader.ts: loops,
// depth, size), the rules parsed and every diagnostic reported at once.
import { existsSync } from 'node:fs';
import { readdir, stat } from '../util/fs-async.js';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Diagnostic } from './diagnostics.js';
import { ConfigError, safeDiagnostic, sortDiagnostics } from './diagnostics.js';
import { credentialValues, maskQuoted, rememberCredentialValues } from './credentials.js';
import { checkEnvironment } from './environment.js';
import { readHtpasswdFiles } from './htpasswd.js';
import type { IncludeHooks } from './include-reader.js';
import { append, IncludeReader } from './include-reader.js';
import type { Token } from './lexer.js';
import { lex } from './lexer.js';
import type { Config } from './model.js';
import { parseTokens } from './parser.js';
import { ipFamily } from '../util/ip.js';

export interface LoadOptions {
  /** Refuse files not owned by the running user or open to group/others (default true). */
  readonly checkPermissions?: boolean;
  /**
   * Look at this machine as monit's -t does: programs, users and groups, certificate files (default
   * false; `-t`, the daemon's start and its reload turn it on).
   */
  readonly checkEnvironment?: boolean;
}

export interface LoadResult {
  readonly config: Config;
  /** Warnings only; errors make `loadRules` throw a ConfigError. */
  readonly warnings: readonly Diagnostic[];
}

/** Where the rules file is looked for when `-c` is not given, first found wins. */
export function defaultRulesFiles(): string[] {
  return [
    join(homedir(), '.brokerwatchrc'),
    '/etc/brokerwatch/brokerwatch.rc',
    '/etc/brokerwatchrc',
    resolve('brokerwatch.rc'),
  ];
}

/** Finds the first existing default rules file. */
export function findRulesFile(): string | undefined {
  return defaultRulesFiles().find((f) => existsSync(f));
}

/** Loads, checks and parses a rules file with its includes; throws ConfigError listing every error. */
export async function loadRules(file: string, opts: LoadOptions = {}): Promise<LoadResult> {
  const reader = new IncludeReader(HOOKS, opts.checkPermissions ?? true);
  const main = resolve(file);
  const tokens = await reader.file(main, { file: main, line: 1, col: 1 }, []);
  return finish(tokens, reader.files, reader.diagnostics, opts.checkEnvironment ?? false);
}

/** Parses rules from a string (no includes relative to disk are checked for permissions). */
export async function parseRules(
  text: string,
  file = 'rules.rc',
  opts: LoadOptions = { checkPermissions: false },
): Promise<LoadResult> {
  const reader = new IncludeReader(HOOKS, opts.checkPermissions ?? false);
  reader.files.push(file);
  const lexed = lex(text, file);
  append(reader.diagnostics, lexed.diagnostics);
  const tokens = await reader.expand(lexed.tokens, file, [file]);
  return finish(tokens, reader.files, reader.diagnostics, opts.checkEnvironment ?? false);
}

async function finish(
  tokens: Token[],
  files: string[],
  diagnostics: Diagnostic[],
  checkEnv: boolean,
): Promise<LoadResult> {
  const last = tokens[tokens.length - 1];
  const eofPos = last
    ? { ...last.pos, col: last.pos.col + Math.max(1, last.text.length) }
    : { file: files[0] ?? 'rules', line: 1, col: 1 };
  const eof: Token = { type: 'eof', text: '', lower: '', pos: eofPos, lineStart: true, glued: false };
  const parsed = parseTokens([...tokens, eof], files);
  // The users of `allow md5|crypt|cleartext FILE`: read now, so a reload reads them again.
  const htpasswd = await readHtpasswdFiles(parsed.config);
  const result = { ...parsed, config: htpasswd.config };
  const env = checkEnv ? await checkEnvironment(result.refs, result.config) : [];
  const secrets = credentialValues(tokens).sort((a, b) => b.length - a.length);
  const found = [...diagnostics, ...result.diagnostics, ...htpasswd.diagnostics, ...env];
  const all = sortDiagnostics(found, files).map((d) => {
    const message = maskQuoted(d.message, secrets);
    return safeDiagnostic(message === d.message ? d : { ...d, message });
  });
  if (all.some((d) => d.severity === 'error')) throw new ConfigError(all);
  rememberCredentialValues(result.config, secrets);
  return { config: result.config, warnings: all };
}

/** What the include reader uses of this file. */
const HOOKS: IncludeHooks = {
  glob: (pattern) => glob(pattern),
  whatIsMissing: (pattern) => whatIsMissing(pattern),
  mainProblem: (path) => permissionProblem(path),
  includedVerdict: (path, tokens) => includedFileVerdict(path, tokens),
  isGlobError: (e): e is Error => e instanceof GlobError,
};

/** Why a rules file must not be used (it may hold passwords), or undefined when it is fine. */
export async function permissionProblem(path: string): Promise<string | undefined> {
  const st = await stat(path);
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) {
    return `${path} is owned by uid ${st.uid}, not by the user running brokerwatch (uid ${uid}); run 'chown ${uid} ${path} && chmod 600 ${path}'`;
  }
  if ((st.mode & 0o077) !== 0) {
    const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
    return `${path} must not be accessible by group or others (mode ${mode}): it may hold passwords; run 'chmod 600 ${path}'`;
  }
  return undefined;
}

/** Why nothing matched an include: `file` (no wildcard), `folder` (a glob's folder is missing), or undefined. */
async function whatIsMissing(pattern: string): Promise<'file' | 'folder' | undefined> {
  const wild = pattern.search(/[*?[]/);
  if (wild < 0) return 'file';
  const folder = dirname(pattern.slice(0, wild + 1));
  try {
    return (await stat(folder)).isDirectory() ? undefined : 'folder';
  } catch {
    return 'folder';
  }
}

/**
 * What an included file's owner and mode allow. Others must not be able to change the rules (a
 * start program runs as root), so the file is refused when group or others may write it, or when it
 * belongs to a user other than root and the one running brokerwatch. Readable by others it is
 * refused only if it holds a secret: Debian's monit templates are 0644 and hold none (a warning).
 */
async function includedFileVerdict(
  path: string,
  tokens: readonly Token[],
): Promise<Omit<Diagnostic, 'pos'> | undefined> {
  const st = await stat(path);
  const uid = process.getuid?.();
  const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
  const what = `(mode ${mode}, owner uid ${st.uid})`;
  if (uid !== undefined && st.uid !== uid && st.uid !== 0) {
    const message = `${path} ${what} belongs to neither root nor the user running brokerwatch (uid ${uid}), who could change the rules; run 'chown ${uid} ${path} && chmod go-w ${path}'`;
    return { severity: 'error', message };
  }
  if ((st.mode & 0o022) !== 0) {
    const message = `${path} ${what} is writable by group or others, who could change the rules; run 'chmod go-w ${path}'`;
    return { severity: 'error', message };
  }
  if ((st.mode & 0o044) === 0) return undefined;
  const secret = findSecret(tokens);
  if (secret)
    return {
      severity: 'error',
      message: `${path} ${what} holds a secret (${secret.kind} at line ${secret.line}) and is readable by group or others; run 'chmod 600 ${path}'`,
    };
  return {
    severity: 'warning',
    message: `${path} ${what} is readable by group or others; it holds no password, so it is loaded`,
  };
}

/** A credentials URL: `mqtt://user:pw@host`. */
const URL_WITH_PASSWORD = /^[a-z][a-z0-9+.-]*:\/\/[^/@\s]*:[^/@\s]*@/i;

/** The first secret of a file's own tokens, named (`'password'`, `'allow USER:PASSWORD'`, a URL) with its line. */
export function findSecret(tokens: readonly Token[]): { kind: string; line: number } | undefined {
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    const next = tokens[i + 1];
    if (t.type === 'word' && (t.lower === 'password' || t.lower === 'passphrase') && next && next.type !== 'eof')
      return { kind: `'${t.text}'`, line: t.pos.line };
    if (t.type === 'word' && t.lower === 'allow' && next && isUserPassword(next.text))
      return { kind: "'allow USER:PASSWORD'", line: t.pos.line };
    if ((t.type === 'word' || t.type === 'string') && URL_WITH_PASSWORD.test(t.text))
      return { kind: 'a URL with a password', line: t.pos.line };
  }
  return undefined;
}

/** `admin:pw` and `admin:` (a quoted password follows), not an IPv6 address. */
function isUserPassword(text: string): boolean {
  const colon = text.indexOf(':');
  return colon > 0 && ipFamily(text.split('/')[0] ?? '') === 0;
}

/** A malformed glob, e.g. the class `[z-a]`. */
export class GlobError extends Error {}

/** Expands `*`, `?` and `[…]` per path segment; regular files only, sorted. Throws GlobError. */
export async function glob(pattern: string): Promise<string[]> {
  const segments = pattern.split('/');
  let bases: string[] = [pattern.startsWith('/') ? '/' : '.'];
  for (const [idx, seg] of segments.entries()) {
    if (seg === '' || seg === '.') continue;
    const last = idx === segments.length - 1;
    const next: string[] = [];
    for (const base of bases) {
      if (!/[*?[]/.test(seg)) {
        next.push(join(base, seg));
        continue;
      }
      let entries: string[];
      try {
        entries = await readdir(base);
      } catch {
        continue;
      }
      const re = segmentRegex(seg);
      for (const e of entries.sort()) if (re.test(e)) next.push(join(base, e));
    }
    bases = next;
    if (last) break;
  }
  const files: string[] = [];
  for (const f of bases) {
    try {
      if ((await stat(f)).isFile()) files.push(f);
    } catch {
      // a name that does not exist is simply not matched
    }
  }
  return files.sort();
}

function segmentRegex(seg: string): RegExp {
  let re = '';
  for (let i = 0; i < seg.length; i++) {
    const ch = seg[i] as string;
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else if (ch === '[') {
      const end = seg.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        re += `[${seg
          .slice(i + 1, end)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += ch.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  // POSIX glob: a wildcard does not match a leading dot.
  try {
    return new RegExp(seg.startsWith('.') ? `^${re}$` : `^(?!\\.)${re}$`);
  } catch {
    throw new GlobError(`invalid pattern '${seg}'`);
  }
}
