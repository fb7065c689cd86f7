// `if failed permission MODE`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TempDir } from '../helpers/tmp.js';
import { tempDir } from '../helpers/tmp.js';
import { runKind } from './fixtures.js';

let dir: TempDir;
let file: string;
before(async () => {
  dir = await tempDir('bw-permission-');
  file = join(dir.path, 'f');
  await writeFile(file, 'x');
  await chmod(file, 0o640);
});
after(() => dir.cleanup());

void test('the same mode is ok, another fails naming both', async () => {
  assert.equal((await runKind('file', { kind: 'permission', mode: 0o640 }, { path: file })).status, 'ok');
  const r = await runKind('file', { kind: 'permission', mode: 0o644 }, { path: file });
  assert.deepEqual([r.status, r.class, r.message], ['failed', 'file', `${file} has mode 640, not 644`]);
});
