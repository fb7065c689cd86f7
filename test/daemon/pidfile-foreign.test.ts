// A pidfile pointed at a process that is not the broker (by whoever can write it: the broker's own
// user) must never make brokerwatch, running as root, signal that process: it is not adopted. While
// the broker identified before runs, that broker is kept and the pidfile reported after its grace;
// with no broker known, the service is not running (class pidfile-foreign) and is started.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ServiceEvent } from '../../src/state/events.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { isRunning } from '../helpers/mosquitto.js';
import {
  Cleanup,
  brokerRules,
  brokerStartedOutside,
  brokerSpec,
  servingBroker,
  signal,
  startInProcess,
  testDir,
  waitEvent,
} from './harness.js';

const cleanup = new Cleanup();
after(() => cleanup.run());

/** A process of the test's own that no rule names: what a hijacked pidfile points at. */
async function bystander(): Promise<number> {
  const child = spawn('/bin/sleep', ['1000'], { stdio: 'ignore' });
  await once(child, 'spawn');
  const pid = child.pid ?? 0;
  cleanup.add(() => signal(pid, 'SIGKILL'));
  return pid;
}

/** Alive and not stopped: it got no TERM, KILL or STOP. */
function untouched(pid: number): boolean {
  if (!isRunning(pid)) return false;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return !/^[tT]$/.test(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] ?? '');
}

const failures = (events: readonly ServiceEvent[]): ServiceEvent[] => events.filter((e) => e.state === 'failed');

void test('a pidfile turned to a foreign process while the broker runs: the broker is kept, the pidfile reported', async () => {
  const dir = await testDir(cleanup);
  const b = await brokerSpec(dir, 'mosquitto', cleanup);
  const pid = await brokerStartedOutside(b);
  const other = await bystander();
  const rules = `set daemon 2\nset statefile ${join(dir, 'state.json')}\n${brokerRules(b)}`;
  const clock = new FakeClock();
  const d = await startInProcess(join(dir, 'brokerwatch.rc'), rules, cleanup, { clock });
  const runner = d.daemon.runner('mosquitto');
  assert.ok(runner);
  const opts = { quiet: () => !runner.busy, timeoutMs: 30_000 };
  await clock.runUntil(() => runner.identity?.pid === pid && runner.state.status === 'ok', {
    ...opts,
    message: 'the broker was never adopted',
  });

  writeFileSync(b.pidfile, `${other}\n`);
  await clock.runUntil(() => failures(d.events).length > 0, { ...opts, message: 'the pidfile was never reported' });
  const [ev] = failures(d.events);
  assert.equal(ev?.type, 'pid');
  assert.equal(ev?.action, 'alert');
  assert.match(
    ev?.message ?? '',
    new RegExp(
      `^pidfile ${b.pidfile} names a foreign process: pid ${other} \\(/(usr/)?bin/sleep\\) is not a program the rules name \\(sleep\\); it is never signalled, for 5 s; the broker runs and is not restarted$`,
    ),
  );
  assert.equal(runner.identity?.pid, pid, 'the broker it knew is kept');
  assert.equal(runner.state.status, 'ok');
  assert.ok(untouched(other), 'the foreign process got no signal');
  assert.ok(isRunning(pid));
});

void test('a pidfile naming a foreign process and no broker known: not running, started, the stranger untouched', async () => {
  const dir = await testDir(cleanup);
  const b = await brokerSpec(dir, 'mosquitto', cleanup);
  const other = await bystander();
  writeFileSync(b.pidfile, `${other}\n`);
  const rules = `set daemon 1\nset statefile ${join(dir, 'state.json')}\n${brokerRules(b)}`;
  const d = await startInProcess(join(dir, 'brokerwatch.rc'), rules, cleanup);
  const failed = await waitEvent(d.events, (e) => e.state === 'failed', 10_000, 'the foreign pidfile');
  assert.equal(failed.class, 'pidfile-foreign');
  assert.match(failed.message, new RegExp(`^pidfile ${b.pidfile} names a foreign process: pid ${other} `));
  // The start program's broker rewrites the pidfile and is adopted.
  const pid = await servingBroker(b, { not: other });
  await waitEvent(d.events, (e) => e.state === 'succeeded' && e.type === 'nonexist', 10_000, 'the recovery');
  assert.equal(d.daemon.runner('mosquitto')?.identity?.pid, pid);
  assert.ok(untouched(other), 'the foreign process got no signal');
});
