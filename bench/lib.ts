// Benchmark plumbing: temporary folders, a real mosquitto config, a supervisor (brokerwatch or
// monit) started as a child process, MQTT CONNACK timing, /proc readings, and statistics.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, openSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, connect as netConnect } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { cacheName, codeCacheDir, processHost } from '../src/util/code-cache.js';

export const MOSQUITTO = '/usr/sbin/mosquitto';
export const MONIT = '/usr/bin/monit';
export const ROOT = resolve(import.meta.dirname, '..', '..');

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Wall-clock milliseconds with sub-millisecond resolution (comparable to `date +%s%N`). */
export function wallMs(): number {
  return performance.timeOrigin + performance.now();
}

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => res(port));
    });
  });
}

export interface BrokerSetup {
  readonly dir: string;
  readonly port: number;
  readonly conf: string;
  readonly pidfile: string;
  /** Start program: records its start time in `starts`, then execs mosquitto -d. */
  readonly startScript: string;
  readonly starts: string;
}

/** A folder with a mosquitto config on a free loopback port and a start script that timestamps. */
export async function brokerSetup(name: string): Promise<BrokerSetup> {
  const dir = await mkdtemp(join(tmpdir(), `bw-bench-${name}-`));
  await chmod(dir, 0o755);
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  const pidfile = join(dir, 'mosquitto.pid');
  const starts = join(dir, 'starts');
  await writeFile(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      `pid_file ${pidfile}`,
      'persistence false',
      'user root',
      `log_dest file ${join(dir, 'mosquitto.log')}`,
      '',
    ].join('\n'),
  );
  const startScript = join(dir, 'start.sh');
  await writeFile(startScript, `#!/bin/sh\ndate +%s%N >> ${starts}\nexec ${MOSQUITTO} -d -c ${conf}\n`, {
    mode: 0o755,
  });
  return { dir, port, conf, pidfile, startScript, starts };
}

/** The start times (ms) the start script recorded so far. */
export async function startTimes(b: BrokerSetup): Promise<number[]> {
  const text = await readFile(b.starts, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((ns) => Number(BigInt(ns) / 1000n) / 1000);
}

export function readPid(pidfile: string): number | undefined {
  try {
    const n = Number(readFileSync(pidfile, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** Sends a bare MQTT 3.1.1 CONNECT and resolves true on CONNACK 0 within `timeoutMs`. */
export function connack(port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((res) => {
    const id = `bench${process.pid}${Math.floor(Math.random() * 1e9)}`;
    const payload = Buffer.concat([
      Buffer.from([0, 4]),
      Buffer.from('MQTT'),
      Buffer.from([4, 2, 0, 30, 0, id.length]),
      Buffer.from(id),
    ]);
    const packet = Buffer.concat([Buffer.from([0x10, payload.length]), payload]);
    const s = netConnect({ host: '127.0.0.1', port });
    const done = (ok: boolean): void => {
      clearTimeout(t);
      s.destroy();
      res(ok);
    };
    const t = setTimeout(() => done(false), timeoutMs);
    s.once('connect', () => s.write(packet));
    s.once('data', (d) => done(d[0] === 0x20 && d[3] === 0));
    s.once('error', () => done(false));
  });
}

/** Polls CONNACK until it succeeds; returns the wall time of the first success. */
export async function waitServing(port: number, deadlineMs: number, pollMs = 2): Promise<number | undefined> {
  const end = Date.now() + deadlineMs;
  while (Date.now() < end) {
    if (await connack(port, 200)) return wallMs();
    await sleep(pollMs);
  }
  return undefined;
}

export interface Supervisor {
  readonly name: string;
  /** The rules (control) file it runs on. */
  readonly rulesFile: string;
  readonly child: ChildProcess;
  readonly pid: number;
  stop(): Promise<void>;
}

/** Starts brokerwatch in the foreground on a rules file; BENCH_NODE_ARGS are node's options for it
 *  (`--cpu-prof --cpu-prof-dir=/tmp/prof` profiles the daemon of any section). */
export async function startBrokerwatch(rulesFile: string, logFile: string): Promise<Supervisor> {
  await chmod(rulesFile, 0o600);
  const out = openSync(logFile, 'a');
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, join(ROOT, 'dist/bin/brokerwatch.js'), '-I', '-c', rulesFile], {
    stdio: ['ignore', out, out],
  });
  return supervisor('brokerwatch', rulesFile, child);
}

/** Starts monit in the foreground on a control file. */
export async function startMonit(controlFile: string, logFile: string): Promise<Supervisor> {
  await chmod(controlFile, 0o600);
  const out = openSync(logFile, 'a');
  const child = spawn(MONIT, ['-I', '-c', controlFile], { stdio: ['ignore', out, out] });
  return supervisor('monit', controlFile, child);
}

function supervisor(name: string, rulesFile: string, child: ChildProcess): Supervisor {
  const pid = child.pid ?? 0;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    name,
    rulesFile,
    child,
    pid,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await Promise.race([exited, sleep(5000)]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** Kills the broker named by the pidfile (only that PID) and removes the folder. */
export async function cleanupBroker(b: BrokerSetup): Promise<void> {
  const pid = readPid(b.pidfile);
  if (pid && alive(pid)) {
    try {
      process.kill(pid, 'SIGCONT');
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await rm(b.dir, { recursive: true, force: true });
}

/** utime+stime in clock ticks and RSS in bytes of a process. */
export function procUsage(pid: number): { ticks: number; rss: number } | undefined {
  if (!existsSync(`/proc/${pid}/stat`)) return undefined;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(f[11]) + Number(f[12]);
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return { ticks, rss: Number(m?.[1] ?? 0) * 1024 };
}

/** The open sockets of a process: its descriptors that link to `socket:[…]`. */
export function socketCount(pid: number): number {
  let n = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) n++;
    } catch {
      // closed while we looked
    }
  }
  return n;
}

export interface Stats {
  readonly n: number;
  readonly min: number;
  readonly median: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

export function stats(values: readonly number[]): Stats {
  const v = [...values].sort((a, b) => a - b);
  const q = (p: number): number => v[Math.min(v.length - 1, Math.max(0, Math.ceil(p * v.length) - 1))] ?? NaN;
  return { n: v.length, min: v[0] ?? NaN, median: q(0.5), p90: q(0.9), p99: q(0.99), max: v[v.length - 1] ?? NaN };
}

/** Prints a table with aligned columns. */
export function table(title: string, header: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  console.log(`\n${title}\n`);
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
}

export const ms = (v: number): string => (Number.isFinite(v) ? `${v < 10 ? v.toFixed(1) : Math.round(v)} ms` : 'n/a');

export function monitAvailable(): boolean {
  return existsSync(MONIT);
}

export type SupervisorKind = 'brokerwatch' | 'monit';

/**
 * Writes the rules a monit user writes (`set daemon 1`, the start program, one MQTT test) plus each
 * supervisor's own files, and starts that supervisor on them: both read the very same rules.
 */
export async function launchSupervisor(
  kind: SupervisorKind,
  b: BrokerSetup,
  test = 'protocol mqtt',
  /** More services, in lines of the rules language both supervisors read. */
  extra: readonly string[] = [],
): Promise<Supervisor> {
  const file = join(b.dir, `${kind}.rc`);
  const log = join(b.dir, `${kind}.log`);
  const own =
    kind === 'monit'
      ? [
          `set pidfile ${join(b.dir, 'monit.pid')}`,
          `set idfile ${join(b.dir, 'monit.id')}`,
          `set statefile ${join(b.dir, 'monit.state')}`,
          `set log ${log}`,
        ]
      : [`set statefile ${join(b.dir, 'state.json')}`];
  const rules = [
    'set daemon 1',
    ...own,
    `check process mosquitto with pidfile ${b.pidfile}`,
    `  start program = "${b.startScript}" with timeout 10 seconds`,
    `  if failed host 127.0.0.1 port ${b.port} ${test} with timeout 1 seconds then restart`,
    ...extra,
    '',
  ].join('\n');
  await writeFile(file, rules);
  return kind === 'monit' ? startMonit(file, join(b.dir, 'monit.out')) : startBrokerwatch(file, log);
}

/** A loopback TCP listener that records when each connection was accepted (wall ms). */
export interface RecordingListener {
  readonly port: number;
  /** Accept times (wall ms), in order. */
  readonly accepts: number[];
  close(): Promise<void>;
}

/**
 * A listener whose accept times tell when a supervisor's port test ran: the connection is accepted,
 * timestamped and left for the client to close. With `mqtt`, it answers CONNECT with CONNACK 0 and
 * PINGREQ with PINGRESP while `answering()` is true, and says nothing otherwise (a hung broker).
 */
export async function recordingListener(mqtt?: { answering: () => boolean }): Promise<RecordingListener> {
  const accepts: number[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((sock) => {
    accepts.push(wallMs());
    sockets.add(sock);
    sock.setNoDelay(true);
    sock.on('error', () => undefined);
    sock.once('close', () => sockets.delete(sock));
    sock.on('end', () => sock.end());
    if (!mqtt) return;
    let buf = Buffer.alloc(0);
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const packet = nextMqttPacket(buf);
        if (!packet) return;
        buf = buf.subarray(packet.length);
        if (!mqtt.answering()) continue;
        if (packet.type === 1) sock.write(Buffer.from([0x20, 2, 0, 0]));
        else if (packet.type === 12) sock.write(Buffer.from([0xd0, 0]));
        else if (packet.type === 14) sock.end();
      }
    });
  });
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(0, '127.0.0.1', () => res());
  });
  const a = server.address();
  const port = typeof a === 'object' && a ? a.port : 0;
  return {
    port,
    accepts,
    close: () =>
      new Promise<void>((res) => {
        for (const s of sockets) s.destroy();
        server.close(() => res());
      }),
  };
}

/** The type and total length of the first complete MQTT packet in `buf`, if there is one. */
function nextMqttPacket(buf: Buffer): { type: number; length: number } | undefined {
  let remaining = 0;
  for (let i = 1, mult = 1; i <= 4 && i < buf.length; i++, mult *= 128) {
    const byte = buf[i] ?? 0;
    remaining += (byte & 0x7f) * mult;
    if ((byte & 0x80) === 0) {
      const length = i + 1 + remaining;
      return buf.length >= length ? { type: (buf[0] ?? 0) >> 4, length } : undefined;
    }
  }
  return undefined;
}

/** A `check program` script that appends the time it ran (`date +%s%N`) to `file`. */
export async function tickProgram(dir: string, name: string): Promise<{ path: string; file: string }> {
  const path = join(dir, `${name}.sh`);
  const file = join(dir, `${name}.times`);
  await writeFile(path, `#!/bin/sh\ndate +%s%N >> ${file}\n`, { mode: 0o755 });
  await chmod(path, 0o755);
  return { path, file };
}

/** The wall times (ms) a script recorded with `date +%s%N`, one a line. */
export async function readTimestamps(file: string): Promise<number[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((ns) => Number(BigInt(ns) / 1000n) / 1000);
}

/** Gaps (ms) between successive times whose interval overlaps [from, to]. */
export function gapsOverlapping(times: readonly number[], from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = 1; i < times.length; i++) {
    const a = times[i - 1] as number;
    const b = times[i] as number;
    if (b > from && a < to) out.push(b - a);
  }
  return out;
}

/** The monit-only lines of a control file: its pid, id and state files and log in `dir`. */
export function monitOwnLines(dir: string): string[] {
  return [
    `set pidfile ${join(dir, 'monit.pid')}`,
    `set idfile ${join(dir, 'monit.id')}`,
    `set statefile ${join(dir, 'monit.state')}`,
    `set log ${join(dir, 'monit.log')}`,
  ];
}

/** A Prometheus histogram read from a scrape: cumulative counts per upper bound (seconds). */
export interface PromHistogram {
  readonly buckets: ReadonlyArray<readonly [number, number]>;
  readonly count: number;
}

/** Reads the unlabelled histogram `name` from a /metrics endpoint (basic auth `user:password`). */
export async function scrapeHistogram(url: string, credentials: string, name: string): Promise<PromHistogram> {
  const res = await fetch(url, { headers: { authorization: `Basic ${Buffer.from(credentials).toString('base64')}` } });
  if (!res.ok) throw new Error(`GET ${url}: ${res.status}`);
  const text = await res.text();
  const buckets: [number, number][] = [];
  let count = 0;
  for (const line of text.split('\n')) {
    const b = new RegExp(`^${name}_bucket\\{le="([^"]+)"\\} (\\S+)$`).exec(line);
    if (b) buckets.push([b[1] === '+Inf' ? Infinity : Number(b[1]), Number(b[2])]);
    const c = new RegExp(`^${name}_count (\\S+)$`).exec(line);
    if (c) count = Number(c[1]);
  }
  return { buckets: buckets.sort((x, y) => x[0] - y[0]), count };
}

/** The observations made between two scrapes of the same histogram. */
export function histogramDiff(before: PromHistogram, after: PromHistogram): PromHistogram {
  const old = new Map(before.buckets);
  return {
    buckets: after.buckets.map(([le, n]) => [le, n - (old.get(le) ?? 0)] as const),
    count: after.count - before.count,
  };
}

/** The upper bound (seconds) of the bucket holding quantile `q` (1 = the maximum); NaN when empty. */
export function histogramQuantile(h: PromHistogram, q: number): number {
  if (h.count === 0) return NaN;
  const rank = Math.max(1, Math.ceil(q * h.count));
  for (const [le, n] of h.buckets) if (n >= rank) return le;
  return Infinity;
}

/** A histogram bound in ms as "≤ 5 ms" (or "> 1000 ms" for the +Inf bucket). */
export function bucketMs(seconds: number, lastFinite = 1): string {
  if (Number.isNaN(seconds)) return 'n/a';
  if (!Number.isFinite(seconds)) return `> ${lastFinite * 1000} ms`;
  return `≤ ${+(seconds * 1000).toPrecision(3)} ms`;
}

/** Polls `url` until it answers 200 (basic auth `user:password`), or throws after `deadlineMs`. */
export async function waitHttp(url: string, credentials: string, deadlineMs: number): Promise<void> {
  const auth = `Basic ${Buffer.from(credentials).toString('base64')}`;
  const end = Date.now() + deadlineMs;
  while (Date.now() < end) {
    if (
      await fetch(url, { headers: { authorization: auth } })
        .then((r) => r.ok)
        .catch(() => false)
    )
      return;
    await sleep(100);
  }
  throw new Error(`${url} not answering within ${deadlineMs} ms`);
}

/**
 * Waits until brokerwatch, run as this process's user on `rulesFile`, has written its compile cache
 * (src/cli/launch.ts: after 5 s of running), in `dir` or where the daemon's default puts it.
 */
export async function waitCodeCache(rulesFile: string, deadlineMs: number, dir?: string): Promise<void> {
  const folder = dir ?? codeCacheDir(processHost());
  const prefix = `${cacheName('daemon', resolve(rulesFile))}-`;
  const end = Date.now() + deadlineMs;
  const written = (): boolean => {
    try {
      return folder !== undefined && readdirSync(folder).some((n) => n.startsWith(prefix) && n.endsWith('.v8cache'));
    } catch {
      return false;
    }
  };
  while (!written()) {
    if (Date.now() > end) throw new Error(`no compile cache for ${rulesFile} in ${folder} within ${deadlineMs} ms`);
    await sleep(100);
  }
}

/** Spawns a detached `sleep` that stands in for a daemon, and writes its PID to `pidfile`. */
export async function sleeperWithPidfile(pidfile: string, seconds = 3600): Promise<number> {
  const child = spawn('/bin/sleep', [String(seconds)], { detached: true, stdio: 'ignore' });
  child.unref();
  const pid = child.pid ?? 0;
  await writeFile(pidfile, `${pid}\n`);
  return pid;
}

/** Sends SIGKILL to `pid` if it is alive (a PID this bench started or recorded). */
export function killPid(pid: number | undefined): void {
  if (!pid || !alive(pid)) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone meanwhile
  }
}

/** The credentials of the status server `launchRules` gives brokerwatch. */
export const BENCH_HTTP_USER = 'bench:bench-secret';

/**
 * Writes `body` (services) under `set daemon 1` and each supervisor's own lines (monit: its pid, id,
 * state and log files; brokerwatch: its state file and, with `httpPort`, a status server for
 * /metrics), and starts that supervisor on it: both read the very same services.
 */
export async function launchRules(
  kind: SupervisorKind,
  dir: string,
  body: readonly string[],
  httpPort?: number,
): Promise<Supervisor> {
  const file = join(dir, `${kind}.rc`);
  const own =
    kind === 'monit'
      ? monitOwnLines(dir)
      : [
          `set statefile ${join(dir, 'state.json')}`,
          ...(httpPort ? [`set httpd port ${httpPort} address 127.0.0.1`, `  allow ${BENCH_HTTP_USER} read-only`] : []),
        ];
  await writeFile(file, ['set daemon 1', ...own, ...body, ''].join('\n'));
  return kind === 'monit'
    ? startMonit(file, join(dir, 'monit.out'))
    : startBrokerwatch(file, join(dir, 'brokerwatch.log'));
}

/**
 * The PIDs in /proc, children before parents (descending). /proc is read one process at a time, not
 * as a snapshot: a child forked by `mosquitto -d` that is read while its launcher lives names it as
 * parent, and one read after the launcher exited (parent 1) is read before the launcher, which is
 * then gone too. Read the other way, an exiting launcher and its reparented child look like two
 * brokers. (PIDs wrap around only after pid_max of them.)
 */
export function procPidsChildrenFirst(): string[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .sort((a, b) => Number(b) - Number(a));
}
