// `if failed uid USER`: a name or a number.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import type { TempDir } from '../helpers/tmp.js';
import { tempDir } from '../helpers/tmp.js';
import { runKind } from './fixtures.js';

let dir: TempDir;
let file: string;
before(async () => {
  dir = await tempDir('bw-uid-');
  file = join(dir.path, 'f');
  await writeFile(file, 'x');
});
after(() => dir.cleanup());

void test('our own file: ok by number and by name; another owner fails', async () => {
  const me = userInfo();
  assert.equal((await runKind('file', { kind: 'uid', user: String(me.uid) }, { path: file })).status, 'ok');
  assert.equal((await runKind('file', { kind: 'uid', user: me.username }, { path: file })).status, 'ok');
  const r = await runKind('file', { kind: 'uid', user: 'no-such-user-x' }, { path: file });
  assert.deepEqual(
    [r.status, r.class, r.message],
    ['failed', 'file', `${file} is owned by uid ${me.uid}, not no-such-user-x`],
  );
});
