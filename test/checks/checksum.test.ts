// `if failed checksum [expect HASH]`: against HASH, or against the last cycle's sum.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TempDir } from '../helpers/tmp.js';
import { tempDir } from '../helpers/tmp.js';
import { runKind } from './fixtures.js';

let dir: TempDir;
let file: string;
before(async () => {
  dir = await tempDir('bw-checksum-');
  file = join(dir.path, 'f');
  await writeFile(file, 'one');
});
after(() => dir.cleanup());

const sha1 = (s: string): string => createHash('sha1').update(s).digest('hex');

void test('an expected sum: ok when equal, failed naming both otherwise', async () => {
  assert.equal(
    (await runKind('file', { kind: 'checksum', algorithm: 'sha1', expect: sha1('one') }, { path: file })).status,
    'ok',
  );
  const r = await runKind('file', { kind: 'checksum', algorithm: 'sha1', expect: sha1('two') }, { path: file });
  assert.deepEqual([r.status, r.message], ['failed', `${file} checksum ${sha1('one')}, expected ${sha1('two')}`]);
});

void test('no expected sum: failed once when the content changed', async () => {
  const memo = new Map<string, unknown>();
  assert.equal((await runKind('file', { kind: 'checksum' }, { path: file, memo })).status, 'ok');
  await writeFile(file, 'two');
  const r = await runKind('file', { kind: 'checksum' }, { path: file, memo });
  assert.deepEqual([r.status, r.message], ['failed', `${file} checksum changed`]);
  assert.equal((await runKind('file', { kind: 'checksum' }, { path: file, memo })).status, 'ok');
});
