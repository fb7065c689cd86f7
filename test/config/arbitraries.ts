// fast-check arbitraries for rules-file models: every Config they generate is one the printer claims
// to write exactly (see the header of src/config/printer.ts), and that the parser accepts without
// errors. Also `stripPositions`, for comparing a model with the one read back from its printout.
import { isIP } from 'node:net';
import fc from 'fast-check';
import type {
  Action,
  ActionKind,
  AlertFilter,
  AlertRecipient,
  AlertTarget,
  Backoff,
  Command,
  Condition,
  ConditionKind,
  Config,
  EventType,
  HttpAllow,
  Limits,
  Httpd,
  HttpdUnixSocket,
  MailFormat,
  MailServer,
  MailServerTls,
  MqttOptions,
  Operator,
  Rate,
  Rule,
  Schedule,
  Service,
  ServiceType,
  SourcePos,
  TlsOptions,
} from '../../src/config/model.js';
import { DEFAULT_BACKOFF, EVENT_TYPES } from '../../src/config/model.js';
import type { HttpOptions } from '../../src/checks/port/protocols/http/syntax.js';
import type { ExchangeStep } from '../../src/checks/port/protocols/generic/syntax.js';
import type { WebSocketOptions } from '../../src/checks/port/protocols/websocket/syntax.js';
import { MONIT_ONLY_PROTOCOLS } from '../../src/checks/port/protocols/registry.js';
import type { CertificateTest } from '../../src/checks/port/syntax.js';
import type { BridgeEnd } from '../../src/checks/bridge/syntax.js';
import type { FleetSettings } from '../../src/fleet/syntax.js';
import { CPU_SHARES } from '../../src/checks/system-cpu/syntax.js';

/** A model without `pos` fields and without `files`: what a round trip must preserve. */
export function stripPositions(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripPositions);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (k !== 'pos' && k !== 'files') out[k] = stripPositions(v);
  return out;
}

/** Warnings a printed file may still earn: about what the rules mean, not how they are written. */
export const SEMANTIC_WARNING = /has no start program|can never happen|is not spoken by brokerwatch/;

const POS: SourcePos = { file: 'arbitrary.rc', line: 1, col: 1 };

/** Text that looks like the language (keywords, noise words, numbers, units) or breaks it. */
const TRICKY = [
  'is',
  'with',
  'on',
  'the',
  'include',
  'mail-format',
  'check',
  'set',
  'if',
  'then',
  'else',
  'not',
  'every',
  'group',
  'depends',
  'alert',
  'syslog',
  'md5',
  'port',
  'host',
  'timeout',
  'seconds',
  'ms',
  'MB',
  'b',
  'Include',
  'SET',
  '5',
  '007',
  '80%',
  '1.5',
  '5MB',
  '1e5',
  '3.1.1',
  '#x',
  'a b',
  'a#b',
  '"',
  '\\',
  '\\"',
  'x\\',
  '{',
  '}',
  '{ }',
  '',
  '=',
  '!=',
  '<>',
  'a,b',
  'a;b',
  '(x)',
  'tab\there',
  'line\nbreak',
  'cr\rlf',
  'ünïcödé',
  '日本',
  '😀',
  'a\u00a0b',
  '$SYS',
  '*',
  'admin:pw',
  '::1',
  '10.0.0.1',
  '/var/run/x.pid',
  'var/demo/state.json',
  "it's",
];

const identifier = fc.stringMatching(/^[a-z][a-z0-9_.-]{0,10}$/);
const path = fc.stringMatching(/^\/[a-zA-Z0-9_./-]{0,20}$/);
const grammarChars = fc.constantFrom(
  'a',
  'Z',
  '0',
  '9',
  ' ',
  '\t',
  '\n',
  '"',
  '\\',
  "'",
  '#',
  '{',
  '}',
  '=',
  '!',
  '<',
  '>',
  ',',
  ';',
  '(',
  ')',
  '%',
  '.',
  '@',
  ':',
  '/',
  '-',
  '$',
  'é',
  '😀',
);

/** Any text: quoted by the printer when it is not a safe bare word. No line break: a string ends on its line. */
export const text: fc.Arbitrary<string> = fc
  .oneof(
    fc.constantFrom(...TRICKY),
    identifier,
    path,
    fc.string({ unit: 'binary', maxLength: 12 }),
    fc.string({ unit: grammarChars, maxLength: 10 }),
  )
  .filter((s) => !s.includes('\n'));
export const nonEmptyText = text.filter((s) => s !== '');

/** One line of text: no line terminator (`^` in a multiline RegExp also matches after \r, \u2028, \u2029). */
const lineText = text.filter((s) => !/[\n\r\u2028\u2029]/.test(s));

export const durationMs: fc.Arbitrary<number> = fc.oneof(
  fc.nat({ max: 10_000_000 }),
  fc.tuple(fc.nat({ max: 1000 }), fc.constantFrom(1000, 60_000, 3_600_000, 86_400_000)).map(([n, f]) => n * f),
  fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
);

export const sizeBytes: fc.Arbitrary<number> = fc.oneof(
  fc.nat({ max: 10_000_000 }),
  fc.tuple(fc.nat({ max: 4096 }), fc.constantFrom(1024, 1024 ** 2, 1024 ** 3, 1024 ** 4)).map(([n, f]) => n * f),
  fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
);

/** A finite, non-negative double (never -0), from 0.5 to 1e-300 and 1e300. */
function unsigned(max: number): fc.Arbitrary<number> {
  return fc
    .oneof(fc.nat({ max: Math.min(max, 1_000_000) }), fc.double({ min: 0, max, noNaN: true, noDefaultInfinity: true }))
    .map((v) => (v === 0 ? 0 : v));
}

const operator: fc.Arbitrary<Operator> = fc.constantFrom('>', '<', '>=', '<=', '=', '!=');
const port = fc.integer({ min: 1, max: 65535 });

/** A uid or gid: a whole number, or a name that is not all digits (that would read back as a number). */
const ident: fc.Arbitrary<string | number> = fc.oneof(
  fc.nat({ max: 2 ** 32 }),
  text.filter((s) => !/^\d+$/.test(s)),
);

/** argv without single quotes: monit's command splitting has no escape for one. */
export const argv: fc.Arbitrary<string[]> = fc.array(
  text.filter((s) => !s.includes("'")),
  { minLength: 1, maxLength: 4 },
);

export const command: fc.Arbitrary<Command> = fc.record(
  { argv, uid: ident, gid: ident, timeoutMs: durationMs },
  { requiredKeys: ['argv'] },
);

const rate: fc.Arbitrary<Rate> = fc.oneof(
  fc.constant({ count: 1, cycles: 1 }),
  fc
    .integer({ min: 1, max: 64 })
    .chain((cycles) => fc.integer({ min: 1, max: cycles }).map((count) => ({ count, cycles }))),
);

const action: fc.Arbitrary<Action> = fc.oneof(
  fc
    .constantFrom<Exclude<ActionKind, 'exec'>>('alert', 'restart', 'start', 'stop', 'unmonitor', 'monitor')
    .map((kind) => ({ kind })),
  fc.record(
    { kind: fc.constant('exec' as const), command, repeatEvery: fc.integer({ min: 1, max: 1_000_000 }) },
    { requiredKeys: ['kind', 'command'] },
  ),
);

const tls: fc.Arbitrary<TlsOptions> = fc.record(
  { enabled: fc.constant(true), verify: fc.boolean(), caFile: text, certFile: text, keyFile: text, serverName: text },
  { requiredKeys: ['enabled', 'verify'] },
);

/** An MQTT topic for probes: not empty, no wildcards. */
const plainTopic = nonEmptyText.filter((s) => !/[#+]/.test(s));

const mqttOptions: fc.Arbitrary<MqttOptions> = fc.record(
  {
    version: fc.constantFrom<3 | 4 | 5>(3, 4, 5),
    clientIdPrefix: fc.oneof(fc.constant('brokerwatch'), text),
    username: text,
    password: text,
    roundTrip: fc.record({
      qos: fc.constantFrom<0 | 1 | 2>(0, 1, 2),
      topic: fc.oneof(fc.constant('brokerwatch/probe'), plainTopic),
      separateConnections: fc.boolean(),
    }),
  },
  { requiredKeys: ['version', 'clientIdPrefix'] },
);

/** Regular expressions JavaScript reads (content, expect). */
const regexText = fc.oneof(
  fc.constantFrom('^ok$', 'Monit [0-9.]+', 'error|fail', '^220', '\\d+ bytes', 'a\\"b'),
  fc.stringMatching(/^[a-z0-9 .]{0,12}$/),
);
/** Text HTTP can send in a header: no control characters. */
const headerText = text.filter((v) => ![...v].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f));
const hex = (n: number): fc.Arbitrary<string> => fc.stringMatching(new RegExp(`^[0-9a-f]{${n}}$`));

const httpOptions: fc.Arbitrary<HttpOptions> = fc
  .record(
    {
      method: fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'OPTIONS'),
      request: fc.oneof(fc.constant('/'), fc.stringMatching(/^\/[a-zA-Z0-9_./?=&%-]{0,20}$/)),
      status: fc.record({ op: operator, code: fc.integer({ min: 100, max: 999 }) }),
      content: fc.record({ match: fc.boolean(), regex: regexText }),
      checksum: fc.oneof(hex(32), hex(40)),
      hostHeader: headerText,
      headers: fc.array(
        fc.tuple(fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,12}$/), headerText).map(([n, v]) => [n, v] as const),
        { maxLength: 3 },
      ),
      credentials: fc.record({ username: text, password: text }),
    },
    { requiredKeys: ['method', 'request', 'headers'] },
  )
  .map(({ credentials, ...h }) => ({ ...h, ...credentials }));

/** A request path or a header value without blanks, as the WebSocket options take them. */
const blankFree = headerText.filter((v) => !v.includes(' '));

const websocketOptions: fc.Arbitrary<WebSocketOptions> = fc.record(
  {
    request: fc.oneof(fc.constant('/'), fc.stringMatching(/^\/[a-zA-Z0-9_./?=&%-]{0,20}$/)),
    host: blankFree,
    origin: blankFree,
    version: fc.oneof(fc.constant(13), fc.integer({ min: 0, max: 255 })),
  },
  { requiredKeys: ['request', 'version'] },
);

const exchange: fc.Arbitrary<ExchangeStep[]> = fc.array(
  fc.oneof(
    text.map((send) => ({ send })),
    regexText.map((expect) => ({ expect })),
  ),
  { minLength: 1, maxLength: 4 },
);

const certificate: fc.Arbitrary<CertificateTest> = fc.record(
  {
    validDays: fc.integer({ min: 0, max: 1000 }),
    checksum: fc.oneof(
      hex(32).map((hash) => ({ algo: 'md5' as const, hash })),
      hex(40).map((hash) => ({ algo: 'sha1' as const, hash })),
      hex(64).map((hash) => ({ algo: 'sha256' as const, hash })),
    ),
  },
  { requiredKeys: [] },
);

function portTest(type: ServiceType): fc.Arbitrary<Extract<Condition, { kind: 'port' }>> {
  // A host check fills an empty host with its address, so an empty one cannot be kept there.
  const host = type === 'host' ? nonEmptyText : text;
  const common = {
    kind: fc.constant('port' as const),
    host,
    port,
    transport: fc.constantFrom<'tcp' | 'udp'>('tcp', 'udp'),
    ipVersion: fc.constantFrom<4 | 6>(4, 6),
    tls,
    timeoutMs: durationMs,
    retry: fc.integer({ min: 0, max: 100 }),
    responseTime: fc.record({ op: operator, ms: durationMs }),
  };
  const required = ['kind', 'host', 'port', 'transport', 'timeoutMs', 'retry'] as const;
  /** The certificate tests, only where the test is TLS. */
  const withCertificate = <T extends { tls?: TlsOptions }>(arb: fc.Arbitrary<T>): fc.Arbitrary<T> =>
    fc
      .tuple(arb, fc.option(certificate, { nil: undefined }))
      .map(([c, cert]) => (c.tls && cert && Object.keys(cert).length > 0 ? { ...c, certificate: cert } : c));
  /** `unixsocket PATH`: no host, port, UDP, TLS or MQTT; 'localhost' and 0 stand in for host and port. */
  const unixSocket = fc
    .record(
      {
        path: fc.stringMatching(/^\/[a-zA-Z0-9_./-]{1,30}$/),
        protocol: fc.constantFrom('http', 'redis', 'ssh', 'dns', 'websocket'),
        http: httpOptions,
        websocket: websocketOptions,
        timeoutMs: durationMs,
        retry: fc.integer({ min: 0, max: 100 }),
      },
      { requiredKeys: ['path', 'timeoutMs', 'retry'] },
    )
    .map(({ path, protocol, http, websocket, ...rest }): Extract<Condition, { kind: 'port' }> => ({
      kind: 'port' as const,
      host: 'localhost',
      port: 0,
      unixSocket: path,
      transport: 'tcp' as const,
      ...(protocol !== undefined ? { protocol } : {}),
      ...(protocol === 'http' ? { http: http ?? { method: 'GET', request: '/', headers: [] } } : {}),
      ...(protocol === 'websocket' ? { websocket: websocket ?? { request: '/', version: 13 } } : {}),
      ...rest,
    }));
  return withCertificate(
    fc.oneof(
      unixSocket,
      fc.record(common, { requiredKeys: [...required] }),
      fc.record(
        { ...common, protocol: fc.constant('mqtt'), mqtt: mqttOptions },
        { requiredKeys: [...required, 'protocol', 'mqtt'] },
      ),
      // MQTT over WebSocket: only the request path is its own.
      fc
        .record(
          {
            ...common,
            protocol: fc.constant('mqtt'),
            mqtt: mqttOptions,
            request: websocketOptions.map((w) => w.request),
          },
          { requiredKeys: [...required, 'protocol', 'mqtt', 'request'] },
        )
        .map(({ request, ...c }) => ({ ...c, websocket: { request, version: 13 } })),
      fc.record(
        {
          ...common,
          protocol: fc.constantFrom(
            'tcp',
            'default',
            'ssh',
            'smtp',
            'redis',
            'pgsql',
            'mysql',
            ...MONIT_ONLY_PROTOCOLS,
          ),
        },
        { requiredKeys: [...required, 'protocol'] },
      ),
      fc.record(
        { ...common, protocol: fc.constant('http'), http: httpOptions },
        { requiredKeys: [...required, 'protocol', 'http'] },
      ),
      fc.record(
        { ...common, protocol: fc.constant('https'), tls, http: httpOptions },
        { requiredKeys: [...required, 'protocol', 'tls', 'http'] },
      ),
      fc.record({ ...common, protocol: fc.constant('smtps'), tls }, { requiredKeys: [...required, 'protocol', 'tls'] }),
      fc.record(
        { ...common, protocol: fc.constant('smtp'), tls, starttls: fc.constant(true) },
        { requiredKeys: [...required, 'protocol', 'tls', 'starttls'] },
      ),
      fc.record({ ...common, exchange }, { requiredKeys: [...required, 'exchange'] }),
      fc.record(
        { ...common, protocol: fc.constantFrom('websocket', 'websockets'), websocket: websocketOptions },
        { requiredKeys: [...required, 'protocol', 'websocket'] },
      ),
      // DNS over UDP has no TLS.
      fc
        .record({ ...common, protocol: fc.constant('dns') }, { requiredKeys: [...required, 'protocol'] })
        .map((c) => (c.tls ? { ...c, transport: 'tcp' as const } : c)),
    ),
  );
}

type Generator<K extends ConditionKind> = (
  type: ServiceType,
) => fc.Arbitrary<Extract<Condition, { kind: K }>> | undefined;

const only =
  <K extends ConditionKind>(
    types: readonly ServiceType[],
    arb: fc.Arbitrary<Extract<Condition, { kind: K }>>,
  ): Generator<K> =>
  (type) =>
    types.includes(type) ? arb : undefined;

const except =
  <K extends ConditionKind>(
    types: readonly ServiceType[],
    arb: fc.Arbitrary<Extract<Condition, { kind: K }>>,
  ): Generator<K> =>
  (type) =>
    types.includes(type) ? undefined : arb;

/** Regexes as monit users write them (POSIX classes included); quoted, so no `"` inside. */
const contentPattern = fc.oneof(
  fc.constantFrom('Error', '^[0-9]+ warning', 'a|b', 'x.*y', '[[:digit:]]+ failed', 'Socket error on client'),
  fc.stringMatching(/^[a-zA-Z0-9 :._-]{1,12}$/),
);

/**
 * The conditions of each check kind that a service of TYPE may hold (undefined: the kind does not
 * apply there). Keyed by every registered kind, so a kind without a generator does not compile.
 */
export const CONDITIONS: { readonly [K in ConditionKind]: Generator<K> } = {
  nonexist: only(['process', 'file', 'directory', 'fifo'], fc.constant({ kind: 'nonexist' as const })),
  exist: () => fc.constant({ kind: 'exist' as const }),
  port: portTest,
  ping: only(
    ['host'],
    fc
      .record(
        {
          kind: fc.constant('ping' as const),
          ipVersion: fc.constantFrom<4 | 6>(4, 6),
          count: fc.integer({ min: 1, max: 100 }),
          size: fc.integer({ min: 0, max: 65_507 }),
          timeoutMs: durationMs.filter((ms) => ms >= 1),
          address: fc.boolean(),
        },
        { requiredKeys: ['kind', 'count', 'size', 'timeoutMs', 'address'] },
      )
      // The local address in the family the test names.
      .map(({ address, ...p }) => (address ? { ...p, address: p.ipVersion === 6 ? '::1' : '127.0.0.1' } : p)),
  ),
  resource: only(
    ['process'],
    fc.oneof(
      fc.record({
        kind: fc.constant('resource' as const),
        resource: fc.constantFrom('cpu', 'cpuuser', 'cpusystem', 'totalcpu'),
        op: operator,
        value: unsigned(102_400),
        unit: fc.constant('%' as const),
      }),
      fc.record({
        kind: fc.constant('resource' as const),
        resource: fc.constantFrom('memory', 'totalmemory'),
        op: operator,
        value: unsigned(100),
        unit: fc.constant('%' as const),
      }),
      fc.record({
        kind: fc.constant('resource' as const),
        resource: fc.constantFrom('memory', 'totalmemory'),
        op: operator,
        value: sizeBytes,
        unit: fc.constant('bytes' as const),
      }),
      fc.record({
        kind: fc.constant('resource' as const),
        resource: fc.constantFrom('children', 'threads'),
        op: operator,
        value: fc.integer({ min: 0, max: 10_000_000 }),
        unit: fc.constant('count' as const),
      }),
    ),
  ),
  uptime: only(['process'], fc.record({ kind: fc.constant('uptime' as const), op: operator, ms: durationMs })),
  changed: (type) =>
    fc.record({
      kind: fc.constant('changed' as const),
      what:
        type === 'process'
          ? fc.constantFrom('pid', 'ppid', 'checksum', 'timestamp', 'size', 'status')
          : type === 'directory' || type === 'fifo'
            ? fc.constantFrom('timestamp', 'status')
            : fc.constantFrom('checksum', 'timestamp', 'size', 'status'),
    }),
  restarts: () =>
    fc.record({
      kind: fc.constant('restarts' as const),
      count: fc.integer({ min: 1, max: 1_000_000 }),
      cycles: fc.integer({ min: 1, max: 64 }),
    }),
  status: only(
    ['program'],
    fc.record({ kind: fc.constant('status' as const), op: operator, value: fc.integer({ min: 0, max: 255 }) }),
  ),
  timestamp: () => fc.record({ kind: fc.constant('timestamp' as const), op: operator, ms: durationMs }),
  size: except(
    ['directory', 'fifo'],
    fc.record({ kind: fc.constant('size' as const), op: operator, bytes: sizeBytes }),
  ),
  // An expected sum is its hash's hex digits, lower-cased (monit's rule); without a hash, its length names one.
  checksum: except(
    ['directory', 'fifo'],
    fc.oneof(
      fc.record(
        { kind: fc.constant('checksum' as const), algorithm: fc.constantFrom<'md5' | 'sha1'>('md5', 'sha1') },
        { requiredKeys: ['kind'] },
      ),
      fc.constantFrom<'md5' | 'sha1'>('md5', 'sha1').chain((algorithm) =>
        fc.record({
          kind: fc.constant('checksum' as const),
          algorithm: fc.constant(algorithm),
          expect: fc.stringMatching(algorithm === 'md5' ? /^[0-9a-f]{32}$/ : /^[0-9a-f]{40}$/),
        }),
      ),
    ),
  ),
  permission: () => fc.record({ kind: fc.constant('permission' as const), mode: fc.integer({ min: 0, max: 0o7777 }) }),
  uid: () => fc.record({ kind: fc.constant('uid' as const), user: text }),
  gid: () => fc.record({ kind: fc.constant('gid' as const), group: text }),
  content: only(
    ['file', 'program'],
    fc.record({ kind: fc.constant('content' as const), not: fc.boolean(), patterns: contentPattern.map((p) => [p]) }),
  ),
  sys: () =>
    fc.record(
      {
        kind: fc.constant('sys' as const),
        test: fc.oneof(
          fc.record({
            kind: fc.constant('threshold' as const),
            topic: plainTopic.map((t) => `$SYS/${t}`),
            op: operator,
            value: unsigned(Number.MAX_VALUE),
          }),
          fc.constant({ kind: 'uptime-reset' as const }),
          fc.constant({ kind: 'uptime-stalled' as const }),
        ),
        host: nonEmptyText,
        port,
      },
      { requiredKeys: ['kind', 'test'] },
    ),
  bridge: () =>
    fc.record({
      kind: fc.constant('bridge' as const),
      from: bridgeEnd(),
      to: bridgeEnd(),
      topic: ownTopic(),
      qos: fc.constantFrom<0 | 1 | 2>(0, 1, 2),
      timeoutMs: durationMs,
    }),
  loadavg: only(
    ['system', 'process'],
    fc.record({
      kind: fc.constant('loadavg' as const),
      period: fc.constantFrom<1 | 5 | 15>(1, 5, 15),
      perCore: fc.boolean(),
      op: operator,
      value: unsigned(10_000),
    }),
  ),
  filedescriptors: (type) =>
    type === 'system' || type === 'process'
      ? fc.oneof(
          fc.record({
            kind: fc.constant('filedescriptors' as const),
            total: fc.constant(false),
            op: operator,
            limit: amount('count'),
          }),
          ...(type === 'process'
            ? [
                fc.record({
                  kind: fc.constant('filedescriptors' as const),
                  total: fc.constant(true),
                  op: operator,
                  limit: fc.record({
                    value: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
                    unit: fc.constant('count' as const),
                  }),
                }),
              ]
            : []),
        )
      : undefined,
  'system-cpu': only(
    ['system'],
    fc.record({
      kind: fc.constant('system-cpu' as const),
      share: fc.constantFrom(...CPU_SHARES),
      op: operator,
      value: unsigned(100),
    }),
  ),
  'system-memory': only(
    ['system'],
    fc.record({
      kind: fc.constant('system-memory' as const),
      what: fc.constantFrom<'memory' | 'swap'>('memory', 'swap'),
      op: operator,
      limit: fc.oneof(
        fc.record({ value: unsigned(100), unit: fc.constant('%' as const) }),
        fc.record({ value: sizeBytes, unit: fc.constant('bytes' as const) }),
      ),
    }),
  ),
  'system-uptime': only(
    ['system'],
    fc.record({ kind: fc.constant('system-uptime' as const), op: operator, ms: durationMs }),
  ),
  space: only(
    ['filesystem'],
    fc.record({ kind: fc.constant('space' as const), free: fc.boolean(), op: operator, limit: amount('bytes') }),
  ),
  inode: only(
    ['filesystem'],
    fc.record({ kind: fc.constant('inode' as const), free: fc.boolean(), op: operator, limit: amount('count') }),
  ),
  'disk-io': only(
    ['filesystem'],
    fc.oneof(
      fc.record({
        kind: fc.constant('disk-io' as const),
        direction: fc.constantFrom<'read' | 'write'>('read', 'write'),
        per: fc.constant('bytes' as const),
        op: operator,
        value: sizeBytes,
      }),
      fc.record({
        kind: fc.constant('disk-io' as const),
        direction: fc.constantFrom<'read' | 'write'>('read', 'write'),
        per: fc.constant('operations' as const),
        op: operator,
        value: unsigned(1e12),
      }),
    ),
  ),
  'service-time': only(
    ['filesystem'],
    fc.record({ kind: fc.constant('service-time' as const), op: operator, ms: durationMs }),
  ),
  fsflags: only(['filesystem'], fc.constant({ kind: 'fsflags' as const })),
  link: only(
    ['network'],
    fc.record({ kind: fc.constant('link' as const), state: fc.constantFrom<'down' | 'up'>('down', 'up') }),
  ),
  'link-change': only(['network'], fc.constant({ kind: 'link-change' as const })),
  saturation: only(
    ['network'],
    fc.record({ kind: fc.constant('saturation' as const), op: operator, value: unsigned(100) }),
  ),
  traffic: only(
    ['network'],
    fc.oneof(
      fc.record(
        {
          kind: fc.constant('traffic' as const),
          direction: fc.constantFrom<'download' | 'upload'>('download', 'upload'),
          per: fc.constant('bytes' as const),
          op: operator,
          value: sizeBytes,
          windowMs: durationMs.filter((ms) => ms > 0),
        },
        { requiredKeys: ['kind', 'direction', 'per', 'op', 'value'] },
      ),
      fc.record(
        {
          kind: fc.constant('traffic' as const),
          direction: fc.constantFrom<'download' | 'upload'>('download', 'upload'),
          per: fc.constant('packets' as const),
          op: operator,
          value: unsigned(1e12),
          windowMs: durationMs.filter((ms) => ms > 0),
        },
        { requiredKeys: ['kind', 'direction', 'per', 'op', 'value'] },
      ),
    ),
  ),
};

/** A share (0–100%) or an amount: bytes, or a plain count. */
function amount(bare: 'bytes' | 'count'): fc.Arbitrary<{ value: number; unit: '%' | 'bytes' | 'count' }> {
  return fc.oneof(
    fc.record({ value: unsigned(100), unit: fc.constant('%' as const) }),
    bare === 'bytes'
      ? fc.record({ value: sizeBytes, unit: fc.constant('bytes' as const) })
      : fc.record({ value: fc.nat({ max: Number.MAX_SAFE_INTEGER }), unit: fc.constant('count' as const) }),
  );
}

/** Conditions of one kind in a service of TYPE, if the kind applies there. */
export function conditionOf(kind: ConditionKind, type: ServiceType): fc.Arbitrary<Condition> | undefined {
  return (CONDITIONS[kind] as (t: ServiceType) => fc.Arbitrary<Condition> | undefined)(type);
}

function condition(type: ServiceType): fc.Arbitrary<Condition> {
  const kinds = Object.keys(CONDITIONS) as ConditionKind[];
  return fc.oneof(...kinds.flatMap((k) => conditionOf(k, type) ?? []));
}

type RuleBody = Omit<Rule, 'id' | 'pos'>;

function actionIn(type: ServiceType): fc.Arbitrary<Action> {
  return type === 'system' ? fc.oneof(action, fc.constant({ kind: 'reboot' as const })) : action;
}

function ruleBody(type: ServiceType): fc.Arbitrary<RuleBody> {
  return fc.record(
    // `reboot` is an action of check system only.
    { condition: condition(type), rate, action: actionIn(type), elseAction: actionIn(type) },
    { requiredKeys: ['condition', 'rate', 'action'] },
  );
}

/** Rules with positional ids (monit's implicit rule is added with the service: withImplicit). */
function rules(type: ServiceType): fc.Arbitrary<Rule[]> {
  return fc
    .array(ruleBody(type), { maxLength: 5 })
    .map((bodies) => bodies.map((b, i) => ({ id: `r${i + 1}`, ...b, pos: POS })));
}

/**
 * The rule the parser adds where none says what a missing subject means: `does not exist` restarts
 * a process (and a file system with a start program; else alerts), `link down` alerts on a network.
 */
function withImplicit<S extends { type: ServiceType; rules: Rule[]; start?: Command; restart?: Command }>(s: S): S {
  const written = s.rules.filter((r) => !r.implicit);
  const has = (...kinds: string[]): boolean => written.some((r) => kinds.includes(r.condition.kind));
  const base = { rate: { count: 1, cycles: 1 }, implicit: true, pos: POS } as const;
  let implicit: Rule | undefined;
  if ((s.type === 'process' || s.type === 'filesystem') && !has('nonexist', 'exist')) {
    const action = s.type === 'process' || s.start || s.restart ? 'restart' : 'alert';
    implicit = { id: 'nonexist', condition: { kind: 'nonexist' }, action: { kind: action }, ...base };
  } else if (s.type === 'network' && !has('link')) {
    implicit = { id: 'link', condition: { kind: 'link', state: 'down' }, action: { kind: 'alert' }, ...base };
  }
  return { ...s, rules: implicit ? [implicit, ...written] : written };
}

const events: fc.Arbitrary<EventType[]> = fc.array(fc.constantFrom(...EVENT_TYPES), { maxLength: 5 });
const alertFilter: fc.Arbitrary<AlertFilter> = fc.oneof(
  fc.constant({ mode: 'all' as const, events: [] }),
  fc.record({ mode: fc.constantFrom<'only' | 'except'>('only', 'except'), events }),
);

/** mail-format values: free text up to the block's `}`, one line each except the message. */
const formatLine = lineText.filter((s) => !s.includes('}') && s === s.trim());
const FORMAT_KEY_LINE = /^[ \t]*(from|reply-to|subject|message):/im;
const formatMessage = fc
  .array(
    fc.oneof(formatLine, fc.constantFrom('', '  indented', '$EVENT on $SERVICE at $DATE', 'brokerwatch did: $ACTION')),
    { maxLength: 4 },
  )
  .map((lines) => lines.join('\n'))
  .chain((m) => fc.constantFrom(m, `  ${m}`, `\n${m}`))
  .filter((m) => m === m.trimEnd() && !FORMAT_KEY_LINE.test(m));

export const mailFormat: fc.Arbitrary<MailFormat> = fc.record(
  { from: formatLine, replyTo: formatLine, subject: formatLine, message: formatMessage },
  { requiredKeys: [] },
);

const addressPart = fc.string({
  unit: fc.constantFrom('a', 'b', 'Z', '0', '.', '-', '_', '+', '%', '"', '#', '{', '}', "'", '\\', 'é'),
  minLength: 1,
  maxLength: 8,
});
const mailAddress = fc.tuple(addressPart, addressPart).map(([l, d]) => `${l}@${d}`);

const hostName = fc.stringMatching(/^[a-zA-Z0-9][a-zA-Z0-9.-]{0,15}$/);
/** A host a special-scheme URL accepts: no label of digits last (IPv4) and no `xn--` (punycode). */
const webHost = fc
  .stringMatching(/^[a-z][a-z0-9-]{0,10}(\.[a-zA-Z][a-zA-Z0-9-]{0,8}){0,2}$/)
  .filter((h) => !/(^|\.)xn--/i.test(h));
const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));
/** IPv6 addresses in the form a URL keeps them (lower case, compressed). */
const ipv6 = fc.constantFrom('::1', 'fe80::1', '2001:db8::1', '::');

/** A topic level the URL path keeps as it is: not `.` or `..`, no `/` inside, no wildcards. */
const topicLevel = text.filter((s) => !/[/#+]/.test(s) && s !== '.' && s !== '..');
const alertTopic = fc
  .array(topicLevel, { minLength: 1, maxLength: 3 })
  .map((l) => l.join('/'))
  .filter((t) => t !== '');

/** Topic levels of brokerwatch's own (fleet prefix, bridge topic): no wildcard, NUL, empty level or leading `$`. */
function ownTopic(): fc.Arbitrary<string> {
  return fc
    .array(
      topicLevel.filter((l) => l !== '' && !l.includes('\0')),
      { minLength: 1, maxLength: 3 },
    )
    .map((l) => l.join('/'))
    .filter((t) => !t.startsWith('$'));
}

/** One side of a bridge rule. */
function bridgeEnd(): fc.Arbitrary<BridgeEnd> {
  return fc
    .record(
      {
        host: fc.oneof(hostName, ipv4, ipv6),
        port,
        tls: fc.record(
          { enabled: fc.constant(true), verify: fc.boolean(), caFile: nonEmptyText },
          { requiredKeys: ['enabled', 'verify'] },
        ),
        username: text,
        password: text,
      },
      { requiredKeys: ['host', 'port'] },
    )
    .filter((e) => e.password === undefined || e.username !== undefined);
}

/** `set fleet …`. */
const fleet: fc.Arbitrary<FleetSettings> = fc
  .record(
    {
      host: fc.oneof(hostName, ipv4, ipv6),
      port,
      tls: tls.map((t) => ({ ...t, enabled: true })),
      username: text,
      password: text,
      name: ownTopic().filter((n) => !n.includes('/')),
      prefix: ownTopic(),
      timeoutMs: durationMs,
      keepaliveMs: fc.integer({ min: 1, max: 65535 }).map((n) => n * 1000),
    },
    { requiredKeys: ['host', 'port', 'prefix', 'timeoutMs', 'keepaliveMs'] },
  )
  .filter((f) => f.password === undefined || f.username !== undefined);

const alertTarget: fc.Arbitrary<AlertTarget> = fc.oneof(
  fc.record(
    { kind: fc.constant('mail' as const), address: mailAddress, format: mailFormat },
    { requiredKeys: ['kind', 'address'] },
  ),
  fc.record({
    kind: fc.constant('webhook' as const),
    url: fc
      .tuple(fc.constantFrom('http', 'https', 'HTTPS'), webHost, fc.stringMatching(/^[a-zA-Z0-9/_?=&.-]{0,20}$/))
      .map(([s, h, p]) => `${s}://${h}/${p}`),
    slack: fc.boolean(),
    timeoutMs: fc.oneof(fc.constant(5000), durationMs),
  }),
  fc.record(
    {
      kind: fc.constant('mqtt' as const),
      host: fc.oneof(hostName, ipv4, ipv6),
      port,
      topic: alertTopic,
      qos: fc.constantFrom<0 | 1 | 2>(0, 1, 2),
      retain: fc.boolean(),
      username: text,
      password: text,
      tls: fc.record(
        { enabled: fc.constant(true), verify: fc.constant(true), caFile: nonEmptyText },
        { requiredKeys: ['enabled', 'verify'] },
      ),
    },
    { requiredKeys: ['kind', 'host', 'port', 'topic', 'qos', 'retain'] },
  ),
  fc.record({ kind: fc.constant('exec' as const), command }),
);

export const recipient: fc.Arbitrary<AlertRecipient> = fc.record({
  target: alertTarget,
  filter: alertFilter,
  reminderCycles: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 1_000_000 })),
  pos: fc.constant(POS),
});

const CRON = ['* * * * *', '*/5 * * * *', '0 3 * * *', '0-30 8-18 * * 1-5', '0 0 1 1 *', '15,45 * * * 0'];
const schedule: fc.Arbitrary<Schedule> = fc.oneof(
  fc.constant({ kind: 'always' as const }),
  fc.record({ kind: fc.constant('cycles' as const), every: fc.integer({ min: 1, max: 1_000_000 }) }),
  fc.record({ kind: fc.constant('cron' as const), expression: fc.constantFrom(...CRON), negate: fc.boolean() }),
);

const backoff: fc.Arbitrary<Backoff> = fc.oneof(
  fc.constant(DEFAULT_BACKOFF),
  fc
    .record({
      initialMs: durationMs,
      extra: fc.oneof(fc.constant(0), fc.nat({ max: 10_000_000 })),
      factor: fc.oneof(fc.integer({ min: 1, max: 100 }), fc.double({ min: 1, max: 100, noNaN: true })),
      giveUpAfter: fc.integer({ min: 1, max: 1000 }),
      cooldownMs: durationMs,
      resetAfterMs: durationMs,
    })
    .map(({ extra, ...b }) => ({ ...b, maxMs: Math.min(Number.MAX_SAFE_INTEGER, b.initialMs + extra) })),
);

/** The part of a service that its type decides. */
function headerFor(type: ServiceType): fc.Arbitrary<Partial<Service>> {
  switch (type) {
    case 'process':
      return fc.oneof(
        text.map((pidfile) => ({ pidfile: `/${pidfile}` })),
        fc
          .oneof(
            nonEmptyText.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')),
            fc.constantFrom('^mosquitto', 'mosquitto -c .*\\.conf$', '[a-z]+\\d{2,}'),
          )
          .map((matching) => ({ matching })),
      );
    case 'host':
      return text.map((address) => ({ address }));
    case 'file':
    case 'directory':
    case 'fifo':
      return text.map((p) => ({ path: p }));
    case 'program':
      return command.map((program) => ({ program }));
    case 'system':
      return fc.constant({});
    case 'filesystem':
      return text.map((p) => ({ path: p }));
    case 'network':
      return fc.oneof(
        text.map((i) => ({ interface: i })),
        text.map((address) => ({ address })),
      );
  }
}

type ServiceDraft = Omit<Service, 'dependsOn'>;

function serviceOf(type: ServiceType): fc.Arbitrary<ServiceDraft> {
  return fc
    .record(
      {
        name: nonEmptyText,
        header: headerFor(type),
        start: command,
        stop: command,
        restart: command,
        rules: rules(type),
        groups: fc.array(text, { maxLength: 2 }),
        mode: fc.constantFrom<Service['mode']>('active', 'passive', 'manual'),
        onReboot: fc.constantFrom<Service['onReboot']>('start', 'nostart', 'laststate'),
        schedule,
        alerts: fc.array(recipient, { maxLength: 2 }),
        noAlerts: fc.array(text, { maxLength: 2 }),
        backoff,
      },
      {
        requiredKeys: [
          'name',
          'header',
          'rules',
          'groups',
          'mode',
          'onReboot',
          'schedule',
          'alerts',
          'noAlerts',
          'backoff',
        ],
      },
    )
    .chain((s) =>
      (type === 'file' || type === 'program'
        ? fc.array(fc.record({ not: fc.boolean(), patterns: contentPattern.map((p) => [p]) }), { maxLength: 2 })
        : fc.constant([])
      ).map((ignoreContent) => (ignoreContent.length > 0 ? { ...s, ignoreContent } : s)),
    )
    .map(({ header, ...s }) => withImplicit({ type, pos: POS, ...header, ...s }))
    .filter((s) => s.type !== 'host' || s.rules.some((r) => r.condition.kind === 'port' || r.condition.kind === 'sys'));
}

const anyService: fc.Arbitrary<ServiceDraft> = fc
  .constantFrom<ServiceType>(
    'process',
    'host',
    'file',
    'program',
    'directory',
    'fifo',
    'system',
    'filesystem',
    'network',
  )
  .chain(serviceOf);

/** Services with unique names, each depending only on earlier ones (no loops). */
const services: fc.Arbitrary<Service[]> = fc
  .uniqueArray(anyService, { selector: (s) => s.name, maxLength: 4 })
  .chain((list) =>
    fc.tuple(
      ...list.map((s, i) =>
        (i === 0 ? fc.constant<string[]>([]) : fc.subarray(list.slice(0, i).map((p) => p.name))).map((dependsOn) => ({
          ...s,
          dependsOn,
        })),
      ),
    ),
  );

const mailTls: fc.Arbitrary<MailServerTls> = fc
  .record({ verify: fc.boolean(), allowSelfSigned: fc.boolean(), caFile: text, caPath: text }, { requiredKeys: [] })
  .filter((t) => Object.keys(t).length > 0);

/** Any security on any port (the printer says which where the port does not); TLS options only with TLS. */
const mailServer: fc.Arbitrary<MailServer> = fc
  .record(
    {
      host: text,
      port,
      username: text,
      password: text,
      timeoutMs: durationMs,
      security: fc.constantFrom<'tls' | 'starttls'>('tls', 'starttls'),
      tls: mailTls,
    },
    { requiredKeys: ['host'] },
  )
  .map(({ tls, ...m }) => (m.security && tls ? { ...m, tls } : m));

const allow: fc.Arbitrary<HttpAllow> = fc.oneof(
  fc
    .record({
      kind: fc.constant('user' as const),
      user: nonEmptyText.filter((u) => !u.includes(':') && !u.startsWith('@')),
      password: nonEmptyText,
      readOnly: fc.boolean(),
    })
    .filter((a) => isIP(`${a.user}:${a.password}`.split('/')[0] ?? '') === 0),
  fc.record({
    kind: fc.constant('net' as const),
    cidr: fc.oneof(
      fc
        .tuple(ipv4, fc.option(fc.integer({ min: 0, max: 32 }), { nil: undefined }))
        .map(([ip, n]) => (n === undefined ? ip : `${ip}/${n}`)),
      fc
        .tuple(ipv6, fc.option(fc.integer({ min: 0, max: 128 }), { nil: undefined }))
        .map(([ip, n]) => (n === undefined ? ip : `${ip}/${n}`)),
      hostName,
      fc.constantFrom('localhost', 'md5', 'read-only', '10.0.0.0/255.0.0.0'),
    ),
    readOnly: fc.boolean(),
  }),
);

/** `unixsocket PATH …`: an absolute path that fits sun_path, a user and group as written, a mode. */
const unixSocket: fc.Arbitrary<HttpdUnixSocket> = fc.record(
  {
    path: text.map((t) => `/${t}`).filter((p) => Buffer.byteLength(p) <= 107),
    uid: nonEmptyText,
    gid: nonEmptyText,
    permission: fc.integer({ min: 0, max: 0o7777 }),
    readOnly: fc.boolean(),
  },
  { requiredKeys: ['path', 'readOnly'] },
);

/** Beside a socket, TCP may be off (then port and address are the defaults the parser gives) or
 *  read-only on its own (`port N read-only`). */
const httpd: fc.Arbitrary<Httpd> = fc
  .record(
    {
      port,
      address: text.filter((a) => a !== 'localhost'),
      allow: fc.array(allow, { maxLength: 3 }),
      tls: fc.record({ pemFile: text, certFile: text, keyFile: text }, { requiredKeys: [] }),
      unixSocket,
      listen: fc.constantFrom('both', 'unix', 'read-only tcp'),
    },
    { requiredKeys: ['port', 'address', 'allow', 'listen'] },
  )
  .map(({ listen, ...h }): Httpd => {
    if (!h.unixSocket || listen === 'both') return h;
    if (listen === 'read-only tcp') return { ...h, tcpReadOnly: true };
    return { ...h, port: 2812, address: '127.0.0.1', tcp: false };
  });

/**
 * `set limits { … }`: its buffers, each in its range. Its deadlines are given by the parser to the
 * programs that name none, which a model drawn here would not have (test/config/settings.test.ts).
 */
const limits: fc.Arbitrary<Limits> = fc.record(
  {
    programOutputBytes: fc.integer({ min: 1, max: 1024 * 1024 }),
    fileContentBytes: fc.integer({ min: 2, max: 1024 * 1024 }),
  },
  { requiredKeys: [] },
);

/** A whole model, as the parser would produce it from some rules file. */
export const config: fc.Arbitrary<Config> = fc.record(
  {
    files: fc.constant(['rules.rc']),
    daemon: fc.record({ cycleMs: durationMs.filter((ms) => ms >= 100), startDelayMs: durationMs }),
    log: fc.oneof(
      fc.record({ kind: fc.constant('file' as const), path: text }),
      fc.record({ kind: fc.constant('syslog' as const), facility: nonEmptyText }, { requiredKeys: ['kind'] }),
    ),
    pidfile: nonEmptyText,
    statefile: nonEmptyText,
    // `set eventqueue` names a folder, slots or both (monit refuses it bare).
    eventQueue: fc
      .record({ basedir: text, slots: fc.integer({ min: 1, max: 1_000_000 }) }, { requiredKeys: [] })
      .filter((q) => q.basedir !== undefined || q.slots !== undefined),
    mailServers: fc.array(mailServer, { maxLength: 3 }),
    mailFormat,
    alerts: fc.array(recipient, { maxLength: 3 }),
    httpd,
    rebootProgram: command,
    services,
    limits,
    idfile: nonEmptyText,
    fleet,
  },
  { requiredKeys: ['files', 'daemon', 'mailServers', 'alerts', 'services'] },
);

// Fixtures shared by the printer tests and the parser fuzzing.

/** The two monit control files for mosquitto quoted in DESIGN.md §1. */
export const DESIGN_EXAMPLES: readonly string[] = [
  `check process mosquitto with pidfile /var/run/mosquitto.pid
start = "/etc/init.d/mosquitto start"
stop = "/etc/init.d/mosquitto stop"
`,
  `check process mosquitto with pidfile /var/run/mosquitto.pid
  start program = "/etc/init.d/mosquitto start"
  stop program = "/etc/init.d/mosquitto stop"
  if failed host localhost port 1883 timeout 30 seconds retry 3 then restart
  if changed pid then exec "/bin/bash -c 'PROCESS=Mosquitto /usr/local/bin/slack-webhook.sh'"
  if 1 restart within 1 cycle then exec "/bin/bash -c 'PROCESS=Mosquitto /usr/local/bin/slack-webhook.sh'"
`,
];

/** Every statement of DESIGN.md §2 and of brokerwatch's extensions, each in several spellings. */
export const EVERY_STATEMENT = `# brokerwatch: every statement of the rules language
set daemon 30 seconds with start delay 10 seconds
set log syslog facility log_daemon
set pidfile /run/brokerwatch.pid
set statefile /var/lib/brokerwatch/state.json
set eventqueue basedir /var/lib/brokerwatch/events slots 500
set ssl options { cacertificatefile: /etc/ssl/private-ca.pem }
set mailserver mail.example.com port 587 username "bw" password "mail-s3cret" using tls with timeout 15 seconds,
               backup.example.com port 465 using ssl,
               relay.example.com port 2525 using starttls with options { verify: enable, cacertificatefile: /etc/ssl/relay-ca.pem },
               smtps.example.com port 4650 using implicit tls { selfsigned: allow }
set mail-format {
  from: brokerwatch@$HOST
  reply-to: ops@example.com
  subject: [$HOST] $SERVICE $EVENT
  message: $EVENT on $SERVICE at $DATE
$DESCRIPTION
  brokerwatch did: $ACTION
}
set alert ops@example.com
set alert oncall@example.com on { nonexist, timeout, connection } with reminder on 10 cycles
set alert "boss+brokers@example.com" not on { instance, action } mail-format { subject: urgent: $SERVICE }
set alert webhook "https://hooks.example.com/services/T000/B000/XXXX" slack with timeout 3 seconds
set alert webhook "https://user:hook-s3cret@example.com/hook"
set alert mqtt "mqtts://bw:mqtt-s3cret@broker.example.com:8883/brokerwatch/events%20log" qos 2 retain cafile /etc/ssl/ca.pem
set alert mqtt "mqtt://[::1]/bw" username probe password "other-s3cret"
set alert exec "/usr/local/bin/notify --level 'very high' ''" as uid nobody with timeout 20 seconds
set httpd port 2812 address 0.0.0.0
  ssl enable pemfile /etc/brokerwatch/cert.pem
  allow admin:"pass word"
  allow monitor:http-s3cret read-only
  allow 192.168.1.0/24
  allow localhost read-only

check process mosquitto with pidfile /run/mosquitto/mosquitto.pid
  start program = "/usr/bin/systemctl start mosquitto" as uid root and gid 0 with timeout 60 seconds
  stop program = "/usr/bin/systemctl stop mosquitto"
  restart program = "/usr/bin/systemctl restart mosquitto" with timeout 90 seconds
  if does not exist for 2 cycles then restart
  if failed host 127.0.0.1 port 1883 type tcp protocol mqtt username "probe" password "probe-s3cret"
     with timeout 5 seconds retry 2 3 times within 5 cycles then restart else if succeeded then alert
  if failed port 8883 type tcpssl protocol mqtt version 5 clientid bwprobe cafile /etc/mosquitto/ca.crt
     servername broker.local then alert
  if failed port 1883 protocol mqtt version 3.1 roundtrip qos 2 topic "bw/rt" separate connections timeout 2 seconds then restart
  if failed host ::1 port 1884 ipv6 then alert
  if failed port 1883 responsetime > 500 ms then alert
  if failed port 1885 type udp then alert
  if cpu > 90% for 5 cycles then alert
  if cpu 99% then alert else alert
  if cpu user > 50.5% then alert
  if cpu system > 20% then alert
  if totalcpu > 150% then alert
  if memory > 512 MB then alert
  if memory usage > 1.5 GB then alert
  if totalmem > 80% then alert
  if total memory > 1 GB then alert
  if children > 100 then alert
  if threads > 2000 then alert
  if uptime < 2 minutes then alert
  if changed pid then exec "/bin/bash -c 'PROCESS=Mosquitto /usr/local/bin/slack-webhook.sh'"
  if changed ppid then alert
  if 3 restarts within 5 cycles then unmonitor
  if sys "$SYS/broker/clients/connected" > 5000 then alert
  if sys "$SYS/broker/heap/current" >= 64 MB host 127.0.0.1 port 1883 then alert
  if sys "$SYS/broker/load/messages/received/1min" < 0.5 then alert
  if sys uptime reset then alert
  if sys uptime stalled for 3 cycles then restart
  if failed port 1883 then exec "/usr/local/bin/page" as uid 1000 repeat every 10 cycles
  if failed port 1883 then timeout
  if failed port 1883 then stop
  if failed port 1883 then start
  if failed port 1883 then monitor
  depends on mosquitto_conf, persistence
  group brokers
  group mqtt
  mode active
  every 2 cycles
  alert admin@example.com only on { pid, ppid }
  alert webhook "http://127.0.0.1:9000/hook"
  noalert ops@example.com
  backoff 2 seconds max 2 minutes factor 1.5 giveup 8 attempts cooldown 15 minutes reset 10 minutes
  onreboot laststate

check process second-broker matching "mosquitto -c /etc/mosquitto/second\\.conf"
  start "/usr/sbin/mosquitto -d -c /etc/mosquitto/second.conf"
  if exist then alert
  mode passive
  alert ops@example.com mail-format {
    subject: second broker: $EVENT
    message:
  indented first line
  }
  not every "0-5 3 * * *"

check host remote-broker with address broker.example.net
  if failed port 1883 protocol mqtt then alert
  if failed port 8883 ssl verify disable protocol mqtt then alert
  if failed port 8883 ssl { verify: enable, cafile: /etc/ssl/ca.pem } protocol mqtt then alert
  mode manual

check file mosquitto_conf with path /etc/mosquitto/mosquitto.conf
  if changed checksum then alert
  if failed checksum md5 expect d41d8cd98f00b204e9800998ecf8427e then alert
  if failed sha1 checksum expect da39a3ee5e6b4b0d3255bfef95601890afd80709 then alert
  if failed permission 0644 then alert
  if failed uid mosquitto then alert
  if failed gid mosquitto then alert
  if changed timestamp then alert
  if timestamp > 1 hour then alert
  if size > 100 MB then alert
  if changed size then alert
  every "*/10 * * * *"

check file persistence with path /var/lib/mosquitto/mosquitto.db
  if does not exist then alert
  if timestamp > 15 minutes then alert

check program sub-probe with path "/usr/bin/mosquitto_sub -h localhost -t '$SYS/broker/uptime' -C 1 -W 5" with timeout 10 seconds
  if status != 0 then alert
  if failed status then alert
  if changed status then alert
  onreboot nostart
`;

const SERVICE_TYPES: readonly ServiceType[] = [
  'process',
  'host',
  'file',
  'program',
  'directory',
  'fifo',
  'system',
  'filesystem',
  'network',
];

/** A model whose one service holds a rule of KIND, in a service type KIND applies to. */
export function configWith(kind: ConditionKind): fc.Arbitrary<Config> {
  const types = SERVICE_TYPES.filter((t) => conditionOf(kind, t) !== undefined);
  if (types.length === 0) throw new Error(`no service type takes a '${kind}' condition`);
  return fc.constantFrom(...types).chain((type) =>
    fc
      .tuple(config, serviceOf(type), conditionOf(kind, type) as fc.Arbitrary<Condition>, ruleBody(type))
      .map(([c, s, cond, body]) => {
        // A rule of its own on what a missing subject means replaces the one monit adds.
        const written = s.rules.filter((r) => !r.implicit);
        const rule: Rule = { ...body, id: `r${written.length + 1}`, condition: cond, pos: POS };
        return { ...c, services: [withImplicit({ ...s, dependsOn: [], rules: [...written, rule] })] };
      }),
  );
}
