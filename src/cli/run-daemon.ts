// `brokerwatch -I`: the daemon in the foreground, as systemd runs it. SIGHUP reloads the rules (a
// bad file is reported and the old rules keep running) and reopens the log; SIGTERM/SIGINT stop
// brokerwatch and leave the brokers running; SIGUSR1 (monit's wake-up) runs every service's cycle now.
import { rm, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ConfigError, formatDiagnostic } from '../config/diagnostics.js';
import { loadRules } from '../config/loader.js';
import { Daemon } from '../daemon/daemon.js';
import type { Alerts } from '../alerts/index.js';
import { createLogger } from '../util/logger.js';
import type { HttpServer } from '../http/server.js';
import { onWakeUp } from './wake.js';

/** Runs until a stop signal; resolves with the exit code. */
// eslint-disable-next-line max-lines-per-function -- the start-up sequence, not split yet
export async function runDaemon(file: string): Promise<number> {
  let loaded;
  try {
    loaded = await loadRules(file);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    for (const d of e.diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
    process.stderr.write(`${file}: errors found; nothing was started\n`);
    return 1;
  }
  const log = createLogger(loaded.config.log);
  for (const w of loaded.warnings) log.logger.warn({ file: w.pos.file, line: w.pos.line, col: w.pos.col }, w.message);
  const httpd = loaded.config.httpd;
  const daemon = new Daemon(loaded.config, { logger: log.logger });
  // Handlers first: a SIGHUP during start-up must not end the daemon (Node's default for SIGHUP).
  // SIGHUP and the API's reload share one path and one queue, and wait for the daemon's start.
  let beginStart!: () => void;
  const started = new Promise<void>((go) => (beginStart = go)).then(() => daemon.start());
  let alerts: Alerts | undefined;
  let reloading: Promise<unknown> = Promise.resolve();
  const reloadRules = (): Promise<{ ok: boolean; errors?: string[] }> => {
    const run = reloading.then(async () => {
      await started;
      try {
        const next = await loadRules(file);
        for (const w of next.warnings)
          log.logger.warn({ file: w.pos.file, line: w.pos.line, col: w.pos.col }, w.message);
        await daemon.reload(next.config);
        alerts?.reload(next.config);
        return { ok: true };
      } catch (e) {
        if (e instanceof ConfigError) {
          const errors = e.diagnostics.filter((x) => x.severity === 'error');
          for (const d of errors) log.logger.error({ file: d.pos.file, line: d.pos.line, col: d.pos.col }, d.message);
          log.logger.error({ file }, 'reload refused: the rules file has errors; the old rules keep running');
          return { ok: false, errors: errors.map(formatDiagnostic) };
        }
        log.logger.error({ file, err: e }, 'reload failed; the old rules keep running');
        return { ok: false, errors: [] };
      }
    });
    reloading = run;
    return run;
  };
  process.on('SIGHUP', () => {
    log.reopen();
    void reloadRules();
  });

  // SIGTERM/SIGINT stop brokerwatch from here on, also while it starts (the status API's quit may
  // come as soon as it listens): the start goes no further, and what was started is closed below.
  let stopSignal: string | undefined;
  let onStop!: () => void;
  const stopRequested = new Promise<void>((r) => (onStop = r));
  for (const sig of ['SIGTERM', 'SIGINT'] as const)
    process.once(sig, () => {
      stopSignal ??= sig;
      onStop();
    });

  // The status server listens first of all: its page answers at once and shows the services as
  // initializing until the runners exist. The alert queue, the check kinds' modules, the state
  // file and the first cycles come after it.
  let http: HttpServer | undefined;
  if (httpd) {
    try {
      // Loaded only when `set httpd` asks for it: fastify is most of an idle daemon's memory otherwise.
      const { startHttpServer } = await import('../http/server.js');
      http = await startHttpServer(daemon, {
        config: loaded.config,
        logger: log.logger,
        rulesFile: resolve(file),
        reload: reloadRules,
        quit: () => process.kill(process.pid, 'SIGTERM'),
      });
    } catch (e) {
      log.logger.error({ err: e, port: httpd.port }, 'cannot start the status API; supervising without it');
    }
  }

  // Alerts subscribe before the first cycle, so that cycle's events are alerted too. Their modules
  // load here, after the status server listens.
  if (stopSignal === undefined) {
    try {
      const { startAlerts } = await import('../alerts/index.js');
      alerts = await startAlerts(daemon, {
        config: loaded.config,
        logger: log.logger,
        stateDir: daemon.stateDir,
        hostId: () => daemon.hostId,
        ...(httpd ? { httpUrl: `http://${httpd.address}:${httpd.port}/` } : {}),
      });
    } catch (e) {
      log.logger.fatal({ err: e }, 'cannot open the alert queue; nothing was started');
      await http?.close();
      log.flush();
      return 1;
    }
  }
  const pidfile = stopSignal === undefined ? loaded.config.pidfile : undefined;
  if (pidfile) await writeFile(pidfile, `${process.pid}\n`);
  const running = stopSignal === undefined;
  if (running) {
    // The handler itself is in place since the process began (wake.ts); now it has a daemon to wake:
    // monit's wake-up, every service's cycle runs now (from the moment a service's runner exists).
    onWakeUp(() => daemon.checkNow());
    beginStart();
    await started;
  }

  await stopRequested;
  log.logger.info({ signal: stopSignal }, 'brokerwatch stopping; brokers keep running');
  await http?.close();
  if (running) await daemon.stop();
  await alerts?.close();
  if (pidfile) await rm(pidfile, { force: true });
  log.flush();
  return 0;
}
