// `check system`: the host's load, cpu, memory, swap and uptime, read once per cycle from /proc.
// The cpu shares come from the tick counters of /proc/stat between two cycles (the first cycle has
// no share yet: null), as monit computes them; memory "used" is total less MemAvailable, as free(1)
// and monit say it.
import { rethrowOwnFault } from '../util/own-fault.js';
import { readKernelFile } from '../util/kernel-file.js';
import type { HostCpuTicks } from '../process/proc-stat.js';
import { cpuSharesBetween, readHostUsage } from '../process/proc-stat.js';
import type { Facts, Observed, Observer, ObserverModule } from './kind.js';

/** The facts a system service reports, by name (the checks and the status read these names). */
export const SYSTEM_FACTS = [
  'load1',
  'load5',
  'load15',
  'cores',
  'cpuUsage',
  'cpuUser',
  'cpuSystem',
  'cpuNice',
  'cpuWait',
  'cpuHardirq',
  'cpuSoftirq',
  'cpuSteal',
  'cpuGuest',
  'cpuGuestnice',
  'memoryPercent',
  'memoryBytes',
  'memoryTotalBytes',
  'swapPercent',
  'swapBytes',
  'swapTotalBytes',
  'uptimeSeconds',
  'filesAllocated',
  'filesUnused',
  'filesMaximum',
] as const;

/** The three averages of /proc/loadavg. */
export async function readLoadavg(): Promise<[number, number, number] | undefined> {
  try {
    const [a = NaN, b = NaN, c = NaN] = readKernelFile('/proc/loadavg').split(/\s+/).map(Number);
    return [a, b, c].every(Number.isFinite) ? [a, b, c] : undefined;
  } catch (e) {
    rethrowOwnFault(e);
    return undefined;
  }
}

/** The number of CPUs the kernel counts in /proc/stat (`cpuN` lines). */
function countCores(stat: string): number {
  return Math.max(1, (stat.match(/^cpu\d+\s/gm) ?? []).length);
}

const round1 = (v: number): number => Math.round(v * 10) / 10;
const pct = (part: number, whole: number): number => (whole > 0 ? round1((part / whole) * 100) : 0);

/** The facts of each CPU share between two readings; null without a previous reading or a tick between. */
export function cpuShares(
  prev: HostCpuTicks | undefined,
  now: HostCpuTicks | undefined,
): Record<string, number | null> {
  const s = prev && now ? cpuSharesBetween(prev, now) : null;
  return {
    cpuUsage: s?.usage ?? null,
    cpuUser: s?.user ?? null,
    cpuSystem: s?.system ?? null,
    cpuNice: s?.nice ?? null,
    cpuWait: s?.wait ?? null,
    cpuHardirq: s?.hardirq ?? null,
    cpuSoftirq: s?.softirq ?? null,
    cpuSteal: s?.steal ?? null,
    cpuGuest: s?.guest ?? null,
    cpuGuestnice: s?.guestnice ?? null,
  };
}

async function readUptime(): Promise<number | null> {
  try {
    const v = Number(readKernelFile('/proc/uptime').split(/\s+/)[0]);
    return Number.isFinite(v) ? Math.floor(v) : null;
  } catch (e) {
    rethrowOwnFault(e);
    return null;
  }
}

function readStat(): string {
  try {
    return readKernelFile('/proc/stat');
  } catch (e) {
    rethrowOwnFault(e);
    return '';
  }
}

class SystemObserver implements Observer {
  #ticks: HostCpuTicks | undefined;
  /** CPUs online, counted once: hot-plugging a CPU is rare, and /proc/stat is the costliest read. */
  #cores: number | undefined;

  async observe(): Promise<Observed> {
    const [host, load, uptime] = await Promise.all([readHostUsage(), readLoadavg(), readUptime()]);
    this.#cores ??= countCores(readStat());
    if (!host || !load) return { ok: false, message: 'no /proc/meminfo or /proc/loadavg: not Linux?' };
    const cpu = cpuShares(this.#ticks, host.cpu);
    this.#ticks = host.cpu;
    const usedKb = Math.max(0, host.memTotalKb - host.memAvailableKb);
    const swapKb = Math.max(0, host.swapTotalKb - host.swapFreeKb);
    const facts: Facts = {
      load1: load[0],
      load5: load[1],
      load15: load[2],
      cores: this.#cores,
      ...cpu,
      memoryPercent: pct(usedKb, host.memTotalKb),
      memoryBytes: usedKb * 1024,
      memoryTotalBytes: host.memTotalKb * 1024,
      swapPercent: pct(swapKb, host.swapTotalKb),
      swapBytes: swapKb * 1024,
      swapTotalBytes: host.swapTotalKb * 1024,
      uptimeSeconds: uptime,
      filesAllocated: host.files.allocated,
      filesUnused: host.files.unused,
      filesMaximum: host.files.maximum,
    };
    return { ok: true, facts };
  }
}

export const create: ObserverModule['create'] = () => new SystemObserver();
