// The /proc readers behind monit's process and System data: the parsers on tricky input, and the
// readers on this very process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  countDescendants,
  parseHostCpu,
  keyNumbers,
  parseStatUsage,
  readHostUsage,
  readProcFds,
  readProcIo,
  readProcUsage,
} from '../../src/process/proc-stat.js';

void test('parseStatUsage counts fields from the last ")" (a comm may hold ") " itself)', () => {
  // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
  // cutime cstime priority nice num_threads itrealvalue starttime vsize rss …
  const line =
    '42 (evil) 1 2 3) S 7 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 3 0 12345 1000000 300 18446744073709551615';
  assert.deepEqual(parseStatUsage(line), { ppid: 7, cpuTicks: 300, threads: 3, rssPages: 300 });
  assert.equal(parseStatUsage('garbage'), undefined);
});

void test('parseHostCpu and keyNumbers', () => {
  assert.deepEqual(parseHostCpu('cpu  10 1 5 100 2 0 3 4 0 0\ncpu0 1 2 3'), {
    user: 10,
    nice: 1,
    system: 5,
    idle: 100,
    iowait: 2,
    irq: 0,
    softirq: 3,
    steal: 4,
    guest: 0,
    guestNice: 0,
  });
  assert.equal(parseHostCpu('intr 1 2'), undefined);
  const text = 'Uid:\t1000\t1001\t1000\t1000\nVmRSS:\t    4220 kB\nName:\tnode\nRss:\t1';
  assert.deepEqual(keyNumbers(text, 'Uid'), [1000, 1001, 1000, 1000], 'the first line');
  assert.deepEqual(keyNumbers(text, 'VmRSS'), [4220]);
  assert.deepEqual(keyNumbers(text, 'Name'), []);
  assert.deepEqual(keyNumbers(text, 'Rss'), [1], 'the last line, without a newline; not the end of VmRSS');
  assert.equal(keyNumbers(text, 'Gid'), undefined);
  assert.equal(keyNumbers(text, 'RSS'), undefined, 'the whole key, in its case');
});

void test('the readers on this process and this host', async () => {
  const u = await readProcUsage(process.pid);
  assert.ok(u);
  assert.equal(u.pid, process.pid);
  assert.equal(u.ppid, process.ppid);
  assert.equal(u.uid, process.getuid?.());
  assert.equal(u.gid, process.getgid?.());
  assert.ok(u.threads >= 1 && u.rssBytes > 0 && u.cpuTicks >= 0);
  const fds = await readProcFds(process.pid);
  assert.ok(fds && fds.open > 0 && (fds.soft === -1 || fds.soft >= fds.open));
  const io = await readProcIo(process.pid);
  assert.ok(io && io.rchar > 0);
  assert.equal(await countDescendants(process.pid), 0);
  assert.equal(await readProcUsage(2 ** 30), undefined);
  const h = await readHostUsage();
  assert.ok(
    h && h.memTotalKb > 0 && h.memAvailableKb <= h.memTotalKb && h.cpu && h.cpu.user > 0 && h.files.maximum > 0,
  );
});
