// `if changed …`: a file's value, a program's exit status, a process's pid.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatDiagnostic } from '../../src/config/diagnostics.js';
import { parseRules } from '../../src/config/loader.js';
import type { TempDir } from '../helpers/tmp.js';
import { tempDir } from '../helpers/tmp.js';
import { parseFailure } from '../helpers/rules.js';
import { Driver, cycle, done, lost, ok } from '../state/fixtures.js';
import { runKind } from './fixtures.js';
import { checkOf, parseService, ruleOf } from './parsed.js';

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

void test('changed status: not run yet is no verdict; the same status again is ok, named', async () => {
  const memo = new Map<string, unknown>();
  const status = (programStatus?: number) =>
    runKind(
      'program',
      { kind: 'changed', what: 'status' },
      {
        memo,
        ...(programStatus === undefined ? {} : { extra: { programStatus } }),
      },
    );
  const before = await status();
  assert.deepEqual([before.status, before.message], ['init', 'program has not run yet']);
  assert.deepEqual(
    [await status(2), await status(2)].map((r) => [r.status, r.message]),
    [
      ['ok', 'status 2'],
      ['ok', 'status 2'],
    ],
  );
});

void test('changed pid and ppid of a process: the value named, the same value again is ok', async () => {
  const memo = new Map<string, unknown>();
  const pid = (p: number) => runKind('process', { kind: 'changed', what: 'pid' }, { memo, extra: { pid: p } });
  assert.deepEqual(
    [await pid(100), await pid(100)].map((r) => [r.status, r.message]),
    [
      ['ok', 'pid 100'],
      ['ok', 'pid 100'],
    ],
  );
  // The ppid is read from /proc: this test's own process, whose parent is known here.
  const ppidMemo = new Map<string, unknown>();
  const ppid = (p?: number) =>
    runKind('process', { kind: 'changed', what: 'ppid' }, { memo: ppidMemo, ...(p ? { extra: { pid: p } } : {}) });
  const mine = await ppid(process.pid);
  assert.deepEqual([mine.status, mine.message], ['ok', `ppid ${process.ppid}`]);
  assert.deepEqual([(await ppid()).status, (await ppid()).message], ['init', 'process not running']);
  // Above the kernel's largest pid: no such process, nothing to read.
  const gone = await ppid(4_194_305);
  assert.deepEqual([gone.status, gone.message], ['init', 'process not running']);
  assert.equal((await ppid(process.pid)).status, 'ok', 'the unreadable cycle left the last ppid alone');
});

void describe('changed: the words of the rules file', () => {
  const fileWith = (rule: string) => `check file conf with path /etc/hosts\n  if ${rule} then alert\n`;

  void test('each spelling of a value names one test', async () => {
    const spellings: [string, string][] = [
      ['changed time', 'timestamp'],
      ['changed mtime', 'timestamp'],
      ['changed timestamp', 'timestamp'],
      ['changed md5 checksum', 'checksum'],
      ['changed sha1 checksum', 'checksum'],
      ['changed sha256 checksum', 'checksum'],
      ['changed checksum', 'checksum'],
      ['changed size', 'size'],
    ];
    for (const [rule, what] of spellings) {
      const { rule: r } = await checkOf(fileWith(rule));
      assert.deepEqual(r.condition, { kind: 'changed', what }, rule);
    }
  });

  void test('a hash names a checksum; anything else is refused with what was expected', async () => {
    assert.deepEqual(await parseFailure(fileWith('changed sha1 digest'), 'c.rc'), [
      "c.rc:2:19: expected 'checksum', found 'digest'",
    ]);
    assert.deepEqual(await parseFailure(fileWith('changed colour'), 'c.rc'), [
      "c.rc:2:14: expected 'pid', 'ppid', 'checksum', 'timestamp', 'size' or 'status' after 'changed', found 'colour'",
    ]);
  });

  void test("monit's changes brokerwatch does not evaluate load with a warning, the rule ignored", async () => {
    for (const word of ['permission', 'perm', 'hardlink', 'hardlinks', 'atime', 'ctime', 'uid', 'gid']) {
      const { config, warnings } = await parseRules(fileWith(`changed ${word}`), 'c.rc');
      assert.deepEqual(
        warnings.map(formatDiagnostic),
        [`c.rc:2:14: warning: 'changed ${word}' tests are not evaluated by brokerwatch; this rule is ignored`],
        word,
      );
      assert.deepEqual(
        config.services[0]?.rules.filter((r) => !r.implicit),
        [],
      );
    }
  });

  void test('pid and ppid belong to a process; checksum and size not to a directory or fifo', async () => {
    const cases: [string, string][] = [
      [fileWith('changed pid'), "c.rc:2:3: 'changed pid' tests apply to 'check process' only"],
      [fileWith('changed ppid'), "c.rc:2:3: 'changed pid' tests apply to 'check process' only"],
      [
        'check directory d with path /etc\n  if changed checksum then alert\n',
        "c.rc:2:3: 'changed checksum' tests do not apply to 'check directory'",
      ],
      [
        'check fifo f with path /run/f\n  if changed size then alert\n',
        "c.rc:2:3: 'changed size' tests do not apply to 'check fifo'",
      ],
    ];
    for (const [text, error] of cases) assert.deepEqual(await parseFailure(text, 'c.rc'), [error], text);
    const dir = await parseService('check directory d with path /etc\n  if changed timestamp then alert\n');
    assert.equal(dir.rules.filter((r) => !r.implicit).length, 1);
  });
});

void test('a changed pid is a "pid" event of its own right after a restart: no start grace, no failed state', async () => {
  const svc = await parseService(
    'check process broker with pidfile /run/broker.pid\n  start program = "/bin/true"\n  if changed pid then alert\n',
  );
  const pidRule = ruleOf(svc);
  const existence = svc.rules.find((r) => r.implicit);
  assert.ok(existence);
  const d = new Driver(svc);
  const oks = (pid: number) => pidRule.cycle({ pid }).then((r) => cycle(ok(existence.id), r));
  d.feed(await oks(100), 1000);
  d.feed(lost, 1000).feed(done('restart'), 100);
  d.feed(await oks(200), 100);
  assert.deepEqual(
    d.events.filter((e) => e.type === 'pid').map((e) => [e.state, e.action, e.message]),
    [['changed', 'alert', 'pid changed from 100 to 200']],
  );
  assert.equal(d.state.status, 'ok');
  d.feed(await oks(200), 1000);
  assert.deepEqual(d.events, [], 'nothing to recover from');
  assert.equal(d.state.status, 'ok');
});
