// A test fails when, while it ran, a promise was rejected with no handler or an exception reached the
// top of the event loop: in a daemon that is an 'error' event nobody listens to or a forgotten
// await, and in production it ends the process. Importing this module installs the guard for the
// whole test file (node:test's own reporting of such errors depends on when they fire).
import { afterEach } from 'node:test';

const stray: unknown[] = [];

process.on('unhandledRejection', (reason) => void stray.push(reason));
process.on('uncaughtException', (err) => void stray.push(err));

afterEach(() => {
  if (stray.length === 0) return;
  const errors = stray.splice(0);
  throw new AggregateError(
    errors,
    `unhandled during the test: ${errors.map((e) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e))).join('; ')}`,
  );
});

/** The errors seen since the last test ended (the guard's own test looks at them). */
export function strayErrors(): readonly unknown[] {
  return stray;
}
