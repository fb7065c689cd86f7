// Every test of `check file`, `check directory` and `check fifo` run as the daemon runs it (parsed
// from rules text, its check from the registry, its memory kept between cycles) against a real file,
// folder and named pipe that the test changes: mode, owner, modification time, size, content.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFile, chmod, chown, mkdir, rename, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TempDir } from '../helpers/tmp.js';
import { tempDir } from '../helpers/tmp.js';
import type { RuleUnderTest } from './parsed.js';
import { parseService, ruleOf } from './parsed.js';

let dir: TempDir;
before(async () => {
  dir = await tempDir('bw-path-kinds-');
});
after(() => dir.cleanup());

/** The checks of RULES in a `check TYPE x with path PATH`, in order. */
async function checks(type: string, path: string, rules: readonly string[]): Promise<RuleUnderTest[]> {
  const s = await parseService(
    [`check ${type} x with path ${path}`, ...rules.map((r) => `  ${r} then alert`)].join('\n'),
  );
  assert.equal(s.type, type);
  return rules.map((_r, i) => ruleOf(s, i));
}

const statusOf = async (r: RuleUnderTest): Promise<string> => (await r.cycle()).status;
const HOUR = 3_600_000;
/** An owner that is not the test's: `nobody` (65534) on Debian. */
const NOBODY = 65534;

/** The tests shared by the three kinds of path, run against PATH. */
async function sharedTests(type: string, path: string): Promise<void> {
  const [missing, there, age, changedTs, perm, uid, gid] = await checks(type, path, [
    'if does not exist',
    'if exist',
    'if timestamp > 1 hour',
    'if changed timestamp',
    'if failed permission 750',
    'if failed uid nobody',
    'if failed gid 65534',
  ]);
  assert.ok(missing && there && age && changedTs && perm && uid && gid);
  assert.deepEqual([await statusOf(missing), await statusOf(there)], ['ok', 'failed'], `${type} exists`);

  const now = Date.now();
  await utimes(path, new Date(now - 2 * HOUR), new Date(now - 2 * HOUR));
  assert.equal(await statusOf(age), 'failed', `${type}: modified 2 hours ago`);
  assert.equal(await statusOf(changedTs), 'ok', 'the first look only remembers');
  await utimes(path, new Date(now), new Date(now));
  assert.equal(await statusOf(age), 'ok', `${type}: modified now`);
  assert.equal((await changedTs.cycle()).status, 'failed', `${type}: timestamp changed`);
  assert.equal(await statusOf(changedTs), 'ok', 'changed once');

  await chmod(path, 0o700);
  assert.match((await perm.cycle()).message, /700/);
  assert.equal(await statusOf(perm), 'failed');
  await chmod(path, 0o750);
  assert.equal(await statusOf(perm), 'ok');

  assert.deepEqual([await statusOf(uid), await statusOf(gid)], ['failed', 'failed'], `${type} owned by root`);
  await chown(path, NOBODY, NOBODY);
  assert.deepEqual([await statusOf(uid), await statusOf(gid)], ['ok', 'ok'], `${type} owned by nobody`);

  await rm(path, { recursive: true });
  assert.deepEqual([await statusOf(missing), await statusOf(there)], ['failed', 'ok'], `${type} removed`);
  assert.equal((await age.cycle()).status, 'init', 'a missing path is not measurable');
}

void test('check directory: existence, timestamp (its mtime), changed timestamp, permission, uid, gid', async () => {
  const path = join(dir.path, 'persistence');
  await mkdir(path);
  await sharedTests('directory', path);
  // A file where the directory should be: it does not exist as a directory (monit: "is not directory").
  await writeFile(path, '');
  const [missing] = await checks('directory', path, ['if does not exist']);
  const r = await missing?.cycle();
  assert.deepEqual([r?.status, r?.message], ['failed', `${path} is not a directory`]);
});

void test('check fifo: existence, timestamp, changed timestamp, permission, uid, gid', async () => {
  const path = join(dir.path, 'pipe');
  execFileSync('mkfifo', [path]);
  await sharedTests('fifo', path);
  await writeFile(path, '');
  const [missing] = await checks('fifo', path, ['if does not exist']);
  assert.equal(await statusOf(missing ?? assert.fail()), 'failed', 'a plain file is not a fifo');
});

void test('check file: the same tests, and size, changed size, checksum (md5, sha1, expected), changed checksum', async () => {
  const path = join(dir.path, 'mosquitto.conf');
  await writeFile(path, 'listener 1883\n');
  const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
  const sha1 = (s: string): string => createHash('sha1').update(s).digest('hex');
  const [size, changedSize, sum, sha, expected, changedSum] = await checks('file', path, [
    'if size > 20 B',
    'if changed size',
    'if failed md5 checksum',
    'if failed sha1 checksum',
    `if failed checksum expect ${sha1('listener 1883\n')}`,
    'if changed checksum',
  ]);
  assert.ok(size && changedSize && sum && sha && expected && changedSum);
  for (const r of [size, changedSize, sum, sha, expected, changedSum]) assert.equal(await statusOf(r), 'ok');
  await appendFile(path, 'allow_anonymous false\n');
  assert.equal(await statusOf(size), 'failed', 'now 36 B');
  assert.equal(await statusOf(changedSize), 'failed');
  assert.equal(await statusOf(sum), 'failed', 'md5 changed since the last cycle');
  assert.equal(await statusOf(sha), 'failed');
  const exp = await expected.cycle();
  assert.equal(exp.status, 'failed');
  assert.match(exp.message, new RegExp(sha1('listener 1883\nallow_anonymous false\n')));
  assert.equal(await statusOf(changedSum), 'failed');
  assert.deepEqual(
    [await statusOf(changedSize), await statusOf(sum), await statusOf(changedSum)],
    ['ok', 'ok', 'ok'],
    'each change is seen once',
  );
  assert.match((await sum.cycle()).message, new RegExp(md5('listener 1883\nallow_anonymous false\n')));
  // Replaced by another file of the same size: the sum sees it, the size does not.
  await writeFile(`${path}.new`, 'listener 1884\nallow_anonymous false\n');
  await rename(`${path}.new`, path);
  assert.deepEqual([await statusOf(changedSize), await statusOf(changedSum)], ['ok', 'failed']);
  await sharedTests('file', path);
});

void test('checksum, size and content tests are errors in directory and fifo checks, as in monit', async () => {
  const { parseRules } = await import('../../src/config/loader.js');
  for (const [type, rule] of [
    ['directory', 'if failed checksum then alert'],
    ['fifo', 'if size > 1 kB then alert'],
    ['directory', 'if changed size then alert'],
    ['fifo', 'if content = "x" then alert'],
  ] as const) {
    await assert.rejects(parseRules(`check ${type} x with path /tmp\n  ${rule}\n`, 'c.rc'), /c\.rc:2:3: /, rule);
  }
});
