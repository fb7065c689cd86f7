// Never two brokers at once: across crashes, clean exits and restarts asked for through the daemon's
// control path, a sampler scanning /proc never sees two mosquitto processes running one config.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { isRunning } from '../helpers/mosquitto.js';
import {
  Cleanup,
  brokerRules,
  brokerSpec,
  brokersOf,
  newPid,
  signal,
  startInProcess,
  supervisedPid,
  testDir,
} from './harness.js';

const cleanup = new Cleanup();
after(() => cleanup.run());

void test(
  'across kills and restarts, never two mosquitto processes running one config',
  { timeout: 45_000 },
  async (t) => {
    const dir = await testDir(cleanup);
    const b = await brokerSpec(dir, 'mosquitto', cleanup);
    const rules = `set daemon 1\nset statefile ${join(dir, 'state.json')}\n${brokerRules(b, [
      'if does not exist then restart',
      `if failed host 127.0.0.1 port ${b.port} protocol mqtt with timeout 1 seconds then restart`,
      'backoff 100 ms max 400 ms giveup 100',
    ])}`;
    const d = await startInProcess(join(dir, 'brokerwatch.rc'), rules, cleanup);

    // `mosquitto -d` forks: for a moment the launcher and its child both run the config. That is one
    // start, so a process whose parent is also in the set is not counted.
    let samples = 0;
    let worst: Array<{ pid: number; ppid: number }> = [];
    const seen = new Set<number>();
    const sampler = setInterval(() => {
      const procs = brokersOf(b.configFile);
      const roots = procs.filter((p) => !procs.some((q) => q.pid === p.ppid));
      samples++;
      for (const p of procs) seen.add(p.pid);
      if (roots.length > worst.length) worst = roots;
    }, 2);
    cleanup.add(() => clearInterval(sampler));

    let pid = await supervisedPid(d, b);
    const steps: Array<[string, () => void]> = [
      ['SIGKILL', () => signal(pid, 'SIGKILL')],
      ['SIGKILL', () => signal(pid, 'SIGKILL')],
      ['restart (control)', () => d.daemon.runner('mosquitto')?.control('restart', 'test')],
      ['SIGTERM', () => signal(pid, 'SIGTERM')],
      ['SIGKILL', () => signal(pid, 'SIGKILL')],
      ['restart (control)', () => d.daemon.runner('mosquitto')?.control('restart', 'test')],
    ];
    for (const [what, act] of steps) {
      act();
      await newPid(b, pid);
      const next = await supervisedPid(d, b, { not: pid });
      assert.equal(isRunning(pid), false, `after ${what}, the old broker ${pid} still runs`);
      pid = next;
    }
    clearInterval(sampler);
    assert.deepEqual(worst.length <= 1 ? [] : worst, [], `two brokers at once after ${samples} samples`);
    assert.ok(samples > 100, `only ${samples} samples`);
    assert.ok(seen.size >= steps.length + 1, `only ${seen.size} brokers seen`);
    assert.deepEqual(
      brokersOf(b.configFile).map((p) => p.pid),
      [pid],
    );
    t.diagnostic(`${samples} samples, ${seen.size} mosquitto processes seen`);
  },
);
