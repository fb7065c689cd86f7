// The real-mosquitto harness itself: brokers start, serve, stop without leftovers, and the
// mosquitto 2.0.11 habits that supervision tests rely on (-d, pidfile, SIGSTOP) hold.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import {
  isRunning,
  mosquittoCommand,
  mosquittoPaths,
  mosquittoPids,
  mqttConnack,
  mqttConnackMs,
  mqttRoundTrip,
  startMosquitto,
  stopConfig,
  writePasswordFile,
} from '../helpers/mosquitto.js';
import type { RunningMosquitto } from '../helpers/mosquitto.js';
import { freePort } from '../helpers/ports.js';
import { tempDir } from '../helpers/tmp.js';
import type { TempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

// A hung broker or child must fail its test, not stall the whole run.
const LIMIT = { timeout: 30_000 };

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function started(opts?: Parameters<typeof startMosquitto>[0]): Promise<RunningMosquitto> {
  const broker = await startMosquitto(opts);
  cleanups.push(broker.stop);
  return broker;
}

async function folder(prefix: string): Promise<TempDir> {
  const dir = await tempDir(prefix);
  cleanups.push(dir.cleanup);
  return dir;
}

/** Field N (1-based, as in proc(5)) of /proc/PID/stat. */
function statField(pid: number, n: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[n - 3]);
}

void test('a started mosquitto serves round trips at QoS 0, 1 and 2', LIMIT, async () => {
  const broker = await started();
  assert.ok(isRunning(broker.pid));
  assert.equal(Number(await readFile(broker.pidfile, 'utf8')), broker.pid);
  for (const qos of [0, 1, 2] as const) await mqttRoundTrip(broker.port, qos);
  assert.ok((await mqttConnackMs(broker.port, 2_000)) < 2_000);
});

void test('stop leaves no mosquitto process and no folder', LIMIT, async () => {
  const broker = await startMosquitto();
  await broker.stop();
  assert.equal(isRunning(broker.pid), false);
  assert.deepEqual(mosquittoPids(broker.configFile), []);
  assert.equal(existsSync(broker.dir), false);
});

void test('with daemonize, mosquitto leaves our session and writes its pidfile', LIMIT, async () => {
  const broker = await started({ daemonize: true });
  // setsid(): its own session, parent no longer this process.
  assert.equal(statField(broker.pid, 6), broker.pid);
  assert.notEqual(statField(broker.pid, 4), process.pid);
  await mqttRoundTrip(broker.port, 1);
  await broker.stop();
  assert.equal(isRunning(broker.pid), false);
});

void test('stop also ends a broker that a test stopped with SIGSTOP', LIMIT, async () => {
  const broker = await started({ daemonize: true });
  process.kill(broker.pid, 'SIGSTOP');
  await broker.stop();
  assert.equal(isRunning(broker.pid), false);
});

void test('a SIGSTOPped broker accepts TCP but sends no CONNACK, so mqttConnackMs times out', LIMIT, async () => {
  const broker = await started();
  process.kill(broker.pid, 'SIGSTOP');
  try {
    await assert.rejects(mqttConnackMs(broker.port, 300), /no CONNACK within 300 ms/);
  } finally {
    process.kill(broker.pid, 'SIGCONT');
  }
  assert.ok((await mqttConnackMs(broker.port, 2_000)) >= 0);
});

void test('mqttConnack reports a closed port as an error, not a CONNACK', LIMIT, async () => {
  const probe = await mqttConnack(await freePort(), 1_000);
  assert.equal(probe.kind, 'error');
});

void test('mosquittoCommand gives an argv a start program can run', LIMIT, async () => {
  const dir = await folder('brokerwatch-cmd-');
  const port = await freePort();
  const argv = mosquittoCommand(dir.path, port);
  const { configFile, pidfile } = mosquittoPaths(dir.path);
  cleanups.push(() => stopConfig(configFile));
  assert.deepEqual(argv, ['/usr/sbin/mosquitto', '-d', '-c', configFile]);
  const [bin = '', ...args] = argv;
  await execa(bin, args, { stdin: 'ignore', timeout: 10_000 });
  await waitFor(async () => (await mqttConnack(port, 500)).kind === 'connack', { message: 'never served' });
  const pid = Number(await readFile(pidfile, 'utf8'));
  assert.deepEqual(mosquittoPids(configFile), [pid]);
  await stopConfig(configFile);
  assert.deepEqual(mosquittoPids(configFile), []);
  // mosquitto removes its own pidfile on a clean exit.
  assert.equal(existsSync(pidfile), false);
});

void test('a password file refuses anonymous clients with CONNACK code 5 and admits the user', LIMIT, async () => {
  const dir = await folder('brokerwatch-passwd-');
  const passwordFile = join(dir.path, 'passwd');
  await writePasswordFile(passwordFile, { probe: 's3cret' });
  const broker = await started({ passwordFile });
  assert.deepEqual({ ...(await mqttConnack(broker.port, 2_000)), ms: 0 }, { kind: 'connack', code: 5, ms: 0 });
  await assert.rejects(mqttConnackMs(broker.port, 2_000, { username: 'probe', password: 'wrong' }), /code 5/);
  await mqttConnackMs(broker.port, 2_000, { username: 'probe', password: 's3cret' });
  await mqttRoundTrip(broker.port, 2, { username: 'probe', password: 's3cret' });
});

void test('a TLS listener serves a round trip to a client that trusts its certificate', LIMIT, async () => {
  const dir = await folder('brokerwatch-tls-');
  const certFile = join(dir.path, 'cert.pem');
  const keyFile = join(dir.path, 'key.pem');
  // A throwaway self-signed certificate valid for 127.0.0.1.
  await execa(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { timeout: 10_000 },
  );
  const broker = await started({ tls: { certFile, keyFile } });
  assert.ok(broker.tlsPort !== undefined);
  const ca = await readFile(certFile);
  await mqttRoundTrip(broker.tlsPort, 1, { protocol: 'mqtts', ca });
  await assert.rejects(mqttRoundTrip(broker.tlsPort, 1, { protocol: 'mqtts' }, 2_000), /self[- ]signed/);
});

void test('a start on a port in use fails with the reason from the log', LIMIT, async () => {
  const first = await started();
  await assert.rejects(startMosquitto({ port: first.port, startTimeoutMs: 5_000 }), /Address already in use/);
});

// A test process that ends without stop(), by failing or by a signal, must not leave a broker.
const HELPER = fileURLToPath(new URL('../helpers/mosquitto.js', import.meta.url));
const ORPHAN_SCRIPT = `
  const { startMosquitto } = await import(${JSON.stringify(HELPER)});
  const broker = await startMosquitto({ daemonize: true });
  console.log(JSON.stringify({ pid: broker.pid, dir: broker.dir }));
  // Fail (exit 1) when told to on stdin; until then, stay up for a signal.
  process.stdin.once('data', () => {
    process.exitCode = 1;
    process.stdin.destroy();
  });
`;

for (const how of ['exits', 'gets SIGTERM'] as const) {
  void test(`a test process that ${how} without stop() leaves no mosquitto behind`, LIMIT, async () => {
    const child = execa(process.execPath, ['--input-type=module', '-e', ORPHAN_SCRIPT], {
      reject: false,
      timeout: 20_000,
    });
    cleanups.push(async () => {
      child.kill('SIGKILL');
      await child;
    });
    const line = await new Promise<string>((resolve, reject) => {
      child.stdout.once('data', (chunk: Buffer) => resolve(String(chunk)));
      child.once('exit', () =>
        reject(new Error(`the test process ended without starting a broker: ${String(child.stderr.read() ?? '')}`)),
      );
    });
    const { pid, dir } = JSON.parse(line) as { pid: number; dir: string };
    assert.ok(isRunning(pid));
    if (how === 'gets SIGTERM') child.kill('SIGTERM');
    else child.stdin.write('fail now\n');
    const result = await child;
    assert.equal(how === 'exits' ? result.exitCode : result.signal, how === 'exits' ? 1 : 'SIGTERM');
    await waitFor(() => !isRunning(pid), { timeoutMs: 2_000, message: `mosquitto ${pid} outlived its test process` });
    assert.equal(existsSync(dir), false);
  });
}
