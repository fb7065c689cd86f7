// `brokerwatch -I`: the daemon in the foreground, as systemd runs it. SIGHUP reloads the rules (a
// bad file is reported and the old rules keep running) and reopens the log; SIGTERM/SIGINT stop
// brokerwatch and leave the brokers running.
import { rm, writeFile } from 'node:fs/promises';
import { ConfigError, formatDiagnostic } from '../config/diagnostics.js';
import { loadRules } from '../config/loader.js';
import { Daemon } from '../daemon/daemon.js';
import { createLogger } from '../daemon/logger.js';

/** Runs until a stop signal; resolves with the exit code. */
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
  const daemon = new Daemon(loaded.config, { logger: log.logger });
  const pidfile = loaded.config.pidfile;
  if (pidfile) await writeFile(pidfile, `${process.pid}\n`);
  // Handlers first: a SIGHUP during start-up must not end the daemon (Node's default for SIGHUP).
  let reloading = Promise.resolve();
  let started: Promise<void> = Promise.resolve();
  process.on('SIGHUP', () => {
    log.reopen();
    reloading = reloading.then(async () => {
      await started;
      try {
        const next = await loadRules(file);
        for (const w of next.warnings) log.logger.warn({ file: w.pos.file, line: w.pos.line, col: w.pos.col }, w.message);
        await daemon.reload(next.config);
      } catch (e) {
        if (e instanceof ConfigError) {
          for (const d of e.diagnostics.filter((x) => x.severity === 'error')) log.logger.error({ file: d.pos.file, line: d.pos.line, col: d.pos.col }, d.message);
          log.logger.error({ file }, 'reload refused: the rules file has errors; the old rules keep running');
        } else {
          log.logger.error({ file, err: e }, 'reload failed; the old rules keep running');
        }
      }
    });
  });
  started = daemon.start();
  await started;

  return new Promise<number>((resolveExit) => {
    const stop = (signal: string): void => {
      log.logger.info({ signal }, 'brokerwatch stopping; brokers keep running');
      void daemon
        .stop()
        .then(async () => {
          if (pidfile) await rm(pidfile, { force: true });
          log.flush();
          resolveExit(0);
        });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
