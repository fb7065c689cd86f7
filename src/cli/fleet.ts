// `brokerwatch fleet --broker URL`: every daemon that publishes with `set fleet`, and its services,
// read from the retained messages on that broker. Only the names live here; what it does loads when
// it runs (fleet-command.ts, then mqtt.js).
import type { Command } from 'commander';

/** Exit codes, so that the command can serve as a check itself. */
export const FLEET_EXIT = { OK: 0, FAILING: 1, UNREACHABLE: 2, USAGE: 3 } as const;

/** The options as commander hands them over. */
export interface FleetFlags {
  readonly broker?: string;
  readonly prefix: string;
  readonly json?: boolean;
  readonly watch?: boolean;
  readonly timeout: string;
  readonly credentials?: string;
  readonly cafile?: string;
  readonly insecure?: boolean;
}

/** Registers `fleet`; a usage error exits 3. */
export function registerFleet(program: Command): void {
  program
    .command('fleet')
    .description(
      'list the daemons that publish to an MQTT broker (set fleet) and their services: exit 0 all online and ok, 1 something failing or offline, 2 broker unreachable, 3 bad usage',
    )
    .option('--broker <url>', 'the fleet broker: mqtt://HOST[:PORT], mqtts://, ws://, wss://')
    .option('--prefix <prefix>', "the topic prefix of 'set fleet'", 'brokerwatch')
    .option('--json', 'print JSON instead of a table')
    .option('--watch', 'keep listening and print again on every change')
    .option('--timeout <duration>', 'how long to wait for the broker and its retained messages: 5s, 500ms', '5s')
    .option(
      '--credentials <file>',
      "user name and password: 'username NAME' and 'password SECRET' lines, or 'NAME:SECRET'",
    )
    .option('--cafile <file>', 'CA certificate(s) to trust (mqtts://, wss://)')
    .option('--insecure', 'do not verify the TLS certificate (mqtts://, wss://)')
    .addHelpText(
      'after',
      '\nThe password comes from --credentials FILE or BROKERWATCH_FLEET_PASSWORD (with BROKERWATCH_FLEET_USERNAME),\nnever from the command line, where every local user can read it.',
    )
    .allowExcessArguments(false)
    .exitOverride((e) => process.exit(e.exitCode === 0 ? 0 : FLEET_EXIT.USAGE))
    .action(async (flags: FleetFlags) => {
      const { runFleet } = await import('./fleet-command.js');
      process.exitCode = await runFleet(flags);
    });
}
