// SIGUSR1 is monit's wake-up: `monit -c FILE` sends it to the PID of the daemon's pidfile to run a
// cycle now. A Node process with no SIGUSR1 handler opens its inspector on 127.0.0.1:9229 instead,
// and any local user may then run code in the daemon, which runs as root
// (https://nodejs.org/en/learn/getting-started/debugging#enable-inspector). So this module, the
// first the command evaluates, takes the signal before any other import; the daemon then points it
// at a cycle of every service. Before that (and in every other mode) a wake-up has nothing to wake.

let wake: (() => void) | undefined;

process.on('SIGUSR1', () => wake?.());

/** Runs `fn` on every SIGUSR1 from now on. */
export function onWakeUp(fn: () => void): void {
  wake = fn;
}
