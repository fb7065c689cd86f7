// Benchmark plumbing: temporary folders, a real mosquitto config, a supervisor (brokerwatch or
// monit) started as a child process, MQTT CONNACK timing, /proc readings, and statistics.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, openSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

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
  await writeFile(conf, [`listener ${port} 127.0.0.1`, 'allow_anonymous true', `pid_file ${pidfile}`, 'persistence false', 'user root', `log_dest file ${join(dir, 'mosquitto.log')}`, ''].join('\n'));
  const startScript = join(dir, 'start.sh');
  await writeFile(startScript, `#!/bin/sh\ndate +%s%N >> ${starts}\nexec ${MOSQUITTO} -d -c ${conf}\n`, { mode: 0o755 });
  return { dir, port, conf, pidfile, startScript, starts };
}

/** The start times (ms) the start script recorded so far. */
export async function startTimes(b: BrokerSetup): Promise<number[]> {
  const text = await readFile(b.starts, 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean).map((ns) => Number(BigInt(ns) / 1000n) / 1000);
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
    const payload = Buffer.concat([Buffer.from([0, 4]), Buffer.from('MQTT'), Buffer.from([4, 2, 0, 30, 0, id.length]), Buffer.from(id)]);
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
  readonly child: ChildProcess;
  readonly pid: number;
  stop(): Promise<void>;
}

/** Starts brokerwatch in the foreground on a rules file. */
export async function startBrokerwatch(rulesFile: string, logFile: string): Promise<Supervisor> {
  await chmod(rulesFile, 0o600);
  const out = openSync(logFile, 'a');
  const child = spawn(process.execPath, [join(ROOT, 'dist/src/cli/main.js'), '-I', '-c', rulesFile], { stdio: ['ignore', out, out] });
  return supervisor('brokerwatch', child);
}

/** Starts monit in the foreground on a control file. */
export async function startMonit(controlFile: string, logFile: string): Promise<Supervisor> {
  await chmod(controlFile, 0o600);
  const out = openSync(logFile, 'a');
  const child = spawn(MONIT, ['-I', '-c', controlFile], { stdio: ['ignore', out, out] });
  return supervisor('monit', child);
}

function supervisor(name: string, child: ChildProcess): Supervisor {
  const pid = child.pid ?? 0;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    name,
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
export async function launchSupervisor(kind: SupervisorKind, b: BrokerSetup, test = 'protocol mqtt'): Promise<Supervisor> {
  const file = join(b.dir, `${kind}.rc`);
  const log = join(b.dir, `${kind}.log`);
  const own =
    kind === 'monit'
      ? [`set pidfile ${join(b.dir, 'monit.pid')}`, `set idfile ${join(b.dir, 'monit.id')}`, `set statefile ${join(b.dir, 'monit.state')}`, `set log ${log}`]
      : [`set statefile ${join(b.dir, 'state.json')}`];
  const rules = [
    'set daemon 1',
    ...own,
    `check process mosquitto with pidfile ${b.pidfile}`,
    `  start program = "${b.startScript}" with timeout 10 seconds`,
    `  if failed host 127.0.0.1 port ${b.port} ${test} with timeout 1 seconds then restart`,
    '',
  ].join('\n');
  await writeFile(file, rules);
  return kind === 'monit' ? startMonit(file, join(b.dir, 'monit.out')) : startBrokerwatch(file, log);
}
