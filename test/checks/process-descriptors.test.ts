// `if [total] filedescriptors …` and `if loadavg …` of a process: this test's own process and a child
// it starts, read from /proc as the daemon reads a broker's (counts checked against the test's own
// listing of /proc/PID/fd, the share against its own reading of /proc/PID/limits).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { createCheck } from '../../src/checks/registry.js';
import type { CheckResult } from '../../src/checks/result.js';
import { waitFor } from '../helpers/wait.js';
import { parseService } from './parsed.js';

let child: ChildProcess;
before(() => {
  child = spawn('sleep', ['300'], { stdio: 'ignore' });
});
after(() => {
  child.kill();
});

/** The result of a process service's only rule, RULE, for PID. */
async function judged(rule: string, pid: number | undefined): Promise<CheckResult> {
  const service = await parseService(`check process p with pidfile /run/p.pid\n  if ${rule} then alert\n`);
  const r = service.rules.find((x) => !x.implicit);
  assert.ok(r);
  const check = createCheck(service, r);
  assert.ok(check);
  const result = await check.run({
    service,
    rule: r,
    signal: new AbortController().signal,
    memo: new Map(),
    now: Date.now(),
    ...(pid === undefined ? {} : { pid }),
  });
  assert.ok(result);
  return result;
}

const fds = async (pid: number) => (await readdir(`/proc/${pid}/fd`)).length;

void describe('filedescriptors of a process', () => {
  void test('a count of its open descriptors, named', async () => {
    const r = await judged('filedescriptors > 100000', process.pid);
    const n = r.metrics?.['filedescriptors'] ?? -1;
    assert.deepEqual([r.status, r.message], ['ok', `filedescriptors ${n}`]);
    assert.ok(Math.abs(n - (await fds(process.pid))) <= 2, `${n} open`);
    assert.equal((await judged('filedescriptors > 0', process.pid)).status, 'failed');
  });

  void test('a share of its open-files limit, with both numbers', async () => {
    const limit = Number(/^Max open files\s+(\d+)/m.exec(await readFile('/proc/self/limits', 'utf8'))?.[1]);
    assert.ok(limit > 0, 'this process has an open-files limit');
    const r = await judged('filedescriptors > 99%', process.pid);
    const n = r.metrics?.['filedescriptors'] ?? -1;
    assert.deepEqual(
      [r.status, r.message],
      ['ok', `filedescriptors ${((n / limit) * 100).toFixed(1)}% (${n} of ${limit})`],
    );
    assert.ok(Math.abs(n - (await fds(process.pid))) <= 2, `${n} open`);
  });

  void test("total: the process's and its children's", async () => {
    const pid = child.pid;
    assert.ok(pid !== undefined);
    await waitFor(async () => (await readFile(`/proc/${pid}/cmdline`, 'utf8')).startsWith('sleep'), {
      message: 'the child runs',
      timeoutMs: 10_000,
    });
    const own = await judged('filedescriptors > 100000', process.pid);
    const total = await judged('total filedescriptors > 100000', process.pid);
    const ownCount = own.metrics?.['filedescriptors'] ?? -1;
    const totalCount = total.metrics?.['total filedescriptors'] ?? -1;
    assert.equal(total.message, `total filedescriptors ${totalCount}`);
    const childCount = await fds(pid);
    assert.ok(Math.abs(totalCount - (ownCount + childCount)) <= 2, `${totalCount} = ${ownCount} + ${childCount}`);
    assert.ok(childCount >= 3);
  });

  void test('no process, or one gone, is no verdict', async () => {
    const none = await judged('filedescriptors > 10', undefined);
    // Above the kernel's largest pid: no such process.
    const gone = await judged('filedescriptors > 10', 4_194_305);
    assert.deepEqual(
      [none, gone].map((r) => [r.status, r.message]),
      [
        ['init', 'process not running'],
        ['init', "cannot list /proc/4194305/fd (gone, or another user's process)"],
      ],
    );
  });
});

void describe('loadavg of a process service', () => {
  void test("each period reads its own field of the host's /proc/loadavg", async () => {
    const periods = [1, 5, 15] as const;
    for (const [i, period] of periods.entries()) {
      const read = async () => Number((await readFile('/proc/loadavg', 'utf8')).split(' ')[i]);
      const before = await read();
      const r = await judged(`loadavg (${period}min) > 100000`, process.pid);
      const after = await read();
      const load = r.metrics?.[`load${period}`];
      assert.ok(load === before || load === after, `load${period} ${load}, /proc/loadavg said ${before} then ${after}`);
      assert.deepEqual([r.status, r.message], ['ok', `loadavg (${period}min) ${load?.toFixed(2)}`]);
    }
  });
});
