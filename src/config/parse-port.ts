// A port test, monit's `if failed [host H] port N …` with its options, and the MQTT probe's own
// (protocol mqtt, credentials, version, TLS, round trip): the largest test of the language.
import type { Cursor } from './cursor.js';
import { describe } from './cursor.js';
import type { Condition, MqttOptions, Operator, RoundTrip, ServiceType, TlsOptions } from './model.js';
import { DEFAULT_PORT_TIMEOUT_MS } from './model.js';
import type { SslOptions } from './parse-ssl.js';
import { isSslVersionWord, parseSslBlock } from './parse-ssl.js';
import { operatorOrEqual, parseDuration } from './units.js';

/** Words that may follow a port test and are read as its options. */
const PORT_OPTIONS_IGNORED = new Set(['request', 'send', 'expect', 'hostheader', 'content', 'status', 'checksum', 'http', 'header', 'method', 'origin', 'database', 'secret', 'target', 'maxforward', 'rsakey']);

/** `[host H] port N [type tcp|udp|tcpssl] [ssl …] [protocol P …] [timeout N s] [retry N] [responsetime OP N ms]`. */
export function parsePortTest(c: Cursor, serviceType: ServiceType): Condition {
  let host: string | undefined;
  let port: number | undefined;
  let transport: 'tcp' | 'udp' = 'tcp';
  let ipVersion: 4 | 6 | undefined;
  let tls: TlsOptions | undefined;
  let protocol: string | undefined;
  let timeoutMs = DEFAULT_PORT_TIMEOUT_MS;
  let retry = 0;
  let responseTime: { op: Operator; ms: number } | undefined;
  const mqtt: { username?: string; password?: string; version?: 3 | 4 | 5; clientIdPrefix?: string; roundTrip?: RoundTrip } = {};
  const tlsOpts: { verify?: boolean; caFile?: string; certFile?: string; keyFile?: string; serverName?: string } = {};
  const start = c.peek();

  for (;;) {
    const t = c.peek();
    if (t.type !== 'word') break;
    switch (t.lower) {
      case 'host':
        c.next();
        host = c.expectValue('a host name or address after host').text;
        continue;
      case 'address':
        // In a port test monit's `address` is the local address to connect from, not the target.
        c.next();
        c.expectValue('a local address after address');
        c.warn(t.pos, "'address' (the local address a test connects from) is not used by brokerwatch; ignored");
        continue;
      case 'certificate': {
        c.next();
        if (c.acceptWord('valid')) {
          if (c.peek().type === 'op') c.next();
          c.expectNumber('a number of days after certificate valid');
          c.acceptWord('day', 'days', 'd');
          c.warn(t.pos, "'certificate valid' (expiry) is not evaluated by brokerwatch; ignored");
        } else {
          c.expectWord("'valid' or 'checksum' after 'certificate'", 'checksum');
          c.acceptWord('md5', 'sha1', 'sha256');
          if (c.peek().type === 'op') c.next();
          c.expectValue('a certificate checksum');
          c.warn(t.pos, "'certificate checksum' (pinning) is not evaluated by brokerwatch; ignored");
        }
        continue;
      }
      case 'certmd5':
        c.next();
        c.expectValue('a certificate checksum after certmd5');
        c.warn(t.pos, "'certmd5' (pinning) is not evaluated by brokerwatch; ignored");
        continue;
      case 'port':
        c.next();
        port = c.expectInteger('a port number', 1, 65535);
        continue;
      case 'ipv4':
        c.next();
        ipVersion = 4;
        continue;
      case 'ipv6':
        c.next();
        ipVersion = 6;
        continue;
      case 'type': {
        c.next();
        const ty = c.expectWord("'tcp', 'udp' or 'tcpssl' after type", 'tcp', 'udp', 'tcpssl', 'ssl', 'tls');
        if (ty.lower === 'udp') transport = 'udp';
        else if (ty.lower !== 'tcp') tls = { enabled: true, verify: true };
        continue;
      }
      case 'ssl':
      case 'tls':
      case 'tcpssl':
        c.next();
        if (c.peek().type === '{') {
          probeSslOptions(c, parseSslBlock(c), tlsOpts);
        } else if (c.acceptWord('disable', 'disabled')) {
          tls = undefined;
          continue;
        } else {
          c.acceptWord('enable', 'enabled');
        }
        tls = { enabled: true, verify: true };
        continue;
      case 'protocol':
      case 'proto': {
        c.next();
        protocol = c.expectValue('a protocol name after protocol').lower;
        continue;
      }
      case 'timeout':
        c.next();
        timeoutMs = parseDuration(c, 'timeout', 'seconds');
        continue;
      case 'retry':
        c.next();
        retry = c.expectInteger('a retry count', 0, 100);
        continue;
      case 'responsetime': {
        c.next();
        const op = operatorOrEqual(c);
        responseTime = { op, ms: parseDuration(c, 'responsetime', 'ms', false) };
        continue;
      }
      // MQTT options (`protocol mqtt …`): monit's credentials plus brokerwatch's extensions.
      case 'username':
      case 'user':
        c.next();
        mqtt.username = c.expectValue('a user name').text;
        continue;
      case 'password':
        c.next();
        mqtt.password = c.expectValue('a password').text;
        continue;
      case 'version': {
        c.next();
        const v = c.expectValue("an MQTT version: 3.1, 3.1.1 or 5");
        const map: Record<string, 3 | 4 | 5> = { '3': 3, '3.1': 3, '3.1.1': 4, '4': 4, '5': 5, '5.0': 5 };
        const version = map[v.text];
        if (!version) c.fail(v, `unknown MQTT version '${v.text}': expected 3.1, 3.1.1 or 5`);
        mqtt.version = version;
        continue;
      }
      case 'clientid':
        c.next();
        mqtt.clientIdPrefix = c.expectValue('a client id prefix').text;
        continue;
      case 'roundtrip':
        c.next();
        mqtt.roundTrip = parseRoundTrip(c);
        continue;
      case 'cafile':
      case 'ca':
        c.next();
        tlsOpts.caFile = c.expectValue('a CA file path').text;
        continue;
      case 'certfile':
        c.next();
        tlsOpts.certFile = c.expectValue('a certificate file path').text;
        continue;
      case 'keyfile':
        c.next();
        tlsOpts.keyFile = c.expectValue('a key file path').text;
        continue;
      case 'servername':
        c.next();
        tlsOpts.serverName = c.expectValue('a server name').text;
        continue;
      case 'verify':
        c.next();
        tlsOpts.verify = !c.acceptWord('disable', 'disabled', 'off', 'no');
        if (tlsOpts.verify) c.acceptWord('enable', 'enabled', 'on', 'yes');
        continue;
      default:
        if (isSslVersionWord(t)) {
          // `type tcpssl sslauto`, `tlsv12`: TLS with a version choice brokerwatch leaves to Node.
          c.next();
          tls = tls ?? { enabled: true, verify: true };
          c.warn(t.pos, `TLS version option '${t.text}' is not used by brokerwatch (Node's TLS defaults apply); ignored`);
          continue;
        }
        if (PORT_OPTIONS_IGNORED.has(t.lower)) {
          c.next();
          c.warn(t.pos, `port test option '${t.text}' is not evaluated by brokerwatch; ignored`);
          const v = c.peek();
          if (v.type === 'op') c.next();
          if (c.peek().type === 'string' || c.peek().type === 'number') c.next();
          else if (c.peek().type === 'word' && !c.isWord('then', 'timeout', 'retry', 'protocol', 'proto')) c.next();
          continue;
        }
    }
    break;
  }
  if (port === undefined) c.fail(c.peek(), `expected 'port N' in this connection test, found ${describe(c.peek())}`);
  const anyTls = Object.keys(tlsOpts).length > 0;
  if (anyTls && !tls) tls = { enabled: true, verify: true };
  if (tls) tls = withGlobalSsl({ ...tls, ...tlsOpts, verify: tlsOpts.verify ?? true }, tlsOpts, c.globalSsl);
  const hasMqttOpts = Object.keys(mqtt).length > 0;
  if (hasMqttOpts && !protocol) {
    c.fail(start, `MQTT options (username, password, version, roundtrip) need 'protocol mqtt' in this test`);
  }
  if ((mqtt.roundTrip || mqtt.version) && protocol !== 'mqtt') {
    c.fail(start, `'roundtrip' and 'version' need 'protocol mqtt' in this test`);
  }
  if (protocol && protocol !== 'mqtt' && protocol !== 'tcp' && protocol !== 'default') {
    c.warn(start.pos, `protocol '${protocol}' is not spoken by brokerwatch; the test only checks that the port accepts a connection`);
  }
  let mqttModel: MqttOptions | undefined;
  if (protocol === 'mqtt') {
    mqttModel = {
      version: mqtt.version ?? 4,
      clientIdPrefix: mqtt.clientIdPrefix ?? 'brokerwatch',
      ...(mqtt.username !== undefined ? { username: mqtt.username } : {}),
      ...(mqtt.password !== undefined ? { password: mqtt.password } : {}),
      ...(mqtt.roundTrip ? { roundTrip: mqtt.roundTrip } : {}),
    };
  }
  return {
    kind: 'port',
    host: host ?? (serviceType === 'host' ? '' : 'localhost'),
    port,
    transport,
    ...(ipVersion ? { ipVersion } : {}),
    ...(tls ? { tls } : {}),
    ...(protocol ? { protocol } : {}),
    ...(mqttModel ? { mqtt: mqttModel } : {}),
    timeoutMs,
    retry,
    ...(responseTime ? { responseTime } : {}),
  };
}

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
      if (/[#+]/.test(t.text) || t.text === '') c.fail(t, `the round-trip topic must be a plain topic without wildcards, found "${t.text}"`);
      topic = t.text;
    } else if (c.acceptWord('separate', 'separated')) {
      c.acceptWord('connection', 'connections', 'sessions');
      separateConnections = true;
    } else {
      return { qos, topic, separateConnections };
    }
  }
}

type ProbeTls = { verify?: boolean; caFile?: string; certFile?: string; keyFile?: string; serverName?: string };

/** A port test's `ssl { … }`. `selfsigned: allow` means no verification: anyone can make such a certificate. */
function probeSslOptions(c: Cursor, o: SslOptions, out: ProbeTls): void {
  if (o.verify !== undefined) out.verify = o.verify;
  if (o.allowSelfSigned) out.verify = false;
  if (o.caFile !== undefined) out.caFile = o.caFile;
  // monit's client certificate is one PEM file holding both the certificate and its key.
  if (o.clientPemFile !== undefined) {
    out.certFile = o.clientPemFile;
    out.keyFile = o.clientPemFile;
  }
  for (const u of o.unused) c.warn(u.pos, `'${u.key}' in a test's SSL options is not used by brokerwatch (Node's TLS defaults apply); ignored`);
  if (o.caPath !== undefined) c.warn(c.peek().pos, "'cacertificatepath' is not used by brokerwatch's probes; name the CA file with 'cacertificatefile'");
}

/** `set ssl { … }` where the test says nothing of its own (monit: local options override global ones). */
function withGlobalSsl(tls: TlsOptions, own: ProbeTls, global: SslOptions | undefined): TlsOptions {
  if (!global) return tls;
  const verify = own.verify ?? (global.verify === false || global.allowSelfSigned === true ? false : undefined);
  const caFile = own.caFile ?? global.caFile;
  return { ...tls, ...(verify !== undefined ? { verify } : {}), ...(caFile !== undefined ? { caFile } : {}) };
}
