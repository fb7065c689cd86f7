// The error table (src/errors.ts) and its documentation (docs/errors.md) agree: every code is
// documented with its HTTP status and CLI exit code, and nothing documented is missing from the table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { BwError, ERRORS, ERROR_CODES, isErrorCode } from '../../src/errors.js';
import type { ErrorSpec } from '../../src/errors.js';

const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
const rows = new Map(
  [...doc.matchAll(/^\| `(BW_[A-Z_]+)` \| (\d{3}|–) \| (\d) \| (.+) \|$/gm)].map((m) => [
    m[1] ?? '',
    { status: m[2] === '–' ? undefined : Number(m[2]), exit: Number(m[3]), meaning: m[4] ?? '' },
  ]),
);

void test('every code of the table is documented in docs/errors.md with its HTTP status and exit code', () => {
  for (const code of ERROR_CODES) {
    const row = rows.get(code);
    assert.ok(row, `${code} is not documented`);
    const spec: ErrorSpec = ERRORS[code];
    assert.equal(row.status, spec.status, `${code}: HTTP status`);
    assert.equal(row.exit, spec.exit, `${code}: exit code`);
    assert.ok(row.meaning.length > 10, `${code}: a meaning`);
  }
});

void test('docs/errors.md documents no code the table lacks', () => {
  for (const code of rows.keys()) assert.ok(isErrorCode(code), `${code} is documented but not in src/errors.ts`);
  assert.equal(rows.size, ERROR_CODES.length);
});

void test('BwError carries the code, its status and its exit code', () => {
  const e = new BwError('BW_FORBIDDEN');
  assert.equal(e.statusCode, 403);
  assert.equal(e.exitCode, 4);
  assert.equal(e.message, ERRORS.BW_FORBIDDEN.message);
  assert.equal(new BwError('BW_NOT_RUNNING', 'x').exitCode, 3);
  assert.equal(isErrorCode('toString'), false);
});
