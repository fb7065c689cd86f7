// Supervision benchmark: SIGKILL the broker at random phases of the cycle and measure kill → start
// program run and kill → CONNACK from the new broker; then the supervisor's idle cost with one
// broker probed every second. Run under brokerwatch and, when installed, monit 5.33 with the same
// rules (`set daemon 1`, its fastest cycle).
import type { BrokerSetup } from './lib.js';
import {
  alive,
  brokerSetup,
  cleanupBroker,
  launchSupervisor,
  waitCodeCache,
  procUsage,
  readPid,
  sleep,
  startTimes,
  stats,
  waitServing,
  wallMs,
} from './lib.js';

export interface KillResult {
  readonly detect: number[];
  readonly serving: number[];
}

export interface IdleResult {
  readonly cpuPercent: number;
  readonly rssMb: number;
  readonly seconds: number;
}

/** Waits until the supervisor has the broker running and serving. */
async function settled(b: BrokerSetup, deadlineMs: number): Promise<number> {
  const end = Date.now() + deadlineMs;
  while (Date.now() < end) {
    const pid = readPid(b.pidfile);
    if (pid && alive(pid) && (await waitServing(b.port, 500))) return pid;
    await sleep(20);
  }
  throw new Error(`broker not serving within ${deadlineMs} ms (see ${b.dir})`);
}

/** Kills the broker `runs` times; between kills waits `spacingMs` plus a random phase of the cycle. */
export async function killBench(kind: 'brokerwatch' | 'monit', runs: number, spacingMs: number): Promise<KillResult> {
  const b = await brokerSetup(kind);
  const sup = await launchSupervisor(kind, b);
  const detect: number[] = [];
  const serving: number[] = [];
  try {
    await settled(b, 20_000);
    for (let i = 0; i < runs; i++) {
      await sleep(spacingMs + Math.random() * 1000);
      const pid = await settled(b, 20_000);
      const before = (await startTimes(b)).length;
      const t0 = wallMs();
      process.kill(pid, 'SIGKILL');
      const up = await waitServing(b.port, 30_000, 1);
      const starts = await startTimes(b);
      const startAt = starts[before];
      if (up === undefined || startAt === undefined) throw new Error(`${kind}: broker not back after kill ${i + 1}`);
      detect.push(startAt - t0);
      serving.push(up - t0);
    }
  } finally {
    await sup.stop();
    await cleanupBroker(b);
  }
  return { detect, serving };
}

/** The supervisor's CPU share and RSS over `seconds`, with one broker probed every second. */
/** The host and its root file system, as a server's rules watch them besides the broker. */
export const HOST_SERVICES: readonly string[] = [
  'check system $HOST',
  '  if loadavg (5min) per core > 100 then alert',
  '  if cpu usage > 100% then alert',
  '  if memory usage > 99% then alert',
  '  if swap usage > 100% then alert',
  'check filesystem rootfs with path /',
  '  if space usage > 99% then alert',
  '  if inode usage > 99% then alert',
];

/** How long a supervisor runs before its idle cost is measured. */
const IDLE_SETTLE_MS = 15_000;

export async function idleBench(
  kind: 'brokerwatch' | 'monit',
  seconds: number,
  extra: readonly string[] = [],
): Promise<IdleResult> {
  const b = await brokerSetup(`${kind}-idle`);
  if (kind === 'brokerwatch') {
    // Measured as a server runs it, restarted on its rules: the first start writes V8's compile cache
    // for this rules file (after 5 s), the measured one reads it (without one, start-up compiles the
    // whole program and keeps what that leaves: some 4 MB more RSS until the next start).
    const first = await launchSupervisor(kind, b, 'protocol mqtt', extra);
    try {
      await waitCodeCache(first.rulesFile, 20_000);
    } finally {
      await first.stop();
    }
  }
  const sup = await launchSupervisor(kind, b, 'protocol mqtt', extra);
  try {
    await settled(b, 20_000);
    // Past start-up work: the first cycles, the optimizing compiler's first round and V8's first
    // shrink of the heap (a burst of some 70 ms of CPU about 8 s after the start).
    await sleep(IDLE_SETTLE_MS);
    const a = procUsage(sup.pid);
    const t0 = Date.now();
    let rssMax = 0;
    while (Date.now() - t0 < seconds * 1000) {
      await sleep(1000);
      rssMax = Math.max(rssMax, procUsage(sup.pid)?.rss ?? 0);
    }
    const z = procUsage(sup.pid);
    const elapsed = (Date.now() - t0) / 1000;
    if (!a || !z) throw new Error(`${kind} exited during the idle benchmark`);
    return { cpuPercent: ((z.ticks - a.ticks) / 100 / elapsed) * 100, rssMb: rssMax / 1048576, seconds: elapsed };
  } finally {
    await sup.stop();
    await cleanupBroker(b);
  }
}

export { stats };
