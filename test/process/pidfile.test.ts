import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readPidfile } from '../../src/process/pidfile.js';
import { parseProcStat } from '../../src/process/proc-stat.js';
import type { TempDir } from '../helpers/tmp.js';
import { tempDir } from '../helpers/tmp.js';

void describe('readPidfile', () => {
  let dir: TempDir;
  before(async () => {
    dir = await tempDir('bw-pidfile-');
  });
  after(async () => {
    await dir.cleanup();
  });

  async function pidfile(name: string, content: string): Promise<string> {
    const path = join(dir.path, name);
    await writeFile(path, content);
    return path;
  }

  void test('reads a PID with a newline and blanks around it', async () => {
    assert.deepEqual(await readPidfile(await pidfile('ok.pid', '  4242 \n')), { ok: true, pid: 4242 });
  });

  void test('uses the first line only', async () => {
    assert.deepEqual(await readPidfile(await pidfile('two.pid', '77\nsomething else\n')), { ok: true, pid: 77 });
  });

  void test('missing', async () => {
    const path = join(dir.path, 'nope.pid');
    assert.deepEqual(await readPidfile(path), {
      ok: false,
      reason: 'missing',
      message: `pidfile ${path} does not exist`,
    });
  });

  void test('empty, or blank', async () => {
    for (const content of ['', ' \n\n']) {
      const path = await pidfile('empty.pid', content);
      assert.deepEqual(await readPidfile(path), { ok: false, reason: 'empty', message: `pidfile ${path} is empty` });
    }
  });

  void test('garbage', async () => {
    for (const content of ['abc\n', '12abc', '-5', '0x10', '1.5']) {
      const path = await pidfile('garbage.pid', content);
      const result = await readPidfile(path);
      assert.equal(result.ok, false, content);
      if (result.ok) continue;
      assert.equal(result.reason, 'garbage', content);
      assert.match(result.message, /does not hold a PID/);
      assert.ok(result.message.startsWith(`pidfile ${path} `));
    }
  });

  void test('a PID no process can have', async () => {
    for (const content of ['0', '99999999']) {
      const result = await readPidfile(await pidfile('range.pid', content));
      assert.ok(!result.ok && result.reason === 'garbage' && /no process can have/.test(result.message), content);
    }
  });

  void test('a folder is unreadable', async () => {
    const path = join(dir.path, 'folder.pid');
    await mkdir(path);
    const result = await readPidfile(path);
    assert.ok(!result.ok);
    assert.equal(result.reason, 'unreadable');
    assert.equal(result.message, `pidfile ${path} cannot be read: it is a folder`);
  });
});

void describe('parseProcStat', () => {
  // Fields 3..52 of a real line, state S, ppid 1, pgrp 300, session 301, starttime (field 22) 98765.
  const tail =
    'S 1 300 301 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 98765 1000 200 18446744073709551615 ' +
    '1 1 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0';

  void test('a comm with spaces and parentheses is cut at the last ")"', () => {
    const stat = parseProcStat(`1234 (my (evil) prog) R) ${tail}\n`);
    assert.deepEqual(stat, {
      pid: 1234,
      comm: 'my (evil) prog) R',
      state: 'S',
      ppid: 1,
      pgrp: 300,
      session: 301,
      startTime: 98765,
    });
  });

  void test('rejects what is not a stat line', () => {
    assert.equal(parseProcStat(''), undefined);
    assert.equal(parseProcStat('hello'), undefined);
    assert.equal(parseProcStat('12 (x) S 1 2'), undefined);
  });
});
