// The chaos soak: a real mosquitto supervised by a real brokerwatch process, alerts to a real SMTP
// server, and faults injected at seeded random times on four tracks (broker and supervision, mail
// server, status-port floods, read-only state folder) while a sampler watches /proc. At the end the
// broker must serve, every alert be delivered, and the report says which invariants held.
import { copyFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { alive, sleep, wallMs } from '../lib.js';
import { auditAlerts, bugLines, loggedEvents } from './alerts-audit.js';
import type { FaultDeps, FaultRun } from './faults.js';
import { RECOVERY_BOUND_MS, faultDeck, runFault, status, steadyBroker } from './faults.js';
import type { SoakReport } from './report.js';
import { buildReport } from './report.js';
import { seeded } from './rng.js';
import { ChaosSmtp } from './smtp.js';
import type { ReadOnlyState, SideFault } from './tracks.js';
import { floodTrack, pause, readOnlyTrack, smtpTrack } from './tracks.js';
import { Watch } from './watch.js';
import type { World } from './world.js';
import { Owned, makeWorld, readOnlyMountWorks, startDaemon, teardown } from './world.js';

export interface SoakOptions {
  /** How long faults are injected; the final recovery and alert drain come on top. */
  readonly seconds: number;
  readonly seed: number;
  /** Progress lines (default: none). */
  readonly log?: (line: string) => void;
  /** Stops the faults early; the final checks and cleanup follow as usual. */
  readonly signal?: AbortSignal;
  /** Copies brokerwatch's log (JSON lines) here before the soak's folder is removed. */
  readonly keepLog?: string;
}

/** A flapping summary goes out after 30 s without a state change; the drain waits that long and more. */
const QUIET_MS = 35_000;
const DRAIN_MAX_MS = 150_000;

/** Teardowns of soaks running in this process, for a Ctrl-C or an exit in the middle. */
const running = new Set<() => void>();

/** Ends everything every running soak started (synchronous: safe in a signal or exit handler). */
export function teardownAll(): void {
  for (const t of [...running]) t();
}

/** Runs the soak and returns its report (violations included); everything started is ended. */
export async function runSoak(opts: SoakOptions): Promise<SoakReport> {
  const log = opts.log ?? ((): void => undefined);
  const owned = new Owned();
  const mounted = new Set<string>();
  const smtp = await ChaosSmtp.start();
  let w: World | undefined;
  const down = (): void => teardown(w, owned, mounted);
  running.add(down);
  process.once('exit', down);
  try {
    w = await makeWorld(smtp.port);
    return await soak(w, smtp, owned, mounted, opts, log);
  } finally {
    if (opts.keepLog && w) copyFileSync(w.logFile, opts.keepLog);
    down();
    running.delete(down);
    process.removeListener('exit', down);
    await smtp.close();
  }
}

async function soak(
  w: World,
  smtp: ChaosSmtp,
  owned: Owned,
  mounted: Set<string>,
  opts: SoakOptions,
  log: (line: string) => void,
): Promise<SoakReport> {
  const roSupported = readOnlyMountWorks(w.broker.dir);
  const daemon = { pid: startDaemon(w, owned) };
  const startedAt = wallMs();
  const watch = new Watch(w.broker.conf, w.broker.dir, owned, () => daemon.pid);
  const stopFaults = new AbortController();
  try {
    if ((await steadyBroker(w, 30_000)) === undefined)
      throw new Error(`chaos: the broker never became steady under brokerwatch (log: ${w.logFile})`);
    log(`steady; faults for ${opts.seconds} s, seed ${opts.seed}, read-only state ${roSupported ? 'on' : 'skipped'}`);
    const timer = setTimeout(() => stopFaults.abort(), opts.seconds * 1000);
    opts.signal?.addEventListener('abort', () => stopFaults.abort(), { once: true });
    const faults = await runTracks(w, smtp, owned, mounted, opts, daemon, roSupported, stopFaults, log).finally(() =>
      clearTimeout(timer),
    );
    log(
      `faults over (${faults.runs.length} on the broker, ${faults.side.length} beside it); final recovery and alert drain`,
    );
    const living = (): boolean => alive(daemon.pid);
    const finalPid = living() ? await steadyBroker(w, RECOVERY_BOUND_MS + 10_000) : undefined;
    const drained = living() && (await drainAlerts(w, smtp, log, living));
    const seen = watch.stop();
    const events = loggedEvents(w.logFile);
    return buildReport({
      seed: opts.seed,
      seconds: (wallMs() - startedAt) / 1000,
      faultSeconds: opts.seconds,
      roSupported,
      ...faults,
      finalSteady: finalPid !== undefined,
      drained,
      seen,
      events,
      audit: auditAlerts(events, smtp.mails),
      warmupEndsAt: startedAt + 15_000,
      bugs: bugLines(w.logFile),
    });
  } finally {
    stopFaults.abort();
    watch.stop();
  }
}

/** The four tracks until the fault time is over; one that fails ends the others, then the soak. */
async function runTracks(
  w: World,
  smtp: ChaosSmtp,
  owned: Owned,
  mounted: Set<string>,
  opts: SoakOptions,
  daemon: { pid: number },
  roSupported: boolean,
  stopFaults: AbortController,
  log: (line: string) => void,
): Promise<{ runs: FaultRun[]; side: SideFault[]; notSteady: string[] }> {
  const ro: ReadOnlyState = { active: false, killableFrom: 0, restarting: false };
  const deps: FaultDeps = {
    w,
    owned,
    rng: seeded(opts.seed),
    daemonPid: () => daemon.pid,
    restartDaemon: async () => {
      daemon.pid = startDaemon(w, owned);
      await waitApi(w);
    },
    mayKillDaemon: () => !ro.active && wallMs() >= ro.killableFrom,
    recoveryBoundMs: RECOVERY_BOUND_MS,
  };
  const out = { runs: [] as FaultRun[], side: [] as SideFault[], notSteady: [] as string[] };
  const signal = stopFaults.signal;
  const settled = await Promise.allSettled(
    [
      brokerTrack(deps, ro, signal, out.runs, out.notSteady, log, () => stopFaults.abort()),
      smtpTrack(smtp, seeded(opts.seed + 1), signal, out.side),
      floodTrack(w, seeded(opts.seed + 2), signal, out.side),
      roSupported ? readOnlyTrack(w, seeded(opts.seed + 3), signal, ro, mounted, out.side) : Promise.resolve(),
    ].map((p) => p.catch((err: unknown) => (stopFaults.abort(), Promise.reject(err)))),
  );
  for (const s of settled) if (s.status === 'rejected') throw s.reason;
  return out;
}

/** One broker fault after another, each from a steady broker. */
async function brokerTrack(
  d: FaultDeps,
  ro: ReadOnlyState,
  signal: AbortSignal,
  runs: FaultRun[],
  notSteady: string[],
  log: (line: string) => void,
  giveUp: () => void,
): Promise<void> {
  const deck = faultDeck(d.rng);
  for (;;) {
    await pause(d.rng.between(500, 3_000), signal);
    if (signal.aborted) return;
    const pid = await steadyBroker(d.w, 30_000);
    if (pid === undefined) {
      notSteady.push(`no steady broker 30 s after the fault of ${new Date().toISOString().slice(11, 19)}`);
      // With brokerwatch gone by itself there is nothing left to test: the report tells why.
      if (!alive(d.daemonPid())) return giveUp();
      continue;
    }
    const kind = deck.draw((k) => k !== 'brokerwatch SIGKILL' || d.mayKillDaemon());
    ro.restarting = kind === 'brokerwatch SIGKILL';
    const run = await runFault(kind, pid, d);
    ro.restarting = false;
    runs.push(run);
    const back =
      run.servingAt === undefined ? 'NOT serving' : `serving after ${Math.round(run.servingAt - run.endedAt)} ms`;
    log(`${kind}: ${back}`);
  }
}

async function waitApi(w: World): Promise<void> {
  const end = Date.now() + 30_000;
  while (Date.now() < end) {
    if (await status(w)) return;
    await sleep(50);
  }
  throw new Error('chaos: brokerwatch did not answer 30 s after its restart');
}

/** Alert files still queued (one folder per recipient). */
function queued(w: World): number {
  const dir = join(w.stateDir, 'events');
  let n = 0;
  try {
    for (const lane of readdirSync(dir, { withFileTypes: true }))
      if (lane.isDirectory()) n += readdirSync(join(dir, lane.name)).filter((f) => f.endsWith('.json')).length;
  } catch {
    // no queue yet
  }
  return n;
}

/** Waits until no event for QUIET_MS (a flapping summary is due by then), the queue is empty and no
 *  mail came for 3 s; true if that happened within DRAIN_MAX_MS. */
async function drainAlerts(
  w: World,
  smtp: ChaosSmtp,
  log: (line: string) => void,
  living: () => boolean,
): Promise<boolean> {
  const end = Date.now() + DRAIN_MAX_MS;
  while (Date.now() < end && living()) {
    const events = loggedEvents(w.logFile);
    const lastEvent = events.at(-1)?.time ?? 0;
    const lastMail = smtp.mails.at(-1)?.at ?? 0;
    const now = wallMs();
    if (now - lastEvent >= QUIET_MS && queued(w) === 0 && now - lastMail >= 3_000) return true;
    await sleep(500);
  }
  log(`alerts not drained within ${DRAIN_MAX_MS / 1000} s (${queued(w)} queued)`);
  return false;
}
