// --stop, as an init script's "stop": SIGTERM the PID in the pidfile and wait until it is gone.
// It signals only a process that is this broker for this pidfile, never a PID reused since.
import { readFileSync, readlinkSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { isRunning, readPidfile } from './pidfile.js';

/** How long --stop waits after SIGTERM before it uses SIGKILL. */
export const STOP_DEADLINE_MS = 10_000;

/** Stops the broker named by PIDFILE; resolves with the exit code (0 also when none was running). */
export async function stopDaemon(pidfile: string, deadlineMs = STOP_DEADLINE_MS): Promise<number> {
  const pid = await readPidfile(pidfile);
  if (pid === undefined || !isRunning(pid)) {
    await rm(pidfile, { force: true });
    process.stderr.write(`demo broker not running${pid === undefined ? '' : ` (stale pidfile named ${pid})`}\n`);
    return 0;
  }
  if (!isThisBroker(pid, pidfile)) {
    process.stderr.write(`PID ${pid} in ${pidfile} is not the demo broker; not signalling it\n`);
    return 1;
  }
  process.kill(pid, 'SIGTERM');
  if (await gone(pid, deadlineMs)) return 0;
  process.kill(pid, 'SIGKILL');
  await rm(pidfile, { force: true }); // a killed broker cannot remove it
  process.stderr.write(`demo broker ${pid} ignored SIGTERM for ${deadlineMs} ms; killed\n`);
  return (await gone(pid, 2_000)) ? 0 : 1;
}

async function gone(pid: number, deadlineMs: number): Promise<boolean> {
  const deadline = performance.now() + deadlineMs;
  while (isRunning(pid)) {
    if (performance.now() > deadline) return false;
    await delay(10);
  }
  return true;
}

/** True if PID runs broker.js with a --pidfile that resolves to PIDFILE. */
function isThisBroker(pid: number, pidfile: string): boolean {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const cwd = readlinkSync(`/proc/${pid}/cwd`);
    const at = argv.indexOf('--pidfile');
    const named = at >= 0 ? argv[at + 1] : undefined;
    return argv.some((arg) => basename(arg) === 'broker.js') && named !== undefined && resolve(cwd, named) === pidfile;
  } catch {
    return false; // gone, or not ours to read
  }
}
