// `if failed gid GROUP`: a name or a number.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TempDir } from '../helpers/tmp.js';
import { tempDir } from '../helpers/tmp.js';
import { runKind } from './fixtures.js';

let dir: TempDir;
let file: string;
before(async () => {
  dir = await tempDir('bw-gid-');
  file = join(dir.path, 'f');
  await writeFile(file, 'x');
});
after(() => dir.cleanup());

void test("the file's group by number is ok; another group fails", async () => {
  const { gid } = await stat(file);
  assert.equal((await runKind('file', { kind: 'gid', group: String(gid) }, { path: file })).status, 'ok');
  const r = await runKind('file', { kind: 'gid', group: 'no-such-group-x' }, { path: file });
  assert.deepEqual([r.status, r.class, r.message], ['failed', 'file', `${file} has gid ${gid}, not no-such-group-x`]);
});
