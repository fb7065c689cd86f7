// The demo broker behaves like an init-script broker: it daemonizes, publishes a pidfile only
// once it serves, answers MQTT, and SIGTERM or --stop end it and remove the pidfile.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import type { ResultPromise } from 'execa';
import { isRunning, mqttRoundTrip } from '../helpers/mosquitto.js';
import { freePort } from '../helpers/ports.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

// dist/test/demo/broker.test.js → dist/demo/broker.js
const BROKER = fileURLToPath(new URL('../../demo/broker.js', import.meta.url));

// A hung broker or child must fail its test, not stall the whole run.
const LIMIT = { timeout: 30_000 };

const dir = await tempDir('brokerwatch-demo-');
const pidfiles: string[] = [];
after(async () => {
  // Kill whatever a failed test left running, then drop the folder.
  for (const pidfile of pidfiles) {
    const pid = Number.parseInt(await readFile(pidfile, 'utf8').catch(() => ''), 10);
    if (Number.isInteger(pid) && isRunning(pid) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(BROKER)) {
      process.kill(pid, 'SIGKILL');
    }
  }
  await dir.cleanup();
});

let count = 0;

const RUN_OPTIONS = { reject: false, timeout: 15_000, stdin: 'ignore' } as const;

/** Runs `node broker.js ARGS` to its end, as brokerwatch runs a start or stop program. */
function run(args: readonly string[]): ResultPromise<typeof RUN_OPTIONS> {
  return execa(process.execPath, [BROKER, ...args], RUN_OPTIONS);
}

/** Starts a demo broker daemon; resolves with its port, pidfile, log and PID. */
async function daemon(): Promise<{ port: number; pidfile: string; log: string; pid: number }> {
  const name = `demo-${++count}`;
  const pidfile = join(dir.path, `${name}.pid`);
  const log = join(dir.path, `${name}.log`);
  pidfiles.push(pidfile);
  const port = await freePort();
  const result = await run(['--port', String(port), '--pidfile', pidfile, '--log', log]);
  assert.equal(result.exitCode, 0, String(result.stderr));
  // The launcher has exited, so the pidfile must already be there: no waiting.
  const pid = Number(await readFile(pidfile, 'utf8'));
  return { port, pidfile, log, pid };
}

void test('the demo broker daemonizes, writes its pidfile and serves QoS 0/1/2', LIMIT, async () => {
  const broker = await daemon();
  assert.ok(isRunning(broker.pid));
  const stat = readFileSync(`/proc/${broker.pid}/stat`, 'utf8');
  const [, , , sid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  assert.equal(Number(sid), broker.pid, 'the daemon leads its own session');
  for (const qos of [0, 1, 2] as const) await mqttRoundTrip(broker.port, qos);
  process.kill(broker.pid, 'SIGTERM');
  await waitFor(() => !isRunning(broker.pid), { message: 'the daemon ignored SIGTERM' });
  assert.equal(existsSync(broker.pidfile), false);
  assert.match(await readFile(broker.log, 'utf8'), /SIGTERM received/);
});

void test('--stop ends the daemon and removes its pidfile before it returns', LIMIT, async () => {
  const broker = await daemon();
  await mqttRoundTrip(broker.port, 1);
  const result = await run(['--stop', '--pidfile', broker.pidfile]);
  assert.equal(result.exitCode, 0, String(result.stderr));
  assert.equal(isRunning(broker.pid), false);
  assert.equal(existsSync(broker.pidfile), false);
});

void test('a start on a busy port exits 1 and leaves the running broker and its pidfile alone', LIMIT, async () => {
  const first = await daemon();
  const pidfile = join(dir.path, 'second.pid');
  pidfiles.push(pidfile);
  const result = await run(['--port', String(first.port), '--pidfile', pidfile]);
  assert.equal(result.exitCode, 1);
  assert.match(String(result.stderr), /EADDRINUSE/);
  assert.equal(existsSync(pidfile), false);
  assert.equal(Number(await readFile(first.pidfile, 'utf8')), first.pid);
  await mqttRoundTrip(first.port, 1);
  assert.equal((await run(['--stop', '--pidfile', first.pidfile])).exitCode, 0);
});

void test('--foreground serves as a child and exits 0 on SIGTERM, removing its pidfile', LIMIT, async () => {
  const pidfile = join(dir.path, 'foreground.pid');
  pidfiles.push(pidfile);
  const port = await freePort();
  const child = execa(process.execPath, [BROKER, '--foreground', '--port', String(port), '--pidfile', pidfile], {
    reject: false,
    timeout: 15_000,
  });
  const pid = await waitFor(async () => Number.parseInt(await readFile(pidfile, 'utf8').catch(() => ''), 10), {
    message: 'no pidfile from the foreground broker',
  });
  assert.equal(pid, child.pid);
  await mqttRoundTrip(port, 1);
  child.kill('SIGTERM');
  const result = await child;
  assert.equal(result.exitCode, 0);
  assert.match(String(result.stderr), /listening on 127\.0\.0\.1:\d+/);
  assert.equal(existsSync(pidfile), false);
});

void test('--stop without a running broker succeeds and clears a stale pidfile', LIMIT, async () => {
  const pidfile = join(dir.path, 'stale.pid');
  assert.equal((await run(['--stop', '--pidfile', pidfile])).exitCode, 0);
  await writeFile(pidfile, '999999999\n');
  assert.equal((await run(['--stop', '--pidfile', pidfile])).exitCode, 0);
  assert.equal(existsSync(pidfile), false);
});

void test('--stop refuses to signal a PID that is not the demo broker', LIMIT, async () => {
  const pidfile = join(dir.path, 'foreign.pid');
  await writeFile(pidfile, `${process.pid}\n`);
  const result = await run(['--stop', '--pidfile', pidfile]);
  assert.equal(result.exitCode, 1);
  assert.match(String(result.stderr), /not the demo broker/);
});

void test('bad arguments exit 2 with the usage line', LIMIT, async () => {
  const result = await run(['--port', '70000', '--pidfile', join(dir.path, 'x.pid')]);
  assert.equal(result.exitCode, 2);
  assert.match(String(result.stderr), /usage: broker\.js/);
});
