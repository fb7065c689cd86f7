// A broker killed by someone else is noticed at once by the liveness watcher and restarted, not at the
// next cycle: `set daemon 30` leaves the watcher as the only explanation of a restart within seconds.
// (The restart itself waits the backoff's first delay, 1 s: the start by the first cycle began the
// streak, and no cycle has seen the broker healthy since.)
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { isRunning } from '../helpers/mosquitto.js';
import type { CycleRecord } from '../../src/daemon/service-runner.js';
import type { BrokerSpec, InProcess } from './harness.js';
import {
  Cleanup,
  brokerRules,
  brokerSpec,
  newPid,
  servingBroker,
  signal,
  startInProcess,
  supervisedPid,
  testDir,
  waitEvent,
} from './harness.js';

const cleanup = new Cleanup();
after(() => cleanup.run());

const LIMIT = { timeout: 30_000 };

async function supervised(): Promise<{ b: BrokerSpec; d: InProcess; pid: number; cycles: CycleRecord[] }> {
  const dir = await testDir(cleanup);
  const b = await brokerSpec(dir, 'mosquitto', cleanup);
  const rules = `set daemon 30\nset statefile ${join(dir, 'state.json')}\n${brokerRules(b, ['if does not exist then restart'])}`;
  const d = await startInProcess(join(dir, 'brokerwatch.rc'), rules, cleanup);
  const cycles: CycleRecord[] = [];
  cleanup.add(d.daemon.onCycle((c) => cycles.push(c)));
  // The first cycle (at once) finds no broker and starts it.
  const pid = await supervisedPid(d, b);
  return { b, d, pid, cycles };
}

void describe('a broker ended by someone else', () => {
  void test('SIGKILL: restarted with a new PID, serving MQTT, and a nonexist event says so', LIMIT, async (t) => {
    const { b, d, pid, cycles } = await supervised();
    const cyclesBefore = cycles.length;
    const killedAt = Date.now();
    const t0 = performance.now();
    signal(pid, 'SIGKILL');
    const next = await newPid(b, pid);
    const restartMs = performance.now() - t0;
    assert.notEqual(next, pid);
    assert.equal(isRunning(pid), false);
    await servingBroker(b, { not: pid, timeoutMs: 5_000 });
    const servingMs = performance.now() - t0;
    assert.equal(await supervisedPid(d, b), next);

    const ev = await waitEvent(
      d.events,
      (e) => e.type === 'nonexist' && e.state === 'failed' && e.time >= killedAt,
      1_000,
      'nonexist failed',
    );
    assert.equal(ev.service, 'mosquitto');
    assert.equal(ev.action, 'restart');
    // Reaped or not yet reaped by its parent (init): both mean gone.
    assert.ok(ev.class === 'process-missing' || ev.class === 'zombie', `class ${ev.class ?? ''}`);
    assert.match(ev.message, new RegExp(`${pid}`));
    // No cycle ran between the kill and the new broker: the liveness watcher noticed the crash.
    assert.equal(cycles.length, cyclesBefore, 'a cycle ran before the restart');
    assert.ok(
      d.logs.some(
        (l) =>
          l.service === 'mosquitto' && l.pid === pid && l.class === ev.class && l.msg.startsWith(`process ${pid} `),
      ),
      'the liveness watcher reported the death',
    );
    // The restart went through the state machine's one path and succeeded.
    assert.ok(
      d.logs.some(
        (l) => l.service === 'mosquitto' && l.action === 'restart' && l.ok === true && (l.time as number) >= killedAt,
      ),
      'a successful restart is logged',
    );
    t.diagnostic(
      `noticed ${ev.time - killedAt} ms, new pid ${Math.round(restartMs)} ms, serving ${Math.round(servingMs)} ms after SIGKILL`,
    );
  });

  void test('SIGTERM (a clean exit that removes the pidfile): restarted', LIMIT, async () => {
    const { b, d, pid, cycles } = await supervised();
    const cyclesBefore = cycles.length;
    const killedAt = Date.now();
    signal(pid, 'SIGTERM');
    const next = await newPid(b, pid);
    assert.equal(cycles.length, cyclesBefore, 'a cycle ran before the restart: the crash was not seen at once');
    await servingBroker(b, { not: pid, timeoutMs: 5_000 });
    assert.equal(isRunning(pid), false);
    const ev = await waitEvent(
      d.events,
      (e) => e.type === 'nonexist' && e.state === 'failed' && e.time >= killedAt,
      1_000,
      'nonexist failed',
    );
    assert.equal(ev.action, 'restart');
    assert.match(ev.message, new RegExp(`${pid}`));
    assert.equal(await supervisedPid(d, b), next);
  });
});
