// Raw HTTP/1.x requests, well-formed or not, for the status server: request lines, methods, paths and
// query values, headers (huge, many, duplicated, folded, without a colon), bodies (JSON, forms,
// bytes) and chunked encodings broken every way, or plain garbage on the socket.
import type { Rng } from './prng.js';

/** What a request may carry to get past authentication. */
export interface Credentials {
  readonly admin: string;
  readonly guest: string;
  readonly services: readonly string[];
}

const METHODS = [
  'GET',
  'POST',
  'HEAD',
  'PUT',
  'DELETE',
  'OPTIONS',
  'PATCH',
  'TRACE',
  'CONNECT',
  'PROPFIND',
  'get',
  'G\0ET',
  'GETT',
  '',
];
const ACTIONS = ['start', 'stop', 'restart', 'monitor', 'unmonitor', 'reload', 'quit', 'nuke', ''];
const VERSIONS = ['HTTP/1.1', 'HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/0.9', 'HTTP/1.1x', 'HTTP/9.9', 'http/1.1', ''];
const NUMBERS = [
  '0',
  '1',
  '-1',
  '1000',
  '1001',
  '1e309',
  '-1e309',
  'NaN',
  '',
  'abc',
  '0x10',
  '1.5',
  '9007199254740993',
  '[]',
  '%00',
];

/** The routes of the server, with NAME and ACTION standing for a service and a verb. */
const PATHS = [
  '/',
  '/api/v1/status',
  '/api/v1/services/NAME',
  '/api/v1/services/NAME/ACTION',
  '/api/v1/events',
  '/api/v1/reload',
  '/api/v1/openapi.json',
  '/metrics',
  '/_status',
  '/_status2',
  '/_summary',
  '/_report',
  '/_ping',
  '/_doaction',
  '/login',
  '/static/page.js',
  '/static/NAME',
  '/actions/NAME/ACTION',
  '/actions/reload',
  '/favicon.ico',
];

/** A path segment gone wrong. */
function oddSegment(rng: Rng): string {
  return rng.pick([
    '..',
    '%2e%2e',
    '%',
    '%zz',
    '%E0%A4%A',
    '%00',
    '%ff%fe',
    'é',
    '\u202e',
    ' ',
    '//',
    '?',
    '#',
    'a'.repeat(rng.size(5)),
    encodeURIComponent(String.fromCharCode(rng.int(0, 0x2ff))),
    '../../../../etc/passwd',
    'all',
    '__proto__',
    'constructor',
  ]);
}

/** A route, with odd segments and query values when BAD. */
function path(rng: Rng, c: Credentials, bad: boolean): string {
  let p = !bad || rng.chance(0.7) ? rng.pick(PATHS) : `/${oddSegment(rng)}/${oddSegment(rng)}`;
  p = p.replace('NAME', () => (!bad || rng.chance(0.5) ? rng.pick(c.services) : oddSegment(rng)));
  p = p.replace('ACTION', () => (!bad || rng.chance(0.5) ? rng.pick(ACTIONS.slice(0, 5)) : oddSegment(rng)));
  if (bad && rng.chance(0.2)) p = p.replace(/\//g, () => rng.pick(['/', '//', '/./', '\\']));
  if (rng.chance(0.4)) p += `?${query(rng, bad)}`;
  return p;
}

function query(rng: Rng, bad: boolean): string {
  const keys = bad
    ? ['since', 'limit', 'format', 'service', 'done', 'id', 'type', '__proto__', '']
    : ['since', 'limit', 'format'];
  const values = bad ? [...NUMBERS, 'xml', 'json', 'text', oddSegment(rng)] : ['1', '10', 'xml', 'json'];
  const parts: string[] = [];
  for (let k = rng.int(1, bad && rng.chance(0.05) ? 2000 : 4); k > 0; k--)
    parts.push(`${rng.pick(keys)}=${rng.pick(values)}`);
  return parts.join(rng.pick(['&', '&', ';', '&&']));
}

function authorization(rng: Rng, c: Credentials, bad: boolean): string | undefined {
  if (!bad) return rng.chance(0.8) ? c.admin : c.guest;
  return rng.pick([
    c.admin,
    c.admin,
    c.admin,
    c.guest,
    undefined,
    'Basic',
    'Basic !!!',
    `Basic ${Buffer.from('admin').toString('base64')}`,
    `Basic ${Buffer.from(':').toString('base64')}`,
    `Basic ${Buffer.from(`admin:${'x'.repeat(rng.size(5))}`).toString('base64')}`,
    `Bearer ${'t'.repeat(rng.size(4))}`,
    `basic ${c.admin.slice(6)}`,
    `Basic ${rng.bytes(rng.int(1, 40)).toString('base64')}`,
  ]);
}

/** A body and its content type. */
function body(rng: Rng, c: Credentials, bad: boolean): { type?: string; data: Buffer } {
  if (!bad)
    return rng.pick([
      { data: Buffer.alloc(0) },
      { type: 'application/json', data: Buffer.from('{}') },
      { type: 'application/json', data: Buffer.alloc(0) },
    ]);
  const json = (s: string): { type: string; data: Buffer } => ({
    type: rng.pick([
      'application/json',
      'application/json; charset=utf-8',
      'APPLICATION/JSON',
      'application/json; charset=latin1',
    ]),
    data: Buffer.from(s),
  });
  const n = rng.size(5);
  return rng.pick([
    () => ({ data: Buffer.alloc(0) }),
    () => json('{}'),
    () =>
      json(
        rng.pick([
          '{"a":',
          '[',
          'null',
          '1',
          '"x"',
          '{"__proto__":{"x":1}}',
          '{"constructor":{"prototype":{}}}',
          'tru',
          '{"a":1}{',
        ]),
      ),
    () => json(`${'['.repeat(n)}${']'.repeat(rng.chance(0.5) ? n : 0)}`),
    () => json(JSON.stringify({ x: 'y'.repeat(rng.size(6)) })),
    () => json(JSON.stringify({ service: rng.pick(c.services), action: rng.pick(ACTIONS), since: rng.pick(NUMBERS) })),
    () => ({
      type: 'application/x-www-form-urlencoded',
      data: Buffer.from(
        `action=${rng.pick(ACTIONS)}&service=${rng.pick([...c.services, 'all', oddSegment(rng)])}&securitytoken=${rng.pick(['', 'x', 'a'.repeat(32)])}&format=${rng.pick(['xml', 'text', ''])}`,
      ),
    }),
    () => ({ type: 'application/x-www-form-urlencoded', data: Buffer.from(`${'a=1&'.repeat(n)}%zz=%`) }),
    () => ({
      type: rng.pick(['text/plain', 'multipart/form-data; boundary=x', '', ';;;', 'application/json/../x']),
      data: rng.bytes(rng.size(4)),
    }),
    () => ({ data: rng.bytes(rng.size(5)) }),
  ])();
}

/** DATA in chunked encoding, well-formed or broken one way. */
function chunked(rng: Rng, data: Buffer, bad: boolean): Buffer {
  const size = rng.int(1, 64);
  const chunks: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) {
    const part = data.subarray(i, i + size);
    chunks.push(Buffer.from(`${part.length.toString(16)}\r\n`), part, Buffer.from('\r\n'));
  }
  const end = Buffer.from('0\r\n\r\n');
  if (!bad) return Buffer.concat([...chunks, end]);
  const broken = rng.pick([
    () => [Buffer.from('zz\r\n'), ...chunks, end],
    () => [Buffer.from('ffffffffffffffff\r\n'), data, end],
    () => [Buffer.from('-1\r\n'), data, end],
    () => [Buffer.from('5;ext="x"\r\nhello\r\n'), ...chunks, end],
    () => [Buffer.from(`${(data.length + 10).toString(16)}\r\n`), data, end],
    () => [...chunks, Buffer.from('0\r\nX-Trailer: y\r\nbad trailer\r\n\r\n')],
    () => chunks,
    () => [...chunks, Buffer.from('0\r\n')],
    () => [Buffer.from('1\n'), Buffer.from('a\n'), end],
  ])();
  return Buffer.concat(broken);
}

/** Headers, with the defects a client may send. */
function headers(
  rng: Rng,
  c: Credentials,
  b: { type?: string; data: Buffer },
  isChunked: boolean,
  bad: ReadonlySet<Defect>,
): string[] {
  const h: string[] = [];
  const hosts = ['127.0.0.1', 'localhost:2812', '', 'evil.example', 'h'.repeat(rng.size(4))];
  if (!bad.has('headers') || rng.chance(0.8)) h.push(`Host: ${bad.has('headers') ? rng.pick(hosts) : '127.0.0.1'}`);
  const auth = authorization(rng, c, bad.has('auth'));
  if (auth !== undefined) h.push(`Authorization: ${auth}`);
  if (b.type !== undefined) h.push(`Content-Type: ${b.type}`);
  const encodings = ['chunked', 'Chunked', 'gzip, chunked', 'chunked, gzip', 'identity'];
  if (isChunked) h.push(`Transfer-Encoding: ${bad.has('length') ? rng.pick(encodings) : 'chunked'}`);
  const lengths = [...NUMBERS, String(b.data.length + 5), '4294967296'];
  if (!isChunked || (bad.has('length') && rng.chance(0.3)))
    h.push(`Content-Length: ${bad.has('length') && rng.chance(0.7) ? rng.pick(lengths) : String(b.data.length)}`);
  if (bad.has('length') && rng.chance(0.2)) h.push(`Content-Length: ${rng.pick(NUMBERS)}`);
  for (let k = bad.has('headers') ? rng.int(1, 3) : 0; k > 0; k--)
    h.push(
      rng.pick([
        `X-Big: ${'b'.repeat(rng.size(6))}`,
        ...Array.from({ length: 20 }, (_, i) => `X-Many-${i}: ${'m'.repeat(i)}`),
        'No colon here',
        ' folded: continuation',
        `Cookie: ${'c=1; '.repeat(rng.size(4))}`,
        `X-Forwarded-For: ${rng.pick(['1.2.3.4', '::1', 'garbage', ''])}`,
        'Expect: 100-continue',
        'Connection: close',
        'Connection: upgrade\r\nUpgrade: websocket',
        `Referer: http://${oddSegment(rng)}/`,
        'Origin: http://evil.example',
        `Accept: ${rng.pick(['text/html', 'application/json', '*/*', ''])}`,
        `X-\0Nul: x`,
        `Bad Name: x`,
        `: empty name`,
      ]),
    );
  if (bad.has('headers') && rng.chance(0.1)) for (let i = rng.size(4); i > 0; i--) h.push(`X-H${i}: v`);
  return h;
}

/** The parts of a request that may be wrong in one case. */
type Defect = 'garbage' | 'method' | 'path' | 'line' | 'auth' | 'headers' | 'length' | 'body' | 'chunks' | 'eol';
const DEFECTS: readonly Defect[] = [
  'garbage',
  'method',
  'path',
  'line',
  'auth',
  'headers',
  'length',
  'body',
  'chunks',
  'eol',
];

/** Bytes that are no HTTP request at all. */
function garbage(rng: Rng): Buffer {
  return rng.pick([
    () => rng.bytes(rng.size(4)),
    () => Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'),
    () => Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00]),
    () => Buffer.from('\r\n\r\n\r\n'),
    () => Buffer.from(`GET / HTTP/1.1\r\n${'X: y\r\n'.repeat(rng.size(5))}\r\n`),
  ])();
}

/** The request line: the route's method, or a wrong one, and a version, or none. */
function requestLine(rng: Rng, c: Credentials, bad: ReadonlySet<Defect>): string {
  const p = path(rng, c, bad.has('path'));
  const acting = /\/(start|stop|restart|monitor|unmonitor|reload|quit|_doaction|login)\b/.test(p);
  const method = bad.has('method')
    ? rng.chance(0.8)
      ? rng.pick(METHODS)
      : rng.bytes(rng.int(1, 10)).toString('latin1')
    : acting
      ? 'POST'
      : 'GET';
  if (!bad.has('line')) return `${method} ${p} HTTP/1.1`;
  return rng.pick([
    `${method} ${p} ${rng.pick(VERSIONS)}`,
    `${method} ${p}`,
    `${method}  ${p}  HTTP/1.1`,
    `${method} http://127.0.0.1${p} HTTP/1.1`,
    method,
  ]);
}

/** One raw request: well-formed, or wrong in one to three of its parts, or garbage. */
export function rawRequest(rng: Rng, c: Credentials): Buffer {
  const bad = new Set<Defect>();
  for (let k = rng.pick([0, 1, 1, 1, 2, 3]); k > 0; k--) bad.add(rng.pick(DEFECTS));
  if (bad.has('garbage')) return garbage(rng);
  const b = body(rng, c, bad.has('body'));
  const isChunked = rng.chance(bad.has('chunks') ? 0.9 : 0.1);
  const eol = bad.has('eol') ? rng.pick(['\n', '\r', '\n\r', '\r\r\n']) : '\r\n';
  const head = `${[requestLine(rng, c, bad), ...headers(rng, c, b, isChunked, bad)].join(eol)}${eol}${eol}`;
  return Buffer.concat([Buffer.from(head), isChunked ? chunked(rng, b.data, bad.has('chunks')) : b.data]);
}
