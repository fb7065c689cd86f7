// `if failed [host H] port N …`: a TCP (or TLS) connect, or with `protocol mqtt` a CONNECT answered
// by CONNACK 0 — monit's meaning — or with `roundtrip` a publish/subscribe round trip.
import type { Operator, TlsOptions } from '../../config/model.js';
import type { KindSyntax, Spelling } from '../kind.js';
import { parsePortTest } from './grammar.js';

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

export interface PortCondition {
  readonly kind: 'port';
  readonly host: string;
  readonly port: number;
  readonly transport: 'tcp' | 'udp';
  readonly ipVersion?: 4 | 6;
  readonly tls?: TlsOptions;
  /** Protocol name as written; only `mqtt` (and plain tcp) is spoken, others connect only. */
  readonly protocol?: string;
  readonly mqtt?: MqttOptions;
  readonly timeoutMs: number;
  readonly retry: number;
  readonly responseTime?: { readonly op: Operator; readonly ms: number };
}

function printPort(c: PortCondition, s: Spelling): string {
  const p = ['failed host', s.word(c.host), 'port', String(c.port)];
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
  if (c.protocol !== undefined) {
    // A protocol written as a word is lower-cased by the parser; anything else keeps its quotes.
    const bare = /^[a-z][a-z0-9_.+-]*$/.test(c.protocol) && !s.isLexerWord(c.protocol);
    p.push('protocol', bare ? c.protocol : s.quote(c.protocol));
    if (c.protocol === 'mqtt' && c.mqtt) p.push(...printMqtt(c.mqtt, s));
  }
  p.push('with timeout', s.duration(c.timeoutMs));
  if (c.retry) p.push('retry', String(c.retry));
  if (c.responseTime) p.push('responsetime', c.responseTime.op, s.duration(c.responseTime.ms));
  return p.join(' ');
}

function printMqtt(m: MqttOptions, s: Spelling): string[] {
  const p: string[] = [];
  if (m.version !== 4) p.push('version', m.version === 3 ? '3.1' : s.number(m.version));
  if (m.clientIdPrefix !== 'brokerwatch') p.push('clientid', s.word(m.clientIdPrefix));
  if (m.username !== undefined) p.push('username', s.word(m.username));
  if (m.password !== undefined) p.push('password', s.secret(m.password));
  if (m.roundTrip) {
    const r = m.roundTrip;
    p.push('roundtrip qos', String(r.qos));
    if (r.topic !== 'brokerwatch/probe') p.push('topic', s.quote(r.topic));
    if (r.separateConnections) p.push('separate connections');
  }
  return p;
}

export const portSyntax: KindSyntax<PortCondition> = {
  kind: 'port',
  claims: { failed: ['host', 'port', 'address'] },
  parse: (c, ctx) => parsePortTest(c, ctx.serviceType),
  print: printPort,
  eventType: () => 'connection',
  startGrace: true,
  secrets: (c) => [c.mqtt?.password],
  docs: {
    syntax:
      '`failed [host H] port N [type tcp\\|udp\\|tcpssl] [ssl] [protocol P …] [with timeout N seconds] [retry N] [responsetime OP N ms]`',
    services: 'all',
    meaning: 'the port does not accept a connection, or with `protocol mqtt` does not answer CONNECT with CONNACK 0',
    example: '`if failed host 127.0.0.1 port 1883 protocol mqtt with timeout 2 seconds then restart`',
  },
};
