// `protocol mqtt`: CONNECT answered by CONNACK 0 (monit's meaning), with brokerwatch's extensions:
// the MQTT version, the client id prefix, and the publish/subscribe round trip. The probe itself
// lives in src/checks/mqtt (it is also the between-cycles watch). `over websocket [request "/p"]`
// (brokerwatch's too) speaks it inside a WebSocket, through mqtt.js (websocket.ts).
import type { Cursor } from '../../../../config/cursor.js';
import type { Spelling } from '../../../kind.js';
import type { MqttOptions, PortCondition, RoundTrip } from '../../syntax.js';
import type { Draft, ProtocolSyntax } from '../types.js';
import { DEFAULT_WEBSOCKET_VERSION, readRequest } from '../websocket/syntax.js';

const MQTT_VERSIONS: Readonly<Record<string, 3 | 4 | 5>> = { '3': 3, '3.1': 3, '3.1.1': 4, '4': 4, '5': 5, '5.0': 5 };

/** `roundtrip [qos N] [topic "T"] [separate]`: the publish/subscribe proof. */
function parseRoundTrip(c: Cursor): RoundTrip {
  let qos: 0 | 1 | 2 = 1;
  let topic = 'brokerwatch/probe';
  let separateConnections = false;
  for (;;) {
    if (c.acceptWord('qos')) {
      qos = c.expectInteger('a QoS', 0, 2) as 0 | 1 | 2;
    } else if (c.acceptWord('topic')) {
      const t = c.expectValue('a topic');
      if (/[#+]/.test(t.text) || t.text === '')
        c.fail(t, `the round-trip topic must be a plain topic without wildcards, found "${t.text}"`);
      topic = t.text;
    } else if (c.acceptWord('separate', 'separated')) {
      c.acceptWord('connection', 'connections', 'sessions');
      separateConnections = true;
    } else {
      return { qos, topic, separateConnections };
    }
  }
}

function build(_c: Cursor, d: Draft): Partial<PortCondition> {
  const m = d.mqtt;
  const mqtt: MqttOptions = {
    version: m.version ?? 4,
    clientIdPrefix: m.clientIdPrefix ?? 'brokerwatch',
    ...(d.creds.username !== undefined ? { username: d.creds.username } : {}),
    ...(d.creds.password !== undefined ? { password: d.creds.password } : {}),
    ...(m.roundTrip ? { roundTrip: m.roundTrip } : {}),
  };
  if (!m.overWebSocket) return { mqtt };
  return { mqtt, websocket: { request: d.websocket.request ?? '/', version: DEFAULT_WEBSOCKET_VERSION } };
}

function print(cond: PortCondition, s: Spelling): string[] {
  const m = cond.mqtt;
  if (!m) return [];
  const p: string[] = [];
  if (cond.websocket) p.push('over websocket');
  if (cond.websocket && cond.websocket.request !== '/') p.push('request', s.quote(cond.websocket.request));
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

export const mqttProtocol: ProtocolSyntax = {
  name: 'mqtt',
  names: { mqtt: { tls: false } },
  credentials: true,
  alsoReads: (d) => (d.mqtt.overWebSocket ? { request: readRequest } : undefined),
  options: {
    over(c, d) {
      c.next();
      c.expectWord("'websocket' after 'over'", 'websocket', 'websockets');
      d.mqtt.overWebSocket = true;
    },
    version(c, d) {
      c.next();
      const v = c.expectValue('an MQTT version: 3.1, 3.1.1 or 5');
      const version = MQTT_VERSIONS[v.text];
      if (!version) return c.fail(v, `unknown MQTT version '${v.text}': expected 3.1, 3.1.1 or 5`);
      d.mqtt.version = version;
    },
    clientid(c, d) {
      c.next();
      d.mqtt.clientIdPrefix = c.expectValue('a client id prefix').text;
    },
    roundtrip(c, d) {
      c.next();
      d.mqtt.roundTrip = parseRoundTrip(c);
    },
  },
  build,
  print,
  secrets: (cond) => [cond.mqtt?.password],
  docs: {
    names: '`mqtt`',
    options:
      '`username S` · `password S` · `version 3.1\\|3.1.1\\|5` · `clientid PREFIX` · `roundtrip [qos 0\\|1\\|2] [topic "T"] [separate connections]` · `over websocket [request "/path"]`',
    meaning:
      'CONNECT answered by CONNACK 0; with `roundtrip` a private subscription and a unique message received back ([MQTT health](#mqtt-health)); `over websocket`: the same inside a WebSocket (`ws://`, `wss://` with `ssl`) at the request path (`/` by default)',
    example: '`if failed port 1883 protocol mqtt roundtrip qos 1 with timeout 2 seconds then restart`',
  },
};
