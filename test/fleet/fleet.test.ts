// The fleet view end to end: a fleet broker, two mosquitto brokers being watched, two daemons in this
// process and one as a child process, each with `set fleet`; `brokerwatch fleet --json` (the shipped
// bundle) reads them back. A failing service reaches the fleet broker within one cycle, a restarted
// fleet broker (no persistence: it forgets every retained message) gets the whole state again, the
// daemons never wait for it, and a SIGKILLed daemon is `offline` (its last will) within 1.5 × its
// keep-alive.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { connect } from 'mqtt';
import type { MqttClient } from 'mqtt';
import type { ServiceDto } from '../../src/api/contract.js';
import { BROKERWATCH } from '../helpers/cli.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import type { RunningMosquitto } from '../helpers/mosquitto.js';
import { waitFor } from '../helpers/wait.js';
import { ChildDaemon, Cleanup, signal, startInProcess, testDir, waitEvent, writeRules } from '../daemon/harness.js';
import type { InProcess } from '../daemon/harness.js';

const LIMIT = { timeout: 120_000 };
const CYCLE_MS = 1_000;
const KEEPALIVE_S = 2;
/** How late mosquitto 2.0 may notice an expired keep-alive (it sweeps every 5 s, on whole seconds). */
const MOSQUITTO_KEEPALIVE_SWEEP_MS = 6_500;

interface FleetJson {
  readonly ok: boolean;
  readonly daemons: ReadonlyArray<{ name: string; status: string; services: ServiceDto[] }>;
}

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function fleetCli(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BROKERWATCH, 'fleet', ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

/** A subscriber to brokerwatch/# that keeps every message with the time it came. */
class Listener {
  readonly messages: Array<{ topic: string; text: string; retain: boolean; at: number }> = [];
  readonly #client: MqttClient;

  constructor(port: number) {
    // MQTT 5 with "retain as published": a live subscriber sees the retain flag as the daemon set it.
    this.#client = connect({ host: '127.0.0.1', port, reconnectPeriod: 200, clean: true, protocolVersion: 5 });
    this.#client.on('connect', () => this.#client.subscribe('brokerwatch/#', { qos: 1, rap: true }));
    this.#client.on('error', () => undefined);
    this.#client.on('message', (topic, payload, packet) =>
      this.messages.push({ topic, text: payload.toString(), retain: packet.retain, at: Date.now() }),
    );
  }

  find(pred: (m: Listener['messages'][number]) => boolean): Listener['messages'][number] | undefined {
    return this.messages.find(pred);
  }

  close(): Promise<void> {
    return this.#client.endAsync(true);
  }
}

function fleetLine(port: number, name: string): string {
  return `set fleet mqtt://127.0.0.1:${port} name "${name}" keepalive ${KEEPALIVE_S} seconds with timeout 2 seconds`;
}

function hostRules(dir: string, fleetPort: number, name: string, service: string, port: number): string {
  return [
    `set daemon ${CYCLE_MS / 1000} second`,
    `set statefile ${join(dir, `${name}.state.json`)}`,
    fleetLine(fleetPort, name),
    `check host ${service} with address 127.0.0.1`,
    `  if failed port ${port} protocol mqtt with timeout 500 ms then alert`,
    '',
  ].join('\n');
}

void describe('brokerwatch fleet', LIMIT, () => {
  const cleanup = new Cleanup();
  let fleetBroker: RunningMosquitto;
  let a: RunningMosquitto;
  let b: RunningMosquitto;
  let alpha: InProcess;
  let beta: InProcess;
  let gamma: ChildDaemon;
  let url: string;
  let dir: string;

  before(async () => {
    dir = await testDir(cleanup, 'brokerwatch-fleet-');
    [fleetBroker, a, b] = await Promise.all([startMosquitto(), startMosquitto(), startMosquitto()]);
    cleanup.add(() => Promise.all([fleetBroker.stop(), a.stop(), b.stop()]));
    url = `mqtt://127.0.0.1:${fleetBroker.port}`;
    alpha = await startInProcess(
      join(dir, 'alpha.rc'),
      hostRules(dir, fleetBroker.port, 'alpha', 'broker-a', a.port),
      cleanup,
    );
    beta = await startInProcess(
      join(dir, 'beta.rc'),
      hostRules(dir, fleetBroker.port, 'beta', 'broker-b', b.port),
      cleanup,
    );
    const gammaRules = join(dir, 'gamma.rc');
    await writeRules(
      gammaRules,
      [
        `set daemon ${CYCLE_MS / 1000} second`,
        `set statefile ${join(dir, 'gamma.state.json')}`,
        fleetLine(fleetBroker.port, 'gamma'),
        'check program tick with path "/bin/true"',
        '  if status != 0 then alert',
        '',
      ].join('\n'),
    );
    gamma = await ChildDaemon.start(gammaRules, cleanup);
  });
  after(() => cleanup.run());

  /** Runs `brokerwatch fleet --json` until PRED holds for its output. */
  async function fleetUntil(
    pred: (j: FleetJson, r: Run) => boolean,
    what: string,
    timeoutMs = 20_000,
  ): Promise<FleetJson> {
    let last: Run | undefined;
    return waitFor(
      async () => {
        last = await fleetCli('--broker', url, '--json', '--timeout', '3s');
        if (last.code !== 0 && last.code !== 1) return undefined;
        const j = JSON.parse(last.stdout) as FleetJson;
        return pred(j, last) ? j : undefined;
      },
      { timeoutMs, intervalMs: 100, message: `${what}; last output: ${last?.stdout ?? ''}${last?.stderr ?? ''}` },
    );
  }

  const allOk = (j: FleetJson): boolean =>
    j.daemons.length === 3 &&
    j.daemons.every((d) => d.status === 'online' && d.services.length === 1 && d.services[0]?.status === 'ok');

  void test('--json lists the three daemons, online, with their services; exit 0', async () => {
    const j = await fleetUntil(allOk, 'three daemons online and ok');
    assert.equal(j.ok, true);
    assert.deepEqual(j.daemons.map((d) => d.name).sort(), ['alpha', 'beta', 'gamma']);
    const services = Object.fromEntries(j.daemons.map((d) => [d.name, d.services.map((s) => s.name)]));
    assert.deepEqual(services, { alpha: ['broker-a'], beta: ['broker-b'], gamma: ['tick'] });
    // The JSON API's service object: its checks, without the rules' secrets or programs.
    const brokerA = j.daemons.find((d) => d.name === 'alpha')?.services[0];
    assert.equal(brokerA?.checks[0]?.test, 'port');
    assert.equal(brokerA?.checks[0]?.protocol, 'mqtt');
    const again = await fleetCli('--broker', url, '--json');
    assert.equal(again.code, 0, again.stderr);
    const table = await fleetCli('--broker', url);
    assert.equal(table.code, 0);
    assert.match(table.stdout, /^DAEMON +STATUS +SERVICE +STATUS +MONITOR +FAILURE$/m);
    assert.match(table.stdout, /^3 daemons \(0 not online\), 3 services \(0 failed\)$/m);
  });

  void test('a failing service reaches the fleet broker within one cycle, and is listed first; exit 1', async () => {
    const listener = new Listener(fleetBroker.port);
    try {
      await waitFor(() => listener.find((m) => m.topic === 'brokerwatch/beta/status'), { message: 'no subscription' });
      await b.stop();
      const failed = await waitEvent(
        beta.events,
        (e) => e.service === 'broker-b' && e.state === 'failed',
        20_000,
        'broker-b failed',
      );
      const published = await waitFor(
        () =>
          listener.find(
            (m) =>
              m.topic === 'brokerwatch/beta/service/broker-b' && (JSON.parse(m.text) as ServiceDto).status === 'failed',
          ),
        { timeoutMs: 10_000, message: 'the failed status was never published' },
      );
      assert.ok(published.retain, 'the service status is retained');
      assert.ok(
        published.at - failed.time <= CYCLE_MS,
        `published ${published.at - failed.time} ms after the failure, more than one cycle`,
      );
      const event = await waitFor(() => listener.find((m) => m.topic === 'brokerwatch/beta/events'), {
        message: 'no event published',
      });
      assert.equal(event.retain, false, 'events are not retained');
      assert.deepEqual([JSON.parse(event.text).service, JSON.parse(event.text).state], ['broker-b', 'failed']);
    } finally {
      await listener.close();
    }
    const r = await fleetCli('--broker', url);
    assert.equal(r.code, 1, r.stderr);
    const rows = r.stdout.split('\n').slice(1, 4);
    // A broker that is shutting down may still accept a connection and close it before CONNACK.
    assert.match(
      rows[0] ?? '',
      /^beta +online +broker-b +failed +monitored +connection \((port-closed|protocol-error)\): /,
    );
  });

  void test('a restarted fleet broker gets everything again; the daemons never wait for it', async () => {
    const before = await fleetUntil((j) => j.daemons.length === 3 && !j.ok, 'the fleet before the restart');
    const port = fleetBroker.port;
    await fleetBroker.stop();
    const cycles = alpha.daemon.runner('broker-a')?.state.cycle ?? 0;
    await waitFor(() => (alpha.daemon.runner('broker-a')?.state.cycle ?? 0) >= cycles + 2, {
      timeoutMs: 10_000,
      message: 'the daemon stopped cycling while its fleet broker was down',
    });
    fleetBroker = await startMosquitto({ port });
    const afterRestart = await fleetUntil(
      (j) => j.daemons.length === 3 && j.daemons.every((d) => d.status === 'online'),
      'all three daemons back after the restart',
      40_000,
    );
    const shape = (j: FleetJson): unknown =>
      j.daemons.map((d) => [d.name, d.status, d.services.map((s) => [s.name, s.status, s.failure?.class ?? null])]);
    assert.deepEqual(shape(afterRestart), shape(before));
    assert.equal(afterRestart.daemons[0]?.name, 'beta', 'the daemon with a failing service first');
  });

  void test(`a SIGKILLed daemon is offline within 1.5 × its keep-alive (${KEEPALIVE_S} s)`, async () => {
    const listener = new Listener(fleetBroker.port);
    try {
      await waitFor(() => listener.find((m) => m.topic === 'brokerwatch/gamma/status' && m.text === 'online'), {
        message: 'gamma not online',
      });
      const killedAt = Date.now();
      await gamma.kill();
      const offline = await waitFor(
        () => listener.find((m) => m.topic === 'brokerwatch/gamma/status' && m.text === 'offline'),
        { timeoutMs: 1.5 * KEEPALIVE_S * 1000 + 500, message: 'gamma never went offline' },
      );
      assert.ok(offline.at - killedAt <= 1.5 * KEEPALIVE_S * 1000, `offline after ${offline.at - killedAt} ms`);
    } finally {
      await listener.close();
    }
    const r = await fleetCli('--broker', url, '--json');
    assert.equal(r.code, 1);
    const j = JSON.parse(r.stdout) as FleetJson;
    assert.deepEqual(
      j.daemons.map((d) => [d.name, d.status]),
      [
        ['gamma', 'offline'],
        ['beta', 'online'],
        ['alpha', 'online'],
      ],
      'offline daemons first, then failing services',
    );
  });

  void test('a frozen daemon (SIGSTOP: its socket stays open) is offline by its will once its keep-alive expires', async () => {
    const rulesFile = join(dir, 'epsilon.rc');
    await writeRules(
      rulesFile,
      [
        `set daemon ${CYCLE_MS / 1000} second`,
        `set statefile ${join(dir, 'epsilon.state.json')}`,
        fleetLine(fleetBroker.port, 'epsilon'),
        'check program tick with path "/bin/true"',
        '  if status != 0 then alert',
        '',
      ].join('\n'),
    );
    const listener = new Listener(fleetBroker.port);
    const epsilon = await ChildDaemon.start(rulesFile, cleanup);
    try {
      await waitFor(() => listener.find((m) => m.topic === 'brokerwatch/epsilon/status' && m.text === 'online'), {
        timeoutMs: 10_000,
        message: 'epsilon not online',
      });
      const stoppedAt = Date.now();
      signal(epsilon.pid, 'SIGSTOP');
      // mosquitto 2.0 looks at keep-alives only every 5 s (keepalive.c: `last_keepalive_check + 5 <
      // now`), so the will fires up to 6 s after 1.5 × keep-alive has passed.
      const bound = 1.5 * KEEPALIVE_S * 1000 + MOSQUITTO_KEEPALIVE_SWEEP_MS;
      const offline = await waitFor(
        () => listener.find((m) => m.topic === 'brokerwatch/epsilon/status' && m.text === 'offline'),
        { timeoutMs: bound + 2_000, message: 'epsilon never went offline' },
      );
      assert.ok(offline.at - stoppedAt <= bound, `offline ${offline.at - stoppedAt} ms after it froze`);
    } finally {
      signal(epsilon.pid, 'SIGKILL');
      await listener.close();
    }
  });

  void test('usage and reachability exit codes: 3 and 2', async () => {
    const usage = await fleetCli('--broker', 'mqtt://u:secret@127.0.0.1:1');
    assert.equal(usage.code, 3);
    assert.match(usage.stderr, /a password in the URL is refused/);
    assert.equal((await fleetCli()).code, 3);
    const closed = await fleetCli('--broker', `mqtt://127.0.0.1:${a.port + 0}`, '--prefix', 'x/#');
    assert.equal(closed.code, 3);
    await a.stop();
    const down = await fleetCli('--broker', `mqtt://127.0.0.1:${a.port}`, '--timeout', '2s');
    assert.equal(down.code, 2);
    assert.match(down.stderr, /cannot reach mqtt:\/\/127\.0\.0\.1:\d+/);
  });
});
