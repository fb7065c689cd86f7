// Pidfiles done the careful way. mosquitto 2.0.11 writes its pidfile before it binds and removes it
// when the bind fails, so a second start on a busy port deletes the running broker's pidfile; the
// demo writes only once it listens, atomically, and removes only a pidfile that names itself.
import { readFileSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';

/** Writes PID to PATH through a temporary file and a rename, so a reader never sees half a file. */
export async function writePidfile(path: string, pid: number): Promise<void> {
  const tmp = `${path}.${pid}.tmp`;
  await writeFile(tmp, `${pid}\n`, { mode: 0o644 });
  await rename(tmp, path);
}

/** The PID named in PATH, or undefined when there is no file or no number in it. */
export async function readPidfile(path: string): Promise<number | undefined> {
  const text = await readFile(path, 'utf8').catch(() => '');
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** Removes PATH only if it still names PID (another instance may have replaced it). */
export async function removeOwnPidfile(path: string, pid: number): Promise<void> {
  if ((await readPidfile(path)) === pid) await rm(path, { force: true });
}

/** True while PID exists and is not a zombie (kill(pid, 0) succeeds on a zombie). */
export function isRunning(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  // The state letter follows "(comm) "; comm may itself contain spaces and parentheses.
  const state = stat.charAt(stat.lastIndexOf(')') + 2);
  return state !== 'Z' && state !== 'X';
}
