// systemd's notify protocol (sd_notify(3)): newline-separated `KEY=VALUE` lines in one datagram to the
// AF_UNIX SOCK_DGRAM socket named by $NOTIFY_SOCKET. Node cannot send on a datagram unix socket, and
// the npm packages that can are native addons (sd-notify and unix-dgram build with node-gyp at
// install time; node-unix-socket ships prebuilt binaries for a few platforms only), a compiled
// dependency in a daemon that runs as root. So each message is sent by systemd's own sender,
// `systemd-notify`, run directly (no shell): it fills the message's SCM_CREDENTIALS with its parent's
// PID, which is brokerwatch's, and the kernel allows that to root, so `NotifyAccess=main` accepts it.
// Run as another user, the kernel refuses the borrowed PID, systemd-notify sends as itself, and the
// unit needs `NotifyAccess=all` (systemd-notify then waits until the manager has read the message,
// so it is still alive to be attributed to the unit). Being systemd's own tool, it also speaks every
// address form the running systemd hands out (paths, abstract sockets, vsock).
import { spawn } from 'node:child_process';
import { SAFE_PATH } from '../actions/env.js';

/** What systemd told this process in its environment. */
export interface NotifyEnv {
  readonly socket: string;
  /** WATCHDOG_USEC in ms, when the watchdog is meant for this process (WATCHDOG_PID absent or ours). */
  readonly watchdogMs?: number;
}

/**
 * Reads NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID and removes them from ENV, as sd_notify's
 * `unset_environment` does: they are this process's, not its children's. Undefined without a socket.
 */
export function takeNotifyEnv(env: NodeJS.ProcessEnv = process.env, pid = process.pid): NotifyEnv | undefined {
  const socket = env.NOTIFY_SOCKET;
  const usec = Number(env.WATCHDOG_USEC);
  const forPid = env.WATCHDOG_PID;
  delete env.NOTIFY_SOCKET;
  delete env.WATCHDOG_USEC;
  delete env.WATCHDOG_PID;
  if (socket === undefined || socket === '') return undefined;
  const ours = forPid === undefined || forPid === '' || Number(forPid) === pid;
  const watchdogMs = Number.isFinite(usec) && usec > 0 && ours ? Math.max(1, Math.floor(usec / 1000)) : undefined;
  return { socket, ...(watchdogMs !== undefined ? { watchdogMs } : {}) };
}

/** CLOCK_MONOTONIC in microseconds, for MONOTONIC_USEC (libuv's hrtime reads that clock on Linux). */
export function monotonicUsec(): string {
  return (process.hrtime.bigint() / 1000n).toString();
}

/** Sends one message: resolves once it is sent (or the sending failed, which is reported). */
export type NotifySend = (fields: readonly string[]) => Promise<void>;

/** The deadline of one systemd-notify run; it waits at most 5 s for the manager itself. */
const SEND_TIMEOUT_MS = 10_000;

/** A sender that runs `systemd-notify FIELD…` for each message, one at a time; ONERROR hears failures. */
export function systemdNotifySender(
  socket: string,
  onError: (message: string) => void,
  program = 'systemd-notify',
): NotifySend {
  return (fields) =>
    new Promise((resolve) => {
      const child = spawn(program, [...fields], {
        env: { PATH: SAFE_PATH, NOTIFY_SOCKET: socket },
        stdio: ['ignore', 'ignore', 'pipe'],
        timeout: SEND_TIMEOUT_MS,
      });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.on('error', (e) => {
        onError(`cannot run ${program}: ${e.message}`);
        resolve();
      });
      child.on('close', (code, signal) => {
        if (code !== 0)
          onError(`${program} ${fields.join(' ')} failed (${signal ?? `exit ${code}`}): ${stderr.trim()}`);
        resolve();
      });
    });
}

/**
 * Messages in order, one send at a time. While one is being sent, later ones wait; a watchdog ping
 * that finds another ping waiting is dropped (one is as good as two).
 */
export class NotifyQueue {
  readonly #send: NotifySend;
  readonly #waiting: string[][] = [];
  #busy = false;
  #idle: Array<() => void> = [];

  constructor(send: NotifySend) {
    this.#send = send;
  }

  /** Queues a message of FIELDS (`READY=1`, `STATUS=…`). */
  push(fields: readonly string[]): void {
    const ping = fields.length === 1 && fields[0] === 'WATCHDOG=1';
    if (ping && this.#waiting.some((f) => f.length === 1 && f[0] === 'WATCHDOG=1')) return;
    this.#waiting.push([...fields]);
    if (!this.#busy) void this.#drain();
  }

  /** Resolves once every queued message has been sent. */
  flushed(): Promise<void> {
    if (!this.#busy) return Promise.resolve();
    return new Promise((r) => this.#idle.push(r));
  }

  async #drain(): Promise<void> {
    this.#busy = true;
    for (let next = this.#waiting.shift(); next; next = this.#waiting.shift()) await this.#send(next);
    this.#busy = false;
    for (const r of this.#idle.splice(0)) r();
  }
}
