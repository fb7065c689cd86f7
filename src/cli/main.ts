#!/usr/bin/env node
// The `brokerwatch` command: monit's flags (-c, -t, -v, -I, -B, -V) and its verbs (verbs.ts).
// It starts about as fast as Node itself: the SIGUSR1 handler comes first (wake.ts), then commander
// and the help; each mode loads what it needs when it runs: `-t` the rules front end, a verb the
// HTTP client, `probe` the MQTT probe, `init` the mosquitto.conf reader, `fleet` mqtt.js, and only
// `-I` (the default) loads the daemon, from run-daemon.ts.
import './wake.js';
import { Command } from 'commander';
import { VERSION } from '../util/version.js';
import { registerFleet } from './fleet.js';
import { registerInit } from './init.js';
import { registerProbe } from './probe.js';
import { registerVerbs } from './verbs.js';

interface RootOptions {
  control?: string;
  test?: boolean;
  verbose?: boolean;
  interactive?: boolean;
  batch?: boolean;
}

const program = new Command();
program
  .name('brokerwatch')
  .description('A watchdog that keeps MQTT brokers alive (monit-compatible rules).')
  .version(`This is brokerwatch version ${VERSION}`, '-V, --version', 'print the version and exit')
  .option(
    '-c, --control <file>',
    'rules file (default: the first of ~/.brokerwatchrc, /etc/brokerwatch/brokerwatch.rc, /etc/brokerwatchrc, ./brokerwatch.rc)',
  )
  .option('-t, --test', 'check the rules file syntax and exit')
  .option('-v, --verbose', 'with -t: print the rules as brokerwatch understood them')
  .option('-I, --interactive', 'run the daemon in the foreground (the default; for systemd)')
  // monit's batch mode for scripts; brokerwatch's output is always plain text without colours.
  .option('-B, --batch', 'batch mode: plain output, no colours (the only output brokerwatch has)')
  .allowExcessArguments(true)
  .action(async (opts: RootOptions) => {
    const { defaultRulesFiles, findRulesFile } = await import('../config/loader.js');
    const file = opts.control ?? findRulesFile();
    if (!file) {
      process.stderr.write(
        `brokerwatch: no rules file found; looked for ${defaultRulesFiles().join(', ')}; use -c FILE\n`,
      );
      process.exit(1);
    }
    if (opts.test) {
      const { checkRules } = await import('./check-rules.js');
      const out = await checkRules(file, opts.verbose);
      // One write, and no process.exit(): a pipe takes 64 kB at a time, and exiting before it drained
      // would cut the report (and its summary line) short.
      (out.ok ? process.stdout : process.stderr).write(out.lines.map((l) => `${l}\n`).join(''));
      process.exitCode = out.ok ? 0 : 1;
      return;
    }
    const { runDaemon } = await import('./run-daemon.js');
    process.exit(await runDaemon(file));
  });

registerVerbs(program);
registerProbe(program);
registerInit(program);
registerFleet(program);

// Not awaited at the top: the bundle (scripts/bundle.mjs) is CommonJS, which has no top-level await; a
// rejection still ends the process with its error, as an unhandled one does.
void program.parseAsync(process.argv);
