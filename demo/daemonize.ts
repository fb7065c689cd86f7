// Daemonizing the way an init script's broker does: the launcher starts a detached child in its own
// session (setsid), waits until it serves and has written its pidfile, and exits 0, or 1 with the
// reason. Unlike `mosquitto -d`, whose launcher exits 0 before the bind, a 0 here means "serving".
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import type { ServeArgs } from './args.js';
import { isBrokerMessage } from './ipc.js';
import type { BrokerMessage } from './ipc.js';
import { readPidfile } from './pidfile.js';

/** How long the launcher waits for the child to be ready. */
export const READY_DEADLINE_MS = 10_000;

/** Starts SCRIPT --foreground as a detached daemon; resolves with the launcher's exit code. */
export async function daemonize(
  args: ServeArgs & { readonly pidfile: string },
  script: string,
  deadlineMs = READY_DEADLINE_MS,
): Promise<number> {
  const pidfile = args.pidfile;
  // stdout/stderr go to the log, so even a crash trace before our logger runs is kept; never to a
  // pipe of the caller, which would make its exec wait for the daemon to die.
  const out = args.log === undefined ? 'ignore' : openSync(args.log, 'a', 0o640);
  const childArgs = ['--foreground', '--host', args.host, '--port', String(args.port), '--pidfile', pidfile];
  const child = spawn(process.execPath, [script, ...childArgs], {
    detached: true,
    stdio: ['ignore', out, out, 'ipc'],
    cwd: '/',
  });
  if (typeof out === 'number') closeSync(out);
  const outcome = await new Promise<BrokerMessage>((resolve) => {
    const timer = setTimeout(
      () => resolve({ type: 'failed', message: `not ready within ${deadlineMs} ms` }),
      deadlineMs,
    );
    const settle = (message: BrokerMessage): void => {
      clearTimeout(timer);
      resolve(message);
    };
    child.on('message', (message) => {
      if (isBrokerMessage(message)) settle(message);
    });
    child.once('error', (err) => settle({ type: 'failed', message: err.message }));
    child.once('exit', (code, signal) =>
      settle({ type: 'failed', message: `exited with ${code ?? signal} before it was ready` }),
    );
  });
  if (outcome.type === 'ready' && (await readPidfile(pidfile)) === child.pid) {
    child.disconnect();
    child.unref();
    return 0;
  }
  // A child that is neither ready nor dead must not linger as a half-started broker.
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  const reason = outcome.type === 'failed' ? outcome.message : `pidfile ${pidfile} does not name PID ${child.pid}`;
  process.stderr.write(`demo broker failed to start: ${reason}\n`);
  return 1;
}
