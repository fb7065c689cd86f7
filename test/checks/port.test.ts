// The port kind's own promises beside the MQTT probe suites (mqtt-*.test.ts): its timers run on the
// cycle's clock, so a deadline is the clock's, not the machine's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { portCheck } from '../../src/checks/port/check.js';
import type { Clock, Timer } from '../../src/util/clock.js';
import { systemClock } from '../../src/util/clock.js';
import { waitFor } from '../helpers/wait.js';
import { context, mqttPort, rule, service, tcpPeer } from './fixtures.js';

/** A clock whose timers fire only when the test says so; the rest is the system's. */
function manualClock(): Clock & { due(): number; fire(): void } {
  const pending = new Set<() => void>();
  const timer = (fn: () => void): Timer => {
    pending.add(fn);
    const t: Timer = { cancel: () => pending.delete(fn), unref: () => t };
    return t;
  };
  return {
    ...systemClock,
    setTimeout: (fn) => timer(fn),
    setInterval: (fn) => timer(fn),
    due: () => pending.size,
    fire() {
      const fns = [...pending];
      pending.clear();
      for (const fn of fns) fn();
    },
  };
}

void test("a silent peer's deadline is the clock's: it passes when the clock says so", async () => {
  let connects = 0;
  const peer = await tcpPeer((sock) => sock.once('data', () => connects++)); // reads CONNECT, never answers
  try {
    const clock = manualClock();
    const cond = mqttPort(peer.port, { timeoutMs: 3_600_000 });
    const r = rule(cond);
    const running = portCheck(cond).run({ ...context(service([r]), r), clock });
    await waitFor(() => connects > 0 && clock.due() > 0, { timeoutMs: 10_000, message: 'the probe sent CONNECT' });
    clock.fire();
    const result = await running;
    assert.deepEqual(
      [result.status, result.class, result.message],
      ['failed', 'connect-timeout', `127.0.0.1:${peer.port}: no CONNACK within 3600000 ms`],
    );
  } finally {
    await peer.close();
  }
});

void test('a plain TCP test to a closed port is port-closed without waiting for the clock', async () => {
  const peer = await tcpPeer(() => undefined);
  const port = peer.port;
  await peer.close();
  const cond = mqttPort(port, { protocol: 'tcp', timeoutMs: 3_600_000 });
  const r = rule(cond);
  const result = await portCheck(cond).run({ ...context(service([r]), r), clock: manualClock() });
  assert.deepEqual([result.status, result.class], ['failed', 'port-closed']);
});
