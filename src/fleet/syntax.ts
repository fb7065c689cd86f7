// `set fleet mqtt[s]://HOST[:PORT] …`: the broker this daemon publishes its status to, for
// `brokerwatch fleet` (README "Fleet"). The grammar and printer pieces only: the publisher
// (publisher.ts) loads with mqtt.js when the daemon starts with such a statement.
import type { Cursor } from '../config/cursor.js';
import type { Token } from '../config/lexer.js';
import type { TlsOptions } from '../config/model.js';
import { parseDuration } from '../config/units.js';
import type { Spelling } from '../checks/kind.js';

/** `set fleet …` as written, with its defaults filled in. */
export interface FleetSettings {
  readonly host: string;
  readonly port: number;
  /** mqtts:// only: verified unless `verify disable`. */
  readonly tls?: TlsOptions;
  readonly username?: string;
  readonly password?: string;
  /** The daemon's topic level; the host name when absent. */
  readonly name?: string;
  /** The first topic levels of everything published: `PREFIX/NAME/status` … */
  readonly prefix: string;
  /** Deadline of one connection attempt (CONNECT → CONNACK), and of the goodbye at shutdown. */
  readonly timeoutMs: number;
  /** MQTT keep-alive: a daemon gone without closing its socket is `offline` 1.5 × this later. */
  readonly keepaliveMs: number;
}

export const DEFAULT_FLEET_PREFIX = 'brokerwatch';
export const DEFAULT_FLEET_TIMEOUT_MS = 10_000;
export const DEFAULT_FLEET_KEEPALIVE_MS = 30_000;

/** A topic level or levels of ours: no wildcard, no empty level, no NUL (MQTT §4.7). */
function checkLevels(c: Cursor, t: Token, what: string, oneLevel: boolean): string {
  const bad = t.text === '' || /[#+\0]/.test(t.text) || t.text.split('/').some((l) => l === '');
  if (bad || (oneLevel && t.text.includes('/')) || t.text.startsWith('$'))
    c.fail(
      t,
      `${what} "${t.text}" is not usable in a topic: ${oneLevel ? 'one level, ' : ''}no '+', '#', empty levels or leading '$'`,
    );
  return t.text;
}

/** The URL: mqtt:// or mqtts://, a host, a port, nothing else (credentials are options). */
function parseUrl(c: Cursor, t: Token): { host: string; port: number; secure: boolean } {
  let url: URL | undefined;
  try {
    url = new URL(t.text);
  } catch {
    // reported below
  }
  if (!url || (url.protocol !== 'mqtt:' && url.protocol !== 'mqtts:') || url.hostname === '')
    c.fail(t, `expected mqtt://HOST[:PORT] or mqtts://HOST[:PORT] after 'set fleet', found "${t.text}"`);
  if (url.username !== '' || url.password !== '')
    c.fail(t, `write the credentials as 'username U password P' after the URL, not in "${t.text}"`);
  if ((url.pathname !== '' && url.pathname !== '/') || url.search !== '' || url.hash !== '')
    c.fail(t, `'set fleet' names a broker, not a topic: use 'prefix "…"' instead of the path in "${t.text}"`);
  const secure = url.protocol === 'mqtts:';
  const port = url.port === '' ? (secure ? 8883 : 1883) : Number(url.port);
  return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port, secure };
}

type Draft = {
  -readonly [K in keyof FleetSettings]?: FleetSettings[K];
} & { tlsOpts: { -readonly [K in keyof TlsOptions]?: TlsOptions[K] }; tlsTok?: Token };

/** Reads one option word into the draft; false when the word is none of the statement's. */
function readOption(c: Cursor, d: Draft): boolean {
  const t = c.peek();
  if (t.type !== 'word') return false;
  const value = (what: string): string => c.expectValue(what).text;
  const tls = (): void => void (d.tlsTok ??= t);
  switch (t.lower) {
    case 'username':
    case 'user':
      c.next();
      d.username = value('a user name');
      return true;
    case 'password':
      c.next();
      d.password = value('a password');
      return true;
    case 'name':
      c.next();
      d.name = checkLevels(c, c.expectValue('the daemon name in topics'), 'the fleet name', true);
      return true;
    case 'prefix':
      c.next();
      d.prefix = checkLevels(c, c.expectValue('a topic prefix'), 'the fleet prefix', false);
      return true;
    case 'timeout':
      c.next();
      d.timeoutMs = parseDuration(c, 'the fleet timeout', 'seconds');
      return true;
    case 'keepalive':
      c.next();
      d.keepaliveMs = keepalive(c);
      return true;
    case 'cafile':
    case 'certfile':
    case 'keyfile':
    case 'servername': {
      c.next();
      tls();
      const key = ({ cafile: 'caFile', certfile: 'certFile', keyfile: 'keyFile', servername: 'serverName' } as const)[
        t.lower
      ];
      const v = c.expectValue(`a value after ${t.lower}`);
      d.tlsOpts[key] = v.text;
      if (key !== 'serverName') c.refs.push({ kind: 'file', what: `fleet ${t.lower}`, path: v.text, pos: v.pos });
      return true;
    }
    case 'verify':
      c.next();
      tls();
      d.tlsOpts.verify = !c.acceptWord('disable', 'disabled', 'off', 'no');
      if (d.tlsOpts.verify) c.acceptWord('enable', 'enabled', 'on', 'yes');
      return true;
    default:
      return false;
  }
}

/** MQTT's keep-alive is whole seconds, 1 to 65535. */
function keepalive(c: Cursor): number {
  const t = c.peek();
  const ms = parseDuration(c, 'the fleet keepalive', 'seconds');
  if (ms % 1000 !== 0 || ms < 1000 || ms > 65_535_000)
    c.fail(t, `the fleet keepalive must be whole seconds from 1 to 65535, found ${ms} ms`);
  return ms;
}

/** `set fleet URL [username U] [password P] [name N] [prefix P] [with timeout D] [keepalive D] [TLS …]`
 *  (the cursor is after `fleet`). */
export function parseFleet(c: Cursor): FleetSettings {
  const urlTok = c.expectValue('mqtt://HOST[:PORT] after set fleet');
  const { host, port, secure } = parseUrl(c, urlTok);
  const d: Draft = { tlsOpts: {} };
  while (readOption(c, d));
  if (d.tlsTok && !secure) c.fail(d.tlsTok, `'${d.tlsTok.text}' is a TLS option: the fleet URL must be mqtts://`);
  if (d.password !== undefined && d.username === undefined)
    c.fail(urlTok, "'set fleet' has a password but no 'username'");
  return {
    host,
    port,
    ...(secure ? { tls: { enabled: true, verify: true, ...d.tlsOpts } } : {}),
    ...(d.username !== undefined ? { username: d.username } : {}),
    ...(d.password !== undefined ? { password: d.password } : {}),
    ...(d.name !== undefined ? { name: d.name } : {}),
    prefix: d.prefix ?? DEFAULT_FLEET_PREFIX,
    timeoutMs: d.timeoutMs ?? DEFAULT_FLEET_TIMEOUT_MS,
    keepaliveMs: d.keepaliveMs ?? DEFAULT_FLEET_KEEPALIVE_MS,
  };
}

/** `host:port` as a URL holds it. */
export function fleetUrl(f: Pick<FleetSettings, 'host' | 'port' | 'tls'>): string {
  const host = f.host.includes(':') ? `[${f.host}]` : f.host;
  return `${f.tls ? 'mqtts' : 'mqtt'}://${host}:${f.port}`;
}

/** The statement as `-t -v` prints it (and the parser reads back the same). */
export function printFleet(f: FleetSettings, s: Spelling): string {
  const p = ['set fleet', s.quote(fleetUrl(f))];
  if (f.username !== undefined) p.push('username', s.word(f.username));
  if (f.password !== undefined) p.push('password', s.secret(f.password));
  if (f.name !== undefined) p.push('name', s.quote(f.name));
  p.push('prefix', s.quote(f.prefix), 'with timeout', s.duration(f.timeoutMs), 'keepalive', s.duration(f.keepaliveMs));
  const t = f.tls;
  if (t && !t.verify) p.push('verify disable');
  if (t?.caFile !== undefined) p.push('cafile', s.word(t.caFile));
  if (t?.certFile !== undefined) p.push('certfile', s.word(t.certFile));
  if (t?.keyFile !== undefined) p.push('keyfile', s.word(t.keyFile));
  if (t?.serverName !== undefined) p.push('servername', s.word(t.serverName));
  return p.join(' ');
}

/** The passwords of the statement, masked in every HTTP output. */
export function fleetSecrets(f: FleetSettings | undefined): readonly (string | undefined)[] {
  return [f?.password];
}
