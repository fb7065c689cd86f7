// A stale pidfile naming an unrelated live process (the broker died, its PID went to someone else):
// brokerwatch must not take that process for the broker, must never signal it, and must start the
// broker (DESIGN.md §3: "brokerwatch never signals a process that is not the one it identified").
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, utimesSync, writeFileSync } from 'node:fs';
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
} from './harness.js';

const cleanup = new Cleanup();
after(() => cleanup.run());

void test(
  'a pidfile naming an unrelated live process: that process is left alone and the broker is started',
  { timeout: 30_000 },
  async () => {
    const dir = await testDir(cleanup);
    const b = await brokerSpec(dir, 'mosquitto', cleanup);
    // The bystander: TERM, INT, HUP and KILL would end it and STOP would stop it, so "alive, same start
    // time, not stopped" at the end means brokerwatch never signalled it.
    const sleeper = spawn('/bin/sleep', ['1000'], { stdio: 'ignore' });
    await once(sleeper, 'spawn');
    const bystander = sleeper.pid;
    assert.ok(bystander !== undefined);
    cleanup.add(() => signal(bystander, 'SIGKILL'));
    const startTime = statOf(bystander).startTime;
    // A stale pidfile is older than the process that now has its PID: written by a broker that died,
    // its PID handed to someone else later. (A pidfile newer than its process is how a daemon looks.)
    writeFileSync(b.pidfile, `${bystander}\n`);
    const past = new Date(Date.now() - 60_000);
    utimesSync(b.pidfile, past, past);

    const rules = `set daemon 1\nset statefile ${join(dir, 'state.json')}\n${brokerRules(b, [
      'if does not exist then restart',
      `if failed host 127.0.0.1 port ${b.port} protocol mqtt with timeout 1 seconds then restart`,
    ])}`;
    const d = await startInProcess(join(dir, 'brokerwatch.rc'), rules, cleanup);

    const pid = await servingBroker(b, { not: bystander, timeoutMs: 15_000 });
    assert.notEqual(pid, bystander);
    assert.equal(await supervisedPid(d, b), pid);
    // Two cycles more with the broker serving: nothing changes its mind about the bystander.
    const cycle = d.daemon.runner('mosquitto')?.state.cycle ?? 0;
    await waitFor(() => (d.daemon.runner('mosquitto')?.state.cycle ?? 0) >= cycle + 2, {
      timeoutMs: 5_000,
      message: 'no more cycles',
    });
    assert.ok(isRunning(bystander), 'the bystander is alive');
    const now = statOf(bystander);
    assert.equal(now.startTime, startTime, 'the same process');
    assert.notEqual(now.state, 'T', 'the bystander was not stopped');
    assert.equal(d.daemon.runner('mosquitto')?.identity?.pid, pid);
    assert.ok(
      !d.logs.some((l) => l.action === 'stop' || (typeof l.msg === 'string' && l.msg.includes('SIGKILL'))),
      'no stop was run',
    );
  },
);

function statOf(pid: number): { state: string; startTime: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '', startTime: Number(fields[19]) };
}
