// Supervision benchmark: SIGKILL the broker at random phases of the cycle and measure kill → start
// program run and kill → CONNACK from the new broker; then the supervisor's idle cost with one
// broker probed every second. Run under brokerwatch and, when installed, monit 5.33 with the same
// rules (`set daemon 1`, its fastest cycle).
import type { BrokerSetup, Supervisor } from './lib.js';
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

type Kind = 'brokerwatch' | 'monit';

/** One supervisor's CPU share and RSS over `seconds`, alone, with one broker probed every second. */
export async function idleBench(kind: Kind, seconds: number, extra: readonly string[] = []): Promise<IdleResult> {
  return (await idleSideBySide([kind], seconds, () => extra))[kind];
}

/**
 * The idle cost of each of KINDS over one and the same window, each with a broker of its own under
 * the same rules (EXTRA gives each kind's further lines: a port of its own for `set httpd`). Whatever
 * else the machine does in that window falls on all of them, which windows one after the other
 * cannot promise: on a quiet machine two runs of the same daemon a minute apart differ by up to a fifth.
 */
export async function idleSideBySide<K extends Kind>(
  kinds: readonly K[],
  seconds: number,
  extra: (kind: K) => readonly string[] = () => [],
): Promise<Record<K, IdleResult>> {
  const brokers: BrokerSetup[] = [];
  const sups: Supervisor[] = [];
  try {
    for (const k of kinds) {
      const b = await brokerSetup(`${k}-idle`);
      brokers.push(b);
      sups.push(await startIdle(k, b, extra(k)));
    }
    await Promise.all(brokers.map((b) => settled(b, 20_000)));
    // Past start-up work: the first cycles, the optimizing compiler's first round and V8's first
    // shrink of the heap (a burst of some 70 ms of CPU about 8 s after the start).
    await sleep(IDLE_SETTLE_MS);
    const usage = await Promise.all(sups.map((sup) => idleUsage(sup, seconds)));
    return Object.fromEntries(kinds.map((k, i) => [k, usage[i]])) as Record<K, IdleResult>;
  } finally {
    for (const sup of sups) await sup.stop();
    for (const b of brokers) await cleanupBroker(b);
  }
}

/** Starts KIND on B's broker for an idle measurement. brokerwatch is measured as a server runs it,
 *  restarted on its rules: the first start writes V8's compile cache for this rules file (after
 *  5 s), the measured one reads it (without one, start-up compiles the whole program and keeps what
 *  that leaves: some 4 MB more RSS until the next start). */
async function startIdle(kind: Kind, b: BrokerSetup, extra: readonly string[]): Promise<Supervisor> {
  if (kind === 'brokerwatch') {
    const first = await launchSupervisor(kind, b, 'protocol mqtt', extra);
    try {
      await waitCodeCache(first.rulesFile, 20_000);
    } finally {
      await first.stop();
    }
  }
  return launchSupervisor(kind, b, 'protocol mqtt', extra);
}

/** SUP's CPU share over the next `seconds` and its largest RSS, read once a second. */
async function idleUsage(sup: Supervisor, seconds: number): Promise<IdleResult> {
  const a = procUsage(sup.pid);
  const t0 = Date.now();
  let rssMax = 0;
  while (Date.now() - t0 < seconds * 1000) {
    await sleep(1000);
    rssMax = Math.max(rssMax, procUsage(sup.pid)?.rss ?? 0);
  }
  const z = procUsage(sup.pid);
  const elapsed = (Date.now() - t0) / 1000;
  if (!a || !z) throw new Error(`${sup.name} exited during the idle benchmark`);
  return { cpuPercent: ((z.ticks - a.ticks) / 100 / elapsed) * 100, rssMb: rssMax / 1048576, seconds: elapsed };
}

export { stats };
