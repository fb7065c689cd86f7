// The cycle timer on a fake clock: cycles keep their phase, missed ones are skipped (not caught up),
// a cycle still running makes the next be skipped, the schedule gate thins them out, and runNow
// runs one at once without moving the phase.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Schedule } from '../../src/config/model.js';
import type { Clock } from '../../src/util/clock.js';
import { CycleLoop } from '../../src/daemon/cycle-loop.js';
import { FakeClock } from '../helpers/fake-clock.js';

const ALWAYS: Schedule = { kind: 'always' };

function loop(clock: FakeClock, opts: { schedule?: Schedule; runMs?: number; active?: () => boolean } = {}) {
  const runs: Array<{ dueAt: number; startedAt: number }> = [];
  let waiting = 0;
  const l = new CycleLoop(clock, 1_000, opts.schedule ?? ALWAYS, {
    active: opts.active ?? (() => true),
    waiting: () => waiting++,
    run: async (dueAt, startedAt) => {
      runs.push({ dueAt, startedAt });
      if (opts.runMs) await clock.sleep(opts.runMs);
    },
  });
  return { l, runs, waiting: () => waiting };
}

void test('cycles keep their phase from the first due time', async () => {
  const clock = new FakeClock(10_000);
  const { l, runs } = loop(clock);
  l.start(10_250);
  await clock.advance(3_300);
  assert.deepEqual(
    runs.map((r) => r.dueAt),
    [10_250, 11_250, 12_250, 13_250],
  );
  assert.ok(runs.every((r) => r.startedAt === r.dueAt));
  l.stop();
  await clock.advance(5_000);
  assert.equal(runs.length, 4);
});

void test('a cycle still running when the next is due makes that one be skipped', async () => {
  const clock = new FakeClock(0);
  const { l, runs } = loop(clock, { runMs: 1_500 });
  l.start(0);
  await clock.advance(4_100);
  // 0 runs until 1500, so 1000 is skipped; 2000 runs until 3500, so 3000 is skipped; then 4000.
  assert.deepEqual(
    runs.map((r) => r.dueAt),
    [0, 2_000, 4_000],
  );
  assert.equal(l.running, true);
});

void test('cycles missed while the timer could not fire are skipped, not caught up, and the phase is kept', async () => {
  const clock = new FakeClock(0);
  // A machine suspended for 3.5 s: the wall clock jumps, the pending timer fires late.
  let lag = 0;
  const suspended: Clock = {
    now: () => clock.now() + lag,
    setTimeout: (fn, ms) => clock.setTimeout(fn, ms),
    setInterval: (fn, ms) => clock.setInterval(fn, ms),
    sleep: (ms, signal) => clock.sleep(ms, signal),
  };
  const runs: Array<{ dueAt: number; startedAt: number }> = [];
  const l = new CycleLoop(suspended, 1_000, ALWAYS, {
    active: () => true,
    waiting: () => undefined,
    run: (dueAt, startedAt) => {
      runs.push({ dueAt, startedAt });
      return Promise.resolve();
    },
  });
  l.start(0);
  await clock.advance(500);
  lag = 3_500;
  await clock.advance(2_000);
  l.stop();
  // The late cycle runs once (at 4500); 2000, 3000 and 4000 are skipped; 5000 and 6000 keep the phase.
  assert.deepEqual(runs, [
    { dueAt: 0, startedAt: 0 },
    { dueAt: 1_000, startedAt: 4_500 },
    { dueAt: 5_000, startedAt: 5_000 },
    { dueAt: 6_000, startedAt: 6_000 },
  ]);
});

void test('an inactive service runs no cycle and is not counted by the schedule', async () => {
  const clock = new FakeClock(0);
  let active = false;
  const { l, runs, waiting } = loop(clock, { schedule: { kind: 'cycles', every: 2 }, active: () => active });
  l.start(0);
  await clock.advance(2_500);
  assert.equal(runs.length, 0);
  assert.equal(waiting(), 0);
  active = true;
  await clock.advance(3_000);
  // every 2 cycles: the first active cycle (3000) runs, 4000 waits, 5000 runs.
  assert.deepEqual(
    runs.map((r) => r.dueAt),
    [3_000, 5_000],
  );
  assert.equal(waiting(), 1);
});

void test('runNow runs a cycle at once, is skipped while one runs, and leaves the phase alone', async () => {
  const clock = new FakeClock(0);
  const { l, runs } = loop(clock, { runMs: 100 });
  l.start(1_000);
  await clock.advance(300);
  l.runNow();
  l.runNow();
  await clock.advance(0);
  assert.deepEqual(
    runs.map((r) => r.dueAt),
    [300],
  );
  await clock.advance(1_800);
  assert.deepEqual(
    runs.map((r) => r.dueAt),
    [300, 1_000, 2_000],
  );
  l.stop();
  l.runNow();
  await clock.advance(0);
  assert.equal(runs.length, 3);
});
