// brokerwatch's own descriptor limit. systemd starts services with a soft RLIMIT_NOFILE of 1024 and a
// hard one of 524288; a daemon watching hundreds of brokers (a /proc descriptor and a probe socket
// each) and serving its page needs more than 1024. Node has no setrlimit, so at start the soft
// limit is raised toward the hard one with util-linux's `prlimit` (run without a shell; skipped if
// it is not installed: the limits below still hold). And whatever the limit, a reserve of
// descriptors is kept from the status server, so that the daemon can always read /proc and pidfiles.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** The soft and hard RLIMIT_NOFILE; -1 means unlimited. */
export interface FdLimits {
  readonly soft: number;
  readonly hard: number;
}

/** The soft limit is raised this far at most: more only costs where a program closes every descriptor. */
export const FD_TARGET = 65_536;

/** Descriptors the status server never takes: /proc, pidfiles, probes, the state file, the log. */
export const FD_RESERVE = 128;

/** `Max open files` of `/proc/PID/limits` (brokerwatch's own by default); undefined when unreadable. */
export function readFdLimits(pid: number | 'self' = 'self'): FdLimits | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/limits`, 'utf8');
  } catch {
    return undefined;
  }
  const m = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(text);
  if (!m) return undefined;
  const num = (s: string | undefined): number => (s === undefined || s === 'unlimited' ? -1 : Number(s));
  return { soft: num(m[1]), hard: num(m[2]) };
}

/** What raising the limit did: the limits before and after, or why it was not done. */
export type RaiseResult =
  | { readonly raised: true; readonly before: FdLimits; readonly after: FdLimits }
  | { readonly raised: false; readonly limits: FdLimits | undefined; readonly why: string };

/** Raises the soft RLIMIT_NOFILE of `pid` toward its hard limit (at most FD_TARGET) with `prlimit`. */
export async function raiseFdLimit(pid: number = process.pid, target = FD_TARGET): Promise<RaiseResult> {
  const before = readFdLimits(pid);
  if (!before) return { raised: false, limits: before, why: 'the limits cannot be read' };
  const want = before.hard < 0 ? target : Math.min(before.hard, target);
  if (before.soft < 0 || before.soft >= want) return { raised: false, limits: before, why: 'high enough' };
  const error = await new Promise<string | undefined>((done) => {
    const child = execFile(
      'prlimit',
      ['--pid', String(pid), `--nofile=${want}:`],
      { timeout: 5_000, env: { PATH: '/usr/bin:/bin:/usr/sbin:/sbin' } },
      (err, _stdout, stderr) => done(err ? (stderr.trim() || err.message).split('\n')[0] : undefined),
    );
    child.stdin?.end();
  });
  if (error !== undefined) return { raised: false, limits: before, why: `prlimit: ${error}` };
  const after = readFdLimits(pid) ?? before;
  return after.soft > before.soft
    ? { raised: true, before, after }
    : { raised: false, limits: after, why: 'prlimit did not change it' };
}

/** The status server's connection cap under a soft limit `soft`: `wanted`, but never into the reserve. */
export function connectionBudget(wanted: number, soft: number | undefined): number {
  if (soft === undefined || soft < 0) return wanted;
  return Math.max(1, Math.min(wanted, soft - FD_RESERVE));
}
