// Running start/stop/restart programs and `exec` actions (DESIGN.md §3, §6). A program is an argv
// (no shell), runs in its own process group with a minimal environment, always has a deadline, and
// on timeout or abort its whole group is ended: TERM, a grace period, KILL. A program that
// succeeds is never killed, since a start program's daemonized broker is left in its group.
// runCommand never throws for a failing program: every outcome is a RunResult.
import type * as Execa from 'execa';
import type { Command } from '../config/model.js';
import type { TerminateResult } from '../process/group.js';
import { terminateGroup } from '../process/group.js';
import { spawnRoom, spawnThrew } from '../process/spawn-room.js';
import { baseEnv } from './env.js';
import { resolveIds } from './ids.js';
import { OutputCapture } from './output.js';
import { monotonicMs } from '../util/clock.js';

let execaModule: Promise<typeof Execa> | undefined;

/**
 * Loads execa, a large package (0.2 MB of code, 2 MB of a daemon's memory with the modules of Node's
 * it brings), once: at the first program a daemon runs, which a daemon whose brokers never fail never
 * does. From the bundle's compile cache that first load takes a few milliseconds.
 */
function loadPrograms(): Promise<typeof Execa> {
  return (execaModule ??= import('execa'));
}

export interface RunOptions {
  /** The program's whole environment (see env.ts); PATH is added when missing. */
  readonly env?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
  /** Deadline when the command has no `with timeout`. */
  readonly defaultTimeoutMs: number;
  /** Between SIGTERM and SIGKILL to the group; default 5 s. */
  readonly killGraceMs?: number;
  /** Working folder; default "/" so that a daemon started here pins no mount point. */
  readonly cwd?: string;
  /** Output kept, from the end; default 64 KiB. */
  readonly maxOutputBytes?: number;
  /**
   * Told the program's PID as soon as it is spawned, before anything else runs (so it can be recorded
   * while the program has barely begun). Must not throw: a throw is logged nowhere and ignored.
   */
  readonly onSpawn?: (pid: number) => void;
}

export interface RunResult {
  /** The program's PID, which is also its process group, when it was started. */
  readonly pid?: number;
  readonly exitCode?: number;
  /** The signal that ended the program, e.g. "SIGTERM". */
  readonly signal?: string;
  readonly timedOut: boolean;
  readonly aborted: boolean;
  readonly durationMs: number;
  /** stdout and stderr interleaved; only the tail when longer than maxOutputBytes. */
  readonly output: string;
  readonly outputTruncated: boolean;
  /** True unless the program exited with status 0 before its deadline. */
  readonly failed: boolean;
  /** Why it failed, in words: "exited with status 3", "timed out after 30000 ms; …". */
  readonly error?: string;
}

export const DEFAULT_KILL_GRACE_MS = 5_000;
export const DEFAULT_MAX_OUTPUT_BYTES = 64 * 1024;
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Runs `cmd` to completion or deadline; the result says how it ended and never throws for it. */
export async function runCommand(cmd: Command, opts: RunOptions): Promise<RunResult> {
  const started = monotonicMs();
  const elapsed = (): number => Math.round(monotonicMs() - started);
  const notRun = (error: string, aborted = false): RunResult => ({
    timedOut: false,
    aborted,
    durationMs: elapsed(),
    output: '',
    outputTruncated: false,
    failed: true,
    error,
  });

  const [file, ...args] = cmd.argv;
  if (file === undefined || file === '') return notRun('empty command');
  const ids = await resolveIds(cmd.uid, cmd.gid);
  if (!ids.ok) return notRun(`cannot run ${file}: ${ids.error}`);
  if (opts.signal?.aborted) return notRun(`not run: aborted before start`, true);

  // setTimeout fires at once for a delay it cannot hold (over 2^31-1 ms), so clamp.
  const timeoutMs = Math.min(Math.max(cmd.timeoutMs ?? opts.defaultTimeoutMs, 1), MAX_TIMER_MS);
  const graceMs = opts.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  const cwd = opts.cwd ?? '/';
  // A full or read-only /tmp must not stop a broker from being restarted: run without output then.
  const { execa } = await loadPrograms();
  const noRoom = spawnRoom(file);
  if (noRoom !== undefined) return notRun(noRoom);
  const output = await OutputCapture.create().catch((err: unknown) => err as Error);
  try {
    // execa's types list descriptors 3-9 only, but a lone number (not in an array) is passed
    // unchanged to child_process.spawn (execa 9 lib/stdio/native.js); the tests cover it.
    const fd = output instanceof OutputCapture ? (output.fd as 3) : 'ignore';
    const subprocess = execa(file, args, {
      stdin: 'ignore',
      stdout: fd,
      stderr: fd,
      // setsid(): the program leads a new process group (and session), which we can signal as one.
      detached: true,
      env: { PATH: baseEnv().PATH ?? '', ...opts.env },
      extendEnv: false,
      cwd,
      ...(ids.uid !== undefined ? { uid: ids.uid } : {}),
      ...(ids.gid !== undefined ? { gid: ids.gid } : {}),
      reject: false,
      // Deadlines and kills are ours, for the whole group; execa's would signal the leader only.
      forceKillAfterDelay: false,
      buffer: false,
    });
    const pid = subprocess.pid;
    const deadline = armDeadline(pid, timeoutMs, graceMs, opts.signal);
    if (pid !== undefined) tellSpawned(opts.onSpawn, pid);
    // Disarmed on the child's 'exit' itself, not when execa settles a few ticks later: a deadline
    // falling in between must not kill the broker that a successful start program left behind.
    subprocess.once('exit', deadline.disarm);
    // No 'exit' when spawning fails (ENOENT, EACCES); disarm once execa has settled in any case.
    const result = await subprocess;
    deadline.disarm();
    const stopping = deadline.stopping();
    const terminated = await deadline.termination();
    const tail =
      output instanceof OutputCapture
        ? await output.tail(opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES)
        : { text: `(output not kept: ${output.message})`, truncated: false };

    const exitCode = typeof result.exitCode === 'number' ? result.exitCode : undefined;
    const signal = result.signal ?? undefined;
    const error =
      stopping !== undefined
        ? `${stopping === 'timeout' ? `timed out after ${timeoutMs} ms` : 'aborted'}; ${endedBy(pid, terminated)}`
        : exitError(file, cwd, exitCode, signal, result);
    return {
      ...(pid === undefined ? {} : { pid }),
      ...(exitCode === undefined ? {} : { exitCode }),
      ...(signal === undefined ? {} : { signal }),
      timedOut: stopping === 'timeout',
      aborted: stopping === 'abort',
      durationMs: elapsed(),
      output: tail.text,
      outputTruncated: tail.truncated,
      failed: error !== undefined,
      ...(error === undefined ? {} : { error }),
    };
  } catch (err) {
    // execa with reject:false reports spawn failures in its result; this is for the unexpected.
    return notRun(spawnThrew(file, err));
  } finally {
    if (output instanceof OutputCapture) await output.close();
  }
}

/** The caller's hook must not turn a running program into a "not run" result. */
function tellSpawned(onSpawn: ((pid: number) => void) | undefined, pid: number): void {
  try {
    onSpawn?.(pid);
  } catch {
    // The program runs either way; what the hook failed to do is its own business.
  }
}

/** Why a program that ran to its end failed (its status, its signal, or a spawn error), or undefined. */
function exitError(
  file: string,
  cwd: string,
  exitCode: number | undefined,
  signal: string | undefined,
  result: { readonly code?: string | undefined; readonly originalMessage?: string | undefined },
): string | undefined {
  if (exitCode === undefined && signal === undefined)
    return `cannot run ${file}: ${describeSpawnError(result.code, result.originalMessage, cwd)}`;
  if (signal !== undefined) return `killed by ${signal}`;
  return exitCode !== 0 ? `exited with status ${exitCode}` : undefined;
}

type StopReason = 'timeout' | 'abort';

interface Deadline {
  /** The program has exited: nothing is to be ended any more. */
  readonly disarm: () => void;
  /** Why the group was ended, if it was. */
  readonly stopping: () => StopReason | undefined;
  /** How the ending went, once it is over; undefined when nothing was ended. */
  readonly termination: () => Promise<TerminateResult | undefined>;
}

/** Ends the program's process group at `timeoutMs` or on `signal`, unless disarmed first. */
function armDeadline(pid: number | undefined, timeoutMs: number, graceMs: number, signal?: AbortSignal): Deadline {
  let exited = false;
  let stopping: StopReason | undefined;
  let termination: Promise<TerminateResult> | undefined;
  const stop = (why: StopReason): void => {
    if (stopping !== undefined || exited || pid === undefined) return;
    stopping = why;
    termination = terminateGroup(pid, graceMs).catch(() => ({ forced: false, gone: false }));
  };
  const onAbort = (): void => stop('abort');
  const timer = setTimeout(() => stop('timeout'), timeoutMs);
  signal?.addEventListener('abort', onAbort, { once: true });
  // An abort during the caller's awaits before the spawn fired no listener yet.
  if (signal?.aborted) onAbort();
  return {
    disarm: (): void => {
      exited = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    },
    stopping: () => stopping,
    termination: async () => (termination === undefined ? undefined : await termination),
  };
}

/** "process group 123 ended with SIGTERM, then SIGKILL; some processes did not die". */
function endedBy(pid: number | undefined, terminated: TerminateResult | undefined): string {
  const how = terminated?.forced ? 'SIGTERM, then SIGKILL' : 'SIGTERM';
  const left = terminated?.gone === false ? '; some processes did not die' : '';
  return `process group ${pid} ended with ${how}${left}`;
}

function describeSpawnError(code: string | undefined, message: string | undefined, cwd: string): string {
  switch (code) {
    case 'ENOENT':
      // Node reports a missing working folder as the program's ENOENT: name both.
      return `no such program, or no working folder ${cwd} (ENOENT)`;
    case 'EACCES':
      return 'permission denied (EACCES)';
    case 'EPERM':
      return 'operation not permitted (EPERM)';
    default:
      return message ?? code ?? 'unknown error';
  }
}
