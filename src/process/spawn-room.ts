// Starting a program when brokerwatch is short of descriptors. Node's spawn then fails with EMFILE
// before it sets up the child's stdio; execa 9 trips over that (`subprocess.stdio is not iterable`)
// before it listens for the child's 'error', which Node emits a tick later on an object nobody
// holds: an uncaught exception that ended the daemon. So a start is refused up front when a few
// descriptors cannot be had, and should it fail that way all the same, that one error is absorbed
// and the start reported as failed.
import { closeSync, openSync } from 'node:fs';
import { OwnFault, isOwnFault } from '../util/own-fault.js';

/** Descriptors that must be free for a spawn (it needs two or three for a moment): a margin for the threads. */
const SPAWN_FDS = 8;

/** Why a program cannot be started now for want of descriptors or memory, or undefined. */
export function spawnRoom(file: string): string | undefined {
  const fds: number[] = [];
  try {
    for (let i = 0; i < SPAWN_FDS; i++) fds.push(openSync('/dev/null', 'r'));
    return undefined;
  } catch (e) {
    return isOwnFault(e) ? new OwnFault(`start ${file}`, e).message : undefined;
  } finally {
    for (const fd of fds) closeSync(fd);
  }
}

/**
 * Called when starting `file` threw at once: absorbs, until the next turn of the event loop, the
 * spawn 'error' of `file` for want of descriptors that Node emits on the lost child object.
 */
export function absorbLostSpawnError(file: string): void {
  const handler = (err: Error): void => {
    const e = err as NodeJS.ErrnoException;
    if (isOwnFault(e) && e.syscall === `spawn ${file}`) return;
    process.off('uncaughtException', handler);
    throw err;
  };
  process.on('uncaughtException', handler);
  setImmediate(() => process.off('uncaughtException', handler));
}

/**
 * Why starting `file` threw at once, in words; a spawn short of descriptors after all throws so
 * (execa), and its lost 'error' is absorbed.
 */
export function spawnThrew(file: string, err: unknown): string {
  absorbLostSpawnError(file);
  return `cannot run ${file}: ${(err as Error).message}`;
}
