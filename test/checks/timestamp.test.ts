// `if timestamp OP DURATION`: the age of the last modification at the cycle's start.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TempDir } from '../helpers/tmp.js';
import { tempDir } from '../helpers/tmp.js';
import { runKind } from './fixtures.js';

let dir: TempDir;
let file: string;
const NOW = Date.UTC(2026, 0, 1);
before(async () => {
  dir = await tempDir('bw-timestamp-');
  file = join(dir.path, 'f');
  await writeFile(file, 'x');
  await utimes(file, new Date(NOW - 600_000), new Date(NOW - 600_000)); // 10 minutes before NOW
});
after(() => dir.cleanup());

void test('older than the limit fails, younger is ok, both name the age', async () => {
  const old = await runKind('file', { kind: 'timestamp', op: '>', ms: 300_000 }, { path: file, extra: { now: NOW } });
  assert.deepEqual([old.status, old.class, old.message], ['failed', 'file', `${file} modified 600 s ago`]);
  assert.equal(
    (await runKind('file', { kind: 'timestamp', op: '>', ms: 900_000 }, { path: file, extra: { now: NOW } })).status,
    'ok',
  );
});

void test('a missing file is not measurable', async () => {
  assert.equal(
    (await runKind('file', { kind: 'timestamp', op: '>', ms: 1 }, { path: join(dir.path, 'none') })).status,
    'init',
  );
});
