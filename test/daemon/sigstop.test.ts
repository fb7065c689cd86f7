// A hung broker (SIGSTOP: the kernel still accepts TCP, so only an MQTT probe sees it) is restarted;
// its stop program does nothing, so the stop escalates to SIGKILL (at the latest at the stop timeout),
// and the broker is back and serving (DESIGN.md §5, §6).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { isRunning } from '../helpers/mosquitto.js';
import { waitFor } from '../helpers/wait.js';
import {
  Cleanup,
  brokerRules,
  brokerSpec,
  servingBroker,
  signal,
  startInProcess,
  supervisedPid,
  testDir,
  waitEvent,
} from './harness.js';

const cleanup = new Cleanup();
after(() => cleanup.run());

void test(
  'SIGSTOP: the MQTT probe fails, the stop escalates to SIGKILL, the broker is back and serving',
  { timeout: 30_000 },
  async (t) => {
    const dir = await testDir(cleanup);
    const b = await brokerSpec(dir, 'mosquitto', cleanup);
    const rules = `set daemon 1\nset statefile ${join(dir, 'state.json')}\n${brokerRules(b, [
      'stop program = "/bin/true" with timeout 2 seconds',
      'if does not exist then restart',
      `if failed host 127.0.0.1 port ${b.port} protocol mqtt with timeout 1 seconds then restart`,
    ])}`;
    const d = await startInProcess(join(dir, 'brokerwatch.rc'), rules, cleanup);
    const pid = await supervisedPid(d, b);
    // The probe has seen the broker answer once (start grace ends at the first success).
    await waitEvent(
      d.events,
      (e) => e.type === 'connection' && e.state === 'succeeded',
      5_000,
      'first successful probe',
    );

    const stoppedAt = Date.now();
    const t0 = performance.now();
    signal(pid, 'SIGSTOP');
    cleanup.add(() => signal(pid, 'SIGKILL'));
    const ev = await waitEvent(
      d.events,
      (e) => e.type === 'connection' && e.state === 'failed' && e.time > stoppedAt,
      5_000,
      'connection failed',
    );
    assert.equal(ev.action, 'restart');
    assert.equal(ev.class, 'connect-timeout');

    const next = await servingBroker(b, { not: pid, timeoutMs: 10_000 });
    const servingMs = performance.now() - t0;
    assert.equal(isRunning(pid), false, 'the stopped broker was killed');
    assert.equal(await supervisedPid(d, b), next);
    // A stopped process acts on no signal but SIGKILL (TERM stays pending until a CONT that nobody
    // sent), so its being gone means the stop escalated. It did so within the stop's 2 s budget.
    const restartLine = d.logs.find(
      (l) => l.action === 'restart' && typeof l.origin === 'string' && (l.time as number) >= ev.time,
    );
    const doneLine = d.logs.find((l) => l.action === 'restart' && l.ok === true && (l.time as number) >= ev.time);
    assert.ok(restartLine && doneLine, 'the restart and its end are logged');
    const restartMs = (doneLine.time as number) - (restartLine.time as number);
    // Killed at once as a stopped process, not after waiting out the stop's budget.
    assert.match(doneLine.msg, new RegExp(`stopped: pid ${pid} exited`));
    assert.doesNotMatch(doneLine.msg, /did not exit within/);
    await waitFor(() => d.events.find((e) => e.type === 'connection' && e.state === 'succeeded' && e.time > ev.time), {
      timeoutMs: 5_000,
      message: 'the probe never succeeded again',
    });
    t.diagnostic(
      `hung broker noticed ${ev.time - stoppedAt} ms after SIGSTOP; stop+start ${restartMs} ms; serving again after ${Math.round(servingMs)} ms`,
    );
  },
);
