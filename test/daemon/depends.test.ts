// `depends on`: B depends on A. Stopping A through the daemon's control path stops B first; a restart
// of A stops B first and starts it again after A. The start and stop programs write down their order.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isRunning, mosquittoPids } from '../helpers/mosquitto.js';
import { waitFor } from '../helpers/wait.js';
import type { BrokerSpec, InProcess } from './harness.js';
import { Cleanup, brokerSpec, linesOf, startInProcess, supervisedPid, testDir } from './harness.js';

const cleanup = new Cleanup();
after(() => cleanup.run());

const LIMIT = { timeout: 30_000 };

/** A service whose programs append "start NAME" / "stop NAME" to ORDER before doing their work. */
function service(b: BrokerSpec, order: string, extra: string[]): string {
  return [
    `check process ${b.name} with pidfile ${b.pidfile}`,
    `  start program = "/bin/sh -c 'echo start ${b.name} >> ${order}; exec ${b.startCommand}'" with timeout 10 seconds`,
    `  stop program = "/bin/sh -c 'echo stop ${b.name} >> ${order}; kill $(cat ${b.pidfile})'" with timeout 10 seconds`,
    '  if does not exist then restart',
    ...extra.map((l) => `  ${l}`),
    '',
  ].join('\n');
}

interface Setup {
  readonly a: BrokerSpec;
  readonly b: BrokerSpec;
  readonly d: InProcess;
  readonly order: string;
  /** PIDs of A and B once both serve and are identified; the order file is emptied then. */
  readonly pids: [number, number];
}

/** Its own folder, ports and daemon: B depends on A, both started by the first cycle. */
async function setup(): Promise<Setup> {
  const dir = await testDir(cleanup);
  const order = join(dir, 'order');
  const a = await brokerSpec(dir, 'a', cleanup);
  const b = await brokerSpec(dir, 'b', cleanup);
  const rules = `set daemon 30\nset statefile ${join(dir, 'state.json')}\n${service(b, order, ['depends on a'])}${service(a, order, [])}`;
  const d = await startInProcess(join(dir, 'brokerwatch.rc'), rules, cleanup);
  const pids: [number, number] = [await supervisedPid(d, a), await supervisedPid(d, b)];
  writeFileSync(order, '');
  return { a, b, d, order, pids };
}

void describe('depends on', () => {
  void test('restart of A: B stopped first, then A restarted, then B started again', LIMIT, async () => {
    const {
      a,
      b,
      d,
      order,
      pids: [pidA, pidB],
    } = await setup();
    d.daemon.runner('a')?.control('restart', 'test');
    await waitFor(() => linesOf(order).length >= 4, {
      timeoutMs: 15_000,
      message: 'the restart of A never completed',
    }).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}; programs run: ${linesOf(order).join(', ')}`);
    });
    assert.deepEqual(linesOf(order), ['stop b', 'stop a', 'start a', 'start b']);
    const [nextA, nextB] = [await supervisedPid(d, a, { not: pidA }), await supervisedPid(d, b, { not: pidB })];
    assert.ok(!isRunning(pidA) && !isRunning(pidB), 'the old brokers are gone');
    assert.ok(isRunning(nextA) && isRunning(nextB));
    assert.notEqual(d.daemon.runner('b')?.state.monitor, 'not-monitored', 'B is monitored again');
  });

  void test('stop of A: B is stopped first, both stay stopped', LIMIT, async () => {
    const {
      a,
      b,
      d,
      order,
      pids: [pidA, pidB],
    } = await setup();
    const from = d.logs.length;
    d.daemon.runner('a')?.control('stop', 'test');
    await waitFor(() => !isRunning(pidA), { timeoutMs: 15_000, message: 'A never stopped' });
    await d.daemon.runner('a')?.whenIdle();
    assert.deepEqual(linesOf(order), ['stop b', 'stop a']);
    assert.equal(isRunning(pidB), false, 'B was stopped');
    // B's stop had finished before A's stop program ran.
    const stops = d.logs
      .slice(from)
      .filter((l) => l.action === 'stop' && l.ok === true)
      .map((l) => l.service);
    assert.deepEqual(stops, ['b', 'a']);
    // monit's stop: both unmonitored, so nothing starts them again.
    assert.equal(d.daemon.runner('a')?.state.monitor, 'not-monitored');
    assert.equal(d.daemon.runner('b')?.state.monitor, 'not-monitored');
    assert.deepEqual([...mosquittoPids(a.configFile), ...mosquittoPids(b.configFile)], [], 'no broker runs');
  });
});
