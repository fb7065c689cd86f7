#!/usr/bin/env node
// The `brokerwatch` command: monit's flags (-c, -t, -v, -I) and its verbs (verbs.ts).
import { Command } from 'commander';
import { findRulesFile, defaultRulesFiles } from '../config/loader.js';
import { checkRules } from './check.js';
import { runDaemon } from './run-daemon.js';
import { registerVerbs } from './verbs.js';

const program = new Command();
program
  .name('brokerwatch')
  .description('A watchdog that keeps MQTT brokers alive (monit-compatible rules).')
  .option('-c, --control <file>', 'rules file (default: the first of ~/.brokerwatchrc, /etc/brokerwatch/brokerwatch.rc, /etc/brokerwatchrc, ./brokerwatch.rc)')
  .option('-t, --test', 'check the rules file syntax and exit')
  .option('-v, --verbose', 'with -t: print the rules as brokerwatch understood them')
  .option('-I, --interactive', 'run the daemon in the foreground (the default; for systemd)')
  .allowExcessArguments(true)
  .action(async (opts: { control?: string; test?: boolean; verbose?: boolean; interactive?: boolean }) => {
    const file = opts.control ?? findRulesFile();
    if (!file) {
      process.stderr.write(`brokerwatch: no rules file found; looked for ${defaultRulesFiles().join(', ')}; use -c FILE\n`);
      process.exit(1);
    }
    if (opts.test) {
      const out = await checkRules(file, opts.verbose);
      for (const l of out.lines) (out.ok ? process.stdout : process.stderr).write(`${l}\n`);
      process.exit(out.ok ? 0 : 1);
    }
    process.exit(await runDaemon(file));
  });

registerVerbs(program);

await program.parseAsync(process.argv);
