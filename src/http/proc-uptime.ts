// A process's uptime from its start time in /proc/PID/stat, so every process service shows one
// without an `if uptime` rule.
import { startedAtMs } from '../process/proc-stat.js';

/** Seconds since a process with this start time (ticks after boot) started; undefined off Linux. */
export function processUptimeSeconds(startTimeTicks: number, now = Date.now()): number | undefined {
  const started = startedAtMs(startTimeTicks);
  return started === undefined ? undefined : Math.max(0, Math.floor((now - started) / 1000));
}
