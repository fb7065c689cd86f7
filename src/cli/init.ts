// `brokerwatch init --from-mosquitto CONF`: a rules file made from mosquitto's own configuration,
// checked as `-t` checks one. Only the names live here, so that `--help` loads nothing else; the work
// (init-command.ts, then src/init) loads when it runs.
import type { Command } from 'commander';
import { ERRORS } from '../errors.js';

/** The flags as commander hands them over. */
export interface InitFlags {
  readonly fromMosquitto: string;
  readonly output?: string;
  readonly force?: boolean;
  readonly probeUser?: string;
  readonly probePasswordFile?: string;
}

/** Registers `init`; a usage error exits 2, as the verbs' do. */
export function registerInit(program: Command): void {
  program
    .command('init')
    .description('write a rules file for the mosquitto of a mosquitto.conf, then check it as -t does')
    .requiredOption('--from-mosquitto <conf>', "mosquitto's configuration, e.g. /etc/mosquitto/mosquitto.conf")
    .option('-o, --output <file>', 'write the rules to FILE (mode 600); without it they are printed on standard output')
    .option('--force', 'overwrite FILE when it exists')
    .option('--probe-user <name>', 'the MQTT user the probes log in as (for listeners without anonymous access)')
    .option('--probe-password-file <file>', "a file whose first line is the probe user's password")
    .addHelpText(
      'after',
      [
        '',
        'Without --output the rules go to standard output and the check result to standard error:',
        '  brokerwatch init --from-mosquitto /etc/mosquitto/mosquitto.conf --output /etc/brokerwatch/brokerwatch.rc',
        'The password is read from --probe-password-file, never from the command line, where every local user',
        'can read it; it is written into the rules file, which brokerwatch keeps private (mode 600).',
      ].join('\n'),
    )
    .allowExcessArguments(false)
    .exitOverride((e) => process.exit(e.exitCode === 0 ? 0 : ERRORS.BW_USAGE.exit))
    .action(async (flags: InitFlags) => {
      const { runInit } = await import('./init-command.js');
      process.exitCode = await runInit(flags);
    });
}
