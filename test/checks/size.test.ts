// `if size OP SIZE`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TempDir } from '../helpers/tmp.js';
import { tempDir } from '../helpers/tmp.js';
import { runKind } from './fixtures.js';

let dir: TempDir;
let file: string;
before(async () => {
  dir = await tempDir('bw-size-');
  file = join(dir.path, 'f');
  await writeFile(file, Buffer.alloc(2048));
});
after(() => dir.cleanup());

void test('compares the size in bytes', async () => {
  const big = await runKind('file', { kind: 'size', op: '>', bytes: 1024 }, { path: file });
  assert.deepEqual([big.status, big.class, big.message], ['failed', 'file', `${file} is 2048 B`]);
  assert.equal((await runKind('file', { kind: 'size', op: '>', bytes: 4096 }, { path: file })).status, 'ok');
});
