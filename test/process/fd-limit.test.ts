// brokerwatch's own open-files limit: raised at start toward the hard limit with util-linux's
// prlimit (Node has no setrlimit), and a reserve kept from the status server's connections.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { FD_RESERVE, FD_TARGET, connectionBudget, raiseFdLimit, readFdLimits } from '../../src/process/fd-limit.js';
import { waitFor } from '../helpers/wait.js';

const children: Array<() => void> = [];
after(() => {
  for (const end of children) end();
});

/** A `sleep` started with RLIMIT_NOFILE soft:hard. */
async function sleeperWithLimit(soft: number, hard: number): Promise<number> {
  const child = spawn('prlimit', [`--nofile=${soft}:${hard}`, 'sleep', '60'], { stdio: 'ignore' });
  children.push(() => child.kill('SIGKILL'));
  const pid = child.pid;
  assert.ok(pid);
  // prlimit execs sleep in the same process: wait until it has.
  await waitFor(() => readFdLimits(pid)?.soft === soft, { timeoutMs: 10_000 });
  return pid;
}

void test('the soft limit is raised to the hard one, at most to the target', async () => {
  const pid = await sleeperWithLimit(100, 300);
  const r = await raiseFdLimit(pid);
  assert.deepEqual(r, { raised: true, before: { soft: 100, hard: 300 }, after: { soft: 300, hard: 300 } });
  assert.deepEqual(readFdLimits(pid), { soft: 300, hard: 300 });

  // Not past the target (65,536 by default), however high the hard limit.
  assert.equal(FD_TARGET, 65_536);
  const big = await sleeperWithLimit(100, 300);
  assert.ok((await raiseFdLimit(big, 200)).raised);
  assert.equal(readFdLimits(big)?.soft, 200);

  const same = await sleeperWithLimit(300, 300);
  assert.deepEqual(await raiseFdLimit(same), { raised: false, limits: { soft: 300, hard: 300 }, why: 'high enough' });
});

void test('the status server never takes the reserve', () => {
  assert.equal(connectionBudget(256, 20_000), 256);
  assert.equal(connectionBudget(256, 1024), 256);
  assert.equal(connectionBudget(256, 300), 300 - FD_RESERVE);
  assert.equal(connectionBudget(256, 100), 1);
  assert.equal(connectionBudget(256, undefined), 256);
  assert.equal(connectionBudget(256, -1), 256);
});
