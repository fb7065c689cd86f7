// Isolation benchmark: one service hangs for 30 s while others keep being checked. Either its check
// hangs (a `protocol mqtt … with timeout 30 seconds` test against a listener that accepts and then
// says nothing, like a hung broker) or its start program does (`/bin/sleep 30` for a process found
// missing, `with timeout 40 seconds`). Meanwhile we measure, the same way for brokerwatch and monit,
// how late the other services' cycles ran (the gaps between successive runs of five port tests and a
// `check program` tick, less the 1 s cycle) and how long a SIGKILLed mosquitto waited for its start
// program. brokerwatch's own `brokerwatch_schedule_lag_seconds` histogram is read from /metrics.
import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PromHistogram, RecordingListener, Supervisor, SupervisorKind } from './lib.js';
import {
  BENCH_HTTP_USER,
  alive,
  brokerSetup,
  cleanupBroker,
  freePort,
  gapsOverlapping,
  histogramDiff,
  killPid,
  launchRules,
  readPid,
  readTimestamps,
  recordingListener,
  scrapeHistogram,
  sleep,
  sleeperWithPidfile,
  startTimes,
  tickProgram,
  waitHttp,
  waitServing,
  wallMs,
} from './lib.js';

export type HangKind = 'check' | 'start';

export interface IsolationResult {
  /** Delays (gap between two runs of one other service − 1 s, ms) in the seconds before the hang. */
  readonly before: number[];
  /** The same for every gap that overlaps the 30 s hang. */
  readonly during: number[];
  /** SIGKILL of mosquitto during the hang → its start program ran (ms); undefined if it never did. */
  readonly killToStart: number | undefined;
  /** brokerwatch only: schedule lag observations before the trigger, and from it to the end. */
  readonly lagBefore?: PromHistogram;
  readonly lagDuring?: PromHistogram;
}

const HANG_MS = 30_000;
const BASELINE_MS = 6_000;
const OTHERS = 5;
const CYCLE_MS = 1_000;
const LAG = 'brokerwatch_schedule_lag_seconds';

/** Runs one hang under one supervisor; every process it starts is ended before it returns. */
export async function isolationBench(kind: SupervisorKind, hang: HangKind): Promise<IsolationResult> {
  const b = await brokerSetup(`${kind}-iso-${hang}`);
  let answering = true;
  const listeners: RecordingListener[] = [];
  const stuckPids = join(b.dir, 'stuck.pids');
  let placeholder: number | undefined;
  let sup: Supervisor | undefined;
  try {
    // The hung broker of the `check` case: answers MQTT until the hang begins, then nothing.
    const stub = await recordingListener({ answering: () => answering });
    listeners.push(stub);
    const others: RecordingListener[] = [];
    for (let i = 0; i < OTHERS; i++) others.push(await recordingListener());
    listeners.push(...others);
    const tick = await tickProgram(b.dir, 'tick');
    const stuckPidfile = join(b.dir, 'stuck.pid');
    const stuckStarts = join(b.dir, 'stuck.starts');
    const stuckStart = join(b.dir, 'stuck-start.sh');
    if (hang === 'start') {
      // Never writes the pidfile: the supervisor waits for the program, then for the pid, 40 s in all.
      await writeFile(
        stuckStart,
        `#!/bin/sh\necho $$ >> ${stuckPids}\ndate +%s%N >> ${stuckStarts}\nexec /bin/sleep 30\n`,
        { mode: 0o755 },
      );
      placeholder = await sleeperWithPidfile(stuckPidfile);
    }
    const hung =
      hang === 'check'
        ? [
            'check host hung with address 127.0.0.1',
            `  if failed port ${stub.port} protocol mqtt with timeout 30 seconds then alert`,
          ]
        : [
            `check process stuck with pidfile ${stuckPidfile}`,
            `  start program = "${stuckStart}" with timeout 40 seconds`,
          ];
    const body = [
      ...hung,
      `check process mosquitto with pidfile ${b.pidfile}`,
      `  start program = "${b.startScript}" with timeout 10 seconds`,
      `  if failed host 127.0.0.1 port ${b.port} protocol mqtt with timeout 1 seconds then restart`,
      ...others.flatMap((l, i) => [
        `check host other${i} with address 127.0.0.1`,
        `  if failed port ${l.port} then alert`,
      ]),
      `check program tick with path "${tick.path}"`,
      '  if status != 0 then alert',
    ];
    const httpPort = kind === 'brokerwatch' ? await freePort() : undefined;
    sup = await launchRules(kind, b.dir, body, httpPort);
    const metrics = httpPort ? `http://127.0.0.1:${httpPort}/metrics` : undefined;
    const lag = async (): Promise<PromHistogram | undefined> =>
      metrics ? scrapeHistogram(metrics, BENCH_HTTP_USER, LAG) : undefined;

    // Settled: the broker serves and every other service has run at least twice.
    const series = async (): Promise<number[][]> => [...others.map((l) => l.accepts), await readTimestamps(tick.file)];
    const settleEnd = Date.now() + 30_000;
    for (;;) {
      const pid = readPid(b.pidfile);
      const ran = (await series()).every((s) => s.length >= 2);
      if (ran && pid && alive(pid) && (await waitServing(b.port, 500)) !== undefined) break;
      if (Date.now() > settleEnd) throw new Error(`${kind}: services not running within 30 s (see ${b.dir})`);
      await sleep(100);
    }
    if (metrics) await waitHttp(metrics, BENCH_HTTP_USER, 10_000);
    const baseFrom = wallMs();
    const lag0 = await lag();
    await sleep(BASELINE_MS);
    const lag1 = await lag();

    // The hang begins: the stub stops answering, or the placeholder dies and the start program hangs.
    const trigger = wallMs();
    if (hang === 'check') answering = false;
    else killPid(placeholder);
    let hangAt: number | undefined;
    const hangDeadline = Date.now() + 10_000;
    while (hangAt === undefined && Date.now() < hangDeadline) {
      await sleep(20);
      hangAt = hang === 'check' ? stub.accepts.find((t) => t > trigger) : (await readTimestamps(stuckStarts))[0];
    }
    if (hangAt === undefined) throw new Error(`${kind}: the ${hang} hang did not begin within 10 s (see ${b.dir})`);

    // SIGKILL the broker at a random moment well inside the hang.
    await sleep(Math.max(0, hangAt + 3000 + Math.random() * 9000 - wallMs()));
    const brokerPid = readPid(b.pidfile);
    if (!brokerPid || !alive(brokerPid)) throw new Error(`${kind}: broker not running before the kill`);
    const startsBefore = (await startTimes(b)).length;
    const killAt = wallMs();
    process.kill(brokerPid, 'SIGKILL');

    // Until every other service ran after the hang's 30 s and the broker was started, or 60 s.
    const hangEnd = hangAt + HANG_MS;
    const endBy = hangAt + 60_000;
    let started: number | undefined;
    while (wallMs() < endBy) {
      started = (await startTimes(b))[startsBefore];
      if (started !== undefined && (await series()).every((s) => s.some((t) => t > hangEnd))) break;
      await sleep(250);
    }
    const lag2 = await lag();

    const all = await series();
    const delays = (gaps: number[]): number[] => gaps.map((g) => g - CYCLE_MS);
    const before = all.flatMap((s) =>
      delays(
        gapsOverlapping(
          s.filter((t) => t >= baseFrom && t <= trigger),
          baseFrom,
          trigger,
        ),
      ),
    );
    const during = all.flatMap((s) => delays(gapsOverlapping(s, hangAt, hangEnd)));
    return {
      before,
      during,
      killToStart: started === undefined ? undefined : started - killAt,
      ...(lag0 && lag1 ? { lagBefore: histogramDiff(lag0, lag1) } : {}),
      ...(lag1 && lag2 ? { lagDuring: histogramDiff(lag1, lag2) } : {}),
    };
  } finally {
    await sup?.stop();
    await sleep(300); // a start program cut short by the stop may still be writing the pidfile
    killPid(placeholder);
    // The hanging start programs the supervisor left behind (brokerwatch never kills a running
    // program when it stops; monit may not get to it), by the PIDs they recorded.
    const pids = await readFile(stuckPids, 'utf8').catch(() => '');
    for (const p of pids.split('\n').filter(Boolean)) if (isOurSleep(Number(p))) killPid(Number(p));
    for (const l of listeners) await l.close();
    await cleanupBroker(b);
  }
}

/** True while `pid` is still the `/bin/sleep 30` our start script became (its PID not reused). */
function isOurSleep(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8') === '/bin/sleep\u000030\u0000';
  } catch {
    return false;
  }
}
