// checkNow (monit's "wake up"): every service's cycle runs at once, between its timed cycles, which
// keep their phase; a service whose cycle is still running is not run twice. On a fake clock, so
// "at once" means with no virtual time passing.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CycleRecord } from '../../src/daemon/service-runner.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { waitFor } from '../helpers/wait.js';
import { Cleanup, linesOf, startInProcess, testDir } from './harness.js';

const cleanup = new Cleanup();
after(() => cleanup.run());

void test('checkNow runs every service cycle at once and skips one that is running', { timeout: 30_000 }, async () => {
  const dir = await testDir(cleanup);
  const runs = join(dir, 'runs');
  const gate = join(dir, 'gate');
  const rules = [
    'set daemon 30',
    `set statefile ${join(dir, 'state.json')}`,
    `check program quick with path "/bin/sh -c 'echo quick >> ${runs}'"`,
    '  if status != 0 then alert',
    // Runs until the test creates the gate file: a cycle that is still running.
    `check program slow with path "/bin/sh -c 'echo slow >> ${runs}; while [ ! -e ${gate} ]; do sleep 0.01; done'"`,
    '  if status != 0 then alert',
    '',
  ].join('\n');
  const clock = new FakeClock();
  const d = await startInProcess(join(dir, 'brokerwatch.rc'), rules, cleanup, { clock });
  cleanup.add(() => writeFile(gate, ''));
  const cycles: CycleRecord[] = [];
  cleanup.add(d.daemon.onCycle((c) => cycles.push(c)));
  const count = (name: string): number => linesOf(runs).filter((l) => l === name).length;

  // The first cycles: the two services share a step (one wakeup).
  await clock.advance(1_000);
  await waitFor(() => count('quick') === 1 && count('slow') === 1 && cycles.length === 1, { message: 'first cycles' });
  const at = clock.now();
  d.daemon.checkNow();
  await waitFor(() => count('quick') === 2 && cycles.length === 2, { message: 'quick ran again' });
  assert.equal(count('slow'), 1, 'slow, still running, was not run twice');
  assert.equal(clock.now(), at, 'no virtual time passed');
  const woken = cycles[1];
  assert.equal(woken?.service.name, 'quick');
  assert.equal(woken.dueAt, at);

  // The slow one finishes; the timed cycles keep their phase (30 s after the first ones).
  await writeFile(gate, '');
  await waitFor(() => cycles.length === 3, { message: 'slow finished its cycle' });
  const first = cycles[0] as CycleRecord;
  await clock.advance(first.dueAt + 30_000 - clock.now());
  // The cycle records, not the programs' output lines: a record comes after its program ends.
  await waitFor(() => cycles.length === 5, { message: 'the next timed cycles' });
  assert.equal(count('quick'), 3);
  assert.deepEqual(
    cycles
      .slice(3)
      .map((c) => [c.service.name, c.dueAt - first.dueAt])
      .sort(),
    [
      ['quick', 30_000],
      ['slow', 30_000],
    ],
  );
});
