// Logs: pino JSON lines on standard output, or a file (`set log PATH`) reopened on SIGHUP so that
// logrotate can move it away.
import pino from 'pino';
import type { Config } from '../config/model.js';

export type Logger = pino.Logger;

export interface LogHandle {
  readonly logger: Logger;
  /** Reopens the log file after rotation; a no-op for standard output. */
  reopen(): void;
  /** Flushes pending lines (before exit). */
  flush(): void;
}

/** Creates the daemon's logger from `set log`; syslog is written to standard output for journald. */
export function createLogger(log: Config['log'], level = process.env.BROKERWATCH_LOG_LEVEL ?? 'info'): LogHandle {
  const redact = { paths: ['password', '*.password', 'config.httpd.allow', 'env'], censor: '********' };
  if (log?.kind === 'file') {
    const dest = pino.destination({ dest: log.path, mkdir: true, sync: false });
    return {
      logger: pino({ level, base: { name: 'brokerwatch' }, redact }, dest),
      reopen: () => dest.reopen(),
      flush: () => dest.flushSync(),
    };
  }
  const dest = pino.destination({ dest: 1, sync: true });
  return {
    logger: pino({ level, base: { name: 'brokerwatch' }, redact }, dest),
    reopen: () => undefined,
    flush: () => undefined,
  };
}
