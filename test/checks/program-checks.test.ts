// `check program` rules: the program named by the rules file runs for real (as the daemon runs it
// each cycle, with its `with timeout`), and its exit status goes to `if status OP N` and
// `if changed status`, run through the check registry.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCommand } from '../../src/actions/run.js';
import type { Service } from '../../src/config/model.js';
import { tempDir } from '../helpers/tmp.js';
import type { TempDir } from '../helpers/tmp.js';
import { checkOf, parseService, ruleOf } from './parsed.js';

let dir: TempDir;
before(async () => {
  dir = await tempDir('bw-program-');
});
after(async () => {
  await dir.cleanup();
});

/** Runs the service's program once, as a cycle does; a program killed at its timeout gives 255. */
async function runProgram(s: Service): Promise<{ status: number; timedOut: boolean; durationMs: number }> {
  assert.ok(s.program, 'a check program has a program');
  const r = await runCommand(s.program, {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    defaultTimeoutMs: 30_000,
  });
  return { status: r.exitCode ?? (r.timedOut ? 255 : 127), timedOut: r.timedOut, durationMs: r.durationMs };
}

void describe('if status', () => {
  void test('`status != 0` passes for a program that exits 0 and fails for one that exits 3', async () => {
    const good = await parseService('check program p with path "/bin/sh -c \'exit 0\'"\n  if status != 0 then alert\n');
    const goodRule = ruleOf(good);
    const r = await goodRule.cycle({ programStatus: (await runProgram(good)).status });
    assert.equal(r.status, 'ok', r.message);
    assert.match(r.message, /exit status 0/);
    assert.deepEqual(r.metrics, { status: 0 });

    const bad = await parseService('check program p with path "/bin/sh -c \'exit 3\'"\n  if status != 0 then alert\n');
    const f = await ruleOf(bad).cycle({ programStatus: (await runProgram(bad)).status });
    assert.equal(f.status, 'failed');
    assert.equal(f.class, 'program-status');
    assert.match(f.message, /exit status 3/);
    assert.deepEqual(f.metrics, { status: 3 });
  });

  void test('each operator compares the status with the limit in the written direction', async () => {
    const cases: Array<[string, number, 'ok' | 'failed']> = [
      ['status > 1', 2, 'failed'],
      ['status > 1', 1, 'ok'],
      ['status < 2', 1, 'failed'],
      ['status < 2', 2, 'ok'],
      ['status >= 2', 2, 'failed'],
      ['status >= 2', 1, 'ok'],
      ['status <= 2', 2, 'failed'],
      ['status <= 2', 3, 'ok'],
      ['status = 4', 4, 'failed'],
      ['status = 4', 5, 'ok'],
      ['status 4', 4, 'failed'],
      ['status != 4', 4, 'ok'],
    ];
    for (const [rule, status, want] of cases) {
      const c = await checkOf(`check program p with path "/bin/true"\n  if ${rule} then alert\n`);
      const r = await c.cycle({ programStatus: status });
      assert.equal(r.status, want, `${rule} with status ${status}`);
      assert.equal(r.class, want === 'failed' ? 'program-status' : undefined, rule);
    }
  });

  void test('before the program has run, the rule is not measurable yet', async () => {
    const c = await checkOf('check program p with path "/bin/false"\n  if status != 0 then alert\n');
    const r = await c.cycle();
    assert.equal(r.status, 'init');
    assert.match(r.message, /not run yet/);
  });
});

void describe('if changed status', () => {
  void test('fails once when the exit status changes, then takes the new one as normal', async () => {
    const flag = join(dir.path, 'status');
    await writeFile(flag, '0');
    const s = await parseService(
      `check program p with path "/bin/sh -c 'exit $(cat ${flag})'"\n  if changed status then alert\n`,
    );
    const c = ruleOf(s);
    const cycle = async (): Promise<Awaited<ReturnType<typeof c.cycle>>> =>
      c.cycle({ programStatus: (await runProgram(s)).status });
    assert.equal((await cycle()).status, 'ok');
    assert.equal((await cycle()).status, 'ok');
    await writeFile(flag, '2');
    const r = await cycle();
    assert.equal(r.status, 'failed');
    assert.equal(r.class, 'program-status');
    assert.match(r.message, /status changed from 0 to 2/);
    assert.equal((await cycle()).status, 'ok');
    await writeFile(flag, '0');
    assert.equal((await cycle()).status, 'failed');
  });

  void test('the first run only sets the baseline, even when it is non-zero', async () => {
    const c = await checkOf('check program p with path "/bin/false"\n  if changed status then alert\n');
    assert.equal((await c.cycle({ programStatus: 1 })).status, 'ok');
    assert.equal((await c.cycle({ programStatus: 1 })).status, 'ok');
  });
});

void describe('timeouts', () => {
  void test('a program that outlives `with timeout` is killed at its deadline and counts as status 255', async () => {
    const s = await parseService(
      'check program slow with path "/bin/sleep 30" with timeout 500 ms\n  if status != 0 then alert\n',
    );
    assert.equal(s.program?.timeoutMs, 500);
    const run = await runProgram(s);
    assert.equal(run.timedOut, true);
    assert.ok(run.durationMs >= 500, `killed after ${run.durationMs} ms, before its deadline`);
    const r = await ruleOf(s).cycle({ programStatus: run.status });
    assert.equal(r.status, 'failed');
    assert.match(r.message, /exit status 255/);
  });
});
