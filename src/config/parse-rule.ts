// `if CONDITION [RATE] then ACTION [else if succeeded then ACTION]`: monit's tests, the MQTT
// extensions (round trip, `$SYS` rules), rates and actions.
import { splitCommand } from './lexer.js';
import type { Cursor } from './cursor.js';
import { ParseAbort, describe } from './cursor.js';
import type { Action, Command, Condition, MqttOptions, Operator, Rate, ResourceKind, RoundTrip, ServiceType, TlsOptions } from './model.js';
import { DEFAULT_PORT_TIMEOUT_MS } from './model.js';
import type { SslOptions } from './parse-ssl.js';
import { isSslVersionWord, parseSslBlock } from './parse-ssl.js';
import { acceptOperator, expectOperator, isSizeUnit, parseDuration, parseSize } from './units.js';

/** monit tests that load but that brokerwatch does not evaluate (a warning names them). */
const IGNORED_TESTS = new Set([
  'loadavg', 'load', 'swap', 'space', 'inode', 'inodes', 'read', 'write', 'service', 'disk', 'download', 'upload',
  'packet', 'packets', 'saturation', 'content', 'match', 'fsflags', 'fsflag', 'filesystem', 'network', 'link',
  'bytes', 'byte', 'total', 'ping', 'ping4', 'ping6', 'icmp', 'unixsocket', 'access', 'change', 'nlink',
  'mountpoint', 'filedescriptors', 'descriptors', 'open', 'openfiles', 'url', 'euid', 'security', 'hardlink',
  'hardlinks', 'servicetime', 'atime', 'ctime', 'pagein', 'pageout', 'notmatch', 'nomatch',
]);

/** What `changed` may test in monit beyond what brokerwatch evaluates (a warning names them). */
const IGNORED_CHANGES = new Set(['permission', 'perm', 'fsflag', 'fsflags', 'link', 'hardlink', 'hardlinks', 'atime', 'ctime', 'uid', 'gid']);

/** Words that may follow a port test and are read as its options. */
const PORT_OPTIONS_IGNORED = new Set(['request', 'send', 'expect', 'hostheader', 'content', 'status', 'checksum', 'http', 'header', 'method', 'origin', 'database', 'secret', 'target', 'maxforward', 'rsakey']);

export interface RuleSyntax {
  readonly condition: Condition;
  readonly rate: Rate;
  readonly action: Action;
  readonly elseAction?: Action;
}

/** Parses after `if`. Returns undefined for a monit test brokerwatch ignores (already warned). */
export function parseIf(c: Cursor, serviceType: ServiceType): RuleSyntax | undefined {
  const first = c.peek();
  let condition: Condition | undefined;
  const inverted = first.type === 'word' && first.lower === 'succeeded';
  if (first.type === 'number' && isRestartsRule(c)) {
    condition = parseRestarts(c);
  } else if (first.type === 'word' && first.lower === 'total' && c.peek(1).type === 'word' && ['mem', 'memory', 'cpu'].includes(c.peek(1).lower)) {
    // monit's lexer reads `total memory` and `total cpu` as totalmemory and totalcpu.
    condition = parseResource(c);
  } else if (inverted) {
    c.warn(first.pos, "'if succeeded …' (monit's inverted connection test) is not evaluated by brokerwatch; this rule is ignored");
    skipToThen(c);
  } else if (first.type === 'word' && IGNORED_TESTS.has(first.lower)) {
    c.warn(first.pos, `'${first.text}' tests are not evaluated by brokerwatch; this rule is ignored`);
    skipToThen(c);
  } else {
    try {
      condition = parseCondition(c, serviceType);
    } catch (e) {
      if (!(e instanceof IgnoredRule)) throw e;
    }
  }
  const rate = parseRate(c);
  c.expectWord("'then'", 'then');
  const action = parseAction(c);
  let elseAction: Action | undefined;
  if (c.isWord('else')) {
    c.next();
    // monit takes `else ACTION` as well as `else if succeeded [RATE] then ACTION`.
    if (c.acceptWord('if')) {
      const words = inverted ? ['failed'] : ['succeeded', 'success', 'recovered', 'passed'];
      c.expectWord(inverted ? "'failed' after 'else if'" : "'succeeded' or 'recovered' after 'else if'", ...words);
      // monit allows a rate here (`else if succeeded 2 cycles then …`); the model has none for recovery.
      const rateTok = c.peek();
      if (rateTok.type === 'number') {
        parseRate(c);
        c.warn(rateTok.pos, "a rate after 'else if succeeded' is not used by brokerwatch; the recovery action runs at the first success");
      }
      c.expectWord("'then'", 'then');
    }
    elseAction = parseAction(c);
  }
  if (!condition) return undefined;
  return { condition, rate, action, ...(elseAction ? { elseAction } : {}) };
}

function isRestartsRule(c: Cursor): boolean {
  const t = c.peek(1);
  return t.type === 'word' && (t.lower === 'restart' || t.lower === 'restarts');
}

function parseRestarts(c: Cursor): Condition {
  const count = c.expectInteger('a restart count', 1, 1_000_000);
  c.next(); // restart(s)
  const cycles = c.expectInteger("a number of cycles after 'restarts within'", 1, 64);
  c.expectWord("'cycles'", 'cycle', 'cycles');
  if (count > cycles) c.warn(c.peek().pos, `${count} restarts within ${cycles} cycles can never happen; at most one restart runs per cycle`);
  return { kind: 'restarts', count, cycles };
}

function skipToThen(c: Cursor): void {
  c.skipUntil((t) => t.type === 'word' && t.lower === 'then');
}

function parseCondition(c: Cursor, serviceType: ServiceType): Condition {
  const t = c.peek();
  if (t.type !== 'word') c.fail(t, `expected a test after 'if' (failed, not exist, cpu, memory, …), found ${describe(t)}`);
  switch (t.lower) {
    case 'not':
    case 'non':
      c.next();
      c.expectWord("'exist' after 'not'", 'exist', 'exists');
      return { kind: 'nonexist' };
    case 'exist':
    case 'exists':
      c.next();
      return { kind: 'exist' };
    case 'failed':
      c.next();
      return parseFailed(c, serviceType);
    case 'changed':
      return parseChanged(c);
    case 'cpu':
    case 'totalcpu':
    case 'memory':
    case 'mem':
    case 'totalmemory':
    case 'totalmem':
    case 'children':
    case 'child':
    case 'threads':
    case 'thread':
      return parseResource(c);
    // monit's `operator` may be left out, and then means `=` (p.y: `operator : /* EMPTY */`).
    case 'uptime': {
      c.next();
      const op = operatorOrEqual(c);
      return { kind: 'uptime', op, ms: parseDuration(c, 'uptime', 'seconds') };
    }
    case 'status': {
      c.next();
      const op = operatorOrEqual(c);
      return { kind: 'status', op, value: c.expectInteger('an exit status', 0, 255) };
    }
    case 'timestamp':
    case 'time':
    case 'mtime':
    case 'modification': {
      // The modification time (`mtime`, `modification time`) is what brokerwatch's timestamp reads.
      c.next();
      if (t.lower === 'modification') c.acceptWord('time', 'timestamp');
      const op = operatorOrEqual(c);
      return { kind: 'timestamp', op, ms: parseDuration(c, 'timestamp', 'seconds') };
    }
    case 'size': {
      c.next();
      const op = operatorOrEqual(c);
      return { kind: 'size', op, bytes: parseSize(c, 'size') };
    }
    case 'sys':
      c.next();
      return parseSys(c);
    default:
      c.fail(t, `unknown test '${t.text}': expected failed, not exist, changed, cpu, memory, children, threads, uptime, status, timestamp, size, sys, or 'N restarts within M cycles'`);
  }
}

function parseFailed(c: Cursor, serviceType: ServiceType): Condition {
  const t = c.peek();
  if (t.type !== 'word') c.fail(t, `expected a test after 'failed' (host, port, checksum, permission, uid, gid), found ${describe(t)}`);
  switch (t.lower) {
    case 'host':
    case 'port':
    case 'address':
      return parsePortTest(c, serviceType);
    case 'checksum':
    case 'md5':
    case 'sha1':
    case 'sha256':
      return parseFailedChecksum(c);
    case 'permission':
    case 'perm': {
      c.next();
      const v = c.peek();
      if (v.type !== 'number' || !/^[0-7]{3,4}$/.test(v.text)) c.fail(v, `expected an octal mode such as 644 after 'permission', found ${describe(v)}`);
      c.next();
      return { kind: 'permission', mode: parseInt(v.text, 8) };
    }
    case 'uid':
      c.next();
      return { kind: 'uid', user: c.expectValue('a user name or id after uid').text };
    case 'gid':
      c.next();
      return { kind: 'gid', group: c.expectValue('a group name or id after gid').text };
    case 'status':
      c.next();
      return { kind: 'status', op: '!=', value: 0 };
    default:
      if (IGNORED_TESTS.has(t.lower)) {
        c.warn(t.pos, `'failed ${t.text}' tests are not evaluated by brokerwatch; this rule is ignored`);
        skipToThen(c);
        throw new IgnoredRule();
      }
      c.fail(t, `unknown test 'failed ${t.text}': expected host, port, checksum, permission, uid or gid`);
  }
}

/** Hex digits of each hash; monit infers the hash from an expected sum's length (p.y addchecksum). */
const HASH_DIGITS = { md5: 32, sha1: 40, sha256: 64 } as const;
const HASH_BY_LENGTH: Readonly<Record<number, keyof typeof HASH_DIGITS>> = { 32: 'md5', 40: 'sha1', 64: 'sha256' };

/**
 * `[md5|sha1|sha256] checksum [expect HASH]`: monit's hash type comes before the word. The expected
 * sum is kept as monit does (cleanup_hash_string): its hex digits, lower-cased, so `8F:7F:…` matches.
 */
function parseFailedChecksum(c: Cursor): Condition {
  // brokerwatch's printer writes the hash after the word (`failed checksum md5`); both read the same.
  const before = c.acceptWord('md5', 'sha1', 'sha256');
  const checksumTok = c.expectWord("'checksum'", 'checksum');
  const hashTok = before ?? c.acceptWord('md5', 'sha1', 'sha256');
  let algorithm = hashTok?.lower as keyof typeof HASH_DIGITS | undefined;
  let expect: string | undefined;
  if (c.acceptWord('expect')) {
    const tok = c.expectValue('a checksum after expect');
    let text = tok.text;
    // A sum whose letters follow its first digits lexes as number and unit (`12abcdef…`): one word again.
    while (c.peek().glued && (c.peek().type === 'word' || c.peek().type === 'number')) text += c.next().text;
    expect = text.replace(/[^0-9a-fA-F]/g, '').toLowerCase();
    const told = HASH_BY_LENGTH[expect.length];
    if (!algorithm && !told) c.fail(tok, `unknown checksum type "${text}": not MD5 (32 hex digits), SHA1 (40) or SHA256 (64)`);
    algorithm = algorithm ?? told;
    if (algorithm && expect.length !== HASH_DIGITS[algorithm]) c.fail(tok, `invalid ${algorithm.toUpperCase()} checksum "${text}": expected ${HASH_DIGITS[algorithm]} hex digits`);
  }
  if (algorithm === 'sha256') {
    c.warn((hashTok ?? checksumTok).pos, 'SHA256 checksums are not evaluated by brokerwatch (MD5 and SHA1 are); this rule is ignored');
    skipToThen(c);
    throw new IgnoredRule();
  }
  return { kind: 'checksum', ...(algorithm ? { algorithm } : {}), ...(expect ? { expect } : {}) };
}

/** Signals a recognised-but-ignored test; the caller still consumes rate and action. */
export class IgnoredRule extends ParseAbort {}

/** `[host H] port N [type tcp|udp|tcpssl] [ssl …] [protocol P …] [timeout N s] [retry N] [responsetime OP N ms]`. */
function parsePortTest(c: Cursor, serviceType: ServiceType): Condition {
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

function parseChanged(c: Cursor): Condition {
  c.next();
  const ignored = c.peek();
  if (ignored.type === 'word' && IGNORED_CHANGES.has(ignored.lower)) {
    c.warn(ignored.pos, `'changed ${ignored.text}' tests are not evaluated by brokerwatch; this rule is ignored`);
    skipToThen(c);
    throw new IgnoredRule();
  }
  const w = c.expectWord(
    "'pid', 'ppid', 'checksum', 'timestamp', 'size' or 'status' after 'changed'",
    'pid', 'ppid', 'checksum', 'timestamp', 'time', 'mtime', 'size', 'status', 'md5', 'sha1', 'sha256',
  );
  // Any hash notices a change; brokerwatch's is MD5 whatever the rule names.
  const hashed = w.lower === 'md5' || w.lower === 'sha1' || w.lower === 'sha256';
  const what = hashed ? 'checksum' : w.lower === 'time' || w.lower === 'mtime' ? 'timestamp' : (w.lower as 'pid' | 'ppid' | 'checksum' | 'timestamp' | 'size' | 'status');
  if (hashed) c.expectWord("'checksum'", 'checksum');
  return { kind: 'changed', what };
}

/** monit reads a missing operator as `=`: `if cpu 80% then alert` is `if cpu = 80% then alert`. */
function operatorOrEqual(c: Cursor): Operator {
  return acceptOperator(c) ?? '=';
}

function parseResource(c: Cursor): Condition {
  let t = c.next();
  // `total memory`, `total cpu` (monit's lexer joins them).
  if (t.lower === 'total') {
    const w = c.next();
    t = { ...w, text: `total ${w.text}`, lower: w.lower === 'cpu' ? 'totalcpu' : 'totalmemory' };
  }
  let resource: ResourceKind;
  switch (t.lower) {
    case 'cpu': {
      // `cpu (user)`, `cpu usage (us)`: the parentheses are blanks, `usage` a noise word.
      const sub = c.acceptWord('user', 'usr', 'us', 'system', 'sys', 'sy', 'wait', 'wa');
      const s = sub?.lower;
      resource = s === 'user' || s === 'usr' || s === 'us' ? 'cpuuser' : s === 'system' || s === 'sys' || s === 'sy' ? 'cpusystem' : 'cpu';
      if (sub && resource === 'cpu') c.warn(sub.pos, "'cpu wait' is a system test; it is read as process cpu");
      break;
    }
    case 'totalcpu':
      resource = 'totalcpu';
      break;
    case 'memory':
    case 'mem':
      resource = 'memory';
      break;
    case 'totalmemory':
    case 'totalmem':
      resource = 'totalmemory';
      break;
    case 'children':
    case 'child':
      resource = 'children';
      break;
    default:
      resource = 'threads';
  }
  const opTok = c.peek();
  const op = operatorOrEqual(c);
  // Messages name what was written: `after 'cpu >'`, or `after 'cpu'` when the operator was left out.
  const after = c.peek() !== opTok ? `${t.text} ${op}` : t.text;
  if (resource === 'children' || resource === 'threads') {
    return { kind: 'resource', resource, op, value: c.expectInteger(`a number of ${resource}`, 0, 10_000_000), unit: 'count' };
  }
  const isCpu = resource !== 'memory' && resource !== 'totalmemory';
  const numTok = c.peek();
  if (isCpu || (c.peek(1).type === 'word' && (c.peek(1).lower === '%' || c.peek(1).lower === 'percent'))) {
    const v = c.expectNumber(`a percentage after '${after}'`);
    if (!c.acceptWord('%', 'percent')) c.warn(numTok.pos, `bare number ${numTok.text} for ${t.text} is taken as a percentage; write '${numTok.text}%'`);
    if (v > (isCpu ? 100 * 1024 : 100)) c.fail(numTok, `${t.text} ${v}% is out of range`);
    return { kind: 'resource', resource, op, value: v, unit: '%' };
  }
  if (c.peek(1).type === 'word' && !isSizeUnit(c.peek(1).text) && c.peek(1).lower !== 'then') {
    c.fail(c.peek(1), `expected a size unit (B, kB, MB, GB) or % after ${numTok.text}, found ${describe(c.peek(1))}`);
  }
  return { kind: 'resource', resource, op, value: parseSize(c, t.text), unit: 'bytes' };
}

/** Extension: `sys "TOPIC" OP N`, `sys uptime reset`, `sys uptime stalled`, then `[host H] [port N]`. */
function parseSys(c: Cursor): Condition {
  let test: Extract<Condition, { kind: 'sys' }>['test'];
  const t = c.peek();
  if (t.type === 'string' || (t.type === 'word' && t.text.startsWith('$SYS/'))) {
    c.next();
    if (!t.text.startsWith('$SYS/')) c.fail(t, `a $SYS rule needs a topic under $SYS/, found "${t.text}"`);
    if (/[#+]/.test(t.text)) c.fail(t, `a $SYS rule needs one numeric topic without wildcards, found "${t.text}"`);
    const op = expectOperator(c, t.text);
    const numTok = c.peek();
    let value = c.expectNumber(`a number after '${t.text} ${op}'`);
    const unit = c.peek();
    if (unit.type === 'word' && isSizeUnit(unit.text)) {
      value = parseSizeFrom(c, numTok.text);
    }
    if (!Number.isFinite(value)) c.fail(numTok, `${t.text} threshold ${numTok.text} is out of range`);
    test = { kind: 'threshold', topic: t.text, op, value };
  } else if (c.acceptWord('uptime')) {
    const w = c.expectWord("'reset' or 'stalled' after 'sys uptime'", 'reset', 'backwards', 'stalled', 'stale', 'frozen');
    test = w.lower === 'reset' || w.lower === 'backwards' ? { kind: 'uptime-reset' } : { kind: 'uptime-stalled' };
  } else {
    c.fail(t, `expected a "$SYS/…" topic or 'uptime' after 'sys', found ${describe(t)}`);
  }
  let host: string | undefined;
  let port: number | undefined;
  for (;;) {
    if (c.acceptWord('host')) host = c.expectValue('a host').text;
    else if (c.acceptWord('port')) port = c.expectInteger('a port number', 1, 65535);
    else break;
  }
  return { kind: 'sys', test, ...(host ? { host } : {}), ...(port ? { port } : {}) };
}

function parseSizeFrom(c: Cursor, numText: string): number {
  const unit = c.next();
  return Math.round(Number(numText) * sizeFactor(unit.lower));
}

function sizeFactor(u: string): number {
  const k = u.startsWith('k') ? 1 : u.startsWith('m') ? 2 : u.startsWith('g') ? 3 : u.startsWith('t') ? 4 : 0;
  return 1024 ** k;
}

/** `[for] N cycles` or `N [times] within M cycles` (the noise words are gone already). */
export function parseRate(c: Cursor): Rate {
  if (c.peek().type !== 'number') return { count: 1, cycles: 1 };
  const firstTok = c.peek();
  const first = c.expectInteger('a number of cycles', 1, 64);
  if (c.acceptWord('cycle', 'cycles')) return { count: first, cycles: first };
  const second = c.expectInteger("a number of cycles after 'within'", 1, 64);
  c.expectWord("'cycles'", 'cycle', 'cycles');
  if (first > second) c.fail(firstTok, `${first} times within ${second} cycles can never happen: the count must not exceed the cycles`);
  return { count: first, cycles: second };
}

/** Words that open the next statement: an action written on the next line is fine, these are not. */
const NEXT_STATEMENT = new Set(['if', 'check', 'set', 'depends', 'depend', 'group', 'mode', 'every', 'noalert', 'onreboot', 'backoff']);

/** `alert | restart | start | stop | unmonitor | monitor | timeout | exec "CMD" [as uid U] [timeout N s] [repeat every N cycles]`. */
export function parseAction(c: Cursor): Action {
  const t = c.peek();
  // An action on the next line means it is missing here, not unknown.
  if (t.type !== 'word' || (t.lineStart && NEXT_STATEMENT.has(t.lower))) c.fail(t, `expected an action (alert, restart, start, stop, unmonitor, exec), found ${describe(t)}`);
  switch (t.lower) {
    case 'alert':
    case 'restart':
    case 'start':
    case 'stop':
    case 'unmonitor':
    case 'monitor':
      c.next();
      return { kind: t.lower };
    case 'timeout':
      c.next();
      return { kind: 'unmonitor' };
    case 'exec': {
      c.next();
      const command = parseCommand(c, 'a command after exec');
      let repeatEvery: number | undefined;
      if (c.acceptWord('repeat')) {
        c.expectWord("'every' after 'repeat'", 'every');
        // monit: `repeat every cycle` means every 1 cycle.
        repeatEvery = c.isWord('cycle', 'cycles') ? 1 : c.expectInteger('a number of cycles', 1, 1_000_000);
        c.expectWord("'cycles'", 'cycle', 'cycles');
      }
      return { kind: 'exec', command, ...(repeatEvery ? { repeatEvery } : {}) };
    }
    default:
      c.fail(t, `unknown action '${t.text}': expected alert, restart, start, stop, unmonitor or exec`);
  }
}

/** `"CMD" [as uid U] [and gid G] [with timeout N seconds]`, the command split into argv. */
export function parseCommand(c: Cursor, expected: string): Command {
  const first = c.peek();
  // monit also takes an unquoted path: `check program x with path /usr/local/bin/x.sh`.
  const tok = first.type === 'word' && first.text.startsWith('/') ? c.next() : c.expectString(expected);
  const argv = tok.type === 'string' ? splitCommand(tok.text) : [tok.text];
  if (argv.length === 0) c.fail(tok, 'the command is empty');
  let uid: string | number | undefined;
  let gid: string | number | undefined;
  let timeoutMs: number | undefined;
  for (;;) {
    if (c.acceptWord('uid')) uid = idValue(c.expectValue('a user name or id after uid').text);
    else if (c.acceptWord('gid')) gid = idValue(c.expectValue('a group name or id after gid').text);
    else if (c.acceptWord('timeout')) timeoutMs = parseDuration(c, 'timeout', 'seconds');
    else break;
  }
  return { argv, ...(uid !== undefined ? { uid } : {}), ...(gid !== undefined ? { gid } : {}), ...(timeoutMs !== undefined ? { timeoutMs } : {}) };
}

function idValue(text: string): string | number {
  return /^\d+$/.test(text) ? Number(text) : text;
}

export { acceptOperator };
