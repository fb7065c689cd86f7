// brokerwatch SIGKILLed and started again on the same state file adopts the broker that is still
// running: same PID, no start program run (DESIGN.md §6). `brokerwatch -I` runs as a child process.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isRunning } from '../helpers/mosquitto.js';
import { waitFor } from '../helpers/wait.js';
import {
  ChildDaemon,
  Cleanup,
  brokerSpec,
  linesOf,
  newPid,
  pidIn,
  servingBroker,
  signal,
  testDir,
  writeRules,
} from './harness.js';

const cleanup = new Cleanup();
after(() => cleanup.run());

/** The PID the state file says the service runs as. */
function statePid(stateFile: string): number | undefined {
  try {
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as {
      services?: Record<string, { identity?: { pid?: number } }>;
    };
    return state.services?.mosquitto?.identity?.pid;
  } catch {
    return undefined; // not written yet
  }
}

void test(
  'the daemon SIGKILLed and restarted adopts the running broker without restarting it',
  { timeout: 40_000 },
  async (t) => {
    const dir = await testDir(cleanup);
    const b = await brokerSpec(dir, 'mosquitto', cleanup);
    const starts = join(dir, 'starts');
    const stateFile = join(dir, 'state.json');
    const rulesFile = join(dir, 'brokerwatch.rc');
    await writeRules(
      rulesFile,
      [
        // One cycle at start, then none for 30 s: all that follows is the first cycle or the watcher.
        'set daemon 30',
        `set statefile ${stateFile}`,
        `check process mosquitto with pidfile ${b.pidfile}`,
        // The start program counts its runs, then becomes the broker's launcher.
        `  start program = "/bin/sh -c 'echo x >> ${starts}; exec ${b.startCommand}'" with timeout 10 seconds`,
        '  if does not exist then restart',
        `  if failed host 127.0.0.1 port ${b.port} protocol mqtt with timeout 1 seconds then restart`,
        '',
      ].join('\n'),
    );

    const first = await ChildDaemon.start(rulesFile, cleanup);
    const pid = await servingBroker(b);
    await waitFor(() => statePid(stateFile) === pid, { message: 'the state file never named the broker' });
    assert.equal(linesOf(starts).length, 1);
    await first.kill();
    assert.ok(isRunning(pid), 'the broker outlives brokerwatch');

    const second = await ChildDaemon.start(rulesFile, cleanup);
    // Its first cycle judged the broker: the probe (client id brokerwatch-PID-…) got through and the
    // rule the start had re-armed reports the broker healthy.
    await second.waitLine(
      (l) => l.service === 'mosquitto' && l.event === 'connection' && l.state === 'succeeded',
      10_000,
      'first cycle of the new daemon',
    );
    assert.match(
      readFileSync(b.logFile, 'utf8'),
      new RegExp(`as brokerwatch-${second.pid}-`),
      'the new daemon probed the broker',
    );
    assert.equal(pidIn(b.pidfile), pid, 'same broker');
    assert.ok(isRunning(pid));
    assert.equal(linesOf(starts).length, 1, 'no start program run');
    assert.deepEqual(
      second.lines.filter((l) => l.action === 'restart' || l.action === 'start' || l.action === 'stop'),
      [],
      'no start, stop or restart',
    );

    // Adopted means watched: a crash now is noticed at once, not at the next cycle in 30 s.
    const t0 = performance.now();
    signal(pid, 'SIGKILL');
    const next = await newPid(b, pid, 5_000);
    const restartMs = performance.now() - t0;
    assert.equal(linesOf(starts).length, 2);
    await servingBroker(b, { not: pid });
    // The liveness watcher reported the death (a cycle would have found a missing pidfile process instead).
    await second.waitLine(
      (l) =>
        l.service === 'mosquitto' &&
        l.pid === pid &&
        typeof l.class === 'string' &&
        l.msg.startsWith(`process ${pid} `),
      5_000,
      'the liveness watcher saw the death',
    );
    assert.ok(second.running && next !== pid);
    t.diagnostic(`adopted pid ${pid}; after its SIGKILL, new broker in ${Math.round(restartMs)} ms`);
  },
);
