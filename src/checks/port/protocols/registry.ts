// The protocols a port test speaks: one line each, and nothing else decides how a protocol's
// options are read, printed, masked, documented or probed. The syntax is referenced statically (the
// rules front end needs it); the probe is loaded only when a check first runs, so `brokerwatch -t`
// never loads probe code.
import { dnsProtocol } from './dns/syntax.js';
import { genericProtocol } from './generic/syntax.js';
import { httpProtocol } from './http/syntax.js';
import { mqttProtocol } from './mqtt/syntax.js';
import { mysqlProtocol } from './mysql/syntax.js';
import { pgsqlProtocol } from './pgsql/syntax.js';
import { redisProtocol } from './redis/syntax.js';
import { smtpProtocol } from './smtp/syntax.js';
import { sshProtocol } from './ssh/syntax.js';
import { tcpProtocol } from './tcp/syntax.js';
import { websocketProtocol } from './websocket/syntax.js';
import type { OptionReader, ProtocolProbeModule, ProtocolSyntax } from './types.js';

/** One protocol: its syntax, and how to load its probe. */
export interface ProtocolEntry {
  readonly syntax: ProtocolSyntax;
  readonly load: () => Promise<ProtocolProbeModule>;
}

/** Every protocol brokerwatch speaks, keyed by its registry name. */
export const PROTOCOLS = {
  tcp: { syntax: tcpProtocol, load: () => import('./tcp/check.js') },
  mqtt: { syntax: mqttProtocol, load: () => import('./mqtt/check.js') },
  http: { syntax: httpProtocol, load: () => import('./http/check.js') },
  smtp: { syntax: smtpProtocol, load: () => import('./smtp/check.js') },
  ssh: { syntax: sshProtocol, load: () => import('./ssh/check.js') },
  redis: { syntax: redisProtocol, load: () => import('./redis/check.js') },
  pgsql: { syntax: pgsqlProtocol, load: () => import('./pgsql/check.js') },
  mysql: { syntax: mysqlProtocol, load: () => import('./mysql/check.js') },
  dns: { syntax: dnsProtocol, load: () => import('./dns/check.js') },
  websocket: { syntax: websocketProtocol, load: () => import('./websocket/check.js') },
  generic: { syntax: genericProtocol, load: () => import('./generic/check.js') },
} as const satisfies Record<string, ProtocolEntry>;

/**
 * monit's protocol names (monit 5.33's lexer, as `monit -t` accepts them after `protocol`) that
 * brokerwatch does not speak yet: such a test loads with a warning and checks a TCP connect.
 */
export const MONIT_ONLY_PROTOCOLS: ReadonlySet<string> = new Set([
  'apache-status',
  'clamav',
  'dwp',
  'fail2ban',
  'ftp',
  'gps',
  'imap',
  'imaps',
  'ldap2',
  'ldap3',
  'lmtp',
  'memcache',
  'mongodb',
  'mysqls',
  'nntp',
  'ntp3',
  'pop',
  'pops',
  'postfix-policy',
  'radius',
  'rdate',
  'rsync',
  'sieve',
  'sip',
  'spamassassin',
  'tns',
]);

const BY_NAME: ReadonlyMap<string, { entry: ProtocolEntry; tls: boolean }> = new Map(
  Object.values<ProtocolEntry>(PROTOCOLS).flatMap((entry) =>
    Object.entries(entry.syntax.names).map(([name, n]) => [name, { entry, tls: n.tls }] as const),
  ),
);

/** The protocol a rules file names (lower-case), and whether the name means TLS from the start. */
export function protocolNamed(name: string): { readonly entry: ProtocolEntry; readonly tls: boolean } | undefined {
  return BY_NAME.get(name);
}

/** The entry of a port test's protocol: send/expect without a name is the generic one, none is tcp. */
export function protocolOf(c: { readonly protocol?: string; readonly exchange?: unknown }): ProtocolEntry {
  const named = c.protocol === undefined ? undefined : BY_NAME.get(c.protocol)?.entry;
  return named ?? (c.exchange !== undefined ? PROTOCOLS.generic : PROTOCOLS.tcp);
}

/** Every protocol's option words, with the protocol that owns each (a word belongs to one only). */
export const PROTOCOL_OPTIONS: ReadonlyMap<string, { readonly owner: string; readonly read: OptionReader }> = new Map(
  Object.values<ProtocolEntry>(PROTOCOLS).flatMap((e) =>
    Object.entries(e.syntax.options ?? {}).map(([word, read]) => [word, { owner: e.syntax.name, read }] as const),
  ),
);
