// `brokerwatch -I`: the daemon in the foreground, as systemd runs it. SIGHUP reloads the rules (a
// bad file is reported and the old rules keep running) and reopens the log; SIGTERM/SIGINT stop
// brokerwatch and leave the brokers running; SIGUSR1 (monit's wake-up) runs every service's cycle now.
import { rm, writeFile } from '../util/fs-async.js';
import { resolve } from 'node:path';
import { ConfigError, formatDiagnostic } from '../config/diagnostics.js';
import type { Diagnostic } from '../config/diagnostics.js';
import { loadRules } from '../config/loader.js';
import type { Config } from '../config/model.js';
import { Daemon } from '../daemon/daemon.js';
import { claimInstance } from '../daemon/instance-lock.js';
import { OptimizerGate, v8Optimizer } from '../daemon/optimizer.js';
import type { SystemdNotifier } from '../daemon/notify.js';
import { raiseFdLimit } from '../process/fd-limit.js';
import type { RaiseResult } from '../process/fd-limit.js';
import type { Alerts } from '../alerts/index.js';
import { createLogger } from '../util/logger.js';
import type { Logger } from '../util/logger.js';
import type { HttpServer } from '../http/listeners.js';
import { onWakeUp } from './wake.js';

type ReloadOutcome = { ok: boolean; errors?: string[] };

/** Runs until a stop signal; resolves with the exit code. */
export async function runDaemon(file: string): Promise<number> {
  const loaded = await loadOrReport(file);
  if (!loaded) return 1;
  const log = createLogger(loaded.config.log);
  logWarnings(log.logger, loaded.warnings);
  logFdLimit(log.logger, await raiseFdLimit());
  const daemon = new Daemon(loaded.config, { logger: log.logger });
  // V8's compilers beyond the interpreter only once the daemon is busy (optimizer.ts); each cycle
  // ends a sample, until the compilers are let go.
  const gate = new OptimizerGate(v8Optimizer, daemon.clock, (share) => {
    stopSampling();
    log.logger.info(
      { cpuPercent: Math.round(share * 1000) / 10 },
      "the daemon is busy: V8's baseline and optimizing compilers are on from now",
    );
  });
  gate.start();
  const stopSampling = daemon.onCycle(() => gate.sample());
  // One daemon per state file: a second one would restart every broker twice.
  const claim = await claimInstance(daemon.statePath);
  if (!claim.ok) {
    const who = claim.heldBy !== undefined ? `pid ${claim.heldBy}` : 'another process';
    const message = `brokerwatch is already running on these rules (${who}, state file ${daemon.statePath}); nothing was started`;
    log.logger.fatal({ statefile: daemon.statePath, pid: claim.heldBy }, message);
    log.flush();
    process.stderr.write(`${file}: ${message}\n`);
    return 1;
  }
  // Handlers first: a SIGHUP during start-up must not end the daemon (Node's default for SIGHUP),
  // and SIGTERM/SIGINT stop it also while it starts (the status API's quit may come as soon as it
  // listens): the start goes no further, and what was started is closed below.
  let beginStart!: () => void;
  const started = new Promise<void>((go) => (beginStart = go)).then(() => daemon.start());
  let alerts: Alerts | undefined;
  // Under systemd (Type=notify): READY, STATUS, the watchdog's pings, RELOADING and STOPPING.
  const notifier = await loadNotifier(log.logger);
  const reloadRules = reloader(file, log.logger, started, async (next) => {
    await daemon.reload(next);
    alerts?.reload(next);
  });
  const reload = notifier ? () => notifier.aroundReload(reloadRules) : reloadRules;
  process.on('SIGHUP', () => {
    log.reopen();
    void reload();
  });
  const stop = stopSignals();

  // The status server listens first of all: its page answers at once and shows the services as
  // initializing until the runners exist. The alert queue, the check kinds' modules, the state
  // file and the first cycles come after it.
  const http = await startStatusServer(daemon, loaded.config, file, log.logger, reload);
  const running = stop.signal() === undefined;
  if (running) {
    alerts = await openAlerts(daemon, loaded.config, log.logger);
    if (!alerts) {
      await http?.close();
      log.flush();
      return 1;
    }
  }
  const pidfile = running ? loaded.config.pidfile : undefined;
  if (pidfile) await writeFile(pidfile, `${process.pid}\n`);
  if (running) {
    // The handler itself is in place since the process began (wake.ts); now it has a daemon to wake:
    // monit's wake-up, every service's cycle runs now (from the moment a service's runner exists).
    onWakeUp(() => daemon.checkNow());
    beginStart();
    await started;
    notifier?.ready(daemon);
  }

  await stop.requested;
  notifier?.stopping();
  log.logger.info({ signal: stop.signal() }, 'brokerwatch stopping; brokers keep running');
  await http?.close();
  if (running) await daemon.stop();
  await alerts?.close();
  if (pidfile) await rm(pidfile, { force: true });
  await claim.release();
  await notifier?.close();
  log.flush();
  return 0;
}

/** The notify protocol's sender when systemd runs brokerwatch as `Type=notify` ($NOTIFY_SOCKET set);
 *  its module is loaded only then. */
async function loadNotifier(logger: Logger): Promise<SystemdNotifier | undefined> {
  if (!process.env.NOTIFY_SOCKET) return undefined;
  const { notifierFromEnv } = await import('../daemon/notify.js');
  return notifierFromEnv({ logger });
}

/** The rules, or undefined after printing their errors to stderr. */
async function loadOrReport(file: string): Promise<Awaited<ReturnType<typeof loadRules>> | undefined> {
  try {
    return await loadRules(file, { checkEnvironment: true });
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    for (const d of e.diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
    process.stderr.write(`${file}: errors found; nothing was started\n`);
    return undefined;
  }
}

/** What raising the descriptor limit did, in one line (nothing when it was high enough already). */
function logFdLimit(logger: Logger, r: RaiseResult): void {
  if (r.raised) logger.info({ before: r.before.soft, after: r.after.soft }, 'open files limit raised');
  else if (r.why !== 'high enough')
    logger.warn(
      { limit: r.limits?.soft, why: r.why },
      'open files limit not raised; the status server keeps a reserve',
    );
}

function logWarnings(logger: Logger, warnings: readonly Diagnostic[]): void {
  for (const w of warnings) logger.warn({ file: w.pos.file, line: w.pos.line, col: w.pos.col }, w.message);
}

/**
 * SIGHUP and the API's reload: one path and one queue, each reload after the one before it and after
 * the daemon's start. A bad file is logged and refused; the old rules keep running.
 */
function reloader(
  file: string,
  logger: Logger,
  started: Promise<void>,
  apply: (next: Config) => Promise<void>,
): () => Promise<ReloadOutcome> {
  let queue: Promise<unknown> = Promise.resolve();
  const once = async (): Promise<ReloadOutcome> => {
    await started;
    try {
      const next = await loadRules(file, { checkEnvironment: true });
      logWarnings(logger, next.warnings);
      await apply(next.config);
      return { ok: true };
    } catch (e) {
      if (!(e instanceof ConfigError)) {
        logger.error({ file, err: e }, 'reload failed; the old rules keep running');
        return { ok: false, errors: [] };
      }
      const errors = e.diagnostics.filter((x) => x.severity === 'error');
      for (const d of errors) logger.error({ file: d.pos.file, line: d.pos.line, col: d.pos.col }, d.message);
      logger.error({ file }, 'reload refused: the rules file has errors; the old rules keep running');
      return { ok: false, errors: errors.map(formatDiagnostic) };
    }
  };
  return () => {
    const run = queue.then(once);
    queue = run;
    return run;
  };
}

/** The first SIGTERM or SIGINT: which one came, and a promise that resolves when it does. */
function stopSignals(): { signal: () => string | undefined; requested: Promise<void> } {
  let signal: string | undefined;
  let onStop!: () => void;
  const requested = new Promise<void>((r) => (onStop = r));
  for (const sig of ['SIGTERM', 'SIGINT'] as const)
    process.once(sig, () => {
      signal ??= sig;
      onStop();
    });
  return { signal: () => signal, requested };
}

/** The status API when `set httpd` asks for it; a failure to listen is logged, and supervision goes on. */
async function startStatusServer(
  daemon: Daemon,
  config: Config,
  file: string,
  logger: Logger,
  reload: () => Promise<ReloadOutcome>,
): Promise<HttpServer | undefined> {
  if (!config.httpd) return undefined;
  try {
    // Loaded only when `set httpd` asks for it; fastify and the routes only when a client connects.
    const { startHttpServer } = await import('../http/listeners.js');
    return await startHttpServer(daemon, {
      config,
      logger,
      rulesFile: resolve(file),
      reload,
      quit: () => process.kill(process.pid, 'SIGTERM'),
    });
  } catch (e) {
    const h = config.httpd;
    const where = {
      ...(h.tcp !== false ? { port: h.port } : {}),
      ...(h.unixSocket ? { socket: h.unixSocket.path } : {}),
    };
    logger.error({ err: e, ...where }, 'cannot start the status API; supervising without it');
    return undefined;
  }
}

/** The alert queue, subscribed before the first cycle so that its events are alerted too; undefined
 *  (logged as fatal) when it cannot be opened, and then nothing is started. */
async function openAlerts(daemon: Daemon, config: Config, logger: Logger): Promise<Alerts | undefined> {
  const httpd = config.httpd;
  try {
    const { startAlerts } = await import('../alerts/index.js');
    return await startAlerts(daemon, {
      config,
      logger,
      stateDir: daemon.stateDir,
      hostId: () => daemon.hostId,
      ...(httpd && httpd.tcp !== false ? { httpUrl: `http://${httpd.address}:${httpd.port}/` } : {}),
    });
  } catch (e) {
    logger.fatal({ err: e }, 'cannot open the alert queue; nothing was started');
    return undefined;
  }
}
