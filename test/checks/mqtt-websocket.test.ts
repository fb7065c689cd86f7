// MQTT over WebSocket against mosquitto's websockets listeners (ws:// and wss://, a certificate made
// here by openssl, a password file): CONNECT → CONNACK, the full round trip on one and on two
// connections, a refused CONNECT, an HTTP server that is no WebSocket listener, a closed port. Then
// the rules language: `protocol mqtt over websocket [request "/p"]`, printed back, and its errors.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { CheckResult } from '../../src/checks/result.js';
import { parseRules } from '../../src/config/loader.js';
import { printConfig } from '../../src/config/printer.js';
import { selfSignedCert } from '../helpers/certs.js';
import { startMosquitto, websocketListeners, writePasswordFile } from '../helpers/mosquitto.js';
import type { RunningMosquitto } from '../helpers/mosquitto.js';
import { freePort } from '../helpers/ports.js';
import { tempDir } from '../helpers/tmp.js';
import { noSocketsLeft, openSockets } from './fixtures.js';
import { checkOf } from './parsed.js';
import { parseFailure } from '../helpers/rules.js';

const LIMIT = { timeout: 30_000 };
const HOST = 'check host broker with address 127.0.0.1\n';
const CREDS = 'username probe password "ws-s3cret"';

async function probe(port: number, line: string): Promise<CheckResult> {
  const c = await checkOf(`${HOST}  if failed port ${port} ${line} then alert\n`);
  const baseline = openSockets();
  try {
    return await c.cycle();
  } finally {
    c.check.close?.();
    await noSocketsLeft(baseline);
  }
}

const closers: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of closers.reverse()) await c();
});

void describe('mqtt over websocket against mosquitto', () => {
  let broker: RunningMosquitto;
  let ws = 0;
  let wss = 0;
  let caFile = '';
  before(async () => {
    const dir = await tempDir('bw-mqtt-ws-');
    closers.push(() => dir.cleanup());
    const cert = await selfSignedCert(dir.path, 'broker', 30);
    caFile = cert.file;
    const passwordFile = join(dir.path, 'passwd');
    await writePasswordFile(passwordFile, { probe: 'ws-s3cret' });
    [ws, wss] = [await freePort(), await freePort()];
    broker = await startMosquitto({
      passwordFile,
      extraConfig: websocketListeners(ws, wss, cert),
    });
    closers.push(() => broker.stop());
  });

  void test('CONNECT answered by CONNACK 0 inside the WebSocket', LIMIT, async () => {
    const r = await probe(ws, `protocol mqtt over websocket request "/mqtt" ${CREDS}`);
    assert.equal(r.status, 'ok', r.message);
    assert.match(r.message, /^127\.0\.0\.1:\d+: CONNACK 0 over WebSocket in \d+ ms$/);
    assert.equal(typeof r.metrics?.connectMs, 'number');
    assert.equal(typeof r.metrics?.firstByteMs, 'number', 'the handshake is timed');
  });

  void test('the round trip, at each QoS, on one and on two connections, timed', LIMIT, async () => {
    for (const qos of [0, 1, 2]) {
      const r = await probe(ws, `protocol mqtt over websocket ${CREDS} roundtrip qos ${qos}`);
      assert.equal(r.status, 'ok', r.message);
      assert.match(r.message, new RegExp(`round trip at QoS ${qos} over WebSocket in`));
      for (const k of ['connectMs', 'subscribeMs', 'deliveryMs', 'totalMs'])
        assert.equal(typeof r.metrics?.[k], 'number');
      assert.equal(r.metrics?.publishAckMs === undefined, qos === 0);
    }
    const two = await probe(
      ws,
      `protocol mqtt over websockets ${CREDS} version 5 roundtrip qos 1 separate connections`,
    );
    assert.equal(two.status, 'ok', two.message);
    assert.match(two.message, /over two connections/);
  });

  void test('wss:// with the CA file; untrusted without it', LIMIT, async () => {
    const r = await probe(wss, `ssl cafile ${caFile} protocol mqtt over websocket ${CREDS} roundtrip qos 1`);
    assert.equal(r.status, 'ok', r.message);
    const u = await probe(wss, `ssl protocol mqtt over websocket ${CREDS}`);
    assert.equal(u.class, 'tls-untrusted', u.message);
  });

  void test('a refused CONNECT names its reason, in 3.1.1 and in 5', LIMIT, async () => {
    const r = await probe(ws, 'protocol mqtt over websocket username probe password wrong');
    assert.equal(r.class, 'connack-refused');
    assert.match(r.message, /CONNACK refused: code 4 \(bad user name or password\)|CONNACK refused: code 5/);
    const v5 = await probe(ws, 'protocol mqtt over websocket version 5');
    assert.equal(v5.class, 'connack-refused', v5.message);
  });

  void test('the MQTT listener is no WebSocket listener', LIMIT, async () => {
    const r = await probe(broker.port, `protocol mqtt over websocket ${CREDS} timeout 2 s`);
    assert.notEqual(r.status, 'ok');
    assert.ok(['port-closed', 'protocol-error'].includes(r.class ?? ''), `${r.class}: ${r.message}`);
  });
});

void describe('mqtt over websocket against other peers', () => {
  void test('an HTTP server answering 200: a protocol error', LIMIT, async () => {
    const server = createServer((_req, res) => res.end('hello'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    });
    const r = await probe((server.address() as AddressInfo).port, 'protocol mqtt over websocket');
    assert.equal(r.class, 'protocol-error', r.message);
    assert.match(r.message, /WebSocket handshake answered HTTP 200, not 101/);
  });

  void test('a closed port', LIMIT, async () => {
    const r = await probe(await freePort(), 'protocol mqtt over websocket');
    assert.equal(r.class, 'port-closed', r.message);
    assert.match(r.message, /connection refused$/);
  });
});

void describe('mqtt over websocket in the rules language', () => {
  const errors = (line: string): Promise<string[]> => parseFailure(`${HOST}  if failed ${line} then alert\n`, 'p.rc');

  void test('into the model, printed by -t -v and read back the same', async () => {
    const text = `${HOST}  if failed port 9001 protocol mqtt over websocket request "/mqtt" version 5 roundtrip qos 1 then alert\n`;
    const { config } = await parseRules(text, 'p.rc');
    const cond = config.services[0]?.rules[0]?.condition;
    assert.ok(cond?.kind === 'port');
    assert.deepEqual(cond.websocket, { request: '/mqtt', version: 13 });
    assert.equal(cond.mqtt?.version, 5);
    const printed = printConfig(config);
    assert.match(printed, /protocol mqtt over websocket request "\/mqtt" version 5 roundtrip qos 1/);
    const again = await parseRules(printed, 'printed.rc');
    assert.deepEqual(again.config.services[0]?.rules[0]?.condition, cond);
  });

  void test('request only after over websocket; over takes websocket', async () => {
    assert.deepEqual(await errors('port 1883 protocol mqtt request "/x" over websocket'), [
      "p.rc:2:37: 'request' is an option of protocol http; this test has protocol 'mqtt'",
    ]);
    assert.deepEqual(await errors('port 1883 protocol mqtt over tcp'), [
      "p.rc:2:42: expected 'websocket' after 'over', found 'tcp'",
    ]);
    assert.deepEqual(await errors('port 1883 protocol http over websocket'), [
      "p.rc:2:37: 'over' is an option of protocol mqtt; this test has protocol 'http'",
    ]);
  });
});
