// Files the kernel writes as they are read (/proc, /sys): read synchronously. No disk stands behind
// them, so a read never waits, and the promise API's file handle, thread-pool hop and extra
// syscalls cost several times the read itself — for files read every cycle, most of the daemon's idle.
// Never for paths the rules name (a hung network mount would stall the whole loop).
import { readFileSync } from 'node:fs';

/** The text of a /proc or /sys file; throws as readFileSync does (ENOENT when the process is gone). */
export function readKernelFile(path: string): string {
  return readFileSync(path, 'utf8');
}
