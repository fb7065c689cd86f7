// `if status OP N`: the exit status of the cycle's run of a program.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runKind } from './fixtures.js';

void test('compares the exit status; before the first run it is not measurable', async () => {
  const r = await runKind('program', { kind: 'status', op: '!=', value: 0 }, { extra: { programStatus: 2 } });
  assert.deepEqual(
    [r.status, r.class, r.message, r.metrics],
    ['failed', 'program-status', 'exit status 2', { status: 2 }],
  );
  assert.equal(
    (await runKind('program', { kind: 'status', op: '!=', value: 0 }, { extra: { programStatus: 0 } })).status,
    'ok',
  );
  assert.equal((await runKind('program', { kind: 'status', op: '!=', value: 0 })).status, 'init');
});

void test("the program's output follows its status, trimmed; empty output is said to be none", async () => {
  const run = (programOutput: string) =>
    runKind('program', { kind: 'status', op: '!=', value: 0 }, { extra: { programStatus: 1, programOutput } });
  assert.deepEqual(
    [await run('  broker unreachable\n'), await run(' \n')].map((r) => [r.status, r.message]),
    [
      ['failed', 'exit status 1 -- broker unreachable'],
      ['failed', 'exit status 1 -- no output'],
    ],
  );
  const before = await runKind('program', { kind: 'status', op: '!=', value: 0 });
  assert.equal(before.message, 'program has not run yet');
});
