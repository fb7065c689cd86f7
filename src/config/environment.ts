// What `-t` checks beyond the grammar, as monit's does: programs exist and are executable, `as uid`
// users and groups exist, certificate and key files exist and are readable. Severities follow monit
// 5.33's `-t`: a missing start/stop/exec program is a warning (monit fails only when it runs it), a
// missing `check program`, user, group or certificate is an error.
import { constants } from 'node:fs';
import { access, readFile, stat } from '../util/fs-async.js';
import { delimiter, join } from 'node:path';
import type { Diagnostic } from './diagnostics.js';
import type { Config, SourcePos } from './model.js';

/** Something in the rules that names a thing of this machine, where it is written. */
export type EnvRef =
  | { readonly kind: 'program'; readonly path: string; readonly pos: SourcePos; required: boolean }
  | { readonly kind: 'user' | 'group'; readonly name: string; readonly pos: SourcePos }
  | { readonly kind: 'file' | 'folder'; readonly what: string; readonly path: string; readonly pos: SourcePos };

/** Every problem of the references and of the certificate files of port tests, in rules order. */
export async function checkEnvironment(refs: readonly EnvRef[], config: Config): Promise<Diagnostic[]> {
  const all = [...refs, ...portTestFiles(config), ...alertFiles(config)];
  const ids = await idDatabase(all);
  const out: Diagnostic[] = [];
  for (const r of all) {
    const d = await problemOf(r, ids);
    if (d) out.push(d);
  }
  return out;
}

/** A port test's own TLS files (`ssl { cacertificatefile … }`), named at its `if`. */
function portTestFiles(config: Config): EnvRef[] {
  const refs: EnvRef[] = [];
  for (const s of config.services)
    for (const r of s.rules) {
      if (r.condition.kind !== 'port' || !r.condition.tls) continue;
      const { caFile, certFile, keyFile } = r.condition.tls;
      if (caFile !== undefined) refs.push({ kind: 'file', what: 'SSL CA certificates file', path: caFile, pos: r.pos });
      if (certFile !== undefined)
        refs.push({ kind: 'file', what: 'SSL client certificate file', path: certFile, pos: r.pos });
      if (keyFile !== undefined) refs.push({ kind: 'file', what: 'SSL client key file', path: keyFile, pos: r.pos });
    }
  return refs;
}

/** The CA file of an alert channel that speaks TLS (`alert mqtt "mqtts://…" cafile P`), named at its `alert`. */
function alertFiles(config: Config): EnvRef[] {
  const recipients = [...config.alerts, ...config.services.flatMap((s) => s.alerts)];
  return recipients.flatMap((r) => {
    const tls = 'tls' in r.target ? (r.target.tls as { caFile?: unknown } | undefined) : undefined;
    return typeof tls?.caFile === 'string'
      ? [{ kind: 'file' as const, what: 'SSL CA certificates file', path: tls.caFile, pos: r.pos }]
      : [];
  });
}

interface IdDatabase {
  readonly users: ReadonlySet<string>;
  readonly groups: ReadonlySet<string>;
}

/** Names of /etc/passwd and /etc/group, read only when a name is to be found there. */
async function idDatabase(refs: readonly EnvRef[]): Promise<IdDatabase> {
  const names = async (file: string, kind: 'user' | 'group'): Promise<Set<string>> => {
    if (!refs.some((r) => r.kind === kind)) return new Set();
    const text = await readFile(file, 'utf8').catch(() => '');
    return new Set(text.split('\n').map((l) => l.split(':')[0] ?? ''));
  };
  return { users: await names('/etc/passwd', 'user'), groups: await names('/etc/group', 'group') };
}

async function problemOf(r: EnvRef, ids: IdDatabase): Promise<Diagnostic | undefined> {
  const error = (message: string): Diagnostic => ({ severity: 'error', pos: r.pos, message });
  switch (r.kind) {
    case 'user':
    case 'group': {
      // A number needs no entry (setuid takes any id); Node has no getpwnam(), so NSS-only names
      // (LDAP) are to be written as numbers, as the action runner requires too.
      const known = r.kind === 'user' ? ids.users : ids.groups;
      if (/^\d+$/.test(r.name) || known.has(r.name)) return undefined;
      return error(`unknown ${r.kind} '${r.name}' (not in /etc/${r.kind === 'user' ? 'passwd' : 'group'})`);
    }
    case 'file':
    case 'folder': {
      const why = await unreadable(r.path, r.kind);
      return why ? error(`${r.what} '${r.path}' ${why}`) : undefined;
    }
    case 'program': {
      const why = await notRunnable(r.path);
      if (!why) return undefined;
      if (r.required) return error(`program '${r.path}' ${why}: 'check program' has nothing to run`);
      return { severity: 'warning', pos: r.pos, message: `program '${r.path}' ${why}` };
    }
  }
}

async function unreadable(path: string, kind: 'file' | 'folder'): Promise<string | undefined> {
  try {
    const st = await stat(path);
    if (kind === 'file' && !st.isFile()) return 'is not a file';
    if (kind === 'folder' && !st.isDirectory()) return 'is not a folder';
    await access(path, constants.R_OK);
    return undefined;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : 'is not readable';
  }
}

/** Why the program of argv[0] cannot run: a bare name is looked up in PATH, as the runner does. */
async function notRunnable(path: string): Promise<string | undefined> {
  if (!path.includes('/')) {
    for (const dir of (process.env['PATH'] ?? '').split(delimiter).filter(Boolean))
      if ((await notExecutable(join(dir, path))) === undefined) return undefined;
    return 'is not found in PATH';
  }
  // A relative path is taken from the folder the program runs in, which the runner decides.
  if (!path.startsWith('/')) return undefined;
  return notExecutable(path);
}

async function notExecutable(path: string): Promise<string | undefined> {
  try {
    if (!(await stat(path)).isFile()) return 'is not a file';
  } catch {
    return 'does not exist';
  }
  try {
    await access(path, constants.X_OK);
    return undefined;
  } catch {
    return 'is not executable';
  }
}
