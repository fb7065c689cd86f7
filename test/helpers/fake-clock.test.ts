// The fake clock itself: timers run in time order, only when time is advanced, with promises settled
// between them; intervals repeat; sleep can be aborted; runUntil stops when its condition holds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from './fake-clock.js';

void test('timers fire in time order, only when time is advanced, at their due time', async () => {
  const clock = new FakeClock(1_000);
  const seen: Array<[string, number]> = [];
  clock.setTimeout(() => seen.push(['b', clock.now()]), 200);
  clock.setTimeout(() => seen.push(['a', clock.now()]), 100);
  clock.setTimeout(() => seen.push(['c', clock.now()]), 200);
  assert.deepEqual(seen, []);
  await clock.advance(150);
  assert.deepEqual(seen, [['a', 1_100]]);
  assert.equal(clock.now(), 1_150);
  await clock.advance(50);
  // Equal due times run in the order they were set.
  assert.deepEqual(seen, [
    ['a', 1_100],
    ['b', 1_200],
    ['c', 1_200],
  ]);
  assert.equal(clock.pending, 0);
});

void test('a timer set by a promise that an earlier timer resolved runs within the same advance', async () => {
  const clock = new FakeClock(0);
  const times: number[] = [];
  void (async () => {
    for (let i = 0; i < 3; i++) {
      await clock.sleep(100);
      times.push(clock.now());
    }
  })();
  await clock.advance(1_000);
  assert.deepEqual(times, [100, 200, 300]);
});

void test('intervals repeat until cancelled; cancel is safe twice and after firing', async () => {
  const clock = new FakeClock(0);
  const ticks: number[] = [];
  const t = clock.setInterval(() => ticks.push(clock.now()), 30);
  await clock.advance(100);
  assert.deepEqual(ticks, [30, 60, 90]);
  t.cancel();
  t.cancel();
  await clock.advance(100);
  assert.deepEqual(ticks, [30, 60, 90]);
  const once = clock.setTimeout(() => ticks.push(-1), 0);
  await clock.advance(0);
  once.cancel();
  assert.deepEqual(ticks, [30, 60, 90, -1]);
  assert.equal(clock.pending, 0);
});

void test('sleep rejects with the signal reason when aborted, and leaves no timer behind', async () => {
  const clock = new FakeClock(0);
  const ac = new AbortController();
  const p = clock.sleep(1_000, ac.signal);
  ac.abort(new Error('stop'));
  await assert.rejects(p, /stop/);
  assert.equal(clock.pending, 0);
  await assert.rejects(clock.sleep(1, ac.signal), /stop/);
});

void test('next() jumps to the earliest timer; runUntil advances until the condition holds', async () => {
  const clock = new FakeClock(0);
  let n = 0;
  clock.setInterval(() => n++, 250);
  assert.equal(await clock.next(), true);
  assert.equal(clock.now(), 250);
  const took = await clock.runUntil(() => n >= 4);
  assert.equal(took, 750);
  assert.equal(clock.now(), 1_000);
  await assert.rejects(
    clock.runUntil(() => false, { maxMs: 1_000, message: 'never' }),
    /never within 1000 virtual ms/,
  );
});

void test('runUntil holds time still while real work is under way', async () => {
  const clock = new FakeClock(0);
  let busy = true;
  let fired = false;
  clock.setTimeout(() => (fired = true), 10);
  setTimeout(() => (busy = false), 20);
  await clock.runUntil(() => fired, { quiet: () => !busy });
  assert.equal(busy, false);
  assert.equal(clock.now(), 10);
});
