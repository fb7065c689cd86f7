// `if uptime OP DURATION`: from the start time of the process in /proc (this test's own process).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readProcStat, startedAtMs } from '../../src/process/proc-stat.js';
import { runKind } from './fixtures.js';

void test("this process's uptime is over 0 s and under a day", async () => {
  const young = await runKind('process', { kind: 'uptime', op: '<', ms: 86_400_000 }, { extra: { pid: process.pid } });
  assert.deepEqual([young.status, young.class], ['failed', 'resource']);
  assert.ok((young.metrics?.uptimeSeconds ?? -1) >= 0);
  assert.equal(
    (await runKind('process', { kind: 'uptime', op: '>', ms: 86_400_000 }, { extra: { pid: process.pid } })).status,
    'ok',
  );
  assert.equal((await runKind('process', { kind: 'uptime', op: '<', ms: 1 })).status, 'init');
});

void test('the uptime is shown in whole seconds from the start time in /proc; no process is no verdict', async () => {
  const st = await readProcStat(process.pid);
  const started = st ? startedAtMs(st.startTime) : undefined;
  assert.ok(started !== undefined);
  const at = (now: number) =>
    runKind('process', { kind: 'uptime', op: '>', ms: 90_000 }, { extra: { pid: process.pid, now } });
  const [young, old] = [await at(started + 89_600), await at(started + 90_400)];
  assert.deepEqual(
    [young, old].map((r) => [r.status, r.message, r.metrics]),
    [
      ['ok', 'uptime 90 s', { uptimeSeconds: 90 }],
      ['failed', 'uptime 90 s', { uptimeSeconds: 90 }],
    ],
  );
  const missing = await runKind('process', { kind: 'uptime', op: '<', ms: 1 });
  // Above the kernel's largest pid: no such process.
  const gone = await runKind('process', { kind: 'uptime', op: '<', ms: 1 }, { extra: { pid: 4_194_305 } });
  assert.deepEqual(
    [missing, gone].map((r) => [r.status, r.message]),
    [
      ['init', 'process not running'],
      ['init', 'process not running'],
    ],
  );
});
