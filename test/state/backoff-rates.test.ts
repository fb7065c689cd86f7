// The numbers behind restarts and rates, exactly: the default backoff schedule a rules file without a
// `backoff` statement gets, its cap and edge cases, and monit's bit history (`for N cycles`,
// `N times within M cycles`) with its 64-cycle memory.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRules } from '../../src/config/loader.js';
import { backoffDelay } from '../../src/state/index.js';
import { HISTORY_BITS, failedInLast, pushSample, rateMatches } from '../../src/state/rates.js';

void describe('backoff delays', () => {
  void test('a service with no backoff statement: immediate, then 1 s doubling to a 60 s cap', async () => {
    const { config } = await parseRules('check process m with pidfile /run/m.pid\n  start program = "/bin/true"\n');
    const b = config.services[0]?.backoff;
    assert.ok(b);
    assert.deepEqual(b, {
      initialMs: 1_000,
      maxMs: 60_000,
      factor: 2,
      giveUpAfter: 5,
      cooldownMs: 600_000,
      resetAfterMs: 0,
    });
    const delays = [0, 1, 2, 3, 4, 5, 6, 7, 8, 20].map((n) => backoffDelay(b, n));
    assert.deepEqual(delays, [0, 1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000]);
  });

  const base = { initialMs: 500, maxMs: 10_000, factor: 3, giveUpAfter: 0, cooldownMs: 0, resetAfterMs: 0 };

  void test('the delay before attempt k+1 is initial·factor^(k-1), capped at max', () => {
    assert.equal(backoffDelay(base, 1), 500);
    assert.equal(backoffDelay(base, 2), 1_500);
    assert.equal(backoffDelay(base, 3), 4_500);
    assert.equal(backoffDelay(base, 4), 10_000);
  });

  void test('no earlier attempt (or a nonsense count) means no delay', () => {
    assert.equal(backoffDelay(base, 0), 0);
    assert.equal(backoffDelay(base, -3), 0);
  });

  void test('a factor of 1 keeps the delay constant; an overflowing power is the cap', () => {
    assert.equal(backoffDelay({ ...base, factor: 1 }, 30), 500);
    assert.equal(backoffDelay({ ...base, factor: 1e308 }, 5), 10_000);
  });

  void test('a delay is never negative, whatever the numbers', () => {
    assert.equal(backoffDelay({ ...base, initialMs: -5 }, 2), 0);
  });
});

void describe('rate history', () => {
  void test('samples are appended newest last, 1 for failed', () => {
    assert.equal(pushSample('', true), '1');
    assert.equal(pushSample('1', false), '10');
    assert.equal(pushSample('10', true), '101');
  });

  void test('the history keeps the last 64 samples, dropping the oldest', () => {
    assert.equal(HISTORY_BITS, 64);
    let h = '1';
    for (let i = 0; i < 63; i++) h = pushSample(h, false);
    assert.equal(h.length, 64);
    assert.equal(h[0], '1');
    h = pushSample(h, false);
    assert.equal(h.length, 64);
    assert.equal(h.includes('1'), false, 'the oldest failure fell out');
  });

  void test('failedInLast counts failures in the newest window only', () => {
    assert.equal(failedInLast('1100', 2), 0);
    assert.equal(failedInLast('1100', 3), 1);
    assert.equal(failedInLast('1100', 4), 2);
    assert.equal(failedInLast('1100', 100), 2);
    assert.equal(failedInLast('0101', 1), 1);
    // A window of less than one cycle is one cycle; fractions round down.
    assert.equal(failedInLast('01', 0), 1);
    assert.equal(failedInLast('110', 2.9), 1);
  });

  void test('`for 3 cycles` needs three failures in a row; `2 times within 5 cycles` any two of five', () => {
    const three = { count: 3, cycles: 3 };
    assert.equal(rateMatches('011', three), false);
    assert.equal(rateMatches('111', three), true);
    assert.equal(rateMatches('1101', three), false);
    const twoOfFive = { count: 2, cycles: 5 };
    assert.equal(rateMatches('10001', twoOfFive), true);
    assert.equal(rateMatches('100001', twoOfFive), false);
    assert.equal(rateMatches('00001', twoOfFive), false);
  });

  void test('a count below one still needs one failure', () => {
    assert.equal(rateMatches('000', { count: 0, cycles: 3 }), false);
    assert.equal(rateMatches('001', { count: 0, cycles: 3 }), true);
  });
});
