// messageSafe cuts every run of non-blank characters over LONG_WORD, whatever separates the runs
// (Unicode blanks included), and leaves a message without one as it is (escaped).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KEPT_OF_LONG_WORD, LONG_WORD, messageSafe } from '../../src/util/text.js';

const long = (n: number, ch = 'x'): string => ch.repeat(n);

void test('a word of LONG_WORD characters stays; one more is cut, its closing quote kept', () => {
  assert.equal(messageSafe(`found "${long(LONG_WORD - 2)}"`), `found "${long(LONG_WORD - 2)}"`);
  const cut = messageSafe(`found '${long(LONG_WORD)}', expected a number`);
  assert.equal(cut, `found '${long(KEPT_OF_LONG_WORD - 1)}…', expected a number`);
});

void test('runs are split by any blank: tab, no-break space, ideographic space, line break', () => {
  for (const blank of ['\t', '\u00a0', '\u3000', '\u2028']) {
    const text = `${long(100)}${blank}${long(100)}`;
    assert.equal(messageSafe(text).includes('…'), false, JSON.stringify(blank));
  }
  // A line break is escaped first (`\n`), which joins the two runs into one long word.
  assert.equal(messageSafe(`${long(100)}\n${long(100)}`).includes('…'), true);
});

void test('a long word anywhere is found: at the start, in the middle, at the end, several', () => {
  const w = long(LONG_WORD + 1, 'y');
  for (const text of [`${w} tail`, `head ${w} tail`, `head ${w}`, `${w} ${w}`]) {
    const out = messageSafe(text);
    assert.equal(out.includes(w), false, text.slice(0, 20));
    assert.equal(out.split('…').length - 1, text.split(w).length - 1);
  }
});

void test('an absolute path is kept whole up to PATH_MAX', () => {
  const path = `/${long(300, 'p')}`;
  assert.equal(messageSafe(`cannot read ${path}`), `cannot read ${path}`);
});
