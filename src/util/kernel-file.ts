// Files the kernel writes as they are read (/proc, /sys): read synchronously. No disk stands behind
// them, so a read never waits, and the promise API's file handle, thread-pool hop and extra
// syscalls cost several times the read itself — for files read every cycle, most of the daemon's idle.
// Never for paths the rules name (a hung network mount would stall the whole loop).
//
// The host's own files (/proc/stat, /proc/meminfo, /proc/self/mountinfo, /sys/…) stay open: the
// kernel writes such a file afresh each time it is read from its start, so a cycle's read is one
// pread() instead of an open, a stat, reads and a close. A process's files (/proc/PID/…) are opened
// by path each time: a descriptor would stay with the process it was opened for, and the PID may
// have been given to another since.
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';

const kept = new Map<string, number>();
let buffer = Buffer.allocUnsafe(16 * 1024);

/** Paths that name the same file for as long as the daemon runs. */
function keepable(path: string): boolean {
  return !/^\/proc\/\d/.test(path);
}

/** The text of a /proc or /sys file; throws as readFileSync does (ENOENT when the process is gone). */
export function readKernelFile(path: string): string {
  if (!keepable(path)) return readFileSync(path, 'utf8');
  let fd = kept.get(path);
  if (fd === undefined) {
    fd = openSync(path, 'r');
    kept.set(path, fd);
  }
  try {
    return readAll(fd);
  } catch {
    // The file went away under its descriptor (a device or interface removed): by path once more,
    // which says so as readFileSync does, or opens what is there now at the next read.
    forget(path);
    return readFileSync(path, 'utf8');
  }
}

/** Reads FD from its start to its end into the shared buffer (grown as needed). */
function readAll(fd: number): string {
  let length = 0;
  for (;;) {
    if (length === buffer.length) {
      const bigger = Buffer.allocUnsafe(buffer.length * 2);
      buffer.copy(bigger, 0, 0, length);
      buffer = bigger;
    }
    const n = readSync(fd, buffer, length, buffer.length - length, length);
    if (n === 0) break;
    length += n;
  }
  return buffer.toString('utf8', 0, length);
}

function forget(path: string): void {
  const fd = kept.get(path);
  kept.delete(path);
  if (fd === undefined) return;
  try {
    closeSync(fd);
  } catch {
    // already unusable: nothing to release
  }
}

/** Closes every kept descriptor (tests; a daemon keeps them for its life). */
export function closeKernelFiles(): void {
  for (const path of [...kept.keys()]) forget(path);
}
