// User and group names for `as uid U` / `gid G`, resolved from /etc/passwd and /etc/group. Node has
// no getpwnam(); the files cover local system accounts such as `mosquitto` and `nobody`. Accounts
// known only to NSS (LDAP, sssd) must be written as numbers.
import { readFile } from '../util/fs-async.js';

export interface UserEntry {
  readonly name: string;
  readonly uid: number;
  /** The primary group, used when a command names a user but no group. */
  readonly gid: number;
}

export interface IdFiles {
  readonly passwd?: string;
  readonly group?: string;
}

export type ResolvedIds =
  { readonly ok: true; readonly uid?: number; readonly gid?: number } | { readonly ok: false; readonly error: string };

/** Parses passwd(5) text: name:password:uid:gid:gecos:home:shell, skipping malformed lines. */
export function parsePasswd(text: string): UserEntry[] {
  const users: UserEntry[] = [];
  for (const line of text.split('\n')) {
    const [name, , uid, gid] = line.split(':');
    if (name === undefined || name === '' || name.startsWith('#')) continue;
    if (!isId(uid) || !isId(gid)) continue;
    users.push({ name, uid: Number(uid), gid: Number(gid) });
  }
  return users;
}

/** Parses group(5) text into name → gid, skipping malformed lines. */
export function parseGroup(text: string): Map<string, number> {
  const groups = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [name, , gid] = line.split(':');
    if (name === undefined || name === '' || name.startsWith('#') || !isId(gid)) continue;
    if (!groups.has(name)) groups.set(name, Number(gid));
  }
  return groups;
}

/** Resolves a command's uid/gid to numbers; a user without a group gets its primary group. */
export async function resolveIds(
  uid: string | number | undefined,
  gid: string | number | undefined,
  files: IdFiles = {},
): Promise<ResolvedIds> {
  if (uid === undefined && gid === undefined) return { ok: true };
  let users: UserEntry[] = [];
  let groups = new Map<string, number>();
  try {
    if (uid !== undefined) users = parsePasswd(await readFile(files.passwd ?? '/etc/passwd', 'utf8'));
    if (typeof gid === 'string') groups = parseGroup(await readFile(files.group ?? '/etc/group', 'utf8'));
  } catch (err) {
    return { ok: false, error: `cannot read the user database: ${(err as Error).message}` };
  }

  let user: UserEntry | undefined;
  let uidNumber: number | undefined;
  if (uid !== undefined) {
    // A name first: a user may be called "1000"; then a number, which need not have an entry.
    user = typeof uid === 'string' ? users.find((u) => u.name === uid) : undefined;
    uidNumber = user?.uid ?? (isId(String(uid)) ? Number(uid) : undefined);
    if (uidNumber === undefined)
      return { ok: false, error: `unknown user ${JSON.stringify(uid)} (not in /etc/passwd)` };
    user ??= users.find((u) => u.uid === uidNumber);
  }

  let gidNumber: number | undefined;
  if (gid !== undefined) {
    gidNumber = typeof gid === 'string' ? (groups.get(gid) ?? (isId(gid) ? Number(gid) : undefined)) : gid;
    if (gidNumber === undefined || !isId(String(gidNumber))) {
      return { ok: false, error: `unknown group ${JSON.stringify(gid)} (not in /etc/group)` };
    }
  } else if (uidNumber !== undefined) {
    // Changing only the uid would leave the program in brokerwatch's group (root's): take the
    // user's own group, and refuse to guess when the user has no entry.
    if (user === undefined) return { ok: false, error: `user ${uidNumber} has no /etc/passwd entry; give a gid too` };
    gidNumber = user.gid;
  }
  return {
    ok: true,
    ...(uidNumber !== undefined ? { uid: uidNumber } : {}),
    ...(gidNumber !== undefined ? { gid: gidNumber } : {}),
  };
}

function isId(text: string | undefined): text is string {
  // (uid_t)-1 is not an id: setuid() reads it as "leave unchanged".
  return text !== undefined && /^\d{1,10}$/.test(text) && Number(text) < 0xffff_ffff;
}
