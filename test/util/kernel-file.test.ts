// readKernelFile: the host's /proc and /sys files are read through a descriptor kept open, fresh on
// every read (the kernel writes them as they are read from their start); a process's files by path.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { closeKernelFiles, readKernelFile } from '../../src/util/kernel-file.js';
import { tempDir } from '../helpers/tmp.js';

after(() => closeKernelFiles());

/** The files this process holds open now. */
function openFiles(): string[] {
  return readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      return [readlinkSync(`/proc/self/fd/${fd}`)];
    } catch {
      return []; // the directory's own descriptor, closed by now
    }
  });
}

void test('a host file is kept open once and read afresh each time', () => {
  const first = Number(readKernelFile('/proc/uptime').split(' ')[0]);
  const kept = openFiles().filter((f) => f === '/proc/uptime').length;
  assert.equal(kept, 1, 'one descriptor for /proc/uptime');
  // Read until the uptime moves on (it counts in hundredths of a second): a stale read never would.
  let second = first;
  const giveUp = Date.now() + 5_000;
  while (second <= first && Date.now() < giveUp) second = Number(readKernelFile('/proc/uptime').split(' ')[0]);
  assert.ok(second > first, `read afresh: ${first} then ${second}`);
  assert.equal(openFiles().filter((f) => f === '/proc/uptime').length, 1, 'still one descriptor');
  assert.equal(readKernelFile('/proc/self/mountinfo'), readFileSync('/proc/self/mountinfo', 'utf8'));
});

void test("a process's own files are read by path, not kept", () => {
  const text = readKernelFile(`/proc/${process.pid}/stat`);
  assert.match(text, new RegExp(`^${process.pid} \\(`));
  assert.equal(openFiles().filter((f) => f.endsWith(`/${process.pid}/stat`)).length, 0);
});

void test('a file longer than the buffer is read whole, and changes are seen', async () => {
  const dir = await tempDir('bw-kernel-file-');
  after(() => dir.cleanup());
  const path = join(dir.path, 'long');
  const long = 'x'.repeat(100_000) + '\nend\n';
  writeFileSync(path, long);
  assert.equal(readKernelFile(path), long);
  writeFileSync(path, 'short\n');
  assert.equal(readKernelFile(path), 'short\n', 'read from its start: nothing of the longer text');
});

void test('a file that cannot be opened throws as readFileSync does', () => {
  assert.throws(() => readKernelFile('/proc/no-such-file'), { code: 'ENOENT' });
  assert.throws(() => readKernelFile('/proc/999999999/stat'), { code: 'ENOENT' });
});
