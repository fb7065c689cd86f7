// util/fs-async.ts: node:fs's callbacks as promises, and a file handle of FileHandle's shape.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { open, readFile, readdir, rm, stat } from '../../src/util/fs-async.js';
import { tempDir } from '../helpers/tmp.js';
import type { TempDir } from '../helpers/tmp.js';

let dir: TempDir;
before(async () => (dir = await tempDir('bw-fs-async-')));
after(() => dir.cleanup());

void test('a handle writes, syncs, reads at a position, tells its size and closes once', async () => {
  const file = join(dir.path, 'a.txt');
  const w = await open(file, 'wx', 0o600);
  await w.writeFile('hello, ');
  await w.writeFile(Buffer.from('world'));
  await w.sync();
  assert.equal((await w.stat()).size, 12);
  await w.close();
  await w.close();
  assert.equal(readFileSync(file, 'utf8'), 'hello, world');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const r = await open(file);
  try {
    const buf = Buffer.alloc(5);
    assert.deepEqual(await r.read(buf, 0, 5, 7), { bytesRead: 5 });
    assert.equal(buf.toString(), 'world');
    assert.deepEqual(await r.read(buf, 0, 5, 12), { bytesRead: 0 });
  } finally {
    await r.close();
  }
  await assert.rejects(open(file, 'wx'), { code: 'EEXIST' });
});

void test("the functions answer as node:fs/promises' do, errors with their codes", async () => {
  assert.equal(await readFile(join(dir.path, 'a.txt'), 'utf8'), 'hello, world');
  assert.ok((await stat(dir.path)).isDirectory());
  assert.deepEqual(
    (await readdir(dir.path, { withFileTypes: true })).map((e) => [e.name, e.isFile()]),
    [['a.txt', true]],
  );
  await assert.rejects(readFile(join(dir.path, 'none')), { code: 'ENOENT' });
  await rm(join(dir.path, 'none'), { force: true });
});
