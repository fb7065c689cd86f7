// `if uptime OP DURATION`: from the start time of the process in /proc (this test's own process).
import { test } from 'node:test';
import assert from 'node:assert/strict';
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
