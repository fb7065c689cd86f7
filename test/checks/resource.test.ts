// Resources of a process (this test's own): threads, memory, and cpu's first sample.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runKind } from './fixtures.js';

void test('threads and memory are measured; the first cpu sample is not judged', async () => {
  const threads = await runKind(
    'process',
    { kind: 'resource', resource: 'threads', op: '>', value: 0, unit: 'count' },
    { extra: { pid: process.pid } },
  );
  assert.deepEqual([threads.status, threads.class], ['failed', 'resource']);
  const mem = await runKind(
    'process',
    { kind: 'resource', resource: 'memory', op: '>', value: 1024 ** 4, unit: 'bytes' },
    { extra: { pid: process.pid } },
  );
  assert.equal(mem.status, 'ok');
  assert.ok((mem.metrics?.memory ?? 0) > 0);
  const memo = new Map<string, unknown>();
  const cpu = { kind: 'resource', resource: 'cpu', op: '>', value: 100 * 1024, unit: '%' } as const;
  assert.equal((await runKind('process', cpu, { memo, extra: { pid: process.pid } })).status, 'init');
  assert.equal((await runKind('process', cpu, { memo, extra: { pid: process.pid } })).status, 'ok');
  assert.equal((await runKind('process', cpu)).status, 'init');
});
