// The per-cycle MQTT probe against a real mosquitto 2.0: CONNECT, round trips at every QoS and
// over two connections, MQTT 3.1/3.1.1/5, credentials, ACLs, and peers that refuse, hang or talk
// nonsense. Every case checks the failure class a user would see, and that no socket is left open.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { portCheck } from '../../src/checks/port/check.js';
import { startMosquitto, writePasswordFile } from '../helpers/mosquitto.js';
import type { RunningMosquitto } from '../helpers/mosquitto.js';
import { freePort } from '../helpers/ports.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';
import { FakeClock } from '../helpers/fake-clock.js';
import {
  context,
  mqttPort,
  noSocketsLeft,
  openSockets,
  roundTrip,
  rule,
  service,
  probeOnce,
  tcpPeer,
} from './fixtures.js';

const LIMIT = { timeout: 30_000 };
const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function broker(opts?: Parameters<typeof startMosquitto>[0]): Promise<RunningMosquitto> {
  const b = await startMosquitto(opts);
  cleanups.push(b.stop);
  return b;
}

const probe = probeOnce;

void describe('anonymous broker', () => {
  let b: RunningMosquitto;
  void test('starts on a free port of its own and accepts TCP connections', LIMIT, async () => {
    b = await broker();
    assert.ok(b.port > 0 && b.port < 65536);
    const r = await probe(mqttPort(b.port, { protocol: 'tcp' }));
    assert.equal(r.status, 'ok', r.message);
  });

  void test('CONNECT → CONNACK 0 is ok, with its timing', LIMIT, async () => {
    const r = await probe(mqttPort(b.port));
    assert.equal(r.status, 'ok', r.message);
    assert.match(r.message, /CONNACK 0/);
    assert.ok(r.metrics?.connectMs !== undefined && r.metrics.totalMs !== undefined);
  });

  for (const version of [3, 4, 5] as const) {
    void test(`MQTT version ${version} connects and round-trips`, LIMIT, async () => {
      const r = await probe(mqttPort(b.port, { mqtt: { version }, roundTrip: roundTrip(1) }));
      assert.equal(r.status, 'ok', r.message);
    });
  }

  for (const qos of [0, 1, 2] as const) {
    for (const separate of [false, true]) {
      void test(`round trip at QoS ${qos}${separate ? ' over two connections' : ''}`, LIMIT, async () => {
        const r = await probe(mqttPort(b.port, { roundTrip: roundTrip(qos, separate) }));
        assert.equal(r.status, 'ok', r.message);
        const m = r.metrics ?? {};
        for (const k of ['connectMs', 'subscribeMs', 'deliveryMs', 'totalMs']) assert.equal(typeof m[k], 'number', k);
        assert.equal(m.publishAckMs === undefined, qos === 0);
      });
    }
  }

  void test('over responsetime → latency', LIMIT, async () => {
    const r = await probe(mqttPort(b.port, { roundTrip: roundTrip(1), responseTime: { op: '<', ms: 0 } }));
    assert.equal(r.status, 'failed');
    assert.equal(r.class, 'latency');
  });

  void test('a plain TCP test stays a connect test', LIMIT, async () => {
    const r = await probe(mqttPort(b.port, { protocol: 'tcp' }));
    assert.equal(r.status, 'ok', r.message);
    // A protocol of monit's that brokerwatch does not speak is a connect test too.
    const other = await probe(mqttPort(b.port, { protocol: 'memcache' }));
    assert.equal(other.status, 'ok', other.message);
    // HTTP is spoken: a broker does not answer it.
    const http = await probe(mqttPort(b.port, { protocol: 'http' }));
    assert.equal(http.status, 'failed', http.message);
  });
});

void describe('credentials', () => {
  let b: RunningMosquitto;
  void test('starts with a password file', LIMIT, async () => {
    const dir = await tempDir('bw-pw-');
    cleanups.push(dir.cleanup);
    const passwordFile = join(dir.path, 'passwd');
    await writePasswordFile(passwordFile, { probe: 'secret' });
    b = await broker({ passwordFile });
    // The file is in force: an anonymous client is refused.
    const r = await probe(mqttPort(b.port));
    assert.equal(r.class, 'connack-refused', r.message);
  });

  void test('right credentials: ok', LIMIT, async () => {
    const r = await probe(
      mqttPort(b.port, { mqtt: { username: 'probe', password: 'secret' }, roundTrip: roundTrip(1) }),
    );
    assert.equal(r.status, 'ok', r.message);
  });

  void test('wrong password on 3.1.1: connack-refused, code 5', LIMIT, async (t) => {
    const r = await probe(mqttPort(b.port, { mqtt: { username: 'probe', password: 'wrong' } }));
    t.diagnostic(r.message);
    assert.equal(r.class, 'connack-refused');
    assert.match(r.message, /code 5 \(not authorized\)/);
  });

  void test('wrong password on MQTT 5: connack-refused, code 135', LIMIT, async (t) => {
    const r = await probe(mqttPort(b.port, { mqtt: { username: 'probe', password: 'wrong', version: 5 } }));
    t.diagnostic(r.message);
    assert.equal(r.class, 'connack-refused');
    assert.match(r.message, /code 135 \(not authorized\)/);
  });

  void test('no credentials on 3.1: connack-refused, code 5', LIMIT, async (t) => {
    const r = await probe(mqttPort(b.port, { mqtt: { version: 3 } }));
    t.diagnostic(r.message);
    assert.equal(r.class, 'connack-refused');
    assert.match(r.message, /code 5/);
  });
});

void describe('ACL', () => {
  let b: RunningMosquitto;
  void test('starts with an ACL that lets the probe write but not read its topic', LIMIT, async () => {
    const dir = await tempDir('bw-acl-');
    cleanups.push(dir.cleanup);
    const aclFile = join(dir.path, 'acl');
    await writeFile(aclFile, 'topic readwrite other/#\ntopic write brokerwatch/#\n');
    b = await broker({ aclFile });
    // The ACL is in force: a topic it does not name neither publishes nor delivers.
    const r = await probe(
      mqttPort(b.port, {
        timeoutMs: 1_000,
        roundTrip: { qos: 1, topic: 'elsewhere/probe', separateConnections: false },
      }),
    );
    assert.equal(r.status, 'failed', r.message);
    assert.equal(r.class, 'not-delivered', r.message);
  });

  for (const version of [4, 5] as const) {
    for (const qos of [0, 1] as const) {
      void test(`MQTT ${version} QoS ${qos}: a silent drop is not-delivered, "denied by ACL?"`, LIMIT, async (t) => {
        // mosquitto 2.0.11 grants the SUBACK of a topic it will not let us read, then drops the
        // message on delivery: subscribe-refused is never seen, not-delivered is.
        const r = await probe(mqttPort(b.port, { timeoutMs: 1_000, mqtt: { version }, roundTrip: roundTrip(qos) }));
        assert.equal(r.status, 'failed');
        t.diagnostic(r.message);
        assert.equal(r.class, 'not-delivered', r.message);
        assert.match(r.message, /denied by ACL\?/);
      });
    }
  }

  void test('a topic the ACL allows round-trips', LIMIT, async () => {
    const r = await probe(
      mqttPort(b.port, { roundTrip: { qos: 1, topic: 'other/probe', separateConnections: false } }),
    );
    assert.equal(r.status, 'ok', r.message);
  });
});

void describe('peers that are not a working broker', () => {
  void test('closed port → port-closed', LIMIT, async () => {
    const port = await freePort();
    const r = await probe(mqttPort(port));
    assert.equal(r.class, 'port-closed');
    assert.match(r.message, /refused/);
    const tcp = await probe(mqttPort(port, { protocol: 'tcp' }));
    assert.equal(tcp.class, 'port-closed');
  });

  void test('accepts and never answers → connect-timeout, and retry N tries N more times', LIMIT, async () => {
    let connections = 0;
    // Reads (and ignores) what comes, so it sees the probe's FIN: live() counts what the probe left open.
    const peer = await tcpPeer((sock) => {
      connections++;
      sock.resume();
    });
    cleanups.push(peer.close);
    const r = await probe(mqttPort(peer.port, { timeoutMs: 300, retry: 2 }));
    assert.equal(r.class, 'connect-timeout');
    assert.match(r.message, /no CONNACK within 300 ms/);
    assert.equal(connections, 3);
    await waitFor(() => peer.live() === 0, { message: 'the probe left connections open at the peer' });
  });

  void test('answers garbage → protocol-error', LIMIT, async (t) => {
    const peer = await tcpPeer((s) => s.once('data', () => s.write('HTTP/1.1 400 Bad Request\r\n\r\n')));
    cleanups.push(peer.close);
    const r = await probe(mqttPort(peer.port));
    t.diagnostic(r.message);
    assert.equal(r.class, 'protocol-error');
    assert.match(r.message, /not MQTT.*HTTP/);
  });

  void test('a malformed CONNACK → protocol-error', LIMIT, async (t) => {
    const peer = await tcpPeer((s) => s.once('data', () => s.write(Buffer.from([0x20, 0x02, 0x07, 0x00]))));
    cleanups.push(peer.close);
    const r = await probe(mqttPort(peer.port));
    t.diagnostic(r.message);
    assert.equal(r.class, 'protocol-error', r.message);
  });

  void test('a SUBACK nobody asked for after CONNACK → protocol-error', LIMIT, async (t) => {
    const peer = await tcpPeer((s) =>
      s.once('data', () => s.write(Buffer.from([0x20, 0x02, 0x00, 0x00, 0x90, 0x03, 0x12, 0x34, 0x00]))),
    );
    cleanups.push(peer.close);
    const r = await probe(mqttPort(peer.port, { roundTrip: roundTrip(1) }));
    t.diagnostic(r.message);
    assert.equal(r.class, 'protocol-error', r.message);
    assert.match(r.message, /unexpected SUBACK/);
  });

  void test('CONNACK, then silence → subscribe-timeout', LIMIT, async () => {
    const peer = await tcpPeer((s) => s.once('data', () => s.write(Buffer.from([0x20, 0x02, 0x00, 0x00]))));
    cleanups.push(peer.close);
    const r = await probe(mqttPort(peer.port, { timeoutMs: 300, roundTrip: roundTrip(1) }));
    assert.equal(r.class, 'subscribe-timeout', r.message);
  });

  void test('closes without CONNACK → protocol-error', LIMIT, async (t) => {
    const peer = await tcpPeer((s) => s.once('data', () => s.end()));
    cleanups.push(peer.close);
    const r = await probe(mqttPort(peer.port));
    t.diagnostic(r.message);
    assert.equal(r.class, 'protocol-error', r.message);
  });

  void test('an aborted cycle ends at once, without a socket left', LIMIT, async () => {
    let accepted = 0;
    const peer = await tcpPeer(() => accepted++);
    cleanups.push(peer.close);
    const cond = mqttPort(peer.port, { timeoutMs: 10_000 });
    const r = rule(cond);
    const ac = new AbortController();
    const baseline = openSockets();
    // On a clock that never moves, no timeout can end the cycle: only the abort does.
    const running = portCheck(cond).run(context(service([r]), r, new Map(), ac.signal, new FakeClock()));
    await waitFor(() => accepted === 1, { message: 'the probe never connected' });
    ac.abort();
    const res = await running;
    assert.equal(res.class, 'internal');
    await noSocketsLeft(baseline);
  });
});
