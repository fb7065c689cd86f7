// The daemon's start applies -t's look at the machine: a `check program` whose program is missing or
// an unknown `as uid` user stops it before anything starts (monit's daemon parses with the same
// checks); a missing start program is only a warning, logged, and the daemon runs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { realpath, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CLI_MAIN } from '../../bench/cli-modules.js';
import type { TempDir } from '../helpers/tmp.js';
import { tempDir } from '../helpers/tmp.js';

let tmp: TempDir;
let root = '';

before(async () => {
  tmp = await tempDir('bw-cli-env-');
  root = await realpath(tmp.path);
});

after(async () => {
  await tmp.cleanup();
});

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI_MAIN, ...args], { timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

void describe('brokerwatch -I looks at the machine before it starts anything', () => {
  void test('a missing check program and an unknown user: exit 1, each error at its line', async () => {
    const file = join(root, 'bad.rc');
    await writeFile(
      file,
      'check program p with path "/nonexistent/p"\n  if status != 0 then alert\n' +
        'check process x with pidfile /run/x.pid\n  start program = "/bin/true" as uid nosuchuser-bw\n',
      { mode: 0o600 },
    );
    const r = await cli('-c', file, '-I');
    assert.equal(r.code, 1, r.stderr);
    assert.deepEqual(r.stderr.trim().split('\n'), [
      `${file}:1:27: program '/nonexistent/p' does not exist: 'check program' has nothing to run`,
      `${file}:4:38: unknown user 'nosuchuser-bw' (not in /etc/passwd)`,
      `${file}: errors found; nothing was started`,
    ]);
  });

  void test('-t prints the same, with the warnings, and fails', async () => {
    const file = join(root, 'bad-t.rc');
    await writeFile(
      file,
      'check process x with pidfile /run/x.pid\n  start program = "/nonexistent/start"\n' +
        '  stop program = "/bin/true" as uid nosuchuser-bw\n',
      { mode: 0o600 },
    );
    const r = await cli('-c', file, '-t');
    assert.equal(r.code, 1);
    assert.deepEqual((r.stdout + r.stderr).trim().split('\n').sort(), [
      `${file}: 1 error; nothing was started`,
      `${file}:2:19: warning: program '/nonexistent/start' does not exist`,
      `${file}:3:37: unknown user 'nosuchuser-bw' (not in /etc/passwd)`,
    ]);
  });
});
