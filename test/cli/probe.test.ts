// `brokerwatch probe URL` as a container's HEALTHCHECK or a monitoring system runs it: the shipped
// command against real mosquitto brokers (plain and WebSockets listeners, passwords, ACLs), one line
// of output in the monitoring-plugin convention and its exit code.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connectAsync } from 'mqtt';
import { parseDuration, parseProbeUrl, readCredentials } from '../../src/cli/probe-command.js';
import { reportResult } from '../../src/cli/probe-output.js';
import { selfSignedCert } from '../helpers/certs.js';
import { BROKERWATCH } from '../helpers/cli.js';
import { startMosquitto, writePasswordFile } from '../helpers/mosquitto.js';
import type { RunningMosquitto } from '../helpers/mosquitto.js';
import { freePort } from '../helpers/ports.js';
import { tempDir } from '../helpers/tmp.js';
import type { TempDir } from '../helpers/tmp.js';

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `brokerwatch probe ARGS…` with ENV added; never rejects. */
function probe(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BROKERWATCH, 'probe', ...args],
      {
        env: { ...process.env, BROKERWATCH_PROBE_USERNAME: '', BROKERWATCH_PROBE_PASSWORD: '', ...env },
        timeout: 30_000,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The output is exactly one line. */
function oneLine(r: Run): string {
  const lines = r.stdout.split('\n');
  assert.equal(lines.length, 2, `one line of output, got: ${JSON.stringify(r.stdout)} ${r.stderr}`);
  assert.equal(lines[1], '');
  return lines[0] ?? '';
}

const OK_LINE = /^MQTT OK - round trip (\d+|<1) ms \| connect=\d+ms;;;0 roundtrip=\d+(\.\d)?ms;;;0$/;

void describe('brokerwatch probe against mosquitto', () => {
  let dir: TempDir;
  let open: RunningMosquitto;
  let wsPort: number;
  let secured: RunningMosquitto;
  before(async () => {
    dir = await tempDir('bw-probe-');
    wsPort = await freePort();
    open = await startMosquitto({ extraConfig: [`listener ${wsPort} 127.0.0.1`, 'protocol websockets'] });
    const passwordFile = join(dir.path, 'passwd');
    await writePasswordFile(passwordFile, { full: 'full-pw', reader: 'reader-pw', admin: 'admin-pw' });
    const aclFile = join(dir.path, 'acl');
    await writeFile(
      aclFile,
      [
        'user full',
        'topic readwrite brokerwatch/probe/#',
        'user reader',
        'topic read brokerwatch/probe/#',
        'user admin',
        'topic readwrite #',
        '',
      ].join('\n'),
    );
    secured = await startMosquitto({ passwordFile, aclFile });
  });
  after(async () => {
    await open?.stop();
    await secured?.stop();
    await dir?.cleanup();
  });

  void test('OK: a round trip over plain MQTT, with perfdata', async () => {
    const r = await probe([`mqtt://127.0.0.1:${open.port}`, '--roundtrip']);
    assert.match(oneLine(r), OK_LINE);
    assert.equal(r.code, 0);
  });

  void test('OK: a connect only, and a round trip at QoS 0 and 2', async () => {
    const c = await probe([`mqtt://127.0.0.1:${open.port}`]);
    assert.match(oneLine(c), /^MQTT OK - connected in (\d+|<1) ms \| connect=\d+ms;;;0 time=\d+(\.\d)?ms;;;0$/);
    for (const qos of ['0', '2']) {
      const r = await probe([`mqtt://127.0.0.1:${open.port}`, '--roundtrip', '--qos', qos]);
      assert.match(oneLine(r), OK_LINE);
      assert.equal(r.code, 0);
    }
  });

  void test("OK: a round trip over mosquitto's WebSockets listener", async () => {
    const r = await probe([`ws://127.0.0.1:${wsPort}/mqtt`, '--roundtrip', '--qos', '1']);
    assert.match(oneLine(r), OK_LINE);
    assert.equal(r.code, 0);
  });

  void test('CRITICAL: a WebSocket URL on a plain MQTT port says what answered', async () => {
    const r = await probe([`ws://127.0.0.1:${open.port}/`, '--timeout', '3s']);
    assert.match(oneLine(r), /^MQTT CRITICAL - .+ \(ws:\/\/127\.0\.0\.1:\d+\/\)$/);
    assert.equal(r.code, 2);
  });

  void test('CRITICAL: an HTTP server that refuses the WebSocket upgrade is named', async () => {
    const server = createServer((_req, res) => res.writeHead(404).end('no such page'));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      const r = await probe([`ws://127.0.0.1:${port}/mqtt`]);
      assert.equal(
        oneLine(r),
        `MQTT CRITICAL - the WebSocket upgrade to ws://127.0.0.1:${port}/mqtt was answered with HTTP 404 Not Found (not a websockets listener, or another path?) (ws://127.0.0.1:${port}/mqtt)`,
      );
      assert.equal(r.code, 2);
    } finally {
      server.close();
    }
  });

  void test('CRITICAL: a refused port', async () => {
    const port = await freePort();
    const r = await probe([`mqtt://127.0.0.1:${port}`, '--roundtrip']);
    assert.equal(oneLine(r), `MQTT CRITICAL - connection refused (mqtt://127.0.0.1:${port})`);
    assert.equal(r.code, 2);
  });

  void test('CRITICAL: a wrong password; OK with the right one from a file or the environment', async () => {
    const bad = join(dir.path, 'bad-creds');
    await writeFile(bad, 'username full\npassword wrong\n', { mode: 0o600 });
    const r = await probe([`mqtt://127.0.0.1:${secured.port}`, '--roundtrip', '--credentials', bad]);
    assert.match(
      oneLine(r),
      /^MQTT CRITICAL - CONNACK refused: code [45] \((bad user name or password|not authorized)\)/,
    );
    assert.equal(r.code, 2);

    const good = join(dir.path, 'good-creds');
    await writeFile(good, 'full:full-pw\n', { mode: 0o600 });
    const f = await probe([`mqtt://127.0.0.1:${secured.port}`, '--roundtrip', '--credentials', good]);
    assert.match(oneLine(f), OK_LINE);
    const e = await probe([`mqtt://full@127.0.0.1:${secured.port}`, '--roundtrip'], {
      BROKERWATCH_PROBE_PASSWORD: 'full-pw',
    });
    assert.match(oneLine(e), OK_LINE);
    const none = await probe([`mqtt://127.0.0.1:${secured.port}`]);
    assert.match(oneLine(none), /^MQTT CRITICAL - CONNACK refused/);
  });

  void test('TLS: mqtts:// and wss:// with --cafile; an unknown CA is CRITICAL; --insecure skips the check', async () => {
    const cert = await selfSignedCert(dir.path, 'broker', 30);
    const wssPort = await freePort();
    const tls = await startMosquitto({
      tls: { certFile: cert.file, keyFile: cert.keyFile },
      extraConfig: [
        `listener ${wssPort} 127.0.0.1`,
        'protocol websockets',
        `certfile ${cert.file}`,
        `keyfile ${cert.keyFile}`,
      ],
    });
    try {
      const mqtts = `mqtts://127.0.0.1:${tls.tlsPort ?? 0}`;
      assert.match(oneLine(await probe([mqtts, '--roundtrip', '--cafile', cert.file])), OK_LINE);
      assert.match(
        oneLine(await probe([`wss://127.0.0.1:${wssPort}/mqtt`, '--roundtrip', '--cafile', cert.file])),
        OK_LINE,
      );
      const untrusted = await probe([mqtts, '--roundtrip']);
      assert.match(
        oneLine(untrusted),
        /^MQTT CRITICAL - TLS: certificate not signed by a trusted CA .*; trust its CA with --cafile FILE, or skip verification with --insecure \(mqtts:/,
      );
      assert.equal(untrusted.code, 2);
      assert.match(oneLine(await probe([mqtts, '--roundtrip', '--insecure'])), OK_LINE);
      const plain = await probe([`mqtt://127.0.0.1:${tls.port}`, '--cafile', cert.file]);
      assert.equal(oneLine(plain), 'MQTT UNKNOWN - --cafile and --insecure need mqtts:// or wss://');
      assert.equal(plain.code, 3);
    } finally {
      await tls.stop();
    }
  });

  void test('WARNING: slower than --warning, with the threshold in the perfdata', async () => {
    const r = await probe([`mqtt://127.0.0.1:${open.port}`, '--roundtrip', '--warning', '0.001ms']);
    assert.match(
      oneLine(r),
      /^MQTT WARNING - round trip (\d+|<1) ms, slower than the warning threshold of 0\.001 ms \(mqtt:\/\/127\.0\.0\.1:\d+\) \| connect=\d+ms;;;0 roundtrip=\d+(\.\d)?ms;0\.001;;0$/,
    );
    assert.equal(r.code, 1);
  });

  void test('UNKNOWN: a bad URL, a bad option, a password in the URL', async () => {
    for (const args of [['not a url'], ['http://127.0.0.1/'], [`mqtt://127.0.0.1:${open.port}`, '--timeout', 'soon']]) {
      const r = await probe(args);
      assert.match(oneLine(r), /^MQTT UNKNOWN - /);
      assert.equal(r.code, 3, args.join(' '));
    }
    const r = await probe([`mqtt://full:full-pw@127.0.0.1:${secured.port}`, '--roundtrip']);
    assert.match(
      oneLine(r),
      /^MQTT UNKNOWN - a password in the URL is refused: every local user can read a command line/,
    );
    assert.equal(r.code, 3);
    const usage = await probe([]);
    assert.equal(usage.code, 3, 'a missing URL is a usage error: UNKNOWN');
  });

  void test('a retained copy of an earlier run never passes', async () => {
    // A spy sees the first run's topic and payload...
    const spy = await connectAsync({
      host: '127.0.0.1',
      port: secured.port,
      username: 'admin',
      password: 'admin-pw',
      reconnectPeriod: 0,
    });
    try {
      const seen: Array<{ topic: string; payload: Buffer }> = [];
      spy.on('message', (topic, payload) => seen.push({ topic, payload }));
      await spy.subscribeAsync('brokerwatch/probe/#', { qos: 1 });
      const creds = join(dir.path, 'full-creds');
      await writeFile(creds, 'username full\npassword full-pw\n', { mode: 0o600 });
      const first = await probe([`mqtt://127.0.0.1:${secured.port}`, '--roundtrip', '--credentials', creds]);
      assert.match(oneLine(first), OK_LINE);
      const earlier = seen[0];
      assert.ok(earlier, 'the spy saw the first run');
      // ...and keeps it retained on that very topic, where a new subscriber does receive it.
      await spy.publishAsync(earlier.topic, earlier.payload, { qos: 1, retain: true });
      const check = await connectAsync({
        host: '127.0.0.1',
        port: secured.port,
        username: 'admin',
        password: 'admin-pw',
        reconnectPeriod: 0,
      });
      const retained = new Promise<Buffer>((resolve) => check.on('message', (_t, p) => resolve(p)));
      await check.subscribeAsync(earlier.topic, { qos: 1 });
      assert.deepEqual(await retained, earlier.payload);
      await check.endAsync(true);

      // A user who may read but not publish gets no message of its own: only the retained one
      // could answer, and it must not.
      const readerCreds = join(dir.path, 'reader-creds');
      await writeFile(readerCreds, 'reader:reader-pw\n', { mode: 0o600 });
      const second = await probe([
        `mqtt://127.0.0.1:${secured.port}`,
        '--roundtrip',
        '--credentials',
        readerCreds,
        '--timeout',
        '1s',
      ]);
      assert.match(oneLine(second), /^MQTT CRITICAL - message not delivered within 1000 ms/);
      assert.equal(second.code, 2);
      await spy.publishAsync(earlier.topic, Buffer.alloc(0), { qos: 1, retain: true });
    } finally {
      await spy.endAsync(true);
    }
  });
});

void describe('the probe command line', () => {
  void test('URLs: default ports, WebSocket paths, IPv6, the user name', () => {
    assert.deepEqual(parseProbeUrl('mqtt://broker'), {
      scheme: 'mqtt',
      host: 'broker',
      port: 1883,
      where: 'mqtt://broker:1883',
    });
    assert.equal(parseProbeUrl('mqtts://broker').port, 8883);
    assert.deepEqual(parseProbeUrl('wss://broker/mqtt?x=1'), {
      scheme: 'wss',
      host: 'broker',
      port: 443,
      path: '/mqtt?x=1',
      where: 'wss://broker:443/mqtt?x=1',
    });
    assert.equal(parseProbeUrl('ws://broker:9001').path, '/');
    assert.equal(parseProbeUrl('mqtt://[::1]:1884').host, '::1');
    assert.equal(parseProbeUrl('mqtt://[::1]:1884').where, 'mqtt://[::1]:1884');
    assert.equal(parseProbeUrl('mqtt://mon%40itor@broker').username, 'mon@itor');
    assert.throws(() => parseProbeUrl('mqtt://broker/topic'), /a path \(\/topic\) means nothing to mqtt/);
  });

  void test('durations', () => {
    assert.equal(parseDuration('10s', 't'), 10_000);
    assert.equal(parseDuration('500ms', 't'), 500);
    assert.equal(parseDuration('1.5', 't'), 1_500);
    assert.equal(parseDuration('2m', 't'), 120_000);
    for (const bad of ['0', '-1s', '10 parsecs', ''])
      assert.throws(() => parseDuration(bad, 't'), /expected a duration/);
  });

  void test('credentials files', async () => {
    const dir = await tempDir('bw-probe-creds-');
    try {
      const write = async (text: string): Promise<string> => {
        const f = join(dir.path, 'c');
        await writeFile(f, text, { mode: 0o600 });
        return f;
      };
      assert.deepEqual(await readCredentials(await write('username mon\npassword s e:cret\n')), {
        username: 'mon',
        password: 's e:cret',
      });
      assert.deepEqual(await readCredentials(await write('# monitoring\nusername=mon\npassword: pw\n')), {
        username: 'mon',
        password: 'pw',
      });
      assert.deepEqual(await readCredentials(await write('mon:pw:with:colons\n')), {
        username: 'mon',
        password: 'pw:with:colons',
      });
      await assert.rejects(readCredentials(await write('mon pw\nmore\n')), /expected 'username NAME'/);
      await assert.rejects(readCredentials(join(dir.path, 'missing')), /cannot read .*ENOENT/);
    } finally {
      await dir.cleanup();
    }
  });

  void test('the line: state, text, perfdata with the warning threshold', () => {
    const asked = { where: 'mqtt://b:1883', roundTrip: true, warningMs: 500 };
    assert.deepEqual(reportResult({ ok: true, message: '', metrics: { connectMs: 1, totalMs: 3.1 } }, asked), {
      line: 'MQTT OK - round trip 3 ms | connect=1ms;;;0 roundtrip=3.1ms;500;;0',
      exit: 0,
    });
    assert.deepEqual(
      reportResult({ ok: true, message: '', metrics: { connectMs: 0, totalMs: 0.4 } }, asked).line,
      'MQTT OK - round trip <1 ms | connect=0ms;;;0 roundtrip=0.4ms;500;;0',
    );
    assert.deepEqual(reportResult({ ok: true, message: '', metrics: { connectMs: 2, totalMs: 612.5 } }, asked), {
      line: 'MQTT WARNING - round trip 613 ms, slower than the warning threshold of 500 ms (mqtt://b:1883) | connect=2ms;;;0 roundtrip=612.5ms;500;;0',
      exit: 1,
    });
    const failed = { ok: false, class: 'port-closed', message: 'a | b\nc', metrics: {} };
    assert.deepEqual(reportResult(failed, asked), { line: 'MQTT CRITICAL - a b c (mqtt://b:1883)', exit: 2 });
  });

  void test('an internal error is UNKNOWN, not CRITICAL', () => {
    const r = reportResult(
      { ok: false, class: 'internal', message: 'internal error: x', metrics: {} },
      { where: 'mqtt://b:1883', roundTrip: true },
    );
    assert.deepEqual(r, { line: 'MQTT UNKNOWN - internal error: x (mqtt://b:1883)', exit: 3 });
  });
});
