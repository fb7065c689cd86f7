// HTTP checks at scale: N `check host` services (200 by default), each `if failed port P protocol
// http request "/" then alert`, against a few local HTTP servers (node:http, in this process, N / 20
// of them), under `set daemon 1`. Over the window: the schedule lag from brokerwatch's
// `brokerwatch_schedule_lag_seconds` histogram (GET /metrics), the daemon's open sockets (socket:
// links in /proc/PID/fd) and RSS sampled every 10 s (a socket leaked per probe shows as a climb from
// start to end), its CPU, and the requests the servers answered (each check is one). Beside it, a
// bare node process wakes on a timer every 5 ms and records how late each wakeup was, as the daemon
// records its cycles: the machine's own share of the lag (a busy machine starts any timer late).
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PromHistogram, Supervisor } from './lib.js';
import {
  BENCH_HTTP_USER,
  freePort,
  histogramDiff,
  launchRules,
  procUsage,
  scrapeHistogram,
  sleep,
  socketCount,
  waitHttp,
} from './lib.js';

/** How many services share one server. */
const PER_SERVER = 20;
const LAG = 'brokerwatch_schedule_lag_seconds';

export interface HttpScaleSample {
  readonly atS: number;
  readonly sockets: number;
  readonly rssMb: number;
}

export interface HttpScaleResult {
  readonly services: number;
  readonly servers: number;
  readonly seconds: number;
  /** The schedule lag observations of the window. */
  readonly lag: PromHistogram;
  /** Every `everyS` seconds from the start of the window to its end. */
  readonly samples: HttpScaleSample[];
  /** The daemon's CPU use over the window, % of one core. */
  readonly cpuPercent: number;
  /** Requests the servers answered in the window, per second. */
  readonly requestsPerSecond: number;
  /** Services whose last check failed at the end (`brokerwatch_service_up` 0). */
  readonly down: number;
  /** How late (ms) a bare node process's timers fired over the window: p50, p99, max. */
  readonly reference: {
    readonly p50: number;
    readonly p99: number;
    readonly max: number;
    readonly n: number;
    /** The share of wakeups at most 5 ms late. */
    readonly within5: number;
  };
}

// Timers on a 5 ms grid of whole milliseconds, lateness read with Date.now() as the daemon's lag is.
const REFERENCE = `
const late = [];
let due = Date.now() + 5;
const tick = () => { const now = Date.now(); late.push(now - due); due += 5; if (due <= now) due = now + 1; setTimeout(tick, due - Date.now()); };
setTimeout(tick, due - Date.now());
process.on('SIGTERM', () => {
  late.sort((a, b) => a - b);
  const q = (p) => late[Math.min(late.length - 1, Math.ceil(p * late.length) - 1)] ?? NaN;
  const within5 = late.filter((v) => v <= 5).length / Math.max(1, late.length);
  process.stdout.write(JSON.stringify({ p50: q(0.5), p99: q(0.99), max: q(1), n: late.length, within5 }), () => process.exit(0));
});
`;

/** Starts the reference timer process; its stop() resolves with what it measured. */
function referenceTimer(priority: number | undefined): { stop(): Promise<HttpScaleResult['reference']> } {
  const child: ChildProcess = spawn(process.execPath, ['-e', REFERENCE], { stdio: ['ignore', 'pipe', 'inherit'] });
  if (priority !== undefined && child.pid !== undefined) setPriority(child.pid, priority);
  let out = '';
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise((r) => child.once('exit', r));
  return {
    async stop() {
      child.kill('SIGTERM');
      await exited;
      return JSON.parse(out) as HttpScaleResult['reference'];
    },
  };
}

interface Counted {
  readonly server: Server;
  readonly port: number;
  requests: number;
}

/** An HTTP server that answers every request 200 "ok" and counts them. */
async function countingServer(): Promise<Counted> {
  const c = { requests: 0 } as { requests: number };
  const server = createServer((_req, res) => {
    c.requests++;
    res.end('ok');
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const a = server.address();
  return Object.assign(c, { server, port: typeof a === 'object' && a ? a.port : 0 });
}

/** `brokerwatch_service_up` samples that are 0. */
async function servicesDown(url: string): Promise<number> {
  const res = await fetch(url, {
    headers: { authorization: `Basic ${Buffer.from(BENCH_HTTP_USER).toString('base64')}` },
  });
  return [...(await res.text()).matchAll(/^brokerwatch_service_up\{[^}]*\} 0$/gm)].length;
}

/** N HTTP checks under brokerwatch for `seconds`, sampled every `everyS` seconds; with `priority`,
 *  the daemon and the reference timer run at that nice value (the machine's other load set aside). */
export async function httpScaleBench(
  services: number,
  seconds: number,
  everyS = 10,
  priority?: number,
): Promise<HttpScaleResult> {
  const dir = await mkdtemp(join(tmpdir(), 'bw-bench-httpscale-'));
  const servers: Counted[] = [];
  let sup: Supervisor | undefined;
  try {
    for (let i = 0; i < Math.ceil(services / PER_SERVER); i++) servers.push(await countingServer());
    const body: string[] = [];
    for (let i = 0; i < services; i++) {
      const port = servers[Math.floor(i / PER_SERVER)]?.port ?? 0;
      body.push(
        `check host web${i} with address 127.0.0.1`,
        `  if failed port ${port} protocol http request "/" then alert`,
      );
    }
    const httpPort = await freePort();
    sup = await launchRules('brokerwatch', dir, body, httpPort);
    if (priority !== undefined) setPriority(sup.pid, priority);
    const metrics = `http://127.0.0.1:${httpPort}/metrics`;
    await waitHttp(metrics, BENCH_HTTP_USER, 20_000);
    // Every service checked twice (each server saw two requests per service), then a warm-up.
    const readyBy = Date.now() + 60_000;
    while (servers.some((s) => s.requests < 2 * PER_SERVER) || (await servicesDown(metrics)) > 0) {
      if (Date.now() > readyBy || sup.child.exitCode !== null)
        throw new Error(`not every HTTP check ran and passed within 60 s (see ${dir})`);
      await sleep(200);
    }
    await sleep(3000);
    return await measure(sup, servers, metrics, { seconds, everyS, services, priority });
  } finally {
    await sup?.stop();
    for (const s of servers) {
      s.server.closeAllConnections();
      await new Promise((r) => s.server.close(r));
    }
    await rm(dir, { recursive: true, force: true });
  }
}

async function measure(
  sup: Supervisor,
  servers: readonly Counted[],
  metrics: string,
  o: { seconds: number; everyS: number; services: number; priority: number | undefined },
): Promise<HttpScaleResult> {
  const { seconds, everyS, services, priority } = o;
  const requests = (): number => servers.reduce((n, s) => n + s.requests, 0);
  const lag0 = await scrapeHistogram(metrics, BENCH_HTTP_USER, LAG);
  const reference = referenceTimer(priority);
  // The scrape's own work is behind us before the first sample (a scrape of 200 services is long).
  await sleep(2000);
  const u0 = procUsage(sup.pid);
  const r0 = requests();
  const t0 = performance.now();
  const samples: HttpScaleSample[] = [];
  for (;;) {
    const u = procUsage(sup.pid);
    if (!u) throw new Error('brokerwatch exited during the HTTP scale benchmark');
    samples.push({
      atS: Math.round((performance.now() - t0) / 1000),
      sockets: socketCount(sup.pid),
      rssMb: u.rss / 1048576,
    });
    const left = seconds * 1000 - (performance.now() - t0);
    if (left <= 0) break;
    await sleep(Math.min(everyS * 1000, left));
  }
  const elapsed = (performance.now() - t0) / 1000;
  const u1 = procUsage(sup.pid);
  const r1 = requests();
  const lag1 = await scrapeHistogram(metrics, BENCH_HTTP_USER, LAG);
  const ref = await reference.stop();
  if (!u0 || !u1) throw new Error('brokerwatch exited during the HTTP scale benchmark');
  return {
    services,
    servers: servers.length,
    seconds: elapsed,
    lag: histogramDiff(lag0, lag1),
    samples,
    cpuPercent: ((u1.ticks - u0.ticks) / 100 / elapsed) * 100,
    requestsPerSecond: (r1 - r0) / elapsed,
    down: await servicesDown(metrics),
    reference: ref,
  };
}
