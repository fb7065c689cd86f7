// The between-cycles watch against a real mosquitto: a SIGSTOPped broker (the kernel still accepts
// TCP, nothing answers) is reported one timeout after it froze, once per episode; a killed broker is
// reported as refused; a healthy one costs little and reports nothing; close() leaves no socket.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { endpointOf } from '../../src/checks/mqtt/endpoint.js';
import { MqttWatch, watchInterval } from '../../src/checks/mqtt/watch.js';
import { portCheck } from '../../src/checks/port/check.js';
import type { CheckResult } from '../../src/checks/result.js';
import type { Check } from '../../src/checks/types.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import type { RunningMosquitto } from '../helpers/mosquitto.js';
import { freePort } from '../helpers/ports.js';
import { waitFor } from '../helpers/wait.js';
import { FakeClock } from '../helpers/fake-clock.js';
import type { Clock } from '../../src/util/clock.js';
import { setTimeout as delay } from 'node:timers/promises';
import { accept, fakeBroker, mqttPort, noSocketsLeft, openSockets, roundTrip, rule, service } from './fixtures.js';

const LIMIT = { timeout: 30_000 };
const TIMEOUT_MS = 1_000;
const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function broker(): Promise<RunningMosquitto> {
  const b = await startMosquitto();
  cleanups.push(b.stop);
  return b;
}

/** Starts the watch of COND (on CLOCK when given); its reports are collected with the time they
 *  came, and its connection's ups and downs in order. */
function watched(
  cond: ReturnType<typeof mqttPort>,
  clock?: Clock,
): {
  check: Check;
  reports: Array<{ at: number; result: CheckResult }>;
  connection: boolean[];
} {
  const r = rule(cond);
  const check = portCheck(cond);
  const reports: Array<{ at: number; result: CheckResult }> = [];
  const connection: boolean[] = [];
  assert.ok(check.watch);
  check.watch(
    { service: service([r]), rule: r, ...(clock ? { clock } : {}) },
    (result) => reports.push({ at: performance.now(), result }),
    (up) => connection.push(up),
  );
  cleanups.push(() => check.close?.());
  return { check, reports, connection };
}

/** Stops PID (SIGSTOP) and resumes it at cleanup, so the broker can be stopped for good. */
function freeze(pid: number): number {
  process.kill(pid, 'SIGSTOP');
  cleanups.push(() => {
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      // already gone
    }
  });
  return performance.now();
}

/** Waits until the watch holds its connection (one more client socket than BASELINE). */
async function connected(baseline: number): Promise<void> {
  await waitFor(() => openSockets() > baseline, { message: 'the watch never connected' });
  await delay(300); // a few pings answered
}

void describe('ping watch', () => {
  let b: RunningMosquitto;
  void test("a SIGSTOPped broker is reported once, by the watch's own deadline", LIMIT, async (t) => {
    b = await broker();
    const baseline = openSockets();
    const { check, reports } = watched(mqttPort(b.port, { timeoutMs: TIMEOUT_MS }));
    await connected(baseline);
    assert.equal(reports.length, 0);
    const frozenAt = freeze(b.pid);
    await waitFor(() => reports.length > 0, { timeoutMs: 5_000, message: 'no report' });
    const latency = (reports[0]?.at ?? 0) - frozenAt;
    t.diagnostic(`hang seen ${Math.round(latency)} ms after SIGSTOP (timeout ${TIMEOUT_MS} ms)`);
    // A hang is judged from the last answer: a broker silent for the whole timeout while asked. The
    // last answer came at most one ask interval before the freeze, so never earlier than this. How
    // soon after it comes on a busy machine is the `hang` benchmark's to measure, not a test's.
    const interval = watchInterval(TIMEOUT_MS);
    assert.ok(latency >= TIMEOUT_MS - interval - 50, `reported too early: ${latency} ms`);
    const first = reports[0]?.result;
    assert.equal(first?.status, 'failed');
    assert.equal(first?.class, 'connect-timeout');
    assert.match(first?.message ?? '', /no answer within 1000 ms \(PINGREQ unanswered; broker hung\?\)/);
    // Reconnect attempts fail too, but the episode was reported already.
    await delay(2_500);
    assert.equal(reports.length, 1);

    // Resumed: a connection works again, which ends the episode; the next hang is a new one.
    process.kill(b.pid, 'SIGCONT');
    await waitFor(() => openSockets() > baseline, { timeoutMs: 8_000, message: 'no reconnect after SIGCONT' });
    await delay(1_500);
    freeze(b.pid);
    await waitFor(() => reports.length > 1, { timeoutMs: 10_000, message: 'second hang not reported' });
    process.kill(b.pid, 'SIGCONT');
    check.close?.();
    await noSocketsLeft(baseline);
  });

  void test(
    'a killed broker is reported as refused at once: after the reconnect delay, not a timeout',
    LIMIT,
    async () => {
      const b2 = await broker();
      const baseline = openSockets();
      // Virtual time stands still unless the test moves it: whatever is reported without a timer
      // firing came from the socket, at once.
      const clock = new FakeClock();
      const { check, reports, connection } = watched(mqttPort(b2.port, { timeoutMs: TIMEOUT_MS }), clock);
      await waitFor(() => connection.length > 0, { message: 'the watch never connected' });
      assert.deepEqual(connection, [true]);
      process.kill(b2.pid, 'SIGKILL');
      await waitFor(() => connection.length > 1, { message: 'the drop was not noticed' });
      assert.deepEqual(connection, [true, false]);
      // A dying broker's listener may still accept for a moment: one quick reconnect, DROP_RECONNECT_MS
      // (100 ms) later, tells "refused" from a blip.
      await clock.advance(99);
      assert.equal(reports.length, 0, 'reported before the reconnect');
      await clock.advance(1);
      await waitFor(() => reports.length > 0, { message: 'no report' });
      assert.equal(reports[0]?.result.class, 'port-closed');
      assert.match(reports[0]?.result.message ?? '', /refused/);
      check.close?.();
      await noSocketsLeft(baseline);
    },
  );

  void test('a broker that never answered is left to the cycle: no report', LIMIT, async () => {
    const port = await freePort();
    const baseline = openSockets();
    const { check, reports } = watched(mqttPort(port, { timeoutMs: 300 }));
    await delay(1_500);
    assert.equal(reports.length, 0);
    check.close?.();
    await noSocketsLeft(baseline);
  });

  void test('a healthy broker: no report, little CPU, one socket, released by close()', LIMIT, async (t) => {
    const b3 = await broker();
    const baseline = openSockets();
    const { check, reports } = watched(mqttPort(b3.port, { timeoutMs: TIMEOUT_MS }));
    await connected(baseline);
    assert.equal(openSockets(), baseline + 1);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await delay(3_000);
    const cpu = process.cpuUsage(cpu0);
    const share = ((cpu.user + cpu.system) / 1000 / (performance.now() - t0)) * 100;
    t.diagnostic(
      `ping watch: ${share.toFixed(2)} % of a core (whole test process, pings every ${watchInterval(TIMEOUT_MS)} ms)`,
    );
    assert.equal(reports.length, 0);
    // A guard against busy loops, loose enough for a loaded machine (about 0.3 % when idle).
    assert.ok(share < 5, `${share} %`);
    check.close?.();
    await noSocketsLeft(baseline);
  });
});

void describe('round-trip watch', () => {
  void test("a SIGSTOPped broker is reported as not-delivered by the watch's own deadline", LIMIT, async (t) => {
    const b = await broker();
    const baseline = openSockets();
    // One socket even for a two-connection rule: the watch proves the loop runs, the cycle the rest.
    const { check, reports } = watched(mqttPort(b.port, { timeoutMs: TIMEOUT_MS, roundTrip: roundTrip(1, true) }));
    await connected(baseline);
    assert.equal(openSockets(), baseline + 1);
    assert.equal(reports.length, 0);
    const frozenAt = freeze(b.pid);
    await waitFor(() => reports.length > 0, { timeoutMs: 5_000, message: 'no report' });
    const latency = (reports[0]?.at ?? 0) - frozenAt;
    t.diagnostic(`round-trip watch: hang seen ${Math.round(latency)} ms after SIGSTOP`);
    assert.ok(latency >= TIMEOUT_MS - watchInterval(TIMEOUT_MS) - 50, `reported too early: ${latency} ms`);
    assert.equal(reports[0]?.result.class, 'not-delivered');
    assert.match(reports[0]?.result.message ?? '', /no answer within 1000 ms \(round-trip message not delivered/);
    process.kill(b.pid, 'SIGCONT');
    check.close?.();
    await noSocketsLeft(baseline);
  });
});

void describe('ask schedule', () => {
  void test(
    'half a timeout after each answer; a cycle asks in its own wakeup, never twice at once',
    LIMIT,
    async () => {
      const clock = new FakeClock();
      const pings: number[] = [];
      let answering = true;
      const peer = await fakeBroker(4, (p, reply) => {
        if (accept(p, reply) || p.cmd !== 'pingreq') return;
        pings.push(clock.now());
        if (answering) reply({ cmd: 'pingresp' });
      });
      cleanups.push(peer.close);
      const t0 = clock.now();
      const reports: string[] = [];
      const w = new MqttWatch(
        endpointOf(mqttPort(peer.port, { timeoutMs: TIMEOUT_MS })),
        TIMEOUT_MS,
        (f) => reports.push(f.message),
        undefined,
        undefined,
        clock,
      );
      cleanups.push(() => w.close());
      assert.equal(watchInterval(TIMEOUT_MS), 500);
      w.start();
      await waitFor(() => w.state === 'up', { message: 'the watch never connected' });
      /** One ask seen by the broker and its answer read by the watch. */
      const answered = async (n: number): Promise<void> => {
        await waitFor(() => pings.length === n, { message: `ask ${n} never came` });
        await waitFor(() => !w.awaiting, { message: `answer ${n} never read` });
      };
      // The connection came up a moment ago: that answer is fresh, a cycle's ask now would be wasted.
      w.askNow();
      await clock.advance(200);
      // A cycle: its ask goes out at once (in its own wakeup), once however often it asks.
      w.askNow();
      w.askNow();
      await answered(1);
      for (let cycle = 1; cycle <= 4; cycle++) {
        await clock.advance(499);
        assert.equal(pings.length, 2 * cycle - 1, 'nothing asked before half a timeout');
        await clock.advance(1);
        await answered(2 * cycle);
        // The next cycle falls on the millisecond of the watch's own ask: answered just now, it asks nothing.
        await clock.advance(500);
        await answered(2 * cycle + 1);
        w.askNow();
        assert.equal(pings.length, 2 * cycle + 1, 'a cycle right after an answer asks nothing more');
      }
      assert.deepEqual(
        pings.map((at) => at - t0),
        [200, 700, 1200, 1700, 2200, 2700, 3200, 3700, 4200],
        'two asks a second, not two and a half',
      );
      // A broker that stops answering is reported a timeout after its last answer, not later.
      answering = false;
      await clock.advance(500);
      await waitFor(() => pings.length === 10, { message: 'the last ask never came' });
      assert.equal(reports.length, 0);
      await clock.advance(500);
      await waitFor(() => reports.length === 1, { message: 'the hang was not reported' });
      assert.match(reports[0] ?? '', /no answer within 1000 ms \(PINGREQ unanswered/);
    },
  );
});
