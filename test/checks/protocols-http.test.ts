// The HTTP and HTTPS protocol probes against real node:http/https servers on 127.0.0.1: status,
// content, checksum, the headers and credentials the server receives, HEAD, a redirect not followed,
// a silent server (timeout), an oversize body (capped), and certificates made here with openssl (a
// valid one, one expiring in 5 days, a self-signed one the system does not trust). Rules are parsed
// from rules text and run through the registry, as the daemon runs them.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, RequestListener, Server, ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { join } from 'node:path';
import { execa } from 'execa';
import type { CheckResult } from '../../src/checks/result.js';
import { selfSignedCert } from '../helpers/certs.js';
import { tempDir } from '../helpers/tmp.js';
import type { TempDir } from '../helpers/tmp.js';
import { noSocketsLeft, openSockets } from './fixtures.js';
import { checkOf } from './parsed.js';

const LIMIT = { timeout: 30_000 };
const BODY = 'hello brokerwatch, version 1.2.3\n';
const MB = 1024 * 1024;

/** What the server saw of the last request. */
let seen: { method?: string; url?: string; headers?: IncomingHttpHeaders } = {};
/** Responses held open (the silent route), ended in `after`. */
const held: ServerResponse[] = [];

const routes: RequestListener = (req, res) => {
  seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers };
  const url = req.url ?? '/';
  if (url === '/missing') return void res.writeHead(404).end('not here');
  if (url === '/moved') return void res.writeHead(302, { Location: '/missing' }).end();
  if (url === '/created') return void res.writeHead(201).end('made');
  if (url === '/silent') return void held.push(res);
  if (url === '/big') {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.write(Buffer.alloc(MB, 'a'));
    return void res.end('END-MARKER');
  }
  if (url === '/private') {
    const ok = req.headers.authorization === `Basic ${Buffer.from('probe:s3cret word').toString('base64')}`;
    return void res.writeHead(ok ? 200 : 401, ok ? {} : { 'WWW-Authenticate': 'Basic' }).end(ok ? 'welcome' : '');
  }
  res.writeHead(200, { 'Content-Type': 'text/plain' }).end(BODY);
};

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

function close(server: Server): Promise<void> {
  for (const r of held.splice(0)) r.destroy();
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** One cycle of `if failed port PORT LINE then alert` in a host check on 127.0.0.1. */
async function probe(port: number, line: string): Promise<CheckResult> {
  const c = await checkOf(`check host web with address 127.0.0.1\n  if failed port ${port} ${line} then alert\n`);
  const baseline = openSockets();
  try {
    return await c.cycle();
  } finally {
    c.check.close?.();
    // A probe closes what it opened, whatever the outcome.
    await noSocketsLeft(baseline);
  }
}

void describe('http', () => {
  const server = createServer(routes);
  let port: number;
  before(async () => (port = await listen(server)));
  after(() => close(server));

  void test('GET / answered 200: ok, with the step timings', LIMIT, async () => {
    const r = await probe(port, 'protocol http');
    assert.equal(r.status, 'ok', r.message);
    assert.match(r.message, /HTTP 200 OK, 33 bytes in \d+ ms$/);
    for (const k of ['connectMs', 'requestMs', 'firstByteMs', 'bodyMs', 'totalMs'])
      assert.equal(typeof r.metrics?.[k], 'number', `${k} in ${JSON.stringify(r.metrics)}`);
    assert.equal(seen.method, 'GET');
    assert.equal(seen.url, '/');
    assert.equal(seen.headers?.host, `127.0.0.1:${port}`);
    assert.equal(seen.headers?.connection, 'close');
  });

  void test('a status of 400 or more fails (http-status); `status` says what is expected', LIMIT, async () => {
    const r = await probe(port, 'protocol http request "/missing"');
    assert.equal(r.class, 'http-status');
    assert.match(r.message, /HTTP status 404 \(Not Found\), not < 400/);
    assert.equal((await probe(port, 'protocol http request "/missing" status = 404')).status, 'ok');
    const c = await probe(port, 'protocol http request "/created" status = 200');
    assert.equal(c.class, 'http-status');
    assert.match(c.message, /HTTP status 201 \(Created\), not = 200/);
    assert.equal((await probe(port, 'protocol http request "/created" status >= 200')).status, 'ok');
  });

  void test('a redirect is not followed: a 302 is under 400, and is what `status` sees', LIMIT, async () => {
    assert.equal((await probe(port, 'protocol http request "/moved"')).status, 'ok');
    assert.equal(seen.url, '/moved', 'the Location was not requested');
    const r = await probe(port, 'protocol http request "/moved" status = 200');
    assert.match(r.message, /HTTP status 302/);
  });

  void test('content = and != (content-mismatch), with the request and query as written', LIMIT, async () => {
    assert.equal((await probe(port, 'protocol http request "/a?b=c&d=e" content = "version [0-9.]+"')).status, 'ok');
    assert.equal(seen.url, '/a?b=c&d=e');
    const r = await probe(port, 'protocol http content = "^goodbye"');
    assert.equal(r.class, 'content-mismatch');
    assert.match(r.message, /the body does not match "\^goodbye"/);
    const n = await probe(port, 'protocol http content != "hello"');
    assert.equal(n.class, 'content-mismatch');
    assert.match(n.message, /the body matches "hello"/);
  });

  void test("checksum: the body's MD5 or SHA1", LIMIT, async () => {
    const md5 = createHash('md5').update(BODY).digest('hex');
    const sha1 = createHash('sha1').update(BODY).digest('hex');
    assert.equal((await probe(port, `protocol http checksum ${md5}`)).status, 'ok');
    assert.equal((await probe(port, `protocol http checksum ${sha1.toUpperCase()}`)).status, 'ok');
    const r = await probe(port, `protocol http checksum ${'0'.repeat(32)}`);
    assert.equal(r.class, 'content-mismatch');
    assert.match(r.message, new RegExp(`md5 checksum is ${md5}, not 0{32}`));
  });

  void test('the headers, host header, method and credentials the server receives', LIMIT, async () => {
    const r = await probe(
      port,
      'protocol http with http headers [X-Probe: "a:b", Cache-Control: no-cache] hostheader "vhost.example" method HEAD',
    );
    assert.equal(r.status, 'ok', r.message);
    assert.equal(seen.method, 'HEAD');
    assert.equal(seen.headers?.['x-probe'], 'a:b');
    assert.equal(seen.headers?.['cache-control'], 'no-cache');
    assert.equal(seen.headers?.host, 'vhost.example');
    const post = await probe(port, 'protocol http method post request "/created" status = 201');
    assert.equal(post.status, 'ok', post.message);
    assert.equal(seen.method, 'POST');
    const denied = await probe(port, 'protocol http request "/private"');
    assert.equal(denied.class, 'http-status');
    assert.match(denied.message, /401/);
    const auth = await probe(port, 'protocol http request "/private" username "probe" password "s3cret word"');
    assert.equal(auth.status, 'ok', auth.message);
  });

  void test('a server that never answers: response-timeout at the deadline', LIMIT, async () => {
    const r = await probe(port, 'protocol http request "/silent" timeout 300 ms');
    assert.equal(r.class, 'response-timeout');
    assert.match(r.message, /no HTTP answer to GET \/silent within 300 ms/);
    assert.equal(typeof r.metrics?.connectMs, 'number');
  });

  void test(
    'an oversize body is read up to 1 MB: content past it is not seen, and the message says so',
    LIMIT,
    async () => {
      const ok = await probe(port, 'protocol http request "/big"');
      assert.equal(ok.status, 'ok', ok.message);
      assert.match(ok.message, /1048576\+ bytes/);
      const r = await probe(port, 'protocol http request "/big" content = "END-MARKER"');
      assert.equal(r.class, 'content-mismatch');
      assert.match(r.message, /first 1048576 bytes read/);
    },
  );

  void test('nothing listening: port-closed, connection refused', LIMIT, async () => {
    const s = createServer();
    const free = await listen(s);
    await close(s);
    const r = await probe(free, 'protocol http');
    assert.equal(r.class, 'port-closed');
    assert.match(r.message, /connection refused/);
  });
});

/** A certificate for 127.0.0.1 that expired in 2020, signed by its own key with `openssl ca`, which
 *  (unlike `req -x509`) takes any start and end date. */
async function expired(dir: string): Promise<{ cert: Buffer; key: Buffer; file: string }> {
  const at = (f: string): string => join(dir, f);
  await writeFile(at('index.txt'), '');
  await writeFile(at('serial'), '01\n');
  await writeFile(
    at('ca.cnf'),
    `[ca]\ndefault_ca=d\n[d]\ndatabase=${at('index.txt')}\nnew_certs_dir=${dir}\nserial=${at('serial')}\n` +
      'default_md=sha256\npolicy=p\ncopy_extensions=copy\n[p]\ncommonName=supplied\n',
  );
  await execa('openssl', [
    'req',
    '-new',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    at('old.key'),
    '-out',
    at('old.csr'),
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
  ]);
  await execa('openssl', [
    'ca',
    '-batch',
    '-config',
    at('ca.cnf'),
    '-selfsign',
    '-keyfile',
    at('old.key'),
    '-in',
    at('old.csr'),
    '-out',
    at('old.crt'),
    '-startdate',
    '20200101000000Z',
    '-enddate',
    '20200201000000Z',
  ]);
  return { cert: await readFile(at('old.crt')), key: await readFile(at('old.key')), file: at('old.crt') };
}

void describe('https and certificate tests', () => {
  let dir: TempDir;
  const servers: Server[] = [];
  const ports: Record<'valid' | 'expiring' | 'expired', number> = { valid: 0, expiring: 0, expired: 0 };
  const files: Record<'valid' | 'expiring' | 'expired', string> = { valid: '', expiring: '', expired: '' };
  let sha256 = '';
  before(async () => {
    dir = await tempDir('bw-https-');
    for (const [name, days] of [
      ['valid', 400],
      ['expiring', 5],
    ] as const) {
      const c = await selfSignedCert(dir.path, name, days);
      const s = createTlsServer({ cert: c.cert, key: c.key }, routes);
      servers.push(s);
      ports[name] = await listen(s);
      files[name] = c.file;
    }
    const old = await expired(dir.path);
    const s = createTlsServer({ cert: old.cert, key: old.key }, routes);
    servers.push(s);
    ports.expired = await listen(s);
    files.expired = old.file;
    const fp = await execa('openssl', ['x509', '-in', files.valid, '-noout', '-fingerprint', '-sha256']);
    sha256 = fp.stdout.split('=')[1] ?? '';
  });
  after(async () => {
    await Promise.all(servers.map(close));
    await dir.cleanup();
  });

  void test('a trusted certificate: ok, with the TLS handshake timed', LIMIT, async () => {
    const r = await probe(ports.valid, `protocol https cafile ${files.valid} certificate valid > 30 days`);
    assert.equal(r.status, 'ok', r.message);
    assert.equal(typeof r.metrics?.tlsMs, 'number');
    assert.equal(seen.headers?.host, `127.0.0.1:${ports.valid}`);
  });

  void test(
    'a self-signed certificate is untrusted, and the message names the option that turns verification off',
    LIMIT,
    async () => {
      const r = await probe(ports.valid, 'protocol https');
      assert.equal(r.class, 'tls-untrusted');
      assert.match(r.message, /ssl \{ verify: disable \}/);
      assert.equal((await probe(ports.valid, 'protocol https with ssl { verify: disable }')).status, 'ok');
      assert.equal((await probe(ports.valid, 'type tcpssl with ssl { selfsigned: allow }')).status, 'ok');
    },
  );

  void test(
    'a certificate expiring in 5 days fails `certificate valid > 30 days` (certificate-expiring)',
    LIMIT,
    async () => {
      const r = await probe(ports.expiring, `protocol https cafile ${files.expiring} certificate valid > 30 days`);
      assert.equal(r.class, 'certificate-expiring');
      assert.match(r.message, /certificate expires in [45] days .*not more than 30/);
      assert.equal(
        (await probe(ports.expiring, `type tcpssl cafile ${files.expiring} certificate valid > 3 days`)).status,
        'ok',
      );
    },
  );

  void test('an expired certificate: tls-expired, verified or not', LIMIT, async () => {
    const r = await probe(ports.expired, `protocol https cafile ${files.expired}`);
    assert.equal(r.class, 'tls-expired', r.message);
    assert.match(r.message, /certificate expired/);
    const v = await probe(ports.expired, 'protocol https verify disable certificate valid > 1 days');
    assert.equal(v.class, 'tls-expired', v.message);
    assert.match(v.message, /certificate expired on Feb {2}1 00:00:00 2020 GMT/);
    assert.equal((await probe(ports.expired, 'protocol https verify disable')).status, 'ok');
  });

  void test('certificate checksum: the pinned SHA256 (as openssl prints it) or a mismatch', LIMIT, async () => {
    const ok = await probe(ports.valid, `type tcpssl verify disable certificate checksum sha256 "${sha256}"`);
    assert.equal(ok.status, 'ok', ok.message);
    const r = await probe(ports.valid, `type tcpssl verify disable certificate checksum sha256 ${'ab'.repeat(32)}`);
    assert.equal(r.class, 'certificate-mismatch');
  });

  void test('HTTPS spoken to a plain HTTP port, HTTP to an HTTPS port', LIMIT, async () => {
    const plain = createServer(routes);
    const p = await listen(plain);
    try {
      const r = await probe(p, 'protocol https');
      assert.equal(r.class, 'tls', r.message);
    } finally {
      await close(plain);
    }
    const h = await probe(ports.valid, 'protocol http');
    assert.equal(h.status, 'failed', h.message);
  });
});

void describe('client certificate and SNI', () => {
  let dir: TempDir;
  let server: Server;
  let port = 0;
  let files: { ca: string; cert: string; key: string } = { ca: '', cert: '', key: '' };
  let last: { sni: unknown; client: unknown } = { sni: false, client: undefined };
  before(async () => {
    dir = await tempDir('bw-mtls-');
    const srv = await selfSignedCert(dir.path, 'server', 30);
    const client = await selfSignedCert(dir.path, 'client', 30);
    files = { ca: srv.file, cert: client.file, key: join(dir.path, 'client.key') };
    server = createTlsServer(
      { cert: srv.cert, key: srv.key, requestCert: true, rejectUnauthorized: true, ca: [client.cert] },
      (req, res) => {
        const sock = req.socket as TLSSocket;
        last = { sni: sock.servername, client: sock.getPeerCertificate().subject?.CN };
        res.end('ok');
      },
    );
    port = await listen(server);
  });
  after(async () => {
    await close(server);
    await dir.cleanup();
  });

  void test(
    'the client certificate is presented; SNI is the server name asked for, none for an IP',
    LIMIT,
    async () => {
      const base = `protocol https cafile ${files.ca} certfile ${files.cert} keyfile ${files.key}`;
      const r = await probe(port, `${base} servername localhost`);
      assert.equal(r.status, 'ok', r.message);
      assert.deepEqual(last, { sni: 'localhost', client: '127.0.0.1' });
      const ip = await probe(port, base);
      assert.equal(ip.status, 'ok', ip.message);
      assert.equal(last.sni, false);
      const without = await probe(port, `protocol https cafile ${files.ca}`);
      assert.equal(without.status, 'failed', 'no client certificate, no answer');
    },
  );
});
