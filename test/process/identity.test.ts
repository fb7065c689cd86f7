import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProcessIdentity } from '../../src/process/identity.js';
import {
  findByMatching,
  findByPidfile,
  identify,
  isSameProcess,
  killGroup,
  readProcStat,
  safeKill,
  safeKillGroup,
} from '../../src/process/identity.js';
import type { TempDir } from '../helpers/tmp.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';
import { Children, isAlive } from './children.js';

const children = new Children();
let dir: TempDir;
let counter = 0;

before(async () => {
  dir = await tempDir('bw-identity-');
});
after(async () => {
  children.killAll();
  await dir.cleanup();
});

async function pidfile(content: string): Promise<string> {
  const path = join(dir.path, `p${counter++}.pid`);
  await writeFile(path, content);
  return path;
}

/** A process whose parent never reaps it: `exec sleep` replaces the shell that started it. */
async function makeZombie(): Promise<number> {
  const pid = await children.startUnreaped();
  process.kill(pid, 'SIGKILL');
  await waitFor(async () => (await readProcStat(pid))?.state === 'Z', {
    message: `process ${pid} never became a zombie`,
  });
  return pid;
}

/** A PID that was just used and is now free. */
async function deadPid(): Promise<number> {
  const child = spawn('sleep', ['100000'], { stdio: 'ignore' });
  await once(child, 'spawn');
  const pid = child.pid;
  assert.ok(pid !== undefined);
  child.kill('SIGKILL');
  await once(child, 'exit');
  return pid;
}

void describe('identify / isSameProcess', () => {
  void test('identifies a live process', async () => {
    const pid = await children.start('sleep', ['100001']);
    const id = await identify(pid);
    assert.ok(id !== undefined);
    assert.equal(id.pid, pid);
    assert.ok(id.startTime > 0);
    assert.deepEqual(id.cmdline, ['sleep', '100001']);
    assert.match(id.exe ?? '', /\/sleep$/);
    assert.equal(isSameProcess(id), true);
    assert.equal(isSameProcess({ ...id, startTime: id.startTime + 1 }), false);
  });

  void test('no identity for a missing process or a zombie', async () => {
    assert.equal(await identify(await deadPid()), undefined);
    assert.equal(await identify(await makeZombie()), undefined);
    assert.equal(await identify(-1), undefined);
    assert.equal(await identify(Number.NaN), undefined);
  });
});

void describe('findByPidfile', () => {
  void test('running', async () => {
    const pid = await children.start('sleep', ['100002']);
    const result = await findByPidfile(await pidfile(`${pid}\n`));
    assert.ok(result.running);
    assert.equal(result.identity.pid, pid);
    assert.deepEqual(result.identity.cmdline, ['sleep', '100002']);
  });

  void test('missing pidfile: the process is missing', async () => {
    const path = join(dir.path, 'absent.pid');
    assert.deepEqual(await findByPidfile(path), {
      running: false,
      class: 'process-missing',
      message: `pidfile ${path} does not exist`,
    });
  });

  void test('empty and garbage pidfiles are invalid', async () => {
    for (const content of ['', 'mosquitto\n']) {
      const result = await findByPidfile(await pidfile(content));
      assert.ok(!result.running);
      assert.equal(result.class, 'pidfile-invalid');
    }
  });

  void test('a PID with no process', async () => {
    const pid = await deadPid();
    const path = await pidfile(String(pid));
    assert.deepEqual(await findByPidfile(path), {
      running: false,
      class: 'process-missing',
      pid,
      message: `process ${pid} named by pidfile ${path} is not running`,
    });
  });

  void test('a zombie is not running', async () => {
    const pid = await makeZombie();
    const result = await findByPidfile(await pidfile(String(pid)));
    assert.ok(!result.running);
    assert.equal(result.class, 'zombie');
    assert.equal(result.pid, pid);
    assert.match(result.message, /is a zombie/);
  });

  void test('a stale pidfile naming another live process: pid-reused, and safeKill refuses', async () => {
    // The service's last known process had this PID but an earlier start time: the PID was reused.
    const pid = await children.start('sleep', ['100003']);
    const now = await identify(pid);
    assert.ok(now !== undefined);
    const previous: ProcessIdentity = {
      pid,
      startTime: now.startTime - 50,
      exe: '/usr/sbin/mosquitto',
      cmdline: ['mosquitto'],
    };
    const path = await pidfile(`${pid}\n`);

    const result = await findByPidfile(path, previous);
    assert.ok(!result.running);
    assert.equal(result.class, 'pid-reused');
    assert.equal(result.pid, pid);
    assert.match(result.message, new RegExp(`pidfile ${path} is stale: PID ${pid} now belongs to another process`));

    assert.equal(safeKill(previous, 'SIGKILL'), false);
    assert.equal(safeKillGroup(previous, 'SIGKILL'), false);
    assert.equal(isAlive(pid), true, 'the unrelated process must be untouched');
    // The current process itself is found as running.
    const again = await findByPidfile(path, now);
    assert.ok(again.running);
  });

  void test('a real PID reuse (ns_last_pid) is detected', async (t) => {
    const old = await children.start('sleep', ['100004']);
    const oldId = await identify(old);
    assert.ok(oldId !== undefined);
    process.kill(old, 'SIGKILL');
    await waitFor(() => !isAlive(old), { message: 'old process did not die' });
    const reused = await children.startWithPid(old);
    if (reused === undefined) {
      t.skip('cannot choose PIDs here (needs root and /proc/sys/kernel/ns_last_pid)');
      return;
    }
    const result = await findByPidfile(await pidfile(String(old)), oldId);
    assert.ok(!result.running);
    assert.equal(result.class, 'pid-reused');
    assert.equal(safeKill(oldId, 'SIGKILL'), false);
    assert.equal(isAlive(reused), true);
  });
});

void describe('findByMatching', () => {
  const tag = `${process.pid}${Date.now() % 100000}`;

  void test('finds the oldest matching process and skips zombies', async () => {
    const older = await children.start('sleep', [`31337.${tag}`]);
    await waitFor(async () => (await readProcStat(older)) !== undefined);
    // Start times are in 10 ms ticks: make sure the second one is strictly younger.
    const olderStart = (await readProcStat(older))?.startTime ?? 0;
    let younger = await children.start('sleep', [`31337.${tag}`]);
    while (((await readProcStat(younger))?.startTime ?? 0) <= olderStart) {
      process.kill(younger, 'SIGKILL');
      younger = await children.start('sleep', [`31337.${tag}`]);
    }
    const pattern = new RegExp(`sleep 31337\\.${tag}`, 'g');
    const first = await findByMatching(pattern);
    assert.ok(first.running);
    assert.equal(first.identity.pid, older);
    // A global RegExp is stateful; a second call must still match.
    const second = await findByMatching(pattern);
    assert.ok(second.running && second.identity.pid === older);

    safeKill(first.identity, 'SIGKILL');
    await waitFor(() => !isAlive(older));
    const third = await findByMatching(`31337\\.${tag}`);
    assert.ok(third.running);
    assert.equal(third.identity.pid, younger);
  });

  void test('a zombie does not match', async () => {
    const { reported } = await children.startReporting(`sleep 31338.${tag} & echo $!; exec sleep 100000`);
    const pid = reported[0];
    assert.ok(pid !== undefined);
    assert.ok((await findByMatching(`31338\\.${tag}`)).running);
    process.kill(pid, 'SIGKILL');
    await waitFor(async () => (await readProcStat(pid))?.state === 'Z');
    const result = await findByMatching(`31338\\.${tag}`);
    assert.deepEqual(result, {
      running: false,
      class: 'process-missing',
      message: `no process matches /31338\\.${tag}/`,
    });
  });

  void test('never finds brokerwatch itself', async () => {
    const self = process.argv.map((arg) => arg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join(' ');
    const result = await findByMatching(self);
    assert.ok(!result.running || result.identity.pid !== process.pid);
  });
});

void describe('signals', () => {
  void test('safeKill signals the identified process', async () => {
    const pid = await children.start('sleep', ['100005']);
    const id = await identify(pid);
    assert.ok(id !== undefined);
    assert.equal(safeKill(id, 'SIGKILL'), true);
    await waitFor(() => !isAlive(pid), { message: 'not killed' });
    assert.equal(safeKill(id, 'SIGKILL'), false);
  });

  void test('safeKillGroup ends a whole group it leads', async () => {
    const { pid, reported } = await children.startReporting('sleep 100006 & echo $!; wait', { detached: true });
    const id = await identify(pid);
    assert.ok(id !== undefined);
    assert.equal(safeKillGroup(id, 'SIGKILL'), true);
    await waitFor(() => !isAlive(pid) && reported.every((p) => !isAlive(p)), { message: 'group survived' });
  });

  void test('safeKillGroup refuses a process that is not a group leader', async () => {
    const pid = await children.start('sleep', ['100007']);
    const id = await identify(pid);
    assert.ok(id !== undefined);
    assert.equal(safeKillGroup(id, 'SIGKILL'), false);
    assert.equal(isAlive(pid), true);
  });

  void test('killGroup refuses groups that would hit everything or ourselves', async () => {
    const own = (await readProcStat(process.pid))?.pgrp;
    for (const pgid of [0, 1, -1, Number.NaN, 1.5, own ?? 0]) {
      assert.throws(() => killGroup(pgid, 0), RangeError, String(pgid));
    }
  });

  void test('killGroup of an empty group returns false', async () => {
    assert.equal(killGroup(await deadPid(), 0), false);
  });
});
