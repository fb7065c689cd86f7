// Limits written as a share or an amount (`80%`, `80 percent`, `2 GB`, a bare count of inodes): how
// the rules file reads and prints them, what it refuses, and how a reading is shown in a message.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createCheck } from '../../src/checks/registry.js';
import type { CheckResult } from '../../src/checks/result.js';
import { formatDiagnostic } from '../../src/config/diagnostics.js';
import { parseRules } from '../../src/config/loader.js';
import type { Service } from '../../src/config/model.js';
import { printConfig } from '../../src/config/printer.js';
import type { Facts, Observed } from '../../src/observers/kind.js';
import { parseFailure } from '../helpers/rules.js';
import { parseService } from './parsed.js';

/** A filesystem service with RULES (one `if … then alert` each). */
const fsText = (rules: readonly string[]): string =>
  `check filesystem data with path /srv\n${rules.map((r) => `  if ${r} then alert\n`).join('')}`;

/** The conditions of RULES as `brokerwatch -t -v` prints them back, and the warnings of the file. */
async function readBack(rules: readonly string[]): Promise<{ printed: string[]; warnings: string[] }> {
  const { config, warnings } = await parseRules(fsText(rules), 'a.rc');
  const printed = printConfig(config)
    .split('\n')
    .filter((l) => l.trim().startsWith('if '))
    .map((l) => l.trim());
  return { printed, warnings: warnings.map(formatDiagnostic) };
}

/** The results of RULES' checks against one observation. */
async function judged(rules: readonly string[], observed: Observed | undefined): Promise<CheckResult[]> {
  const service: Service = await parseService(fsText(rules));
  const signal = new AbortController().signal;
  const results: CheckResult[] = [];
  for (const rule of service.rules.filter((r) => !r.implicit)) {
    const check = createCheck(service, rule);
    assert.ok(check);
    const r = await check.run({
      service,
      rule,
      signal,
      memo: new Map(),
      now: 0,
      ...(observed ? { observed } : {}),
    });
    assert.ok(r);
    results.push(r);
  }
  return results;
}

const reading = (facts: Facts): Observed => ({ ok: true, facts });

void describe('a limit as a share or an amount', () => {
  void test('a share, a size and a count are read and printed back in their own units', async () => {
    const { printed, warnings } = await readBack([
      'space usage > 80 percent',
      'space free < 2 GB',
      'inode usage > 1000',
      'inode free < 5 %',
      'inode usage > 2 MB',
    ]);
    assert.deepEqual(printed, [
      'if space usage > 80% then alert',
      'if space free < 2 GB then alert',
      'if inode usage > 1000 then alert',
      'if inode free < 5% then alert',
      'if inode usage > 2 MB then alert',
    ]);
    assert.deepEqual(warnings, []);
  });

  void test('a bare number for a size is bytes, with a warning', async () => {
    const { printed, warnings } = await readBack(['space usage > 1000']);
    assert.deepEqual(printed, ['if space usage > 1000 B then alert']);
    assert.deepEqual(warnings, [
      "a.rc:2:20: warning: bare number 1000 for space > is taken as bytes; write '1000 B' or use kB, MB, GB",
    ]);
  });

  void test('what is not a share, a size or a count is refused with where and why', async () => {
    const cases: [string, string][] = [
      ['space usage > abc %', "a.rc:2:20: expected a percentage after 'space >', found 'abc'"],
      ['space usage > 120%', 'a.rc:2:20: space > 120% is out of range (0–100%)'],
      ['space usage > 5 foo', "a.rc:2:22: expected a size unit (B, kB, MB, GB) or % after 5, found 'foo'"],
      ['space free > abc foo', "a.rc:2:19: expected a size for space free >, found 'abc'"],
      ['inode usage > abc', "a.rc:2:20: expected a number or a percentage after 'inode >', found 'abc'"],
      ['inode usage > 1.5', 'a.rc:2:20: inode > 1.5 is out of range'],
      ['inode free > 99999999999999999', 'a.rc:2:19: inode free > 99999999999999999 is out of range'],
    ];
    for (const [rule, error] of cases) {
      const errors = (await parseFailure(fsText([rule]), 'a.rc')).filter((d) => !d.includes('warning'));
      assert.deepEqual(errors, [error], rule);
    }
  });

  void test('a reading is shown in the limit’s unit: a share to a tenth, a count whole, a size in kB or MB', async () => {
    const results = await judged(
      ['space usage > 50%', 'space usage > 2 MB', 'space free < 1 MB', 'inode usage > 1000'],
      reading({
        spaceUsedPercent: 12.34,
        spaceUsedBytes: 3 * 1048576,
        spaceAvailableBytes: 1048575,
        inodesTotal: 5000,
        inodesUsed: 1234,
      }),
    );
    assert.deepEqual(
      results.map((r) => [r.status, r.message]),
      [
        ['ok', 'space usage 12.3%'],
        ['failed', 'space usage 3.0 MB'],
        ['failed', 'space free 1024.0 kB'],
        ['failed', 'inode usage 1234'],
      ],
    );
    const exactlyOneMB = await judged(['space free < 1 MB'], reading({ spaceAvailableBytes: 1048576 }));
    assert.deepEqual(
      exactlyOneMB.map((r) => [r.status, r.message]),
      [['ok', 'space free 1.0 MB']],
    );
  });

  void test('no reading yet, or none this cycle, is no verdict', async () => {
    const before = await judged(['space usage > 50%'], undefined);
    assert.deepEqual(
      before.map((r) => [r.status, r.message, r.class]),
      [['init', 'not observed yet', undefined]],
    );
    const missing = await judged(['space usage > 50%'], { ok: false, message: 'filesystem /srv is not mounted' });
    assert.deepEqual(
      missing.map((r) => [r.status, r.message]),
      [['init', 'filesystem /srv is not mounted']],
    );
  });
});
