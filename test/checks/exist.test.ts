// `if exist`: the inverse of nonexist, failed while the process runs or the file is there.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TempDir } from '../helpers/tmp.js';
import { tempDir } from '../helpers/tmp.js';
import { observeKind, runKind } from './fixtures.js';

let dir: TempDir;
before(async () => {
  dir = await tempDir('bw-exist-');
  await writeFile(join(dir.path, 'there'), 'x');
});
after(() => dir.cleanup());

void test('a running process fails; a missing one is ok; no lookup gives no sample', async () => {
  const up = await runKind(
    'process',
    { kind: 'exist' },
    { extra: { process: { running: true, identity: { pid: process.pid, startTime: 1, cmdline: ['x'] } } } },
  );
  assert.equal(up.status, 'failed');
  const gone = await runKind(
    'process',
    { kind: 'exist' },
    { extra: { process: { running: false, class: 'process-missing', message: 'no pidfile' } } },
  );
  assert.equal(gone.status, 'ok');
  assert.equal(await observeKind('process', { kind: 'exist' }), undefined);
});

void test('a file that is there fails, with class file', async () => {
  const there = join(dir.path, 'there');
  const r = await runKind('file', { kind: 'exist' }, { path: there });
  assert.deepEqual([r.status, r.class, r.message], ['failed', 'file', `${there} exists`]);
  assert.equal((await runKind('file', { kind: 'exist' }, { path: join(dir.path, 'missing') })).status, 'ok');
});
