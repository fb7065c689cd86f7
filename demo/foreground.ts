// The broker process proper: listen, then publish the pidfile, then serve until SIGTERM/SIGINT,
// which remove the pidfile and exit 0, as brokerwatch's stop (SIGTERM by pid) expects.
import type { ServeArgs } from './args.js';
import { tellLauncher } from './ipc.js';
import { createLog } from './log.js';
import { removeOwnPidfile, writePidfile } from './pidfile.js';
import { startBroker } from './serve.js';
import type { DemoBroker } from './serve.js';

// A close stuck on a client must not turn a stop into a hang; brokerwatch would then SIGKILL.
const SHUTDOWN_DEADLINE_MS = 5_000;

/** Runs the broker in this process until a signal ends it; returns once it is serving. */
export async function runForeground(args: ServeArgs): Promise<void> {
  const log = createLog(args.log);
  let broker: DemoBroker;
  try {
    broker = await startBroker(args);
  } catch (err) {
    return fail(log, `cannot listen on ${args.host}:${args.port}: ${(err as Error).message}`);
  }
  if (args.pidfile !== undefined) {
    try {
      await writePidfile(args.pidfile, process.pid);
    } catch (err) {
      await broker.close();
      return fail(log, `cannot write pidfile: ${(err as Error).message}`);
    }
  }
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    log(`${signal} received, shutting down`);
    setTimeout(() => {
      log(`shutdown took over ${SHUTDOWN_DEADLINE_MS} ms, exiting anyway`);
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    shutdown(broker, args.pidfile).then(
      () => process.exit(0),
      (err: unknown) => {
        log(`shutdown failed: ${(err as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  log(`listening on ${args.host}:${broker.port}${args.pidfile === undefined ? '' : `, pidfile ${args.pidfile}`}`);
  tellLauncher({ type: 'ready', pid: process.pid });
}

async function shutdown(broker: DemoBroker, pidfile: string | undefined): Promise<void> {
  await broker.close();
  if (pidfile !== undefined) await removeOwnPidfile(pidfile, process.pid);
}

function fail(log: (message: string) => void, message: string): void {
  log(message);
  tellLauncher({ type: 'failed', message });
  process.exitCode = 1;
}
