// What monit shows of every process and of the host, whether or not a rule measures it: cpu and
// memory, parent, owners, threads, children, open files and I/O per supervised process; load, cpu,
// memory, swap and file handles of the host (monit's System service). Read from /proc after a
// service's cycle, at most every 5 s per process and for the host (some ten file reads each: 500
// services on a 1 s cycle must not pay that every second); rates (cpu %, I/O per second) come from
// two samples, so they are unknown (null) until the second.
import { cpus, loadavg, machine, release, totalmem, type, version } from 'node:os';
import type { Daemon } from '../daemon/daemon.js';
import type { CpuShares, HostCpuTicks, ProcFds, ProcIo } from '../process/proc-stat.js';
import {
  countDescendants,
  cpuSharesBetween,
  readHostUsage,
  readProcFds,
  readProcIo,
  readProcUsage,
} from '../process/proc-stat.js';

/** USER_HZ (see proc-stat.ts). */
const TICKS_PER_SECOND = 100;

/** One process, as last read. */
export interface ProcessSample {
  readonly pid: number;
  readonly ppid: number;
  readonly uid: number;
  readonly euid: number;
  readonly gid: number;
  readonly threads: number;
  readonly children: number;
  /** Of one CPU, like monit and top: up to 100 × cores. */
  readonly cpuPercent: number | null;
  readonly memoryBytes: number;
  readonly memoryPercent: number;
  readonly fds: ProcFds | undefined;
  readonly io: ProcIo | undefined;
  /** Per second since the previous sample, same keys as `io`; null on the first. */
  readonly ioRate: ProcIo | null;
  readonly at: number;
}

/** The host, as last read. */
export interface SystemSample {
  readonly load: readonly [number, number, number];
  /** Percent of all CPU time since the previous sample, by kind; null on the first. */
  readonly cpu: Readonly<
    Record<'user' | 'system' | 'nice' | 'wait' | 'hardirq' | 'softirq' | 'steal' | 'guest' | 'guestnice', number>
  > | null;
  readonly memory: { readonly percent: number; readonly kilobyte: number };
  readonly swap: { readonly percent: number; readonly kilobyte: number };
  readonly files: { readonly allocated: number; readonly unused: number; readonly maximum: number };
  readonly at: number;
}

interface ProcState {
  sample: ProcessSample;
  cpuTicks: number;
}

const PROCESS_MIN_MS = 5000;
const SYSTEM_MIN_MS = 5000;

/** All CPU shares at 0: what a host without a sample yet shows. */
export const NO_SHARES: CpuShares = {
  usage: 0,
  user: 0,
  system: 0,
  nice: 0,
  wait: 0,
  hardirq: 0,
  softirq: 0,
  steal: 0,
  guest: 0,
  guestnice: 0,
};
/** The shares the page shows: by kind, without the busy total. */
function byKind(s: CpuShares): NonNullable<SystemSample['cpu']> {
  const { user, system, nice, wait, hardirq, softirq, steal, guest, guestnice } = s;
  return { user, system, nice, wait, hardirq, softirq, steal, guest, guestnice };
}

const pct = (part: number, whole: number): number => (whole > 0 ? Math.round((part / whole) * 1000) / 10 : 0);

/** Samples the supervised processes and the host after each service cycle. */
export class ResourceSampler {
  readonly #daemon: Daemon;
  readonly #now: () => number;
  readonly #procs = new Map<string, ProcState>();
  readonly #busy = new Set<string>();
  #system: { sample: SystemSample; ticks: HostCpuTicks | undefined } | undefined;
  #systemBusy = false;
  #swapTotalKb = 0;
  readonly #unsubscribe: () => void;

  constructor(daemon: Daemon, now: () => number = Date.now) {
    this.#daemon = daemon;
    this.#now = now;
    this.#unsubscribe = daemon.onCycle((c) => {
      void this.sampleService(c.service.name);
      void this.sampleSystem();
    });
  }

  /** Stops sampling. */
  close(): void {
    this.#unsubscribe();
  }

  /** The last sample of a service's process, if it is of process PID. */
  process(name: string, pid: number | null): ProcessSample | undefined {
    const s = this.#procs.get(name)?.sample;
    return s !== undefined && s.pid === pid ? s : undefined;
  }

  /** monit's `<platform>`: the kernel, the machine, its CPUs, memory and swap (kB). */
  platform(): {
    name: string;
    release: string;
    version: string;
    machine: string;
    cpu: number;
    memoryKb: number;
    swapKb: number;
  } {
    return {
      name: type(),
      release: release(),
      version: version(),
      machine: machine(),
      cpu: cpus().length,
      memoryKb: Math.round(totalmem() / 1024),
      swapKb: this.#swapTotalKb,
    };
  }

  /** The last sample of the host. */
  system(): SystemSample | undefined {
    return this.#system?.sample;
  }

  /** Reads a service's process now (unless that process was read in the last 5 s). */
  async sampleService(name: string): Promise<void> {
    const pid = this.#daemon.runner(name)?.identity?.pid;
    const prev = this.#procs.get(name);
    const now = this.#now();
    if (pid === undefined || this.#busy.has(name)) return;
    if (prev && prev.sample.pid === pid && now - prev.sample.at < PROCESS_MIN_MS) return;
    this.#busy.add(name);
    try {
      const u = await readProcUsage(pid);
      if (!u) {
        this.#procs.delete(name);
        return;
      }
      const [fds, io, children] = await Promise.all([readProcFds(pid), readProcIo(pid), countDescendants(pid)]);
      const same = prev?.sample.pid === pid ? prev : undefined;
      const seconds = same ? (now - same.sample.at) / 1000 : 0;
      const cpuPercent =
        same && seconds > 0
          ? Math.max(0, Math.round(((u.cpuTicks - same.cpuTicks) / TICKS_PER_SECOND / seconds) * 1000) / 10)
          : null;
      const before = same?.sample.io;
      const ioRate =
        before && io && seconds > 0
          ? (Object.fromEntries(
              Object.entries(io).map(([k, v]) => [k, Math.max(0, (v - before[k as keyof ProcIo]) / seconds)]),
            ) as unknown as ProcIo)
          : null;
      const sample: ProcessSample = {
        pid,
        ppid: u.ppid,
        uid: u.uid,
        euid: u.euid,
        gid: u.gid,
        threads: u.threads,
        children,
        cpuPercent,
        memoryBytes: u.rssBytes,
        memoryPercent: pct(u.rssBytes, totalmem()),
        fds,
        io,
        ioRate,
        at: now,
      };
      this.#procs.set(name, { sample, cpuTicks: u.cpuTicks });
    } catch {
      // /proc changed under us (the process ended): the next cycle reads again.
    } finally {
      this.#busy.delete(name);
    }
  }

  /** Reads the host now (unless read in the last 5 s). */
  async sampleSystem(): Promise<void> {
    const now = this.#now();
    if (this.#systemBusy || (this.#system && now - this.#system.sample.at < SYSTEM_MIN_MS)) return;
    this.#systemBusy = true;
    try {
      const h = await readHostUsage();
      if (!h) return;
      const prev = this.#system?.ticks;
      let cpu: SystemSample['cpu'] = null;
      if (prev && h.cpu) {
        // Two samples within one tick: no time passed, every share 0.
        cpu = byKind(cpuSharesBetween(prev, h.cpu) ?? NO_SHARES);
      }
      this.#swapTotalKb = h.swapTotalKb;
      const usedKb = Math.max(0, h.memTotalKb - h.memAvailableKb);
      const swapKb = Math.max(0, h.swapTotalKb - h.swapFreeKb);
      const [l1 = 0, l5 = 0, l15 = 0] = loadavg();
      this.#system = {
        ticks: h.cpu,
        sample: {
          load: [l1, l5, l15],
          cpu,
          memory: { percent: pct(usedKb, h.memTotalKb), kilobyte: usedKb },
          swap: { percent: pct(swapKb, h.swapTotalKb), kilobyte: swapKb },
          files: h.files,
          at: now,
        },
      };
    } catch {
      // Not Linux, or /proc unreadable: the System service has no numbers.
    } finally {
      this.#systemBusy = false;
    }
  }
}
