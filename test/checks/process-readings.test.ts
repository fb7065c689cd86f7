// `if [total] filedescriptors …`, `if loadavg …` and the resources (threads, children, memory, cpu) of
// a process: this test's own process and the children it starts, read from /proc as the daemon reads
// a broker's (counts checked against the test's own listing of /proc/PID/fd, the share against its own
// reading of /proc/PID/limits, totals against a child that holds 64 MB).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { createCheck } from '../../src/checks/registry.js';
import type { CheckResult } from '../../src/checks/result.js';
import { waitFor } from '../helpers/wait.js';
import { parseService } from './parsed.js';

// Both children end themselves once this process is gone (a mutation run kills test processes
// without their after hooks): they poll their parent pid.
const ORPHANED_EXIT = `setInterval(() => { if (process.ppid !== ${process.pid}) process.exit(); }, 200);`;
let child: ChildProcess;
let big: ChildProcess;
before(() => {
  child = spawn(process.execPath, ['-e', ORPHANED_EXIT], { stdio: 'ignore' });
  // A child whose 64 MB are resident, so the totals of this process and its children differ by that much.
  big = spawn(process.execPath, ['-e', `globalThis.b = Buffer.alloc(64 * 1048576, 1); ${ORPHANED_EXIT}`], {
    stdio: 'ignore',
  });
});
after(() => {
  child.kill();
  big.kill();
});

/** The result of a process service's only rule, RULE, for PID. */
async function judged(rule: string, pid: number | undefined, memo = new Map<string, unknown>()): Promise<CheckResult> {
  const service = await parseService(`check process p with pidfile /run/p.pid\n  if ${rule} then alert\n`);
  const r = service.rules.find((x) => !x.implicit);
  assert.ok(r);
  const check = createCheck(service, r);
  assert.ok(check);
  const result = await check.run({
    service,
    rule: r,
    signal: new AbortController().signal,
    memo,
    now: Date.now(),
    ...(pid === undefined ? {} : { pid }),
  });
  assert.ok(result);
  return result;
}

const fds = async (pid: number) => (await readdir(`/proc/${pid}/fd`)).length;
/** Resident bytes of PID, as the kernel says. */
const rss = async (pid: number) =>
  Number(/^VmRSS:\s+(\d+) kB$/m.exec(await readFile(`/proc/${pid}/status`, 'utf8'))?.[1]) * 1024;

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
    // A started node holds well over 20 MB; by then it has opened what it opens.
    await waitFor(async () => (await rss(pid)) > 20 * 1048576, { message: 'the child started', timeoutMs: 20_000 });
    const bigPid = big.pid;
    assert.ok(bigPid !== undefined);
    // Once the other child holds its 64 MB, it has opened what it opens.
    await waitFor(async () => (await rss(bigPid)) > 60 * 1048576, { message: 'the child started', timeoutMs: 20_000 });
    const own = await judged('filedescriptors > 100000', process.pid);
    const total = await judged('total filedescriptors > 100000', process.pid);
    const ownCount = own.metrics?.['filedescriptors'] ?? -1;
    const totalCount = total.metrics?.['total filedescriptors'] ?? -1;
    assert.equal(total.message, `total filedescriptors ${totalCount}`);
    const childCount = (await fds(pid)) + (await fds(bigPid));
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

void describe('resources of a process', () => {
  void test('threads and children, counted and named', async () => {
    const threadsOf = async () => Number(/^Threads:\s+(\d+)$/m.exec(await readFile('/proc/self/status', 'utf8'))?.[1]);
    const before = await threadsOf();
    const threads = await judged('threads > 1000', process.pid);
    const after = await threadsOf();
    const n = threads.metrics?.['threads'];
    assert.ok(n === before || n === after, `${n} threads, /proc said ${before} then ${after}`);
    assert.deepEqual([threads.status, threads.message], ['ok', `${n} threads`]);
    await waitFor(async () => (await judged('children > 1000', process.pid)).metrics?.['children'] === 2, {
      message: 'two children',
    });
    const children = await judged('children > 1', process.pid);
    assert.deepEqual([children.status, children.message, children.class], ['failed', '2 children', 'resource']);
  });

  void test('memory in MB and as a share of the host’s; total memory adds the children’s', async () => {
    const pid = big.pid;
    assert.ok(pid !== undefined);
    await waitFor(async () => (await rss(pid)) > 60 * 1048576, { message: 'the child holds 64 MB', timeoutMs: 20_000 });
    const mb = await judged('memory > 100000 MB', process.pid);
    const bytes = mb.metrics?.['memory'] ?? 0;
    assert.deepEqual([mb.status, mb.message], ['ok', `memory ${(bytes / 1048576).toFixed(1)} MB`]);
    assert.ok(bytes > 10 * 1048576, `${bytes} bytes`);
    const pct = await judged('memory > 99%', process.pid);
    const share = pct.metrics?.['memory'] ?? -1;
    assert.deepEqual([pct.status, pct.message], ['ok', `memory ${share.toFixed(1)}%`]);
    assert.ok(share > 0 && share < 99, `${share}%`);
    const own = (await judged('memory > 100000 MB', process.pid)).metrics?.['memory'] ?? 0;
    const total = await judged('totalmemory > 100000 MB', process.pid);
    const all = total.metrics?.['totalmemory'] ?? 0;
    assert.equal(total.message, `memory ${(all / 1048576).toFixed(1)} MB`);
    assert.ok(all - own > 48 * 1048576, `total ${all} vs own ${own}`);
  });

  void test('cpu: the first sample is not judged; the next is the share since, of the process or with its children', async () => {
    for (const rule of ['cpu > 100000%', 'totalcpu > 100000%']) {
      const memo = new Map<string, unknown>();
      const first = await judged(rule, process.pid, memo);
      assert.equal(first.status, 'init');
      assert.match(first.message, /^cpu \d+\.\d% \(first sample\)$/);
      // 100 ms of CPU (however long a busy machine takes to give it), so the share since the first
      // sample is well above zero.
      const from = process.cpuUsage();
      while (process.cpuUsage(from).user < 100_000);
      const second = await judged(rule, process.pid, memo);
      const v = Object.values(second.metrics ?? {})[0] ?? -1;
      assert.deepEqual([second.status, second.message], ['ok', `cpu ${v.toFixed(1)}%`], rule);
      assert.ok(v > 5, `${rule}: ${v}%`);
    }
  });

  void test('no process is no verdict', async () => {
    const r = await judged('memory > 1 MB', undefined);
    assert.deepEqual([r.status, r.message], ['init', 'process not running']);
  });
});
