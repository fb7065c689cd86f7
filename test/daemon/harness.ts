// Supervision tests' shared setup: a real mosquitto that brokerwatch itself starts (its start program
// is `mosquitto -d -c CONF`), a rules file written 0600 in a private folder, and brokerwatch run either
// in-process (a Daemon with a logger and the event bus to assert on) or as `brokerwatch -I -c FILE`.
// Everything started is remembered and ended by PID in `after` hooks, even when a test fails.
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { procPidsChildrenFirst } from '../../bench/lib.js';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { parseRules } from '../../src/config/loader.js';
import { Daemon } from '../../src/daemon/daemon.js';
import type { ServiceEvent } from '../../src/state/events.js';
import type { Clock } from '../../src/util/clock.js';
import type { FakeClock } from '../helpers/fake-clock.js';
import { isRunning, mosquittoCommand, mosquittoPaths, mqttConnack, stopConfig } from '../helpers/mosquitto.js';
import { freePort } from '../helpers/ports.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';
// Every in-process daemon test fails on an unhandled rejection or an uncaught exception.
import '../helpers/stray-errors.js';
import { BROKERWATCH as MAIN } from '../helpers/cli.js';

/** A pino line, parsed. */
export type LogLine = { level: number; msg: string } & Record<string, unknown>;

/** Ends what a test file started, newest first; each step runs even if an earlier one throws. */
export class Cleanup {
  readonly #steps: Array<() => unknown> = [];

  add(step: () => unknown): void {
    this.#steps.push(step);
  }

  async run(): Promise<void> {
    for (const step of this.#steps.splice(0).reverse()) {
      try {
        await step();
      } catch {
        // Best effort: the next step must still run.
      }
    }
  }
}

/** A broker folder: mosquitto.conf on a free port, its pidfile and log, and the argv that starts it. */
export interface BrokerSpec {
  readonly name: string;
  readonly dir: string;
  readonly port: number;
  readonly configFile: string;
  readonly pidfile: string;
  readonly logFile: string;
  /** `/usr/sbin/mosquitto -d -c DIR/mosquitto.conf`, for a start program. */
  readonly startCommand: string;
}

/** Creates ROOT/NAME with a mosquitto.conf; the brokers started from it are stopped by `cleanup`. */
export async function brokerSpec(root: string, name: string, cleanup: Cleanup): Promise<BrokerSpec> {
  const dir = join(root, name);
  mkdirSync(dir, { mode: 0o700 });
  const port = await freePort();
  const argv = mosquittoCommand(dir, port);
  const paths = mosquittoPaths(dir);
  cleanup.add(() => stopConfig(paths.configFile));
  return { name, dir, port, ...paths, startCommand: argv.join(' ') };
}

/** A private temporary folder, removed by `cleanup`. */
export async function testDir(cleanup: Cleanup, prefix = 'brokerwatch-daemon-'): Promise<string> {
  const dir = await tempDir(prefix);
  cleanup.add(dir.cleanup);
  return dir.path;
}

/** The PID in a pidfile, if it holds one. */
export function pidIn(pidfile: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(pidfile, 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** Waits until the pidfile names a live broker other than `not` that answers CONNECT with CONNACK 0. */
export async function servingBroker(b: BrokerSpec, opts: { not?: number; timeoutMs?: number } = {}): Promise<number> {
  return waitFor(
    async () => {
      const pid = pidIn(b.pidfile);
      if (pid === undefined || pid === opts.not || !isRunning(pid)) return undefined;
      const probe = await mqttConnack(b.port, 500);
      return probe.kind === 'connack' && probe.code === 0 ? pid : undefined;
    },
    {
      timeoutMs: opts.timeoutMs ?? 10_000,
      message: `${b.name}: no broker serving on port ${b.port}${opts.not ? ` other than pid ${opts.not}` : ''}`,
    },
  );
}

/** Starts broker B the way its init script would (`mosquitto -d`), outside brokerwatch, which may then
 *  adopt it; resolves with its PID once it serves. `cleanup` of brokerSpec stops it. */
export async function brokerStartedOutside(b: BrokerSpec): Promise<number> {
  const [bin, ...args] = b.startCommand.split(' ');
  execFileSync(bin ?? '', args, { stdio: 'ignore' });
  return servingBroker(b);
}

/** Waits until the pidfile names a live process other than `not`; resolves with it. Polls every 2 ms. */
export async function newPid(b: BrokerSpec, not: number, timeoutMs = 10_000): Promise<number> {
  return waitFor(
    () => {
      const pid = pidIn(b.pidfile);
      return pid !== undefined && pid !== not && isRunning(pid) ? pid : undefined;
    },
    { timeoutMs, intervalMs: 2, message: `${b.name}: pidfile never named a new live process (old ${not})` },
  );
}

/** Writes a rules file the way brokerwatch insists on: mode 0600. */
export async function writeRules(path: string, text: string): Promise<void> {
  await writeFile(path, text, { mode: 0o600 });
}

/** A `check process` block for a broker started by brokerwatch. */
export function brokerRules(b: BrokerSpec, extra: readonly string[] = []): string {
  return [
    `check process ${b.name} with pidfile ${b.pidfile}`,
    `  start program = "${b.startCommand}" with timeout 10 seconds`,
    ...extra.map((l) => `  ${l}`),
    '',
  ].join('\n');
}

/** Sends a signal if the process is still there. */
export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

/** A daemon run in this process, with its log lines and events kept for assertions. */
export interface InProcess {
  readonly daemon: Daemon;
  readonly logs: LogLine[];
  readonly events: ServiceEvent[];
}

/** Parses RULES (as FILE, written 0600 beside it) and starts a Daemon (on `opts.clock` if given);
 *  `cleanup` stops it. */
export async function startInProcess(
  file: string,
  rules: string,
  cleanup: Cleanup,
  opts: { clock?: Clock } = {},
): Promise<InProcess> {
  await writeRules(file, rules);
  const { config } = await parseRules(rules, file);
  const logs: LogLine[] = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => void logs.push(JSON.parse(s) as LogLine) });
  const daemon = new Daemon(config, { logger, ...(opts.clock ? { clock: opts.clock } : {}) });
  const events: ServiceEvent[] = [];
  daemon.events.subscribe((e) => events.push(e));
  cleanup.add(() => daemon.stop());
  // BW_TEST_LOGS=1 prints the daemon's log when the file ends, to see why a test failed.
  if (process.env.BW_TEST_LOGS)
    cleanup.add(() => process.stderr.write(logs.map((l) => `${JSON.stringify(l)}\n`).join('')));
  await daemon.start();
  return { daemon, logs, events };
}

/**
 * Waits until the in-process daemon has identified broker `b` (the PID its pidfile names, no start or
 * stop in flight) and the broker serves MQTT. Killing it any earlier races the daemon's own start.
 */
export async function supervisedPid(
  d: InProcess,
  b: BrokerSpec,
  opts: { not?: number; timeoutMs?: number } = {},
): Promise<number> {
  const pid = await servingBroker(b, opts);
  const r = d.daemon.runner(b.name);
  await waitFor(() => r?.identity?.pid === pid && r.state.inFlight === undefined, {
    timeoutMs: opts.timeoutMs ?? 10_000,
    intervalMs: 2,
    message: `${b.name}: the daemon never took pid ${pid} as its broker`,
  });
  return pid;
}

/** Runs one whole cycle of service NAME of the in-process daemon on CLOCK (time stands still while it works). */
export async function runCycle(d: InProcess, clock: FakeClock, name: string): Promise<void> {
  const runner = d.daemon.runner(name);
  if (!runner) throw new Error(`no service ${name}`);
  const before = runner.state.cycle;
  await clock.runUntil(() => runner.state.cycle > before && !runner.busy, {
    quiet: () => !runner.busy,
    timeoutMs: 20_000,
    message: `${name}: no cycle ran`,
  });
}

/** Waits for an event matching `pred`. */
export function waitEvent(
  events: readonly ServiceEvent[],
  pred: (e: ServiceEvent) => boolean,
  timeoutMs: number,
  what: string,
): Promise<ServiceEvent> {
  return waitFor(() => events.find(pred), { timeoutMs, intervalMs: 5, message: `no event: ${what}` });
}

/** `brokerwatch -I -c FILE` as a child process, its JSON log lines parsed from stdout. */
export class ChildDaemon {
  readonly lines: LogLine[] = [];
  stderr = '';
  readonly #child: ChildProcess;
  readonly exited: Promise<unknown>;

  private constructor(child: ChildProcess) {
    this.#child = child;
    this.exited = once(child, 'exit');
    let buffered = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      for (const line of parts) if (line.trim() !== '') this.lines.push(JSON.parse(line) as LogLine);
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
  }

  get pid(): number {
    const pid = this.#child.pid;
    if (pid === undefined) throw new Error('brokerwatch did not start');
    return pid;
  }

  get running(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** Starts the daemon; `cleanup` SIGKILLs it by PID if it is still running. */
  static async start(rulesFile: string, cleanup: Cleanup): Promise<ChildDaemon> {
    const child = spawn(process.execPath, [MAIN, '-I', '-c', rulesFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    const d = new ChildDaemon(child);
    await once(child, 'spawn');
    const pid = d.pid;
    const kill = (): void => {
      if (d.running) signal(pid, 'SIGKILL');
    };
    // A test process that dies must not leave a daemon running: it would restart brokers forever.
    process.once('exit', kill);
    cleanup.add(async () => {
      kill();
      if (child.exitCode === null && child.signalCode === null) await d.exited;
    });
    await d.waitLine((l) => l.msg === 'brokerwatch started', 10_000, 'brokerwatch started');
    return d;
  }

  /** Waits for a log line matching `pred`, looking at lines from index `from` on. */
  waitLine(pred: (l: LogLine) => boolean, timeoutMs: number, what: string, from = 0): Promise<LogLine> {
    return waitFor(
      () => {
        if (!this.running) throw new Error(`brokerwatch exited while waiting for ${what}: ${this.stderr}`);
        return this.lines.slice(from).find(pred);
      },
      { timeoutMs, intervalMs: 5, message: `no log line: ${what}` },
    );
  }

  /** Sends SIGKILL and waits until the process is gone. */
  async kill(): Promise<void> {
    signal(this.pid, 'SIGKILL');
    await this.exited;
  }
}

/** Lines of a file (e.g. one a wrapper script appends to on each run); none if it does not exist. */
export function linesOf(file: string): string[] {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l !== '');
  } catch {
    return [];
  }
}

/** Live processes whose argv names `configFile` (as one argument), with their parents. */
export function brokersOf(configFile: string): Array<{ pid: number; ppid: number }> {
  const found: Array<{ pid: number; ppid: number }> = [];
  for (const entry of procPidsChildrenFirst()) {
    try {
      if (!readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').includes(configFile)) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state !== 'Z' && state !== 'X') found.push({ pid: Number(entry), ppid: Number(ppid) });
    } catch {
      // Exited while we looked.
    }
  }
  return found;
}

/** Of `brokersOf`, the separate brokers: `mosquitto -d` forks, and for a moment the launcher and its
 *  child both run the config; a process whose parent is also in the set is the same start. */
export function brokerRoots(configFile: string): number[] {
  const procs = brokersOf(configFile);
  return procs.filter((p) => !procs.some((q) => q.pid === p.ppid)).map((p) => p.pid);
}

/** PIDs of live processes whose argv is exactly `argv` and whose parent is `ppid`. */
export function childrenWithArgv(ppid: number, argv: readonly string[]): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').slice(0, -1);
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (
        Number(fields[1]) === ppid &&
        cmd.length === argv.length &&
        cmd.every((a, i) => a === argv[i]) &&
        isRunning(Number(entry))
      )
        found.push(Number(entry));
    } catch {
      // Exited while we looked.
    }
  }
  return found;
}
