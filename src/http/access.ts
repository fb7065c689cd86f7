// Who may do what, from `set httpd … allow …` (monit's semantics, DESIGN.md §6):
// - `allow USER:PASSWORD` admits that user by basic auth; `read-only` users may only read.
// - `allow HOST` / `allow NET/BITS` / `allow NET/MASK` admits a client address without a password,
//   for reading only: actions always need a user who is not read-only (monit lets a host in, and
//   still asks for a user before it acts).
// - `allow md5|crypt|cleartext FILE [USER …]` admits the users of an htpasswd file (read by the
//   loader) as `allow USER:PASSWORD` would, each checked against its hash (password-hash.ts).
// - With no `allow` at all, loopback clients may read and nobody may act.
// - A client of the unix socket (`set httpd unixsocket`) is not judged by the host entries (monit's:
//   the socket's file mode says who may connect): it logs in as a user when the allow list has users,
//   and may read without one when it has none (guard.ts).
// - Password-less (network) access also needs a Host header naming this machine (an IP literal,
//   localhost or the exact host name): a web page that rebinds its own DNS name to 127.0.0.1 gets
//   nothing. Clients that use another name log in with a user.
import { createHash, timingSafeEqual } from 'node:crypto';
import { BlockList } from 'node:net';
import { hostname } from 'node:os';
import type { Httpd } from '../config/model.js';
import type { Digest } from './password-hash.js';
import { checkPassword, dummyCheck } from './password-hash.js';
import { ipFamily } from '../util/ip.js';
import { dnsPromises } from '../util/lazy-builtins.js';

/** How many passed credentials are remembered at most (then forgotten all at once). */
const VERIFIED_MAX = 256;

/** What a request may do, once authenticated. `user` is absent for network (password-less) access. */
export interface Access {
  readonly user?: string;
  readonly readOnly: boolean;
}

interface UserEntry {
  readonly user: string;
  readonly digest: Buffer;
  readonly readOnly: boolean;
}

/** A user of an htpasswd file. */
interface HashedEntry {
  readonly user: string;
  readonly kind: Digest;
  readonly hash: string;
  readonly readOnly: boolean;
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** `::ffff:10.0.0.1` → `10.0.0.1`, so IPv4 networks match clients of a dual-stack socket. */
export function normalizeIp(ip: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return m?.[1] ?? ip;
}

/** `24` or `255.255.255.0` → 24; undefined for a mask that is not contiguous ones. */
function prefixOfMask(mask: string): number | undefined {
  if (/^\d+$/.test(mask)) return Number(mask);
  if (ipFamily(mask) !== 4) return undefined;
  const bits = mask
    .split('.')
    .map((o) => Number(o).toString(2).padStart(8, '0'))
    .join('');
  if (!/^1*0*$/.test(bits)) return undefined;
  return bits.replace(/0+$/, '').length;
}

/** The allow list of one `set httpd`, ready to answer per request. */
export class AccessPolicy {
  readonly #users: UserEntry[];
  /** Users of htpasswd files, by name (the loader keeps the first of a name). */
  readonly #hashed = new Map<string, HashedEntry>();
  /** The costly kinds among them: every login does the work of each (see authenticate). */
  readonly #hashKinds = new Set<Digest>();
  /** Digests of credentials that passed a hashed check, and their access. */
  readonly #verified = new Map<string, Access>();
  readonly #nets = new BlockList();
  #anyNet = false;
  /** Entries that could not be understood or resolved, for a warning at start. */
  readonly problems: string[] = [];

  private constructor(httpd: Httpd | undefined) {
    this.#users = (httpd?.allow ?? []).flatMap((a) =>
      a.kind === 'user' ? [{ user: a.user, digest: digest(a.password), readOnly: a.readOnly }] : [],
    );
    for (const a of httpd?.allow ?? []) {
      if (a.kind !== 'htpasswd') continue;
      for (const e of a.entries) {
        if (this.#hashed.has(e.user)) continue;
        this.#hashed.set(e.user, { user: e.user, kind: a.digest, hash: e.hash, readOnly: a.readOnly });
        if (a.digest !== 'cleartext') this.#hashKinds.add(a.digest);
      }
    }
    if (!httpd || httpd.allow.length === 0) {
      this.#addLoopback();
      this.problems.push("no 'allow' in set httpd: only local clients may read, nobody may act");
    }
  }

  /** Builds the policy; host names in `allow` are resolved now (DNS), once. */
  static async create(httpd: Httpd | undefined): Promise<AccessPolicy> {
    const p = new AccessPolicy(httpd);
    for (const a of httpd?.allow ?? []) if (a.kind === 'net') await p.#addNet(a.cidr);
    return p;
  }

  /** True if some `allow` entry names a user (so a password prompt makes sense). */
  get hasUsers(): boolean {
    return this.#users.length > 0 || this.#hashed.size > 0;
  }

  /** True if `name` is a user of the allow list. */
  isUser(name: string): boolean {
    return this.#users.some((u) => u.user === name) || this.#hashed.has(name);
  }

  /** The access of USER:PASSWORD, or undefined when they do not match. */
  authenticate(user: string, password: string): Access | undefined {
    if (this.#hashKinds.size === 0) return this.#authenticate(user, password);
    // MD5-crypt costs milliseconds: credentials that passed are remembered (by a digest) for the life
    // of these rules, so that the page's and scripts' repeated requests do not pay it each time.
    const key = createHash('sha256').update(`${user.length}:${user}${password}`, 'utf8').digest('base64');
    const known = this.#verified.get(key);
    if (known) return known;
    const access = this.#authenticate(user, password);
    if (access) {
      if (this.#verified.size >= VERIFIED_MAX) this.#verified.clear();
      this.#verified.set(key, access);
    }
    return access;
  }

  #authenticate(user: string, password: string): Access | undefined {
    const d = digest(password);
    let found: UserEntry | undefined;
    // Compare against every entry so timing tells nothing about which users exist.
    for (const u of this.#users) if (timingSafeEqual(u.digest, d) && u.user === user && !found) found = u;
    const hashed = this.#checkHashed(user, password);
    if (found) return { user: found.user, readOnly: found.readOnly };
    return hashed ? { user: hashed.user, readOnly: hashed.readOnly } : undefined;
  }

  /** The htpasswd user USER if PASSWORD is theirs. Every call hashes once with each costly kind the
   *  files use (MD5-crypt, DES), for the user named or in vain, so timing tells no user from another. */
  #checkHashed(user: string, password: string): HashedEntry | undefined {
    const e = this.#hashed.get(user);
    const ok = e ? checkPassword(e.kind, e.hash, password) : false;
    for (const kind of this.#hashKinds) if (e?.kind !== kind) dummyCheck(kind, password);
    return ok ? e : undefined;
  }

  /** True if the client address is admitted by a host or network entry. */
  admitsAddress(ip: string): boolean {
    if (!this.#anyNet) return false;
    const addr = normalizeIp(ip);
    const type = ipFamily(addr);
    if (type === 0) return false;
    return this.#nets.check(addr, type === 4 ? 'ipv4' : 'ipv6');
  }

  #addLoopback(): void {
    this.#nets.addSubnet('127.0.0.0', 8, 'ipv4');
    this.#nets.addAddress('::1', 'ipv6');
    this.#anyNet = true;
  }

  async #addNet(entry: string): Promise<void> {
    const [net = '', mask] = entry.split('/');
    const type = ipFamily(net);
    if (net.toLowerCase() === 'localhost') return this.#addLoopback();
    if (type === 0) {
      if (mask !== undefined) return void this.problems.push(`allow ${entry}: not a network address`);
      try {
        for (const r of await dnsPromises().lookup(net, { all: true }))
          this.#nets.addAddress(r.address, r.family === 6 ? 'ipv6' : 'ipv4');
        this.#anyNet = true;
      } catch {
        this.problems.push(`allow ${entry}: host name not resolved; entry ignored`);
      }
      return;
    }
    const family = type === 4 ? 'ipv4' : 'ipv6';
    if (mask === undefined) {
      this.#nets.addAddress(net, family);
    } else {
      const prefix = type === 4 ? prefixOfMask(mask) : /^\d+$/.test(mask) ? Number(mask) : undefined;
      if (prefix === undefined || prefix > (type === 4 ? 32 : 128))
        return void this.problems.push(`allow ${entry}: bad network mask; entry ignored`);
      this.#nets.addSubnet(net, prefix, family);
    }
    this.#anyNet = true;
  }
}

/** True if a Host header names this machine: an IP literal, localhost, or its host name. */
export function isLocalHostHeader(host: string | undefined): boolean {
  if (host === undefined) return false;
  const name = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.replace(/:\d+$/, '');
  if (ipFamily(name) !== 0) return true;
  const lower = name.toLowerCase().replace(/\.$/, '');
  const me = hostname().toLowerCase();
  return lower === 'localhost' || lower === me;
}

/** USER and PASSWORD of a `Basic` Authorization header; undefined if it is not one. */
export function parseBasicAuth(header: string): { user: string; password: string } | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!m?.[1]) return undefined;
  const text = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon < 0) return undefined;
  return { user: text.slice(0, colon), password: text.slice(colon + 1) };
}
