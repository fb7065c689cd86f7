// `if does not exist`: a process service reads the cycle's lookup, a file service stats its path,
// and nothing can exist in a host or program service (no check there).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createCheck, loadChecks } from '../../src/checks/registry.js';
import type { TempDir } from '../helpers/tmp.js';
import { tempDir } from '../helpers/tmp.js';
import { observeKind, runKind, serviceOf } from './fixtures.js';

let dir: TempDir;
before(async () => {
  dir = await tempDir('bw-nonexist-');
  await writeFile(join(dir.path, 'there'), 'x');
});
after(() => dir.cleanup());

const identity = { pid: process.pid, startTime: 1, cmdline: ['mosquitto'] };

void test('a process not running fails with the lookup class and message; a running one is ok', async () => {
  const gone = await runKind(
    'process',
    { kind: 'nonexist' },
    { extra: { process: { running: false, class: 'pid-reused', message: 'pid 7 is another process' } } },
  );
  assert.deepEqual([gone.status, gone.class, gone.message], ['failed', 'pid-reused', 'pid 7 is another process']);
  const up = await runKind('process', { kind: 'nonexist' }, { extra: { process: { running: true, identity } } });
  assert.deepEqual([up.status, up.message], ['ok', `running, pid ${process.pid}`]);
});

void test('no lookup this cycle (a start or stop in progress): no sample at all', async () => {
  assert.equal(await observeKind('process', { kind: 'nonexist' }), undefined);
});

void test('a file: failed while missing', async () => {
  const missing = join(dir.path, 'missing');
  assert.equal((await runKind('file', { kind: 'nonexist' }, { path: join(dir.path, 'there') })).status, 'ok');
  const gone = await runKind('file', { kind: 'nonexist' }, { path: missing });
  assert.deepEqual([gone.status, gone.class, gone.message], ['failed', 'file', `${missing} does not exist`]);
});

void test('host and program services: no check', async () => {
  for (const type of ['host', 'program'] as const) {
    const { svc, r } = serviceOf(type, { kind: 'nonexist' });
    await loadChecks({ services: [svc] });
    assert.equal(createCheck(svc, r), undefined, type);
  }
});
