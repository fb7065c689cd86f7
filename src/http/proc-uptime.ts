// A process's uptime from its start time in /proc/PID/stat (clock ticks after boot) and the boot time
// in /proc/stat, so every process service shows one without an `if uptime` rule.
import { readFileSync } from 'node:fs';

/** USER_HZ: /proc start times are in these ticks; 100 on every Linux architecture Node runs on. */
const CLOCK_TICKS = 100;
let bootMs: number | null | undefined;

function bootTimeMs(): number | null {
  if (bootMs === undefined) {
    try {
      const m = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'));
      bootMs = m?.[1] ? Number(m[1]) * 1000 : null;
    } catch {
      bootMs = null; // not Linux
    }
  }
  return bootMs;
}

/** Seconds since a process with this start time (ticks after boot) started; undefined off Linux. */
export function processUptimeSeconds(startTimeTicks: number, now = Date.now()): number | undefined {
  const boot = bootTimeMs();
  if (boot === null) return undefined;
  return Math.max(0, Math.floor((now - boot - (startTimeTicks / CLOCK_TICKS) * 1000) / 1000));
}
