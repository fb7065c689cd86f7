// Reading a process's own description from Linux's /proc. /proc/PID/stat is one line; its second
// field (comm) is the executable name in parentheses and may itself contain spaces and ')' (any
// process can rename itself with prctl(PR_SET_NAME)), so fields are counted from the LAST ')'.
// Field numbers in comments are proc(5)'s, 1-based. https://man7.org/linux/man-pages/man5/proc.5.html
import { readFileSync } from 'node:fs';
import { readFile, readlink } from 'node:fs/promises';

export interface ProcStat {
  readonly pid: number;
  readonly comm: string;
  /** R running, S sleeping, D disk wait, T stopped, t traced, Z zombie, X dead, I idle, … */
  readonly state: string;
  readonly ppid: number;
  readonly pgrp: number;
  readonly session: number;
  /** Clock ticks after boot (field 22). With the PID it names one process for the life of the system. */
  readonly startTime: number;
}

/** True for a process that has exited, whatever its parent has done about it yet. */
export function isDeadState(state: string): boolean {
  // 'x' is how kernels before 3.13 spelled X.
  return state === 'Z' || state === 'X' || state === 'x';
}

/** A PID that may safely be put in a /proc path (never "self", "NaN" or "../x"). */
export function isValidPid(pid: number): boolean {
  return Number.isSafeInteger(pid) && pid > 0;
}

/** Parses the text of /proc/PID/stat; undefined if it is not one. */
export function parseProcStat(text: string): ProcStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 1 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  // rest[0] is field 3 (state), so field N is rest[N - 3].
  const rest = text.slice(close + 2).split(' ');
  const state = rest[0];
  const ppid = Number(rest[1]);
  const pgrp = Number(rest[2]);
  const session = Number(rest[3]);
  const startTime = Number(rest[19]);
  if (!isValidPid(pid) || state === undefined || state.length !== 1) return undefined;
  if (![ppid, pgrp, session, startTime].every(Number.isSafeInteger)) return undefined;
  return { pid, comm: text.slice(open + 1, close), state, ppid, pgrp, session, startTime };
}

/** True for the errors that mean "no such process" when reading /proc/PID/…. */
export function isGoneError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  // ENOENT: the folder is gone; ESRCH: the folder was open but its process was reaped.
  return code === 'ENOENT' || code === 'ESRCH';
}

/** Reads /proc/PID/stat; undefined when there is no such process. */
export async function readProcStat(pid: number): Promise<ProcStat | undefined> {
  if (!isValidPid(pid)) return undefined;
  try {
    return parseProcStat(await readFile(`/proc/${pid}/stat`, 'utf8'));
  } catch (err) {
    if (isGoneError(err)) return undefined;
    throw err;
  }
}

/** Synchronous readProcStat, for the checks that must leave no event-loop turn before a signal. */
export function readProcStatSync(pid: number): ProcStat | undefined {
  if (!isValidPid(pid)) return undefined;
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch (err) {
    if (isGoneError(err)) return undefined;
    throw err;
  }
}

/** A process's argv from /proc/PID/cmdline: empty for kernel threads and zombies, undefined if gone. */
export async function readCmdline(pid: number): Promise<string[] | undefined> {
  if (!isValidPid(pid)) return undefined;
  try {
    const raw = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    if (raw === '') return [];
    // Arguments are NUL-terminated; a process that rewrote its title may have dropped the last NUL.
    const parts = raw.split('\0');
    if (raw.endsWith('\0')) parts.pop();
    return parts;
  } catch (err) {
    if (isGoneError(err)) return undefined;
    throw err;
  }
}

/** The executable of a process, or undefined when the kernel will not say (EACCES, zombie, gone). */
export async function readExe(pid: number): Promise<string | undefined> {
  if (!isValidPid(pid)) return undefined;
  try {
    return await readlink(`/proc/${pid}/exe`);
  } catch {
    return undefined;
  }
}

/** USER_HZ: /proc start times are in these ticks; 100 on every Linux architecture Node runs on. */
const CLOCK_TICKS = 100;
let bootMs: number | null | undefined;

/** When a process with this start time (ticks after boot, field 22) started, in epoch ms; undefined off Linux. */
export function startedAtMs(startTimeTicks: number): number | undefined {
  if (bootMs === undefined) {
    try {
      // btime is read once: it is fixed for the life of the system.
      const m = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'));
      bootMs = m?.[1] ? Number(m[1]) * 1000 : null;
    } catch {
      bootMs = null;
    }
  }
  return bootMs === null ? undefined : bootMs + (startTimeTicks / CLOCK_TICKS) * 1000;
}
