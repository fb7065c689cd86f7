// `if failed [host H] port N …`: a TCP (or TLS) connect with its certificate tests, or the protocol
// the test names (protocols/registry.ts: MQTT, HTTP, SMTP, SSH, send/expect) spoken over it.
import type { Operator, TlsOptions } from '../../config/model.js';
import type { KindSyntax, Spelling } from '../kind.js';
import { parsePortTest } from './grammar.js';
import type { HttpOptions } from './protocols/http/syntax.js';
import type { ExchangeStep } from './protocols/generic/syntax.js';
import type { WebSocketOptions } from './protocols/websocket/syntax.js';
import { protocolOf } from './protocols/registry.js';

/** The extension: connect, subscribe to a private topic, publish a unique payload, receive it. */
export interface RoundTrip {
  readonly qos: 0 | 1 | 2;
  /** Topic prefix; a unique suffix is added per probe. */
  readonly topic: string;
  /** Publish and subscribe on two connections, proving delivery between sessions. */
  readonly separateConnections: boolean;
}

export interface MqttOptions {
  readonly username?: string;
  readonly password?: string;
  readonly version: 3 | 4 | 5;
  readonly clientIdPrefix: string;
  readonly roundTrip?: RoundTrip;
}

/** `certificate valid > N days`, `certificate checksum [md5|sha1|sha256] HASH`. */
export interface CertificateTest {
  /** The certificate must stay valid for more than this many days. */
  readonly validDays?: number;
  readonly checksum?: { readonly algo: 'md5' | 'sha1' | 'sha256'; readonly hash: string };
}

export interface PortCondition {
  readonly kind: 'port';
  /** 'localhost' for a unix socket's test (unused). */
  readonly host: string;
  /** 0 for a unix socket's test (unused). */
  readonly port: number;
  /** `unixsocket PATH`: the socket connected to instead of host and port. */
  readonly unixSocket?: string;
  readonly transport: 'tcp' | 'udp';
  readonly ipVersion?: 4 | 6;
  readonly tls?: TlsOptions;
  readonly certificate?: CertificateTest;
  /** Protocol name as written (lower-case); monit's names brokerwatch does not speak connect only. */
  readonly protocol?: string;
  readonly mqtt?: MqttOptions;
  readonly http?: HttpOptions;
  /** `protocol websocket`'s handshake, and MQTT's `over websocket`. */
  readonly websocket?: WebSocketOptions;
  /** send/expect, in order (monit's generic protocol). */
  readonly exchange?: readonly ExchangeStep[];
  /** SMTP: STARTTLS after EHLO. */
  readonly starttls?: boolean;
  readonly timeoutMs: number;
  readonly retry: number;
  readonly responseTime?: { readonly op: Operator; readonly ms: number };
}

function printPort(c: PortCondition, s: Spelling): string {
  const p =
    c.unixSocket !== undefined
      ? ['failed unixsocket', s.word(c.unixSocket)]
      : ['failed host', s.word(c.host), 'port', String(c.port)];
  if (c.transport === 'udp') p.push('type udp');
  if (c.ipVersion) p.push(`ipv${c.ipVersion}`);
  if (c.tls) {
    const t = c.tls;
    p.push('ssl');
    if (!t.verify) p.push('verify disable');
    if (t.caFile !== undefined) p.push('cafile', s.word(t.caFile));
    if (t.certFile !== undefined) p.push('certfile', s.word(t.certFile));
    if (t.keyFile !== undefined) p.push('keyfile', s.word(t.keyFile));
    if (t.serverName !== undefined) p.push('servername', s.word(t.serverName));
  }
  if (c.certificate?.validDays !== undefined) p.push('certificate valid >', String(c.certificate.validDays), 'days');
  if (c.certificate?.checksum) p.push('certificate checksum', c.certificate.checksum.algo, c.certificate.checksum.hash);
  if (c.protocol !== undefined) {
    // A protocol written as a word is lower-cased by the parser; anything else keeps its quotes.
    const bare = /^[a-z][a-z0-9_.+-]*$/.test(c.protocol) && !s.isLexerWord(c.protocol);
    p.push('protocol', bare ? c.protocol : s.quote(c.protocol));
  }
  p.push(...(protocolOf(c).syntax.print?.(c, s) ?? []));
  p.push('with timeout', s.duration(c.timeoutMs));
  if (c.retry) p.push('retry', String(c.retry));
  if (c.responseTime) p.push('responsetime', c.responseTime.op, s.duration(c.responseTime.ms));
  return p.join(' ');
}

export const portSyntax: KindSyntax<PortCondition> = {
  kind: 'port',
  claims: { failed: ['host', 'port', 'address', 'unixsocket', 'unix'] },
  parse: (c, ctx) => parsePortTest(c, ctx.serviceType),
  print: printPort,
  eventType: () => 'connection',
  startGrace: true,
  secrets: (c) => protocolOf(c).syntax.secrets?.(c) ?? [],
  docs: {
    syntax:
      '`failed [host H] port N [type tcp\\|udp\\|tcpssl] [ssl] [certificate valid > N days] [certificate checksum HASH] [protocol P …] [send "S" expect "RE" …] [with timeout N seconds] [retry N] [responsetime OP N ms]` · `failed unixsocket PATH [protocol P …] [with timeout N seconds] [retry N] [responsetime OP N ms]`',
    services: 'all',
    meaning:
      'the port (or unix socket) does not accept a connection, or does not speak its protocol as the options ask ([protocols](#protocols)); a missing socket, or one we may not open, fails with its reason',
    example: '`if failed host 127.0.0.1 port 1883 protocol mqtt with timeout 2 seconds then restart`',
  },
};
