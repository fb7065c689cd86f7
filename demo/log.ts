// The demo broker's log: one timestamped line per event, appended synchronously so the last words
// before a crash or a SIGKILL are on disk.
import { appendFileSync } from 'node:fs';

/** Writes one line of the log. */
export type Log = (message: string) => void;

/** A log appending to FILE, or writing to stderr (which a daemon has pointed at its log file). */
export function createLog(file: string | undefined): Log {
  return (message) => {
    const line = `${new Date().toISOString()} demo-broker[${process.pid}]: ${message}\n`;
    if (file === undefined) process.stderr.write(line);
    else appendFileSync(file, line);
  };
}
