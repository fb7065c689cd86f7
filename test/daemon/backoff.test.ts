// A start program that always fails: attempts back off with growing gaps, stop after `giveup` with one
// `timeout` event, and resume after the cool-down (DESIGN.md §2, §6: a crash loop never spins and
// recovers by itself). Runs are counted by the start program itself, so none can go unseen.
// `set daemon 30`: the backoff, not the cycle, must space the attempts.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Cleanup, linesOf, startInProcess, testDir, waitEvent } from './harness.js';

const cleanup = new Cleanup();
after(() => cleanup.run());

void test('a broken start program: growing gaps, exactly 3 attempts, a give-up event, a retry after the cool-down', { timeout: 40_000 }, async (t) => {
  const dir = await testDir(cleanup);
  const runs = join(dir, 'runs');
  const rules = [
    'set daemon 30',
    `set statefile ${join(dir, 'state.json')}`,
    `check process broken with pidfile ${join(dir, 'broken.pid')}`,
    // Each run appends its start time in ms, then fails like /bin/false.
    `  start program = "/bin/sh -c 'echo $(($(date +%s%N) / 1000000)) >> ${runs}; exit 1'" with timeout 5 seconds`,
    '  if does not exist then restart',
    '  backoff 200 ms max 1 s giveup 3 cooldown 2 seconds',
    '',
  ].join('\n');
  const d = await startInProcess(join(dir, 'brokerwatch.rc'), rules, cleanup);

  const giveUp = await waitEvent(d.events, (e) => e.type === 'timeout' && e.state === 'failed', 15_000, 'give-up');
  const before = linesOf(runs).map(Number);
  assert.equal(before.length, 3, `attempts before the give-up: ${before.length}`);
  assert.equal(giveUp.service, 'broken');
  assert.equal(giveUp.action, 'alert');
  assert.equal(giveUp.class, 'start-failed');
  assert.match(giveUp.message, /gave up after 3/);
  const [a1, a2, a3] = before as [number, number, number];
  const [gap1, gap2] = [a2 - a1, a3 - a2];
  // 200 ms, then 400 ms (factor 2), each plus the run of the failing program.
  assert.ok(gap1 >= 200 - 20 && gap1 < 1_000, `first gap ${gap1} ms, not about 200 ms`);
  assert.ok(gap2 >= 400 - 20 && gap2 < 1_500, `second gap ${gap2} ms, not about 400 ms`);
  assert.ok(gap2 > gap1, `gaps do not grow: ${gap1}, ${gap2} ms`);

  // Nothing during the cool-down; then a new streak, about 2 s after the give-up, which again makes
  // exactly 3 attempts before it gives up.
  const again = await waitEvent(d.events, (e) => e.type === 'timeout' && e.state === 'failed' && e.id > giveUp.id, 10_000, 'second give-up');
  const all = linesOf(runs).map(Number);
  const retryAt = all[3] ?? 0;
  assert.ok(retryAt - giveUp.time >= 2_000 - 50, `retried ${retryAt - giveUp.time} ms after the give-up, before the cool-down`);
  assert.ok(retryAt - giveUp.time < 2_000 + 1_000, `retried ${retryAt - giveUp.time} ms after the give-up`);
  assert.equal(all.filter((at) => at <= again.time).length, 6, `attempts by the second give-up: ${all.length}`);
  // Each failed attempt was reported as a failed start.
  const failed = d.events.filter((e) => e.type === 'exec' && e.state === 'failed' && e.class === 'start-failed' && e.time <= again.time);
  assert.equal(failed.length, 6);
  t.diagnostic(`attempts at +0, +${gap1}, +${gap1 + gap2} ms; give-up +${giveUp.time - a1} ms; retry +${retryAt - a1} ms`);
});
