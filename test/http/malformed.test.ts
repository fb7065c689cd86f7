// Hostile and broken requests: bad JSON, oversized bodies and headers, path tricks, very long names,
// odd methods and raw garbage on the socket. None may get a 500, and the server must keep serving.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { InjectOptions } from 'fastify';
import type { Fixture } from './fixture.js';
import { ADMIN, adminJson, basic, httpdBlock, sleeperBlock, startFixture } from './fixture.js';

const auth = { authorization: basic(ADMIN.user, ADMIN.password) };

/** Writes RAW to the server and resolves with everything it answers until it closes the socket. */
function rawRequest(port: number, raw: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      answer += d;
      // One answer is enough: do not wait for keep-alive to time out.
      if (/\r\n\r\n/.test(answer)) {
        const len = /content-length: (\d+)/i.exec(answer);
        const body = answer.split('\r\n\r\n').slice(1).join('\r\n\r\n');
        if (len && Buffer.byteLength(body) >= Number(len[1])) socket.end();
      }
    });
    socket.on('error', (e: NodeJS.ErrnoException) =>
      e.code === 'ECONNRESET' || e.code === 'EPIPE' ? resolve(answer) : reject(e),
    );
    socket.on('close', () => resolve(answer));
    socket.setTimeout(5_000, () => socket.destroy());
    socket.write(raw);
  });
}

void describe('malformed requests', () => {
  let f: Fixture;
  let port: number;
  before(async () => {
    f = await startFixture((dir) => [httpdBlock(), sleeperBlock(dir, 'sleeper')].join('\n'));
    port = (await f.listen()).port;
  });
  after(() => f.close());

  const check = async (what: string, opts: InjectOptions, expected: number[]): Promise<void> => {
    const res = await f.inject(opts);
    assert.ok(expected.includes(res.statusCode), `${what}: ${res.statusCode} ${res.body.slice(0, 200)}`);
    if (res.statusCode >= 400) {
      // The page's routes answer errors as HTML pages, with the same codes.
      const code = String(res.headers['content-type']).startsWith('text/html')
        ? /<span class="host">([A-Z_]+)<\/span>/.exec(res.body)?.[1]
        : res.json<{ error: { code: string; message: string } }>().error.code;
      assert.match(code ?? '', /^BW_[A-Z_]+$/, what);
    }
  };

  void test('bodies: bad JSON, prototype pollution, deep nesting, 2 MB', async () => {
    const url = '/api/v1/services/sleeper/monitor';
    await check('truncated JSON', { method: 'POST', url, headers: adminJson, payload: '{"a":' }, [400]);
    await check('not JSON', { method: 'POST', url, headers: adminJson, payload: 'hello' }, [400]);
    await check(
      '__proto__',
      { method: 'POST', url, headers: adminJson, payload: '{"__proto__":{"admin":true}}' },
      [400],
    );
    await check(
      'constructor.prototype',
      { method: 'POST', url, headers: adminJson, payload: '{"constructor":{"prototype":{"x":1}}}' },
      [400],
    );
    await check(
      'deep nesting',
      { method: 'POST', url, headers: adminJson, payload: `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}` },
      [202, 400],
    );
    await check(
      '2 MB body',
      { method: 'POST', url, headers: adminJson, payload: JSON.stringify({ x: 'y'.repeat(2 * 1024 * 1024) }) },
      [413],
    );
    await check(
      '2 MB body to a GET',
      { method: 'GET', url: '/api/v1/status', headers: { ...adminJson }, payload: 'x'.repeat(2 * 1024 * 1024) },
      [200, 413, 415],
    );
    await check(
      'invalid UTF-8',
      {
        method: 'POST',
        url,
        headers: adminJson,
        payload: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]),
      },
      [202, 400],
    );
  });

  void test('paths and names: traversal, encodings, very long names, unknown routes', async () => {
    const cases: Array<[string, number[]]> = [
      ['/api/v1/services/..%2F..%2Fetc', [404]],
      ['/api/v1/services/..%2F..%2Fetc%2Fpasswd/restart', [404]],
      ['/api/v1/services/%2e%2e', [404]],
      ['/api/v1/../../etc/passwd', [404]],
      ['/api/v1/services/%00', [404]],
      ['/api/v1/services/%E0%A4%A', [400, 404]],
      ['/api/v1/services/%', [400, 404]],
      ['/api/v1/services/__proto__', [404]],
      ['/api/v1/services/constructor', [404]],
      ['/api/v1/services/toString', [404]],
      [`/api/v1/services/${'a'.repeat(201)}`, [400, 404]],
      [`/api/v1/services/${'a'.repeat(10_000)}`, [400, 404, 414]],
      ['/api/v1/events?limit=1&limit=2', [200, 400]],
      ['/api/v1/events?since[a]=1', [200, 400]],
      [`/api/v1/events?x=${'y'.repeat(8000)}`, [200]],
      ['/api/v1/status?format=xml', [200]],
      ['/_status?format=json', [400]],
      ['//api/v1/status', [200, 404]],
      ['/api/v1/status/', [200, 404]],
      ['/API/V1/STATUS', [404]],
    ];
    for (const [url, expected] of cases) await check(url.slice(0, 80), { url, headers: auth }, expected);
    for (const [url, expected] of cases.slice(0, 11)) {
      if (!url.startsWith('/api/v1/services/')) continue;
      await check(
        `POST ${url.slice(0, 60)}/restart`,
        { method: 'POST', url: `${url}/restart`, headers: adminJson },
        expected.concat(404),
      );
    }
  });

  void test("the page's forms: odd bodies, names and encodings", async () => {
    const form = { ...auth, 'content-type': 'application/x-www-form-urlencoded' };
    const cases: Array<[string, string, string, number[]]> = [
      ['no body', '/actions/sleeper/monitor', '', [403]],
      ['a token twice', '/actions/sleeper/monitor', 'csrf=a&csrf=b', [403]],
      ['bracket keys', '/actions/sleeper/monitor', 'csrf[a]=1&__proto__[x]=1', [403]],
      ['bad percent-encoding', '/actions/sleeper/monitor', 'csrf=%E0%A4%A&x=%', [403]],
      ['binary', '/actions/sleeper/monitor', '\u0000\uffff', [403]],
      ['a long name', `/actions/${'a'.repeat(300)}/monitor`, 'csrf=x', [400, 404]],
      ['a traversal name', '/actions/..%2F..%2Fetc/monitor', 'csrf=x', [403, 404]],
      ['an unknown action', '/actions/sleeper/%00', 'csrf=x', [400]],
      ['a 1 MB form', '/actions/sleeper/monitor', `csrf=${'x'.repeat(1024 * 1024)}`, [413]],
    ];
    for (const [what, url, payload, expected] of cases)
      await check(`form: ${what}`, { method: 'POST', url, headers: form, payload }, expected);
    await check(
      'form: multipart',
      {
        method: 'POST',
        url: '/actions/sleeper/monitor',
        headers: { ...auth, 'content-type': 'multipart/form-data; boundary=x' },
        payload: '--x--',
      },
      [415],
    );
    await check('page: odd query', { url: '/?done[]=restart&id=-1', headers: auth }, [200, 400]);
    await check('static: traversal', { url: '/static/..%2F..%2Fpackage.json', headers: auth }, [404]);
  });

  void test('methods: only the documented ones answer; the rest are 404, never 500', async () => {
    for (const method of ['PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const) {
      await check(`${method} status`, { method, url: '/api/v1/status', headers: adminJson, payload: '{}' }, [404]);
      await check(
        `${method} restart`,
        { method, url: '/api/v1/services/sleeper/restart', headers: adminJson, payload: '{}' },
        [404],
      );
    }
    await check('GET on an action', { url: '/api/v1/services/sleeper/restart', headers: auth }, [404]);
    await check(
      'POST on a read route',
      { method: 'POST', url: '/api/v1/status', headers: adminJson, payload: '{}' },
      [404],
    );
    const head = await f.inject({ method: 'HEAD', url: '/api/v1/status', headers: auth });
    assert.equal(head.statusCode, 200);
  });

  void test('raw garbage on a real socket gets a 400, and the server keeps serving', async () => {
    const answers = [
      await rawRequest(port, 'BREW /api/v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'),
      await rawRequest(port, 'GET /api/v1/status HTTP/9.9\r\nHost: 127.0.0.1\r\n\r\n'),
      await rawRequest(port, 'this is not http\r\n\r\n'),
      await rawRequest(port, `GET /api/v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(100_000)}\r\n\r\n`),
      await rawRequest(port, 'GET /api/v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: abc\r\n\r\n'),
      await rawRequest(port, Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03])),
    ];
    for (const a of answers) {
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(a)?.[1];
      assert.ok(status === undefined || (Number(status) >= 400 && Number(status) < 500), `answer: ${a.slice(0, 120)}`);
    }
    assert.match(answers[0] ?? '', /^HTTP\/1\.1 400/);
    assert.match(answers[0] ?? '', /BW_BAD_REQUEST/);
    assert.match(answers[3] ?? '', /^HTTP\/1\.1 431/);
    const propfind = await rawRequest(
      port,
      `PROPFIND /api/v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${auth.authorization}\r\nConnection: close\r\n\r\n`,
    );
    assert.match(propfind, /^HTTP\/1\.1 404/);
    const ok = await fetch(`http://127.0.0.1:${port}/api/v1/status`, { headers: auth });
    assert.equal(ok.status, 200);
  });

  void test('nothing above was a bug: no 500 was logged', () => {
    assert.deepEqual(
      f.logText.filter((l) => l.includes('(bug)')),
      [],
    );
  });
});
