// `brokerwatch -c FILE -t`, run as a real process: exit 0 and one OK line for a good file; exit 1
// and every error as FILE:LINE:COL for a bad one; warnings with their line; a clear message when
// there is no rules file at all.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, realpath, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TempDir } from '../helpers/tmp.js';
import { tempDir } from '../helpers/tmp.js';
import { BROKERWATCH as MAIN } from '../helpers/cli.js';

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built CLI and resolves with its exit code and output, whatever the code. */
function cli(args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [MAIN, ...args], { timeout: 20_000, ...opts }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') {
        reject(err);
        return;
      }
      resolve({ code: err ? (err.code as number) : 0, stdout, stderr });
    });
  });
}

function lines(s: string): string[] {
  return s.split('\n').filter((l) => l !== '');
}

let tmp: TempDir;
let dir: string;

before(async () => {
  tmp = await tempDir('bw-cli-');
  dir = await realpath(tmp.path);
});

after(async () => {
  await tmp.cleanup();
});

async function rules(name: string, text: string, mode = 0o600): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, text, { mode });
  await chmod(file, mode);
  return file;
}

void describe('brokerwatch -c FILE -t', () => {
  void test('a long report through a slow pipe arrives whole, its summary last', async () => {
    const body = Array.from(
      { length: 4000 },
      (_, i) => `check process p${i} with pidfile /run/p${i}.pid\n  if cpu > 80% for zz cycles then alert\n`,
    ).join('');
    const file = await rules('long.rc', body);
    // A reader that starts late, as a pager or a busy `| grep` does: the 64 kB pipe fills first, and a
    // process that exits then loses what it had not written yet (most runs did, before).
    for (let run = 0; run < 3; run++) {
      const out = await new Promise<string>((resolve, reject) => {
        execFile(
          '/bin/sh',
          ['-c', '"$0" "$1" -c "$2" -t 2>&1 | (sleep 0.3; cat)', process.execPath, MAIN, file],
          { timeout: 20_000, maxBuffer: 16 << 20 },
          (err, stdout) => (err && typeof err.code !== 'number' ? reject(err) : resolve(stdout)),
        );
      });
      const got = lines(out);
      assert.equal(got.length, 4001, `run ${run}: ${got.length} lines`);
      assert.equal(got.at(-1), `${file}: 4000 errors; nothing was started`);
    }
  });

  void test('a good file: exit 0, one OK line on stdout, nothing on stderr', async () => {
    const file = await rules(
      'good.rc',
      'set daemon 10\ncheck process mosquitto with pidfile /run/mosquitto/mosquitto.pid\n  start "/usr/bin/systemctl start mosquitto"\n  if failed port 1883 protocol mqtt then restart\n',
    );
    const r = await cli(['-c', file, '-t']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(lines(r.stdout), [`Control file syntax OK: ${file} (1 service)`]);
    assert.equal(r.stderr, '');
  });

  void test('the OK line counts services and included files; --control and --test work too', async () => {
    await mkdir(join(dir, 'conf.d'), { mode: 0o700 });
    await rules('conf.d/a.rc', 'check file a with path /a\n');
    await rules('conf.d/b.rc', 'check file b with path /b\n');
    const file = await rules('with-includes.rc', 'include conf.d/*.rc\n');
    const r = await cli(['--control', file, '--test']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(lines(r.stdout), [`Control file syntax OK: ${file} (2 services, 2 included files)`]);
  });

  void test('warnings are printed with their line, then the OK line', async () => {
    const file = await rules(
      'warn.rc',
      'set fips\ncheck process a with pidfile /run/a.pid\n  if memory > 5000 then alert\n',
    );
    const r = await cli(['-c', file, '-t']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(lines(r.stdout), [
      `${file}:1:5: warning: 'set fips' is not used by brokerwatch; ignored`,
      `${file}:3:15: warning: bare number 5000 for memory is taken as bytes; write '5000 B' or use kB, MB, GB`,
      `Control file syntax OK: ${file} (1 service, 2 warnings)`,
    ]);
  });

  void test('a bad file: exit 1, every error as FILE:LINE:COL on stderr, in order, with the warnings', async () => {
    const file = await rules(
      'bad.rc',
      [
        'set daemon 10',
        'check process a with pidfile /run/a.pid',
        '  if failed port 65536 then restart',
        '  if memory > 5000 then alert',
        '  stop "/bin/stop a',
        'check process b with pidfile /run/b.pid',
        '  depends on nosuch',
        'check file a with path /a',
      ].join('\n'),
    );
    const r = await cli(['-c', file, '-t']);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.deepEqual(lines(r.stderr), [
      `${file}:3:18: a port number 65536 is out of range (1–65535)`,
      `${file}:4:15: warning: bare number 5000 for memory is taken as bytes; write '5000 B' or use kB, MB, GB`,
      `${file}:5:8: unterminated string: missing closing "`,
      // -t looks at the machine too, as monit's does.
      `${file}:5:8: warning: program '/bin/stop' does not exist`,
      `${file}:7:14: unknown service 'nosuch' in depends of 'b'`,
      `${file}:8:1: service 'a' is already defined at ${file}:2`,
      `${file}: 4 errors; nothing was started`,
    ]);
  });

  void test('an error in an included file names that file', async () => {
    const part = await rules('part.rc', '\ncheck file p with path /p\n  if failed permission 9 then alert\n');
    const file = await rules('main.rc', 'include part.rc\n');
    const r = await cli(['-c', file, '-t']);
    assert.equal(r.code, 1);
    assert.deepEqual(lines(r.stderr), [
      `${part}:3:24: expected an octal mode such as 644 after 'permission', found '9'`,
      `${file}: 1 error; nothing was started`,
    ]);
  });

  void test('a file others can read is refused with the command that fixes it', async () => {
    const file = await rules('open.rc', 'set daemon 10\n', 0o644);
    const r = await cli(['-c', file, '-t']);
    assert.equal(r.code, 1);
    assert.deepEqual(lines(r.stderr), [
      `${file}:1:1: ${file} must not be accessible by group or others (mode 0644): it may hold passwords; run 'chmod 600 ${file}'`,
      `${file}: 1 error; nothing was started`,
    ]);
  });

  void test('-c with a file that does not exist: exit 1 and a clear message', async () => {
    const file = join(dir, 'missing.rc');
    const r = await cli(['-c', file, '-t']);
    assert.equal(r.code, 1);
    assert.deepEqual(lines(r.stderr), [
      `${file}:1:1: cannot read rules file ${file}: no such file`,
      `${file}: 1 error; nothing was started`,
    ]);
  });

  const systemFile = ['/etc/brokerwatch/brokerwatch.rc', '/etc/brokerwatchrc'].some((f) => existsSync(f));
  void test(
    'no -c and no rules file in any default place: exit 1, the places looked at',
    { skip: systemFile && 'a system rules file exists' },
    async () => {
      const home = join(dir, 'home');
      const cwd = join(dir, 'empty');
      await mkdir(home, { mode: 0o700 });
      await mkdir(cwd, { mode: 0o700 });
      const r = await cli(['-t'], { cwd, env: { ...process.env, HOME: home } });
      assert.equal(r.code, 1);
      assert.equal(r.stdout, '');
      assert.deepEqual(lines(r.stderr), [
        `brokerwatch: no rules file found; looked for ${join(home, '.brokerwatchrc')}, /etc/brokerwatch/brokerwatch.rc, /etc/brokerwatchrc, ${join(cwd, 'brokerwatch.rc')}; use -c FILE`,
      ]);
    },
  );

  void test(
    'no -c: ./brokerwatch.rc is found and checked',
    { skip: systemFile && 'a system rules file exists' },
    async () => {
      const home = join(dir, 'home2');
      const cwd = join(dir, 'project');
      await mkdir(home, { mode: 0o700 });
      await mkdir(cwd, { mode: 0o700 });
      await writeFile(join(cwd, 'brokerwatch.rc'), 'check file f with path /f\n', { mode: 0o600 });
      const r = await cli(['-t'], { cwd, env: { ...process.env, HOME: home } });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(lines(r.stdout), [`Control file syntax OK: ${join(cwd, 'brokerwatch.rc')} (1 service)`]);
    },
  );
});
