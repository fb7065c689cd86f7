// The WebSocket probe against mosquitto's own websockets listeners (plain and TLS, certificate made
// here by openssl), and against node:http servers that answer the upgrade wrongly: 200 instead of
// 101, a 101 with an Accept for another key, a close instead of the pong. Then the rules language:
// monit's options after the protocol, printed back, errors at their token.
import { after, before, describe, test } from 'node:test';
import { createHash } from 'node:crypto';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { CheckResult } from '../../src/checks/result.js';
import { parseRules } from '../../src/config/loader.js';
import { printConfig } from '../../src/config/printer.js';
import { selfSignedCert } from '../helpers/certs.js';
import { startMosquitto, websocketListeners } from '../helpers/mosquitto.js';
import type { RunningMosquitto } from '../helpers/mosquitto.js';
import { freePort } from '../helpers/ports.js';
import { tempDir } from '../helpers/tmp.js';
import { noSocketsLeft, openSockets } from './fixtures.js';
import { checkOf } from './parsed.js';
import { parseFailure } from '../helpers/rules.js';

const LIMIT = { timeout: 30_000 };
const HOST = 'check host ws with address 127.0.0.1\n';

async function probe(port: number, line: string): Promise<CheckResult> {
  const c = await checkOf(`${HOST}  if failed port ${port} ${line} then alert\n`);
  const baseline = openSockets();
  try {
    return await c.cycle();
  } finally {
    await noSocketsLeft(baseline);
  }
}

const closers: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of closers.reverse()) await c();
});

/** A node:http server whose upgrade requests ON answers by hand; plain requests get 200. */
async function httpPeer(on?: (req: IncomingMessage, sock: Socket) => void): Promise<number> {
  const server: Server = createServer((_req, res) => res.end('no websocket here'));
  // An upgraded socket leaves the server's books: it is ours to destroy.
  const upgraded = new Set<Socket>();
  // Without an 'upgrade' listener, node:http answers an Upgrade request as any other: 200.
  if (on)
    server.on('upgrade', (req: IncomingMessage, sock: Socket) => {
      upgraded.add(sock);
      sock.on('error', () => undefined);
      on(req, sock);
    });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => {
    for (const s of upgraded) s.destroy();
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  });
  return (server.address() as AddressInfo).port;
}

void describe('websocket against mosquitto', () => {
  let broker: RunningMosquitto;
  let ws = 0;
  let wss = 0;
  let caFile = '';
  before(async () => {
    const dir = await tempDir('bw-ws-');
    closers.push(() => dir.cleanup());
    const cert = await selfSignedCert(dir.path, 'broker', 30);
    caFile = cert.file;
    [ws, wss] = [await freePort(), await freePort()];
    broker = await startMosquitto({
      extraConfig: websocketListeners(ws, wss, cert),
    });
    closers.push(() => broker.stop());
  });

  void test('handshake 101, ping answered by pong, close: ok and timed', LIMIT, async () => {
    const r = await probe(ws, 'protocol websocket request "/mqtt" origin "http://localhost"');
    assert.equal(r.status, 'ok', r.message);
    assert.match(r.message, /^127\.0\.0\.1:\d+: WebSocket 101, pong in \d+ ms in \d+ ms$/);
    for (const k of ['connectMs', 'requestMs', 'firstByteMs', 'responseMs', 'totalMs'])
      assert.equal(typeof r.metrics?.[k], 'number', k);
    assert.equal((await probe(ws, 'protocol websockets')).status, 'ok');
  });

  void test(
    'over TLS: verified against the CA file, with the certificate tests; untrusted without',
    LIMIT,
    async () => {
      const r = await probe(wss, `ssl cafile ${caFile} certificate valid > 7 days protocol websocket`);
      assert.equal(r.status, 'ok', r.message);
      assert.equal(typeof r.metrics?.tlsMs, 'number');
      assert.equal((await probe(wss, 'ssl protocol websocket')).class, 'tls-untrusted');
    },
  );

  void test('the MQTT listener is no WebSocket server', LIMIT, async () => {
    const r = await probe(broker.port, 'protocol websocket timeout 2 s');
    // mosquitto drops a connection whose first byte is no CONNECT, unread bytes and all: a reset, or
    // (when the close wins the race) an orderly end before any answer.
    assert.match(
      `${r.class}: ${r.message}`,
      /^(port-closed: .*connection reset by the broker \(ECONNRESET\)|protocol-error: .*connection closed by the peer before answer to the WebSocket handshake \(GET \/\))$/,
    );
  });
});

void describe('websocket against servers that get it wrong', () => {
  void test('200 instead of 101: a protocol error quoting the status', LIMIT, async () => {
    const r = await probe(await httpPeer(), 'protocol websocket');
    assert.equal(r.class, 'protocol-error');
    assert.match(r.message, /WebSocket handshake answered "HTTP\/1\.1 200 OK", not 101 Switching Protocols$/);
  });

  void test('a 101 whose Accept answers another key', LIMIT, async () => {
    const port = await httpPeer((_req, sock) =>
      sock.end(
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n',
      ),
    );
    const r = await probe(port, 'protocol websocket');
    assert.equal(r.class, 'protocol-error');
    assert.match(r.message, /Sec-WebSocket-Accept "s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=" does not answer our key$/);
  });

  void test('a close instead of the pong; the request as the rule writes it', LIMIT, async () => {
    let seen: IncomingMessage | undefined;
    const port = await httpPeer((req, sock) => {
      seen = req;
      const key = req.headers['sec-websocket-key'] ?? '';
      const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
      sock.write(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
      );
      // A close frame, code 1008 (policy violation), once the ping arrives.
      sock.once('data', () => sock.end(Buffer.from([0x88, 0x06, 0x03, 0xf0, 0x6e, 0x6f, 0x70, 0x65])));
    });
    const r = await probe(
      port,
      'protocol websocket request "/ws?x=1" host "ws.example" origin "https://o.example" version 13',
    );
    assert.equal(r.class, 'protocol-error');
    assert.match(r.message, /the server closed instead of answering the ping \(code 1008 "nope"\)$/);
    assert.equal(seen?.url, '/ws?x=1');
    assert.equal(seen?.headers.host, 'ws.example');
    assert.equal(seen?.headers.origin, 'https://o.example');
    assert.equal(seen?.headers['sec-websocket-version'], '13');
  });

  void test('a server that never answers the ping', LIMIT, async () => {
    const port = await httpPeer((req, sock) => {
      const key = req.headers['sec-websocket-key'] ?? '';
      const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
      sock.write(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
      );
    });
    const r = await probe(port, 'protocol websocket timeout 300 ms');
    assert.equal(r.class, 'response-timeout');
    assert.match(r.message, /no pong within 300 ms$/);
  });
});

void describe('websocket in the rules language', () => {
  async function cond(line: string): Promise<unknown> {
    const r = await parseRules(`${HOST}  if failed ${line} then alert\n`, 'p.rc');
    return r.config.services[0]?.rules[0]?.condition;
  }
  const errors = (line: string): Promise<string[]> => parseFailure(`${HOST}  if failed ${line} then alert\n`, 'p.rc');

  void test("monit's options after the protocol: host is the Host header there, the target before", async () => {
    const c = (await cond(
      'host 127.0.0.1 port 9001 protocol websocket request "/mqtt" host "broker.example" origin "http://o" version 8',
    )) as { host: string; websocket: unknown };
    assert.equal(c.host, '127.0.0.1');
    assert.deepEqual(c.websocket, { request: '/mqtt', host: 'broker.example', origin: 'http://o', version: 8 });
    assert.deepEqual(((await cond('port 80 protocol websockets')) as { websocket: unknown }).websocket, {
      request: '/',
      version: 13,
    });
  });

  void test('printed by -t -v and read back the same', async () => {
    const text = `${HOST}  if failed port 9001 ssl protocol websocket request "/a b" host h origin "http://o" version 7 then alert\n`;
    await assert.rejects(parseRules(text, 'p.rc'));
    const ok = text.replace('"/a b"', '"/a?b=c"');
    const { config } = await parseRules(ok, 'p.rc');
    const printed = printConfig(config);
    assert.match(printed, /protocol websocket request "\/a\?b=c" host "h" origin "http:\/\/o" version 7/);
    const again = await parseRules(printed, 'printed.rc');
    assert.deepEqual(again.config.services[0]?.rules[0]?.condition, config.services[0]?.rules[0]?.condition);
  });

  void test('errors name their token', async () => {
    assert.deepEqual(await errors('port 80 protocol websocket request "nope"'), [
      `p.rc:2:48: the request must be a path starting with '/', found "nope"`,
    ]);
    assert.deepEqual(await errors('port 80 protocol websocket version 300'), [
      'p.rc:2:48: a WebSocket version 300 is out of range (0–255)',
    ]);
    assert.deepEqual(await errors('port 80 protocol http origin "x"'), [
      "p.rc:2:35: 'origin' is an option of protocol websocket; this test has protocol 'http'",
    ]);
    // Before the protocol, `request` is still HTTP's word.
    assert.deepEqual(await errors('port 80 request "/x" protocol websocket'), [
      "p.rc:2:21: 'request' is an option of protocol http; this test has protocol 'websocket'",
    ]);
  });
});
