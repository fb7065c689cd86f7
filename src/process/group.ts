// Ending a process group: TERM, a grace period, then KILL (DESIGN.md §6: start/stop programs
// always time out and are killed as a group). The whole group, because an init script's work is
// done by its children: killing only `sh` would leave them running.
import { readdir } from '../util/fs-async.js';
import { setTimeout as delay } from 'node:timers/promises';
import type { ProcessIdentity } from './identity.js';
import { killGroup, safeKillGroup } from './identity.js';
import { isDeadState, isValidPid, readProcStat } from './proc-stat.js';
import { monotonicMs } from '../util/clock.js';

export interface TerminateResult {
  /** True if the group outlived the grace period and was sent SIGKILL. */
  readonly forced: boolean;
  /** True if no live member was left at the end. */
  readonly gone: boolean;
}

const POLL_MS = 25;
/** After SIGKILL a process is gone in microseconds unless stuck in the kernel (D state). */
const AFTER_KILL_MS = 1_000;

/** True while group `pgid` has a member that is not a zombie. */
export async function isGroupAlive(pgid: number): Promise<boolean> {
  if (!isValidPid(pgid)) return false;
  try {
    process.kill(-pgid, 0);
  } catch {
    return false;
  }
  // kill(0) also succeeds when only zombies are left, and an init that never reaps orphans (some
  // containers' PID 1) keeps those forever: look for a live member.
  const names = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
  const stats = await Promise.all(names.map((name) => readProcStat(Number(name)).catch(() => undefined)));
  return stats.some((stat) => stat !== undefined && stat.pgrp === pgid && !isDeadState(stat.state));
}

/** Sends SIGTERM to group `pgid`, waits up to `graceMs` for it to end, then sends SIGKILL. */
export async function terminateGroup(pgid: number, graceMs: number): Promise<TerminateResult> {
  return endGroup(pgid, graceMs, () => killGroup(pgid, 'SIGTERM'));
}

/**
 * The same for a group brokerwatch did not spawn in this run (a program left by the daemon before
 * it): TERM only if its leader is still `leader` (PID and start time) and still leads the group.
 * The KILL that may follow goes to a group that TERM reached: while it has members its number
 * cannot be given to a new process.
 */
export async function terminateGroupOf(leader: ProcessIdentity, graceMs: number): Promise<TerminateResult> {
  return endGroup(leader.pid, graceMs, () => safeKillGroup(leader, 'SIGTERM'));
}

async function endGroup(pgid: number, graceMs: number, term: () => boolean): Promise<TerminateResult> {
  if (!term()) return { forced: false, gone: true };
  const deadline = monotonicMs() + graceMs;
  while (monotonicMs() < deadline) {
    await delay(Math.min(POLL_MS, Math.max(0, deadline - monotonicMs())));
    if (!(await isGroupAlive(pgid))) return { forced: false, gone: true };
  }
  if (!killGroup(pgid, 'SIGKILL')) return { forced: false, gone: true };
  const killDeadline = monotonicMs() + AFTER_KILL_MS;
  while (monotonicMs() < killDeadline) {
    if (!(await isGroupAlive(pgid))) return { forced: true, gone: true };
    await delay(POLL_MS / 5);
  }
  return { forced: true, gone: false };
}
