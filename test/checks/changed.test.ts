// `if changed …`: a file's value, a program's exit status, a process's pid.
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
  dir = await tempDir('bw-changed-');
  file = join(dir.path, 'f');
  await writeFile(file, 'one');
});
after(() => dir.cleanup());

void test('changed size of a file: ok, then failed once after a write', async () => {
  const memo = new Map<string, unknown>();
  assert.equal((await runKind('file', { kind: 'changed', what: 'size' }, { path: file, memo })).status, 'ok');
  await writeFile(file, 'three');
  const r = await runKind('file', { kind: 'changed', what: 'size' }, { path: file, memo });
  assert.deepEqual([r.status, r.class, r.message], ['failed', 'file', `${file} size changed`]);
});

void test('changed status of a program', async () => {
  const memo = new Map<string, unknown>();
  assert.equal(
    (await runKind('program', { kind: 'changed', what: 'status' }, { memo, extra: { programStatus: 0 } })).status,
    'ok',
  );
  const r = await runKind('program', { kind: 'changed', what: 'status' }, { memo, extra: { programStatus: 3 } });
  assert.deepEqual([r.status, r.class, r.message], ['failed', 'program-status', 'status changed from 0 to 3']);
});

void test('changed pid of a process; no process is not measurable', async () => {
  const memo = new Map<string, unknown>();
  assert.equal(
    (await runKind('process', { kind: 'changed', what: 'pid' }, { memo, extra: { pid: 100 } })).status,
    'ok',
  );
  const r = await runKind('process', { kind: 'changed', what: 'pid' }, { memo, extra: { pid: 200 } });
  assert.deepEqual([r.status, r.message], ['failed', 'pid changed from 100 to 200']);
  assert.equal((await runKind('process', { kind: 'changed', what: 'pid' })).status, 'init');
});
