// A Node process with no SIGUSR1 handler opens its inspector on 127.0.0.1:9229 when the signal comes,
// and any local user may then run code in it. Supervisors send SIGUSR1 to a pidfile's PID (monit's
// wake-up), so the demo broker takes the signal and ignores it: it has nothing to wake. broker.ts
// imports this first, so the handler is in place before anything slow loads.
process.on('SIGUSR1', () => {});
