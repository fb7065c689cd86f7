// Extension: `if failed bridge from mqtt://A:PORT to mqtt://B:PORT [topic "T"] …`, a message
// published on broker A must come out of broker B, which only a working bridge between them does.
import type { Cursor } from '../../config/cursor.js';
import type { Token } from '../../config/lexer.js';
import type { TlsOptions } from '../../config/model.js';
import { DEFAULT_PORT_TIMEOUT_MS } from '../../config/model.js';
import { parseDuration } from '../../config/units.js';
import type { KindSyntax, Spelling } from '../kind.js';

/** One side of the bridge: a broker and how to log in to it. */
export interface BridgeEnd {
  readonly host: string;
  readonly port: number;
  /** mqtts:// only. */
  readonly tls?: TlsOptions;
  readonly username?: string;
  readonly password?: string;
}

export interface BridgeCondition {
  readonly kind: 'bridge';
  /** Where the probe publishes. */
  readonly from: BridgeEnd;
  /** Where it must arrive. */
  readonly to: BridgeEnd;
  /** Topic prefix the bridge forwards (`topic T/# out` in mosquitto's bridge); a unique level is added. */
  readonly topic: string;
  readonly qos: 0 | 1 | 2;
  readonly timeoutMs: number;
}

export const DEFAULT_BRIDGE_TOPIC = 'brokerwatch/bridge';

function parseUrl(c: Cursor, t: Token, side: string): { host: string; port: number; secure: boolean } {
  let url: URL | undefined;
  try {
    url = new URL(t.text);
  } catch {
    // reported below
  }
  if (!url || (url.protocol !== 'mqtt:' && url.protocol !== 'mqtts:') || url.hostname === '')
    c.fail(t, `expected mqtt://HOST[:PORT] or mqtts://HOST[:PORT] after '${side}', found "${t.text}"`);
  if (url.username !== '' || url.password !== '')
    c.fail(t, `write the credentials as 'username U password P' after the URL, not in "${t.text}"`);
  if ((url.pathname !== '' && url.pathname !== '/') || url.search !== '' || url.hash !== '')
    c.fail(t, `'${side}' names a broker: give the topic with 'topic "…"', not in "${t.text}"`);
  const secure = url.protocol === 'mqtts:';
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port === '' ? (secure ? 8883 : 1883) : Number(url.port),
    secure,
  };
}

/** `URL [username U] [password P] [cafile F] [verify disable]` after `from` or `to`. */
function parseEnd(c: Cursor, side: 'from' | 'to'): BridgeEnd {
  const urlTok = c.expectValue(side === 'from' ? "mqtt://HOST:PORT after 'from'" : "'to mqtt://HOST:PORT'");
  const { host, port, secure } = parseUrl(c, urlTok, side);
  let username: string | undefined;
  let password: string | undefined;
  const tls: { caFile?: string; verify?: boolean } = {};
  for (;;) {
    const t = c.peek();
    if (c.acceptWord('username', 'user')) username = c.expectValue('a user name').text;
    else if (c.acceptWord('password')) password = c.expectValue('a password').text;
    else if (c.acceptWord('cafile')) tls.caFile = c.expectValue('a CA file').text;
    else if (c.acceptWord('verify')) tls.verify = !c.acceptWord('disable', 'disabled', 'off', 'no');
    else break;
    if (!secure && (t.lower === 'cafile' || t.lower === 'verify'))
      c.fail(t, `'${t.text}' is a TLS option: this side of the bridge must be mqtts://`);
  }
  if (password !== undefined && username === undefined) c.fail(urlTok, `a password but no username for '${side}'`);
  return {
    host,
    port,
    ...(secure
      ? { tls: { enabled: true, verify: tls.verify ?? true, ...(tls.caFile ? { caFile: tls.caFile } : {}) } }
      : {}),
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
  };
}

function parseBridge(c: Cursor): BridgeCondition {
  c.next();
  c.expectWord("'from mqtt://HOST:PORT' after 'bridge'", 'from');
  const from = parseEnd(c, 'from');
  // `to` is a noise word of the lexer (DESIGN.md §2): the second URL follows the first side's options.
  const to = parseEnd(c, 'to');
  let topic = DEFAULT_BRIDGE_TOPIC;
  let qos: 0 | 1 | 2 = 1;
  let timeoutMs = DEFAULT_PORT_TIMEOUT_MS;
  for (;;) {
    if (c.acceptWord('topic')) {
      const t = c.expectValue('a topic prefix');
      if (t.text === '' || /[#+\0]/.test(t.text) || t.text.split('/').some((l) => l === ''))
        c.fail(t, `the bridge topic "${t.text}" must have no wildcards and no empty levels`);
      topic = t.text;
    } else if (c.acceptWord('qos')) qos = c.expectInteger('a QoS', 0, 2) as 0 | 1 | 2;
    else if (c.acceptWord('timeout')) timeoutMs = parseDuration(c, 'timeout', 'seconds');
    else break;
  }
  return { kind: 'bridge', from, to, topic, qos, timeoutMs };
}

/** `mqtt[s]://host:port` of one side, as messages and the printer write it. */
export function endUrl(e: BridgeEnd): string {
  return `${e.tls ? 'mqtts' : 'mqtt'}://${e.host.includes(':') ? `[${e.host}]` : e.host}:${e.port}`;
}

function printEnd(e: BridgeEnd, s: Spelling): string {
  let out = s.quote(endUrl(e));
  if (e.username !== undefined) out += ` username ${s.word(e.username)}`;
  if (e.password !== undefined) out += ` password ${s.secret(e.password)}`;
  if (e.tls && !e.tls.verify) out += ' verify disable';
  if (e.tls?.caFile !== undefined) out += ` cafile ${s.word(e.tls.caFile)}`;
  return out;
}

export const bridgeSyntax: KindSyntax<BridgeCondition> = {
  kind: 'bridge',
  claims: { failed: ['bridge'] },
  parse: parseBridge,
  print: (b, s) =>
    `failed bridge from ${printEnd(b.from, s)} to ${printEnd(b.to, s)} topic ${s.quote(b.topic)} qos ${b.qos} with timeout ${s.duration(b.timeoutMs)}`,
  eventType: () => 'connection',
  // A bridge broker just (re)started needs a moment to connect its bridge.
  startGrace: true,
  secrets: (b) => [b.from.password, b.to.password],
  docs: {
    syntax:
      '`failed bridge from URL [username U password P] to URL [username U password P] [topic "T"] [qos N] [with timeout N seconds]`',
    services: 'all',
    meaning:
      'a unique message published on the first broker does not come out of the second one ([bridge](#the-bridge-rule)): `bridge-broken`, or the class of the side that failed',
    example:
      '`if failed bridge from mqtt://10.0.0.1:1883 to mqtt://10.0.0.2:1883 topic "brokerwatch/bridge" then alert`',
  },
};
