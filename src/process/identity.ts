// Process identity (DESIGN.md §3): a PID alone is not a process. PIDs are recycled, so a stale
// pidfile can name a shell, a cron job or another broker. A process is (PID, start time in clock
// ticks after boot), which no two processes share during one boot; exe and cmdline are kept for
// people and logs. Every signal to a process brokerwatch did not itself just spawn goes through
// safeKill/safeKillGroup, which check that identity first, synchronously, so no event-loop turn
// separates the check from the kill.
import { readdir, stat } from '../util/fs-async.js';
import type { FailureClass } from '../checks/result.js';
import { readPidfile } from './pidfile.js';
import type { ProcStat } from './proc-stat.js';
import {
  isDeadState,
  isValidPid,
  readCmdline,
  readExe,
  readProcStat,
  readProcStatSync,
  startedAtMs,
} from './proc-stat.js';

export { readPidfile } from './pidfile.js';
export type { PidfileResult } from './pidfile.js';
export { readProcStat } from './proc-stat.js';
export type { ProcStat } from './proc-stat.js';

/** One process, for the life of the system: plain data, so it can be kept in the state file. */
export interface ProcessIdentity {
  readonly pid: number;
  /** Clock ticks after boot, /proc/PID/stat field 22. */
  readonly startTime: number;
  /** readlink(/proc/PID/exe); undefined when the kernel refuses (EACCES, kernel threads). */
  readonly exe?: string;
  readonly cmdline: readonly string[];
}

export type NotRunningClass = Extract<
  FailureClass,
  'process-missing' | 'zombie' | 'pidfile-invalid' | 'pid-reused' | 'pidfile-foreign'
>;

export type FindResult =
  | {
      readonly running: true;
      readonly identity: ProcessIdentity;
      /** What is wrong with the pidfile, when the process was kept by its identity instead. */
      readonly pidfile?: string;
    }
  | {
      readonly running: false;
      readonly class: NotRunningClass;
      readonly message: string;
      /** The PID that was looked at, when there was one. */
      readonly pid?: number;
    };

/** The identity of the live process `pid`; undefined if there is none or it is a zombie. */
export async function identify(pid: number): Promise<ProcessIdentity | undefined> {
  // exe and cmdline are read after stat; reading stat again afterwards proves they belong to the
  // same process and not to one that took the PID in between.
  for (let attempt = 0; attempt < 3; attempt++) {
    const before = await readProcStat(pid);
    if (before === undefined || isDeadState(before.state)) return undefined;
    const [exe, cmdline] = await Promise.all([readExe(pid), readCmdline(pid)]);
    const after = await readProcStat(pid);
    if (after === undefined || isDeadState(after.state) || cmdline === undefined) return undefined;
    if (after.startTime !== before.startTime) continue;
    return exe === undefined
      ? { pid, startTime: before.startTime, cmdline }
      : { pid, startTime: before.startTime, exe, cmdline };
  }
  return undefined;
}

/** True if `identity` is still running: same PID, same start time, not a zombie. Synchronous on purpose. */
export function isSameProcess(identity: ProcessIdentity): boolean {
  const stat = readProcStatSync(identity.pid);
  return stat !== undefined && !isDeadState(stat.state) && stat.startTime === identity.startTime;
}

/** Finds the process named by a pidfile; `expect` (the service's last known process) detects PID reuse. */
export async function findByPidfile(path: string, expect?: ProcessIdentity): Promise<FindResult> {
  const pidfile = await readPidfile(path);
  if (!pidfile.ok) {
    // No pidfile is how a broker that stopped cleanly looks; a broken one is worth its own class.
    const cls: NotRunningClass = pidfile.reason === 'missing' ? 'process-missing' : 'pidfile-invalid';
    return { running: false, class: cls, message: pidfile.message };
  }
  const pid = pidfile.pid;
  const stat = await readProcStat(pid);
  if (stat === undefined) {
    return {
      running: false,
      class: 'process-missing',
      pid,
      message: `process ${pid} named by pidfile ${path} is not running`,
    };
  }
  if (isDeadState(stat.state)) {
    return {
      running: false,
      class: 'zombie',
      pid,
      message: `process ${pid} named by pidfile ${path} is a zombie (it exited; parent ${stat.ppid} has not reaped it)`,
    };
  }
  const identity = await identify(pid);
  if (identity === undefined) {
    return {
      running: false,
      class: 'process-missing',
      pid,
      message: `process ${pid} named by pidfile ${path} has just exited`,
    };
  }
  // Without a known identity, a process that started after the pidfile was last written cannot be
  // the one that wrote it: the broker died, its PID went to someone else (e.g. after a crash that
  // left the pidfile behind). Daemons write their pidfile after they start, never before.
  if (expect === undefined) {
    const stale = await startedAfterPidfile(path, identity);
    if (stale) {
      return {
        running: false,
        class: 'pid-reused',
        pid,
        message: `pidfile ${path} is stale: PID ${pid} (${describe(identity)}) started ${stale} after the pidfile was written`,
      };
    }
  }
  if (expect !== undefined && expect.pid === pid && expect.startTime !== identity.startTime) {
    return {
      running: false,
      class: 'pid-reused',
      pid,
      message:
        `pidfile ${path} is stale: PID ${pid} now belongs to another process ` +
        `(${describe(identity)}, started at tick ${identity.startTime}, not ${expect.startTime})`,
    };
  }
  return { running: true, identity };
}

/** Slack for clock granularity: /proc/stat's btime has 1 s resolution and NTP may step the clock. */
const STALE_SLACK_MS = 2_000;

/** "3.2 s" when `identity` started well after `path` was last modified, else undefined. */
async function startedAfterPidfile(path: string, identity: ProcessIdentity): Promise<string | undefined> {
  try {
    const started = startedAtMs(identity.startTime);
    if (started === undefined) return undefined;
    const written = (await stat(path)).mtimeMs;
    return started - written > STALE_SLACK_MS ? `${((started - written) / 1000).toFixed(1)} s` : undefined;
  } catch {
    return undefined;
  }
}

/** Finds a process whose cmdline (joined with spaces) matches, like monit's `matching`: the oldest wins. */
export async function findByMatching(pattern: RegExp | string): Promise<FindResult> {
  // A global or sticky RegExp remembers lastIndex between test() calls; match with a fresh one.
  const source = typeof pattern === 'string' ? new RegExp(pattern) : pattern;
  const regex = new RegExp(source.source, source.flags.replace(/[gy]/g, ''));
  const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name)).map(Number);
  const matching: number[] = [];
  await Promise.all(
    pids.map(async (pid) => {
      if (pid === process.pid) return; // the rules file's pattern may well match brokerwatch's own argv
      const argv = await readCmdline(pid).catch(() => undefined);
      // Empty: kernel threads and zombies, which have no argv to match.
      if (argv !== undefined && argv.length > 0 && regex.test(argv.join(' '))) matching.push(pid);
    }),
  );
  const stats = await Promise.all(matching.map((pid) => readProcStat(pid).catch(() => undefined)));
  // monit picks the process with the highest uptime: the broker, not a script that mentions it.
  const candidates = stats
    .filter((s): s is ProcStat => s !== undefined && !isDeadState(s.state))
    .sort((a, b) => a.startTime - b.startTime || a.pid - b.pid);
  for (const candidate of candidates) {
    const identity = await identify(candidate.pid);
    if (identity !== undefined) return { running: true, identity };
  }
  return { running: false, class: 'process-missing', message: `no process matches ${String(regex)}` };
}

/** Sends `signal` to the process only if it is still `identity`; returns whether it was sent. */
export function safeKill(identity: ProcessIdentity, signal: NodeJS.Signals | number = 'SIGTERM'): boolean {
  // The check and the kill run in one synchronous stretch. A window of a few microseconds remains
  // (the process could die and its PID be reused in between); closing it needs pidfd_send_signal,
  // which Node does not offer.
  if (!isSameProcess(identity)) return false;
  return sendSignal(identity.pid, signal);
}

/** Signals the group led by `identity`, only if it is still that process and still a group leader. */
export function safeKillGroup(identity: ProcessIdentity, signal: NodeJS.Signals | number = 'SIGTERM'): boolean {
  const stat = readProcStatSync(identity.pid);
  if (stat === undefined || isDeadState(stat.state) || stat.startTime !== identity.startTime) return false;
  if (stat.pgrp !== identity.pid) return false;
  return killGroup(identity.pid, signal);
}

/** Signals every process of group `pgid` (one we created); returns false if the group is empty. */
export function killGroup(pgid: number, signal: NodeJS.Signals | number = 'SIGTERM'): boolean {
  // kill(-1) signals every process on the machine and kill(-0) our own group: refuse both, and
  // refuse brokerwatch's own group by number.
  if (!isValidPid(pgid) || pgid === 1 || pgid === ownGroup()) {
    throw new RangeError(`refusing to signal process group ${pgid}`);
  }
  return sendSignal(-pgid, signal);
}

function sendSignal(target: number, signal: NodeJS.Signals | number): boolean {
  try {
    process.kill(target, signal);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

let cachedOwnGroup: number | undefined;
function ownGroup(): number | undefined {
  cachedOwnGroup ??= readProcStatSync(process.pid)?.pgrp;
  return cachedOwnGroup;
}

function describe(identity: ProcessIdentity): string {
  const text = identity.cmdline.join(' ') || identity.exe || '?';
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
}
