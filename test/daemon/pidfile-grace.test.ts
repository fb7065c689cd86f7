// A pidfile that is empty or garbled for a while (a rewrite caught half-way, start-stop-daemon and
// mosquitto writing the same file) must never restart, nor kill, a healthy broker: the process
// identified before (PID and start time) is kept, the pidfile is alerted only after its grace, and a
// stop still reaches the broker, with TERM, so it shuts down cleanly.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Service } from '../../src/config/model.js';
import { observe } from '../../src/daemon/observe.js';
import { findProcess } from '../../src/daemon/process-control.js';
import { identify } from '../../src/process/identity.js';
import type { ServiceEvent } from '../../src/state/events.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { isRunning } from '../helpers/mosquitto.js';
import { waitFor } from '../helpers/wait.js';
import {
  Cleanup,
  brokerRules,
  brokerStartedOutside,
  brokerSpec,
  signal,
  startInProcess,
  supervisedPid,
  testDir,
} from './harness.js';

const cleanup = new Cleanup();
after(() => cleanup.run());

const failures = (events: readonly ServiceEvent[]): ServiceEvent[] => events.filter((e) => e.state === 'failed');

void test(
  'an empty, then garbled pidfile: no restart, no signal; one pid alert when its grace ends, and its recovery',
  { timeout: 60_000 },
  async () => {
    const dir = await testDir(cleanup);
    const b = await brokerSpec(dir, 'mosquitto', cleanup);
    const pid = await brokerStartedOutside(b);
    // A 2 s cycle and the default 5 s grace: the grace ends between two cycles.
    const rules = `set daemon 2\nset statefile ${join(dir, 'state.json')}\n${brokerRules(b)}`;
    const clock = new FakeClock();
    const d = await startInProcess(join(dir, 'brokerwatch.rc'), rules, cleanup, { clock });
    const runner = d.daemon.runner('mosquitto');
    assert.ok(runner);
    // Time stands still while a cycle reads /proc and the pidfile.
    const quiet = (): boolean => !runner.busy;
    const opts = { quiet, timeoutMs: 30_000 };
    await clock.runUntil(() => runner.identity?.pid === pid && runner.state.status === 'ok', {
      ...opts,
      message: 'the broker was never adopted',
    });

    // Emptied, as a rewrite leaves it between its truncate and its write: 2 cycles, within the grace.
    writeFileSync(b.pidfile, '');
    await clock.runUntil(() => runner.state.pidfileTrouble !== undefined || failures(d.events).length > 0, {
      ...opts,
      message: 'never seen',
    });
    assert.deepEqual(failures(d.events), [], 'an empty pidfile is no failure');
    const seenAt = clock.now();
    const cycle = runner.state.cycle;
    await clock.runUntil(() => runner.state.cycle >= cycle + 2, { ...opts, message: 'no cycles' });
    assert.ok(clock.now() - seenAt < 5_000);
    assert.deepEqual(failures(d.events), [], 'nothing failed within the grace');
    // Then garbled, as a half-written file looks: the same trouble, its grace still running.
    writeFileSync(b.pidfile, `${String(pid).slice(0, 2)}x`);
    const alert = await clock
      .runUntil(() => failures(d.events).length > 0, { ...opts, maxMs: 10_000 })
      .then(() => failures(d.events));
    assert.equal(alert.length, 1, JSON.stringify(alert));
    const ev = alert[0] as ServiceEvent;
    assert.equal(ev.type, 'pid');
    assert.equal(ev.class, 'pidfile-unreadable');
    assert.equal(ev.action, 'alert');
    assert.match(ev.message, /does not hold a PID: .*, for 5 s; the broker runs and is not restarted$/);
    assert.equal(ev.time - seenAt, 5_000, 'told when the grace ends, not at the next cycle');

    // A few more cycles with the pidfile still garbled: told once, the broker untouched.
    const later = runner.state.cycle;
    await clock.runUntil(() => runner.state.cycle >= later + 3, { ...opts, message: 'no cycles' });
    assert.equal(failures(d.events).length, 1, 'told once');
    assert.ok(isRunning(pid), 'the broker runs');
    assert.equal(runner.identity?.pid, pid);
    assert.equal(runner.state.inFlight, undefined);
    assert.equal(runner.state.status, 'ok');
    assert.ok(!d.logs.some((l) => l.action === 'restart' || l.action === 'stop'), 'no restart or stop was run');
    assert.match(readFileSync(b.logFile, 'utf8'), /mosquitto version \S+ running/);
    assert.doesNotMatch(readFileSync(b.logFile, 'utf8'), /terminating/, 'the broker was never signalled');

    // Written again: the recovery.
    writeFileSync(b.pidfile, `${pid}\n`);
    await clock.runUntil(() => d.events.some((e) => e.type === 'pid' && e.state === 'succeeded'), {
      ...opts,
      message: 'no recovery',
    });
    const ok = d.events.find((e) => e.type === 'pid' && e.state === 'succeeded');
    assert.equal(ok?.message, `pidfile ${b.pidfile} names pid ${pid} again`);
    assert.ok(isRunning(pid));
  },
);

void test(
  'a stop while the pidfile is empty: the stop program finds nothing, brokerwatch TERMs the broker it knows',
  { timeout: 60_000 },
  async () => {
    const dir = await testDir(cleanup);
    const b = await brokerSpec(dir, 'stoppable', cleanup);
    const pid = await brokerStartedOutside(b);
    // An init script's stop: kill what the pidfile names, and nothing when it names nothing.
    const stop = `stop program = "/bin/sh -c 'kill $(cat ${b.pidfile}) 2>/dev/null; exit 0'" with timeout 20 seconds`;
    const rules = `set daemon 1\nset statefile ${join(dir, 'state.json')}\n${brokerRules(b, [stop])}`;
    const d = await startInProcess(join(dir, 'brokerwatch.rc'), rules, cleanup);
    assert.equal(await supervisedPid(d, b), pid);
    const runner = d.daemon.runner('stoppable');
    assert.ok(runner);

    writeFileSync(b.pidfile, '');
    runner.control('stop', 'test');
    // Without brokerwatch's own TERM the broker would live out the 20 s budget and then be SIGKILLed.
    const done = await waitFor(
      () => d.logs.find((l) => l.service === 'stoppable' && l.action === 'stop' && 'ok' in l),
      {
        timeoutMs: 15_000,
        message: 'the stop never ended',
      },
    );
    assert.equal(done.ok, true, done.msg);
    assert.equal(done.msg, `stopped: pid ${pid} exited (after TERM from brokerwatch)`);
    assert.ok(!isRunning(pid));
    // mosquitto says this on TERM (after saving its persistence database), never on KILL.
    assert.match(readFileSync(b.logFile, 'utf8'), /mosquitto version \S+ terminating/);
    assert.equal(runner.state.monitor, 'not-monitored');
  },
);

void test('no process known but a probe is connected: an empty pidfile is reported, existence is not judged', async () => {
  const dir = await testDir(cleanup);
  const pidfile = join(dir, 'x.pid');
  writeFileSync(pidfile, '');
  const service = { name: 'x', type: 'process', pidfile } as Service;
  const o = { identity: undefined, actionRunning: false, cwd: dir, signal: new AbortController().signal, now: 0 };
  const connected = await observe(service, { ...o, connected: true });
  assert.equal(connected.lookup, undefined, 'no lookup for the existence rule to judge');
  assert.deepEqual(connected.pidfile, {
    ok: false,
    message: `pidfile ${pidfile} is empty; a probe is connected to the broker`,
  });
  // Without the connection nothing says a broker runs: not running, as before (a restart).
  const alone = await observe(service, { ...o, connected: false });
  assert.equal(alone.lookup?.running, false);
  assert.equal(alone.lookup?.running === false ? alone.lookup.class : undefined, 'pidfile-invalid');
  // A missing pidfile with no process known stays "process missing".
  const gone = await observe({ ...service, pidfile: join(dir, 'none.pid') }, { ...o, connected: true });
  assert.equal(gone.lookup?.running === false ? gone.lookup.class : undefined, 'process-missing');
});

void test('findProcess keeps a live identified process whatever its pidfile says, and only then', async () => {
  const dir = await testDir(cleanup);
  const child = spawn('/bin/sleep', ['1000'], { stdio: 'ignore' });
  await once(child, 'spawn');
  const pid = child.pid ?? 0;
  cleanup.add(() => signal(pid, 'SIGKILL'));
  const known = await identify(pid);
  assert.ok(known);
  const pidfile = join(dir, 'sleep.pid');
  const service = { name: 'sleep', type: 'process', pidfile } as Service;
  const kept = (problem: RegExp) => (f: Awaited<ReturnType<typeof findProcess>>) =>
    f.running && f.identity === known && problem.test(f.pidfile ?? '');

  writeFileSync(pidfile, '');
  assert.ok(kept(/is empty$/)(await findProcess(service, known)));
  writeFileSync(pidfile, `${pid}`.slice(0, 2) + 'x\n');
  assert.ok(kept(/does not hold a PID/)(await findProcess(service, known)));
  chmodSync(pidfile, 0o000);
  if (process.getuid?.() !== 0)
    assert.ok(kept(/cannot be read: permission denied$/)(await findProcess(service, known)));
  rmSync(pidfile);
  assert.ok(kept(/does not exist$/)(await findProcess(service, known)));
  writeFileSync(pidfile, `${pid}\n`);
  assert.deepEqual(await findProcess(service, known), { running: true, identity: known });

  // Without a live identity an unusable pidfile is what it was: not running.
  writeFileSync(pidfile, '');
  const alone = await findProcess(service);
  assert.equal(alone.running ? 'running' : alone.class, 'pidfile-invalid');
  signal(pid, 'SIGKILL');
  await once(child, 'exit');
  const dead = await findProcess(service, known);
  assert.equal(dead.running ? 'running' : dead.class, 'pidfile-invalid');
  rmSync(pidfile);
  const missing = await findProcess(service, known);
  assert.equal(missing.running ? 'running' : missing.class, 'process-missing');
});
