// MQTT: `mqtt "mqtt[s]://[USER:PASS@]HOST[:PORT]/TOPIC" [qos N] [retain] [username U] [password P]
// [cafile F]`. Credentials may stand in the URL or as options; the printer writes options, so that
// there is no percent-encoding to get right.
import type { TlsOptions } from '../../../config/model.js';
import type { ChannelSyntax } from '../contract.js';
import { checkUrl, decode } from '../url-syntax.js';

/** `set alert mqtt "mqtt://127.0.0.1:1883/brokerwatch/events" qos 1`. */
export interface MqttTarget {
  readonly kind: 'mqtt';
  readonly host: string;
  readonly port: number;
  readonly topic: string;
  readonly qos: 0 | 1 | 2;
  readonly retain: boolean;
  readonly username?: string;
  readonly password?: string;
  readonly tls?: TlsOptions;
}

/** The MQTT channel's syntax. */
export const mqttSyntax: ChannelSyntax<MqttTarget> = {
  kind: 'mqtt',
  expected: 'mqtt "mqtt://HOST:PORT/TOPIC"',
  docs: '`mqtt "mqtt[s]://HOST[:PORT]/TOPIC" [qos N] [retain] [username U] [password P] [cafile F]`: the alert as JSON on a topic, published on a short connection of its own',
  example: 'mqtt "mqtts://bw:Pa55-w0rd@alerts.example.com/ops/events" qos 2 retain cafile /etc/ssl/ca.pem',
  starts: (c) => c.isWord('mqtt'),
  parse(c) {
    c.next();
    const urlTok = c.expectString('an mqtt://HOST:PORT/TOPIC address after mqtt');
    const url = checkUrl(c, urlTok, ['mqtt:', 'mqtts:']);
    const topic = decode(c, urlTok, url.pathname.replace(/^\//, ''));
    if (!topic || /[#+]/.test(topic) || urlTok.text.includes('#'))
      c.fail(
        urlTok,
        `expected a topic without wildcards in "${urlTok.text}", e.g. mqtt://127.0.0.1:1883/brokerwatch/events`,
      );
    let qos: 0 | 1 | 2 = 1;
    let retain = false;
    let username = url.username ? decode(c, urlTok, url.username) : undefined;
    let password = url.password ? decode(c, urlTok, url.password) : undefined;
    let caFile: string | undefined;
    for (;;) {
      if (c.acceptWord('qos')) qos = c.expectInteger('a QoS', 0, 2) as 0 | 1 | 2;
      else if (c.acceptWord('retain', 'retained')) retain = true;
      else if (c.acceptWord('username', 'user')) username = c.expectValue('a user name').text;
      else if (c.acceptWord('password')) password = c.expectValue('a password').text;
      else if (c.acceptWord('cafile')) caFile = c.expectValue('a CA file').text;
      else break;
    }
    const tls = url.protocol === 'mqtts:' ? { enabled: true, verify: true, ...(caFile ? { caFile } : {}) } : undefined;
    return {
      kind: 'mqtt',
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port ? Number(url.port) : url.protocol === 'mqtts:' ? 8883 : 1883,
      topic,
      qos,
      retain,
      ...(username !== undefined ? { username } : {}),
      ...(password !== undefined ? { password } : {}),
      ...(tls ? { tls } : {}),
    };
  },
  print(t, p) {
    const host = t.host.includes(':') ? `[${t.host}]` : t.host;
    const authority = t.host === '' ? '' : `${host}:${t.port}`;
    let s = `mqtt ${p.quote(`${t.tls ? 'mqtts' : 'mqtt'}://${authority}/${encodeTopic(t.topic)}`)} qos ${t.qos}`;
    if (t.retain) s += ' retain';
    if (t.username !== undefined) s += ` username ${p.word(t.username)}`;
    if (t.password !== undefined) s += ` password ${p.mask ?? p.word(t.password)}`;
    if (t.tls?.caFile) s += ` cafile ${p.word(t.tls.caFile)}`;
    return s;
  },
  // The same topic on the same broker as another user is another recipient (other ACLs).
  identity: (t) => `mqtt\0${t.host}\0${t.port}\0${t.topic}\0${t.username ?? ''}`,
  label: (t) => `mqtt ${t.host}:${t.port}/${t.topic}`,
  noalertName: (t) => `mqtt://${t.host}:${t.port}/${t.topic}`,
  secrets: (t) => [t.password],
};

/** Topic levels percent-encoded for the URL path (the parser decodes it). */
function encodeTopic(topic: string): string {
  try {
    return topic.split('/').map(encodeURIComponent).join('/');
  } catch {
    return topic; // lone surrogates: not a valid MQTT topic anyway
  }
}
