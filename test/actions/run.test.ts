import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunResult } from '../../src/actions/run.js';
import { runCommand } from '../../src/actions/run.js';
import { programEnv } from '../../src/actions/env.js';
import type { TempDir } from '../helpers/tmp.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';
import { Children, isAlive } from '../process/children.js';

const children = new Children();
let dir: TempDir;
before(async () => {
  dir = await tempDir('bw-run-');
});
after(async () => {
  children.killAll();
  await dir.cleanup();
});

const sh = (script: string, extra: { timeoutMs?: number } = {}) => ({ argv: ['/bin/sh', '-c', script], ...extra });

/** PIDs a script printed as `pid=N`, remembered for cleanup with the program's own PID. */
function printedPids(result: RunResult): number[] {
  const pids = [...result.output.matchAll(/^pid=(\d+)$/gm)].map((m) => Number(m[1]));
  for (const pid of pids) children.remember(pid);
  if (result.pid !== undefined) children.remember(result.pid);
  return pids;
}

void describe('runCommand', () => {
  void test('success: exit 0, stdout and stderr interleaved in order', async () => {
    const result = await runCommand(sh('echo one; echo two >&2; echo three'), { defaultTimeoutMs: 5_000 });
    assert.equal(result.exitCode, 0);
    assert.equal(result.failed, false);
    assert.equal(result.error, undefined);
    assert.equal(result.timedOut, false);
    assert.equal(result.aborted, false);
    assert.equal(result.output, 'one\ntwo\nthree\n');
    assert.ok(result.pid !== undefined && result.pid > 0);
    assert.ok(result.durationMs >= 0);
  });

  void test('argv with no shell: arguments are passed as they are', async () => {
    const result = await runCommand({ argv: ['/bin/echo', 'a  b', '$HOME', ';', '*'] }, { defaultTimeoutMs: 5_000 });
    assert.equal(result.output, 'a  b $HOME ; *\n');
  });

  void test('nonzero exit', async () => {
    const result = await runCommand(sh('echo bad >&2; exit 3'), { defaultTimeoutMs: 5_000 });
    assert.equal(result.exitCode, 3);
    assert.equal(result.failed, true);
    assert.equal(result.error, 'exited with status 3');
    assert.equal(result.output, 'bad\n');
  });

  void test('a program that does not exist fails without throwing', async () => {
    const result = await runCommand({ argv: ['/nonexistent/brokerwatch-start'] }, { defaultTimeoutMs: 5_000 });
    assert.equal(result.failed, true);
    assert.equal(result.exitCode, undefined);
    assert.equal(
      result.error,
      'cannot run /nonexistent/brokerwatch-start: no such program, or no working folder / (ENOENT)',
    );
  });

  void test('an empty command fails', async () => {
    const result = await runCommand({ argv: [] }, { defaultTimeoutMs: 5_000 });
    assert.equal(result.failed, true);
    assert.equal(result.error, 'empty command');
  });

  void test('timeout ends the whole group with SIGTERM', async () => {
    const result = await runCommand(sh('sleep 100 & echo pid=$!; sleep 100 & echo pid=$!; wait', { timeoutMs: 300 }), {
      defaultTimeoutMs: 60_000,
      killGraceMs: 5_000,
    });
    const pids = printedPids(result);
    assert.equal(pids.length, 2);
    assert.equal(result.timedOut, true);
    assert.equal(result.failed, true);
    assert.equal(result.signal, 'SIGTERM');
    assert.match(result.error ?? '', /^timed out after 300 ms; process group \d+ ended with SIGTERM$/);
    assert.ok(result.durationMs >= 300, `ended after ${result.durationMs} ms, before its timeout`);
    for (const pid of [...pids, result.pid ?? 0]) assert.equal(isAlive(pid), false, `process ${pid} survived`);
  });

  void test('a group that ignores SIGTERM gets SIGKILL after the grace period', async () => {
    const result = await runCommand(sh(`trap '' TERM; sleep 100 & echo pid=$!; wait; wait`), {
      defaultTimeoutMs: 200,
      killGraceMs: 300,
    });
    const pids = printedPids(result);
    assert.equal(result.timedOut, true);
    assert.equal(result.signal, 'SIGKILL');
    assert.match(result.error ?? '', /SIGTERM, then SIGKILL$/);
    assert.ok(result.durationMs >= 500, `${result.durationMs} ms`);
    for (const pid of [...pids, result.pid ?? 0]) assert.equal(isAlive(pid), false, `process ${pid} survived`);
  });

  void test('abort ends the group', async () => {
    const flag = join(dir.path, 'started');
    const controller = new AbortController();
    const running = runCommand(sh(`sleep 100 & echo pid=$!; touch ${flag}; wait`), {
      defaultTimeoutMs: 60_000,
      signal: controller.signal,
    });
    await waitFor(() => existsSync(flag), { message: 'the program never started' });
    controller.abort();
    const result = await running;
    const pids = printedPids(result);
    assert.equal(result.aborted, true);
    assert.equal(result.timedOut, false);
    assert.equal(result.failed, true);
    assert.match(result.error ?? '', /^aborted; process group \d+ ended with SIGTERM$/);
    for (const pid of [...pids, result.pid ?? 0]) assert.equal(isAlive(pid), false, `process ${pid} survived`);
  });

  void test('an abort before the start runs nothing', async () => {
    const flag = join(dir.path, 'never');
    const result = await runCommand(sh(`touch ${flag}`), { defaultTimeoutMs: 5_000, signal: AbortSignal.abort() });
    assert.equal(result.aborted, true);
    assert.equal(result.failed, true);
    assert.equal(result.pid, undefined);
    assert.equal(existsSync(flag), false);
  });

  void test('a daemonizing start program returns at once and its daemon is left running', async () => {
    // The background sleep keeps the inherited stdout and stderr open, as a careless daemon does.
    const result = await runCommand(sh('sleep 100 & echo pid=$!; echo started'), { defaultTimeoutMs: 10_000 });
    const [daemon] = printedPids(result);
    assert.ok(daemon !== undefined);
    assert.equal(result.exitCode, 0);
    assert.equal(result.failed, false);
    assert.equal(result.timedOut, false);
    assert.match(result.output, /started\n$/);
    // Returned while its daemon lives on: it did not wait for the daemon's end (nor kill it).
    assert.equal(isAlive(daemon), true, 'the daemon must not be killed after a successful start');
  });

  void test('a daemon that writes to the inherited stdout after the start is not hurt (no SIGPIPE)', async () => {
    const result = await runCommand(sh('(sleep 0.2; echo late; echo late >&2; exec sleep 101) & echo pid=$!'), {
      defaultTimeoutMs: 10_000,
    });
    const [daemon] = printedPids(result);
    assert.ok(daemon !== undefined);
    assert.equal(result.exitCode, 0);
    // It reaches its `exec sleep 101` only if the late writes did not kill it.
    await waitFor(
      async () => (await readFile(`/proc/${daemon}/cmdline`, 'utf8').catch(() => '')) === 'sleep\x00101\x00',
      {
        message: 'the daemon died writing to its stdout',
      },
    );
    assert.equal(isAlive(daemon), true);
  });

  void test('output is bounded, keeping the tail', async () => {
    const result = await runCommand(sh(`head -c 200000 /dev/zero | tr '\\0' a; echo; echo END`), {
      defaultTimeoutMs: 10_000,
      maxOutputBytes: 1024,
    });
    assert.equal(result.exitCode, 0);
    assert.equal(result.outputTruncated, true);
    assert.equal(Buffer.byteLength(result.output), 1024);
    assert.ok(result.output.endsWith('a\nEND\n'));
  });

  void test('runs as another user: uid nobody (and its primary group)', async () => {
    const byName = await runCommand(
      { argv: ['/bin/sh', '-c', 'id -u; id -g; id -G'], uid: 'nobody' },
      { defaultTimeoutMs: 5_000 },
    );
    assert.equal(byName.failed, false, byName.error);
    assert.equal(byName.output, '65534\n65534\n65534\n');
    const byNumber = await runCommand(
      { argv: ['/bin/sh', '-c', 'id -u; id -g'], uid: 65534, gid: 0 },
      { defaultTimeoutMs: 5_000 },
    );
    assert.equal(byNumber.output, '65534\n0\n');
  });

  void test('an unknown user is a failure, not a run as root', async () => {
    const result = await runCommand({ argv: ['/bin/true'], uid: 'no-such-user-bw' }, { defaultTimeoutMs: 5_000 });
    assert.equal(result.failed, true);
    assert.equal(result.pid, undefined);
    assert.equal(result.error, 'cannot run /bin/true: unknown user "no-such-user-bw" (not in /etc/passwd)');
  });

  void test('environment: MONIT_* and BROKERWATCH_* variables, a safe PATH, nothing inherited', async () => {
    process.env.BW_TEST_SECRET = 'hunter2';
    try {
      const env = programEnv({
        service: 'mosquitto',
        event: 'Does not exist',
        description: 'process is not running',
        host: 'broker-1',
        process: { pid: 1234, memoryBytes: 2048 * 1024, children: 2, cpuPercent: 1.25 },
      });
      const result = await runCommand({ argv: ['/usr/bin/env'] }, { defaultTimeoutMs: 5_000, env });
      const lines = result.output.trim().split('\n');
      const vars = new Map(lines.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
      assert.equal(vars.get('MONIT_SERVICE'), 'mosquitto');
      assert.equal(vars.get('BROKERWATCH_SERVICE'), 'mosquitto');
      assert.equal(vars.get('MONIT_EVENT'), 'Does not exist');
      assert.equal(vars.get('MONIT_DESCRIPTION'), 'process is not running');
      assert.equal(vars.get('MONIT_HOST'), 'broker-1');
      assert.equal(vars.get('MONIT_PROCESS_PID'), '1234');
      assert.equal(vars.get('MONIT_PROCESS_MEMORY'), '2048');
      assert.equal(vars.get('MONIT_PROCESS_CHILDREN'), '2');
      assert.equal(vars.get('BROKERWATCH_PROCESS_CPU_PERCENT'), '1.3');
      assert.match(vars.get('MONIT_DATE') ?? '', /^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2}$/);
      assert.equal(vars.get('PATH'), '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
      assert.equal(vars.has('BW_TEST_SECRET'), false);
      assert.equal(vars.has('HOME'), false);
    } finally {
      delete process.env.BW_TEST_SECRET;
    }
  });

  void test('a program is found on the safe PATH; cwd defaults to /', async () => {
    const result = await runCommand({ argv: ['pwd'] }, { defaultTimeoutMs: 5_000 });
    assert.equal(result.output, '/\n');
    const inDir = await runCommand({ argv: ['pwd'] }, { defaultTimeoutMs: 5_000, cwd: dir.path });
    assert.equal(inDir.output, `${dir.path}\n`);
  });
});
