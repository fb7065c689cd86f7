// `check directory` and `check fifo` in a running daemon on virtual time: a folder removed and made
// again, a named pipe replaced by a plain file, each a nonexist failure and its recovery; a
// directory's mode changed under it, a permission failure.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ServiceEvent } from '../../src/state/events.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { Cleanup, startInProcess, testDir } from './harness.js';

const cleanup = new Cleanup();
after(() => cleanup.run());

const seen = (events: readonly ServiceEvent[]): string[] =>
  events.filter((e) => e.type !== 'action').map((e) => `${e.service} ${e.type} ${e.state}`);

void test(
  'a directory and a fifo removed, replaced and restored: failures and recoveries',
  { timeout: 60_000 },
  async () => {
    const dir = await testDir(cleanup);
    const folder = join(dir, 'persistence');
    const fifo = join(dir, 'pipe');
    await mkdir(folder, { mode: 0o750 });
    await chmod(folder, 0o750);
    execFileSync('mkfifo', [fifo]);
    const rules = [
      'set daemon 1',
      `check directory persistence with path ${folder}`,
      '  if does not exist then alert',
      '  if failed permission 750 then alert',
      `check fifo pipe with path ${fifo}`,
      '  if does not exist then alert',
      '',
    ].join('\n');
    const clock = new FakeClock();
    const d = await startInProcess(join(dir, 'brokerwatch.rc'), rules, cleanup, { clock });
    const runners = ['persistence', 'pipe'].map((n) => d.daemon.runner(n) ?? assert.fail(n));
    const quiet = (): boolean => runners.every((r) => !r.busy);
    const cycles = async (n: number): Promise<void> => {
      const target = runners.map((r) => r.state.cycle + n);
      await clock.runUntil(() => runners.every((r, i) => r.state.cycle >= (target[i] ?? 0)) && quiet(), {
        quiet,
        timeoutMs: 20_000,
        message: 'cycles did not run',
      });
    };
    await cycles(1);
    assert.deepEqual(seen(d.events), []);

    await chmod(folder, 0o700);
    await rm(fifo);
    await writeFile(fifo, 'not a pipe');
    await cycles(1);
    assert.deepEqual(seen(d.events).sort(), ['persistence permission failed', 'pipe nonexist failed']);
    assert.match(d.events.find((e) => e.service === 'pipe')?.message ?? '', /is not a fifo/);

    await chmod(folder, 0o750);
    await rm(fifo);
    execFileSync('mkfifo', [fifo]);
    await rm(folder, { recursive: true });
    await cycles(1);
    await mkdir(folder);
    await chmod(folder, 0o750);
    await cycles(1);
    const rest = seen(d.events).slice(2).sort();
    assert.deepEqual(rest, [
      'persistence nonexist failed',
      'persistence nonexist succeeded',
      'persistence permission succeeded',
      'pipe nonexist succeeded',
    ]);
  },
);
