// Reading a process's own description from Linux's /proc. /proc/PID/stat is one line; its second
// field (comm) is the executable name in parentheses and may itself contain spaces and ')' (any
// process can rename itself with prctl(PR_SET_NAME)), so fields are counted from the LAST ')'.
// Field numbers in comments are proc(5)'s, 1-based. https://man7.org/linux/man-pages/man5/proc.5.html
import { readFileSync } from 'node:fs';
import { readdir, readlink } from '../util/fs-async.js';
import { readKernelFile } from '../util/kernel-file.js';
import { rethrowOwnFault } from '../util/own-fault.js';

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
    return parseProcStat(readKernelFile(`/proc/${pid}/stat`));
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
    const raw = readKernelFile(`/proc/${pid}/cmdline`);
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

/** What /proc says a process uses: CPU ticks, threads, owners, open files, I/O (monit's process data). */
export interface ProcUsage {
  readonly pid: number;
  readonly ppid: number;
  /** utime + stime (fields 14 and 15), in clock ticks. */
  readonly cpuTicks: number;
  readonly threads: number;
  readonly rssBytes: number;
  readonly uid: number;
  readonly euid: number;
  readonly gid: number;
}

/** Open file descriptors and their limit (/proc/PID/fd, /proc/PID/limits). */
export interface ProcFds {
  readonly open: number;
  readonly soft: number;
  readonly hard: number;
}

/** /proc/PID/io: characters through read/write calls, bytes to and from storage, and the calls. */
export interface ProcIo {
  readonly rchar: number;
  readonly wchar: number;
  readonly syscr: number;
  readonly syscw: number;
  readonly readBytes: number;
  readonly writeBytes: number;
}

/** Parses utime, stime, num_threads and rss out of /proc/PID/stat (fields 14, 15, 20, 24). */
export function parseStatUsage(
  text: string,
): { ppid: number; cpuTicks: number; threads: number; rssPages: number } | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const rest = text.slice(close + 2).split(' ');
  const n = (field: number): number => Number(rest[field - 3]);
  const out = { ppid: n(4), cpuTicks: n(14) + n(15), threads: n(20), rssPages: n(24) };
  return Object.values(out).every(Number.isSafeInteger) ? out : undefined;
}

/**
 * The numbers on the `Key:\tvalue…` line of `key` (/proc/PID/status, /proc/PID/io, /proc/meminfo);
 * undefined when there is no such line. Only the line asked for is read: /proc/meminfo has fifty,
 * and splitting them all each cycle was most of the system check's work.
 */
export function keyNumbers(text: string, key: string): number[] | undefined {
  const head = `${key}:`;
  let start = 0;
  if (!text.startsWith(head)) {
    const newline = text.indexOf(`\n${head}`);
    if (newline < 0) return undefined;
    start = newline + 1;
  }
  const end = text.indexOf('\n', start);
  return text
    .slice(start + head.length, end < 0 ? undefined : end)
    .trim()
    .split(/\s+/)
    .map(Number)
    .filter(Number.isFinite);
}

const PAGE_SIZE = 4096;

function readOptional(path: string): string | undefined {
  try {
    return readKernelFile(path);
  } catch (e) {
    rethrowOwnFault(e);
    // Gone, or not ours to read (/proc/PID/io of another user's process): the value is unknown.
    return undefined;
  }
}

/** Reads what a process uses; undefined when it is gone. */
export async function readProcUsage(pid: number): Promise<ProcUsage | undefined> {
  if (!isValidPid(pid)) return undefined;
  const stat = readOptional(`/proc/${pid}/stat`);
  const status = readOptional(`/proc/${pid}/status`);
  const u = stat === undefined ? undefined : parseStatUsage(stat);
  if (!u || status === undefined) return undefined;
  const uids = keyNumbers(status, 'Uid') ?? [];
  const gids = keyNumbers(status, 'Gid') ?? [];
  return {
    pid,
    ppid: u.ppid,
    cpuTicks: u.cpuTicks,
    threads: u.threads,
    rssBytes: u.rssPages * PAGE_SIZE,
    uid: uids[0] ?? -1,
    euid: uids[1] ?? -1,
    gid: gids[0] ?? -1,
  };
}

/** Open descriptors and the `Max open files` limit; undefined when not readable. */
export async function readProcFds(pid: number): Promise<ProcFds | undefined> {
  if (!isValidPid(pid)) return undefined;
  try {
    const open = (await readdir(`/proc/${pid}/fd`)).length;
    const limits = readOptional(`/proc/${pid}/limits`) ?? '';
    const m = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(limits);
    const num = (s: string | undefined): number => (s === undefined || s === 'unlimited' ? -1 : Number(s));
    return { open, soft: num(m?.[1]), hard: num(m?.[2]) };
  } catch {
    return undefined;
  }
}

/** /proc/PID/io; undefined when not readable (another user's process, unless root). */
export async function readProcIo(pid: number): Promise<ProcIo | undefined> {
  if (!isValidPid(pid)) return undefined;
  const text = readOptional(`/proc/${pid}/io`);
  if (text === undefined) return undefined;
  const v = (k: string): number => keyNumbers(text, k)?.[0] ?? 0;
  return {
    rchar: v('rchar'),
    wchar: v('wchar'),
    syscr: v('syscr'),
    syscw: v('syscw'),
    readBytes: v('read_bytes'),
    writeBytes: v('write_bytes'),
  };
}

/** Every descendant of a process, through /proc/PID/task/TID/children (the kernel's own list). */
export async function countDescendants(pid: number, limit = 10_000): Promise<number> {
  let count = 0;
  const queue = [pid];
  while (queue.length > 0 && count < limit) {
    const p = queue.shift() as number;
    let tasks: string[] = [];
    try {
      tasks = await readdir(`/proc/${p}/task`);
    } catch {
      continue;
    }
    for (const t of tasks) {
      const kids = (readOptional(`/proc/${p}/task/${t}/children`) ?? '').trim();
      if (kids === '') continue;
      for (const k of kids.split(/\s+/).map(Number)) {
        if (!isValidPid(k)) continue;
        count++;
        queue.push(k);
      }
    }
  }
  return count;
}

/** The host's CPU time by kind (the `cpu` line of /proc/stat), in ticks. */
export interface HostCpuTicks {
  readonly user: number;
  readonly nice: number;
  readonly system: number;
  readonly idle: number;
  readonly iowait: number;
  readonly irq: number;
  readonly softirq: number;
  readonly steal: number;
  readonly guest: number;
  readonly guestNice: number;
}

/** Shares of all CPU time between two readings of /proc/stat, in percent to 0.1, by kind. */
export interface CpuShares {
  /** All but idle and iowait (the cpu was idle, waiting for I/O), as top's us+sy+ni+hi+si+st. */
  readonly usage: number;
  readonly user: number;
  readonly system: number;
  readonly nice: number;
  readonly wait: number;
  readonly hardirq: number;
  readonly softirq: number;
  readonly steal: number;
  readonly guest: number;
  readonly guestnice: number;
}

const share = (part: number, whole: number): number => (whole > 0 ? Math.round((part / whole) * 1000) / 10 : 0);

/** The shares between PREV and NOW; null when no tick passed between them. */
export function cpuSharesBetween(prev: HostCpuTicks, now: HostCpuTicks): CpuShares | null {
  const d = (k: keyof HostCpuTicks): number => Math.max(0, now[k] - prev[k]);
  const keys = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'] as const;
  const all = keys.reduce((sum, k) => sum + d(k), 0);
  if (all === 0) return null;
  return {
    usage: share(all - d('idle') - d('iowait'), all),
    user: share(d('user'), all),
    system: share(d('system'), all),
    nice: share(d('nice'), all),
    wait: share(d('iowait'), all),
    hardirq: share(d('irq'), all),
    softirq: share(d('softirq'), all),
    steal: share(d('steal'), all),
    guest: share(d('guest'), all),
    guestnice: share(d('guestNice'), all),
  };
}

/** Parses the first line of /proc/stat. */
export function parseHostCpu(text: string): HostCpuTicks | undefined {
  const m = /^cpu\s+(.*)$/m.exec(text);
  if (!m?.[1]) return undefined;
  const [
    user = 0,
    nice = 0,
    system = 0,
    idle = 0,
    iowait = 0,
    irq = 0,
    softirq = 0,
    steal = 0,
    guest = 0,
    guestNice = 0,
  ] = m[1].trim().split(/\s+/).map(Number);
  return { user, nice, system, idle, iowait, irq, softirq, steal, guest, guestNice };
}

/** The host's CPU ticks, memory and swap (kB), and file handles; undefined off Linux. */
export async function readHostUsage(): Promise<
  | {
      cpu: HostCpuTicks | undefined;
      memTotalKb: number;
      memAvailableKb: number;
      swapTotalKb: number;
      swapFreeKb: number;
      files: { allocated: number; unused: number; maximum: number };
    }
  | undefined
> {
  const stat = readOptional('/proc/stat');
  const meminfo = readOptional('/proc/meminfo');
  const fileNr = readOptional('/proc/sys/fs/file-nr');
  if (meminfo === undefined) return undefined;
  const kb = (k: string): number => keyNumbers(meminfo, k)?.[0] ?? 0;
  const [allocated = 0, unused = 0, maximum = 0] = (fileNr ?? '').trim().split(/\s+/).map(Number);
  return {
    cpu: stat === undefined ? undefined : parseHostCpu(stat),
    memTotalKb: kb('MemTotal'),
    memAvailableKb: kb('MemAvailable'),
    swapTotalKb: kb('SwapTotal'),
    swapFreeKb: kb('SwapFree'),
    files: { allocated, unused, maximum },
  };
}

/** Clock ticks since boot now, on the scale of /proc/PID/stat's start time (undefined if unreadable):
 *  a process whose start time is at least this started after this call. */
export function ticksSinceBoot(): number | undefined {
  try {
    const up = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
    // /proc/uptime has two decimals, a tick is 10 ms: one tick less for the rounding.
    return Number.isFinite(up) ? Math.floor(up * CLOCK_TICKS) - 1 : undefined;
  } catch {
    return undefined;
  }
}
