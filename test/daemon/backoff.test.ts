// A start program that always fails: attempts back off with growing gaps, stop after `giveup` with one
// `timeout` event, and resume after the cool-down (DESIGN.md §2, §6: a crash loop never spins and
// recovers by itself). Runs are counted by the start program itself, so none can go unseen.
// `set daemon 30`: the backoff, not the cycle, must space the attempts. The daemon runs on a fake
// clock that stands still while a program runs, so every gap is exact whatever the machine's load.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { ServiceEvent } from '../../src/state/events.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { Cleanup, linesOf, startInProcess, testDir } from './harness.js';

const cleanup = new Cleanup();
after(() => cleanup.run());

void test(
  'a broken start program: growing gaps, exactly 3 attempts, a give-up event, a retry after the cool-down',
  { timeout: 40_000 },
  async (t) => {
    const dir = await testDir(cleanup);
    const runs = join(dir, 'runs');
    const rules = [
      'set daemon 30',
      `set statefile ${join(dir, 'state.json')}`,
      `check process broken with pidfile ${join(dir, 'broken.pid')}`,
      // Each run leaves a line, then fails like /bin/false.
      `  start program = "/bin/sh -c 'echo run >> ${runs}; exit 1'" with timeout 5 seconds`,
      '  if does not exist then restart',
      '  backoff 200 ms max 1 s giveup 3 cooldown 2 seconds',
      '',
    ].join('\n');
    const clock = new FakeClock();
    const d = await startInProcess(join(dir, 'brokerwatch.rc'), rules, cleanup, { clock });
    const runner = d.daemon.runner('broken');
    assert.ok(runner);
    const quiet = (): boolean => !runner.busy;
    const giveUps = (): ServiceEvent[] => d.events.filter((e) => e.type === 'timeout' && e.state === 'failed');
    const failedStarts = (): ServiceEvent[] =>
      d.events.filter((e) => e.type === 'exec' && e.state === 'failed' && e.class === 'start-failed');

    await clock.runUntil(() => giveUps().length === 1, { quiet, maxMs: 10_000, message: 'no give-up' });
    const giveUp = giveUps()[0] as ServiceEvent;
    assert.equal(linesOf(runs).length, 3, 'attempts before the give-up');
    assert.equal(giveUp.service, 'broken');
    assert.equal(giveUp.action, 'alert');
    assert.equal(giveUp.class, 'start-failed');
    assert.match(giveUp.message, /gave up after 3/);
    const [a1, a2, a3] = failedStarts().map((e) => e.time) as [number, number, number];
    // 200 ms, then 400 ms (factor 2): programs take no time on this clock.
    assert.deepEqual([a2 - a1, a3 - a2], [200, 400], 'gaps between the attempts');

    // Nothing during the cool-down; then a new streak, exactly 2 s after the give-up, which again makes
    // exactly 3 attempts before it gives up.
    await clock.advance(2_000 - 1);
    // A start asked for would be queued at once: nothing is.
    assert.equal(runner.busy || runner.state.inFlight !== undefined, false, 'an attempt during the cool-down');
    assert.equal(linesOf(runs).length, 3, 'an attempt during the cool-down');
    await clock.runUntil(() => giveUps().length === 2, { quiet, maxMs: 10_000, message: 'no second give-up' });
    assert.equal(linesOf(runs).length, 6, 'attempts by the second give-up');
    const starts = failedStarts();
    assert.equal(starts.length, 6, 'each failed attempt is reported as a failed start');
    const retryAt = (starts[3] as ServiceEvent).time;
    assert.equal(retryAt - giveUp.time, 2_000, 'the retry comes when the cool-down ends');
    t.diagnostic(
      `attempts at ${starts.map((e) => `+${e.time - a1}`).join(', ')} ms; give-ups at ${giveUps()
        .map((e) => `+${e.time - a1}`)
        .join(', ')} ms`,
    );
  },
);
