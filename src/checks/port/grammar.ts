// The grammar of a port test, monit's `if failed [host H] port N …` with its options, and the MQTT
// probe's own (protocol mqtt, credentials, version, TLS, round trip): the largest test of the
// language. Each option word has its reader in one table; `finish` checks the combination.
import type { Cursor } from '../../config/cursor.js';
import { describe } from '../../config/cursor.js';
import type { Token } from '../../config/lexer.js';
import type { Operator, ServiceType, TlsOptions } from '../../config/model.js';
import { DEFAULT_PORT_TIMEOUT_MS } from '../../config/model.js';
import type { SslOptions } from '../../config/parse-ssl.js';
import { isSslVersionWord, parseSslBlock } from '../../config/parse-ssl.js';
import { operatorOrEqual, parseDuration } from '../../config/units.js';
import type { MqttOptions, PortCondition, RoundTrip } from './syntax.js';

/** Words that may follow a port test and are read as its options. */
const PORT_OPTIONS_IGNORED = new Set([
  'request',
  'send',
  'expect',
  'hostheader',
  'content',
  'status',
  'checksum',
  'http',
  'header',
  'method',
  'origin',
  'database',
  'secret',
  'target',
  'maxforward',
  'rsakey',
]);

type ProbeTls = { verify?: boolean; caFile?: string; certFile?: string; keyFile?: string; serverName?: string };

/** The test as read so far. */
interface Draft {
  host?: string;
  port?: number;
  transport: 'tcp' | 'udp';
  ipVersion?: 4 | 6;
  tls?: TlsOptions;
  protocol?: string;
  timeoutMs: number;
  retry: number;
  responseTime?: { op: Operator; ms: number };
  mqtt: { username?: string; password?: string; version?: 3 | 4 | 5; clientIdPrefix?: string; roundTrip?: RoundTrip };
  tlsOpts: ProbeTls;
}

/** Reads one option; the cursor stands on its word `t`. */
type OptionReader = (c: Cursor, d: Draft, t: Token) => void;

const TLS_ON: TlsOptions = { enabled: true, verify: true };

/** Where to connect: host, port, address family, transport. */
const TARGET: Record<string, OptionReader> = {
  host(c, d) {
    c.next();
    d.host = c.expectValue('a host name or address after host').text;
  },
  address(c, _d, t) {
    // In a port test monit's `address` is the local address to connect from, not the target.
    c.next();
    c.expectValue('a local address after address');
    c.warn(t.pos, "'address' (the local address a test connects from) is not used by brokerwatch; ignored");
  },
  port(c, d) {
    c.next();
    d.port = c.expectInteger('a port number', 1, 65535);
  },
  ipv4(c, d) {
    c.next();
    d.ipVersion = 4;
  },
  ipv6(c, d) {
    c.next();
    d.ipVersion = 6;
  },
  type(c, d) {
    c.next();
    const ty = c.expectWord("'tcp', 'udp' or 'tcpssl' after type", 'tcp', 'udp', 'tcpssl', 'ssl', 'tls');
    if (ty.lower === 'udp') d.transport = 'udp';
    else if (ty.lower !== 'tcp') d.tls = TLS_ON;
  },
};

function readSsl(c: Cursor, d: Draft): void {
  c.next();
  if (c.peek().type === '{') {
    probeSslOptions(c, parseSslBlock(c), d.tlsOpts);
  } else if (c.acceptWord('disable', 'disabled')) {
    delete d.tls;
    return;
  } else {
    c.acceptWord('enable', 'enabled');
  }
  d.tls = TLS_ON;
}

function readValueInto(
  key: keyof ProbeTls & ('caFile' | 'certFile' | 'keyFile' | 'serverName'),
  what: string,
): OptionReader {
  return (c, d) => {
    c.next();
    d.tlsOpts[key] = c.expectValue(what).text;
  };
}

/** TLS: on or off, monit's `ssl { … }`, files, certificate checks brokerwatch does not make. */
const TLS: Record<string, OptionReader> = {
  ssl: readSsl,
  tls: readSsl,
  tcpssl: readSsl,
  certificate(c, _d, t) {
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
  },
  certmd5(c, _d, t) {
    c.next();
    c.expectValue('a certificate checksum after certmd5');
    c.warn(t.pos, "'certmd5' (pinning) is not evaluated by brokerwatch; ignored");
  },
  cafile: readValueInto('caFile', 'a CA file path'),
  ca: readValueInto('caFile', 'a CA file path'),
  certfile: readValueInto('certFile', 'a certificate file path'),
  keyfile: readValueInto('keyFile', 'a key file path'),
  servername: readValueInto('serverName', 'a server name'),
  verify(c, d) {
    c.next();
    d.tlsOpts.verify = !c.acceptWord('disable', 'disabled', 'off', 'no');
    if (d.tlsOpts.verify) c.acceptWord('enable', 'enabled', 'on', 'yes');
  },
};

const MQTT_VERSIONS: Readonly<Record<string, 3 | 4 | 5>> = { '3': 3, '3.1': 3, '3.1.1': 4, '4': 4, '5': 5, '5.0': 5 };

function readProtocol(c: Cursor, d: Draft): void {
  c.next();
  d.protocol = c.expectValue('a protocol name after protocol').lower;
}

function readUser(c: Cursor, d: Draft): void {
  c.next();
  d.mqtt.username = c.expectValue('a user name').text;
}

/** The protocol, and with `protocol mqtt` monit's credentials plus brokerwatch's extensions. */
const PROTOCOL: Record<string, OptionReader> = {
  protocol: readProtocol,
  proto: readProtocol,
  username: readUser,
  user: readUser,
  password(c, d) {
    c.next();
    d.mqtt.password = c.expectValue('a password').text;
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
};

/** How long to wait, how often to try, how fast it must be. */
const TIMING: Record<string, OptionReader> = {
  timeout(c, d) {
    c.next();
    d.timeoutMs = parseDuration(c, 'timeout', 'seconds');
  },
  retry(c, d) {
    c.next();
    d.retry = c.expectInteger('a retry count', 0, 100);
  },
  responsetime(c, d) {
    c.next();
    const op = operatorOrEqual(c);
    d.responseTime = { op, ms: parseDuration(c, 'responsetime', 'ms', false) };
  },
};

const OPTIONS: ReadonlyMap<string, OptionReader> = new Map(
  Object.entries({ ...TARGET, ...TLS, ...PROTOCOL, ...TIMING }),
);

/** Options of other protocols and TLS versions: read with a warning. Returns false at a word that is none. */
function readIgnored(c: Cursor, d: Draft, t: Token): boolean {
  if (isSslVersionWord(t)) {
    // `type tcpssl sslauto`, `tlsv12`: TLS with a version choice brokerwatch leaves to Node.
    c.next();
    d.tls = d.tls ?? TLS_ON;
    c.warn(t.pos, `TLS version option '${t.text}' is not used by brokerwatch (Node's TLS defaults apply); ignored`);
    return true;
  }
  if (!PORT_OPTIONS_IGNORED.has(t.lower)) return false;
  c.next();
  c.warn(t.pos, `port test option '${t.text}' is not evaluated by brokerwatch; ignored`);
  if (c.peek().type === 'op') c.next();
  if (c.peek().type === 'string' || c.peek().type === 'number') c.next();
  else if (c.peek().type === 'word' && !c.isWord('then', 'timeout', 'retry', 'protocol', 'proto')) c.next();
  return true;
}

/** `[host H] port N [type tcp|udp|tcpssl] [ssl …] [protocol P …] [timeout N s] [retry N] [responsetime OP N ms]`. */
export function parsePortTest(c: Cursor, serviceType: ServiceType): PortCondition {
  const d: Draft = { transport: 'tcp', timeoutMs: DEFAULT_PORT_TIMEOUT_MS, retry: 0, mqtt: {}, tlsOpts: {} };
  const start = c.peek();
  for (;;) {
    const t = c.peek();
    if (t.type !== 'word') break;
    const read = OPTIONS.get(t.lower);
    if (read) read(c, d, t);
    else if (!readIgnored(c, d, t)) break;
  }
  return finish(c, d, start, serviceType);
}

/** Checks what only the whole test can tell, and builds the model. */
function finish(c: Cursor, d: Draft, start: Token, serviceType: ServiceType): PortCondition {
  const { mqtt, tlsOpts, protocol } = d;
  if (d.port === undefined) c.fail(c.peek(), `expected 'port N' in this connection test, found ${describe(c.peek())}`);
  let tls = d.tls;
  if (Object.keys(tlsOpts).length > 0 && !tls) tls = TLS_ON;
  if (tls) tls = withGlobalSsl({ ...tls, ...tlsOpts, verify: tlsOpts.verify ?? true }, tlsOpts, c.globalSsl);
  if (Object.keys(mqtt).length > 0 && !protocol) {
    c.fail(start, `MQTT options (username, password, version, roundtrip) need 'protocol mqtt' in this test`);
  }
  if ((mqtt.roundTrip || mqtt.version) && protocol !== 'mqtt') {
    c.fail(start, `'roundtrip' and 'version' need 'protocol mqtt' in this test`);
  }
  if (protocol && protocol !== 'mqtt' && protocol !== 'tcp' && protocol !== 'default') {
    c.warn(
      start.pos,
      `protocol '${protocol}' is not spoken by brokerwatch; the test only checks that the port accepts a connection`,
    );
  }
  const mqttModel: MqttOptions | undefined =
    protocol === 'mqtt'
      ? {
          version: mqtt.version ?? 4,
          clientIdPrefix: mqtt.clientIdPrefix ?? 'brokerwatch',
          ...(mqtt.username !== undefined ? { username: mqtt.username } : {}),
          ...(mqtt.password !== undefined ? { password: mqtt.password } : {}),
          ...(mqtt.roundTrip ? { roundTrip: mqtt.roundTrip } : {}),
        }
      : undefined;
  return {
    kind: 'port',
    host: d.host ?? (serviceType === 'host' ? '' : 'localhost'),
    port: d.port,
    transport: d.transport,
    ...(d.ipVersion ? { ipVersion: d.ipVersion } : {}),
    ...(tls ? { tls } : {}),
    ...(protocol ? { protocol } : {}),
    ...(mqttModel ? { mqtt: mqttModel } : {}),
    timeoutMs: d.timeoutMs,
    retry: d.retry,
    ...(d.responseTime ? { responseTime: d.responseTime } : {}),
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
  for (const u of o.unused)
    c.warn(u.pos, `'${u.key}' in a test's SSL options is not used by brokerwatch (Node's TLS defaults apply); ignored`);
  if (o.caPath !== undefined)
    c.warn(
      c.peek().pos,
      "'cacertificatepath' is not used by brokerwatch's probes; name the CA file with 'cacertificatefile'",
    );
}

/** `set ssl { … }` where the test says nothing of its own (monit: local options override global ones). */
function withGlobalSsl(tls: TlsOptions, own: ProbeTls, global: SslOptions | undefined): TlsOptions {
  if (!global) return tls;
  const verify = own.verify ?? (global.verify === false || global.allowSelfSigned === true ? false : undefined);
  const caFile = own.caFile ?? global.caFile;
  return { ...tls, ...(verify !== undefined ? { verify } : {}), ...(caFile !== undefined ? { caFile } : {}) };
}
