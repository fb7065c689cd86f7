// Scale benchmark: 500 services on one daemon, `set daemon 1`. Most are `check host` port tests,
// each against its own loopback listener here, whose accept times tell when that service's check
// ran; a tenth are `check process` services of one sleeping process (by pidfile), a tenth
// `protocol mqtt` tests of one real mosquitto, and the last is a `check program` tick that writes a
// timestamp. The same services run under brokerwatch and monit. For brokerwatch the schedule lag
// comes from its `brokerwatch_schedule_lag_seconds` histogram (GET /metrics); for both, the gaps
// between two runs of one service show the cycle each service actually gets.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { PromHistogram, RecordingListener, Supervisor, SupervisorKind } from './lib.js';
import {
  BENCH_HTTP_USER,
  brokerSetup,
  cleanupBroker,
  freePort,
  histogramDiff,
  killPid,
  launchRules,
  procUsage,
  readTimestamps,
  recordingListener,
  scrapeHistogram,
  sleep,
  sleeperWithPidfile,
  tickProgram,
  waitHttp,
  waitServing,
  wallMs,
} from './lib.js';

export interface ScaleResult {
  readonly services: number;
  readonly portServices: number;
  readonly seconds: number;
  /** The supervisor's CPU use over the window, % of one core. */
  readonly cpuPercent: number;
  readonly rssMb: number;
  /** Gaps (ms) between two runs of one port-test service, all port services together. */
  readonly serviceGaps: number[];
  /** Gaps (ms) between two runs of the tick program, the last service in the file. */
  readonly tickGaps: number[];
  /** brokerwatch only: the schedule lag observations of the window. */
  readonly lag?: PromHistogram;
}

const LAG = 'brokerwatch_schedule_lag_seconds';

/** The services of the file, in order: mostly port tests, every tenth a process, every tenth MQTT. */
function layout(n: number): ('port' | 'process' | 'mqtt')[] {
  return Array.from({ length: n - 1 }, (_, i) => (i % 10 === 3 ? 'process' : i % 10 === 7 ? 'mqtt' : 'port'));
}

/** `services` services under one supervisor for `seconds` (after they all ran twice and a warm-up). */
export async function scaleBench(kind: SupervisorKind, services: number, seconds: number): Promise<ScaleResult> {
  const b = await brokerSetup(`${kind}-scale`);
  const listeners: RecordingListener[] = [];
  let sleeper: number | undefined;
  let sup: Supervisor | undefined;
  try {
    await new Promise((r) => spawn(b.startScript, { stdio: 'ignore' }).once('exit', r));
    if ((await waitServing(b.port, 10_000)) === undefined) throw new Error('scale bench: mosquitto not serving');
    const sleeperPidfile = join(b.dir, 'sleeper.pid');
    sleeper = await sleeperWithPidfile(sleeperPidfile);
    const tick = await tickProgram(b.dir, 'tick');
    const body: string[] = [];
    for (const [i, what] of layout(services).entries()) {
      if (what === 'port') {
        const l = await recordingListener();
        listeners.push(l);
        body.push(`check host port${i} with address 127.0.0.1`, `  if failed port ${l.port} then alert`);
      } else if (what === 'process') {
        body.push(`check process proc${i} with pidfile ${sleeperPidfile}`);
      } else {
        body.push(
          `check host mqtt${i} with address 127.0.0.1`,
          `  if failed port ${b.port} protocol mqtt with timeout 1 seconds then alert`,
        );
      }
    }
    body.push(`check program tick with path "${tick.path}"`, '  if status != 0 then alert');
    const httpPort = kind === 'brokerwatch' ? await freePort() : undefined;
    sup = await launchRules(kind, b.dir, body, httpPort);
    const metrics = httpPort ? `http://127.0.0.1:${httpPort}/metrics` : undefined;

    // Every port service ran twice (monit's first cycles may be long), then a few seconds of warm-up.
    const readyBy = Date.now() + 120_000;
    while (!listeners.every((l) => l.accepts.length >= 2)) {
      if (Date.now() > readyBy || sup.child.exitCode !== null)
        throw new Error(`${kind}: not every service ran within 120 s (see ${b.dir})`);
      await sleep(200);
    }
    if (metrics) await waitHttp(metrics, BENCH_HTTP_USER, 10_000);
    await sleep(3000);

    const from = wallMs();
    const a = procUsage(sup.pid);
    const lag0 = metrics ? await scrapeHistogram(metrics, BENCH_HTTP_USER, LAG) : undefined;
    let rssMax = 0;
    const t0 = Date.now();
    while (Date.now() - t0 < seconds * 1000) {
      await sleep(1000);
      rssMax = Math.max(rssMax, procUsage(sup.pid)?.rss ?? 0);
    }
    const lag1 = metrics ? await scrapeHistogram(metrics, BENCH_HTTP_USER, LAG) : undefined;
    const z = procUsage(sup.pid);
    const to = wallMs();
    if (!a || !z) throw new Error(`${kind} exited during the scale benchmark`);
    const elapsed = (to - from) / 1000;

    const gaps = (times: readonly number[]): number[] => {
      const inside = times.filter((t) => t >= from && t <= to);
      return inside.slice(1).map((t, i) => t - (inside[i] as number));
    };
    return {
      services,
      portServices: listeners.length,
      seconds: elapsed,
      cpuPercent: ((z.ticks - a.ticks) / 100 / elapsed) * 100,
      rssMb: rssMax / 1048576,
      serviceGaps: listeners.flatMap((l) => gaps(l.accepts)),
      tickGaps: gaps(await readTimestamps(tick.file)),
      ...(lag0 && lag1 ? { lag: histogramDiff(lag0, lag1) } : {}),
    };
  } finally {
    await sup?.stop();
    killPid(sleeper);
    for (const l of listeners) await l.close();
    await cleanupBroker(b);
  }
}
