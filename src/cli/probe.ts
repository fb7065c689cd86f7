// `brokerwatch probe URL`: one health check of a broker, for a container's HEALTHCHECK and for
// monitoring systems (Nagios, Icinga, Zabbix, Sensu: the monitoring-plugin convention). It needs no
// daemon and no rules file. Only the names live here; what it does loads when it runs
// (probe-command.ts, then the MQTT probe the daemon's checks use).
import type { Command } from 'commander';

/** Exit codes of monitoring plugins. */
export const PROBE_EXIT = { OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 } as const;

/** The probe's options as commander hands them over. */
export interface ProbeFlags {
  readonly roundtrip?: boolean;
  readonly qos?: string;
  readonly credentials?: string;
  readonly timeout: string;
  readonly warning?: string;
  readonly cafile?: string;
  readonly insecure?: boolean;
}

/** Registers `probe URL`; a usage error exits 3 (UNKNOWN), as monitoring plugins do. */
export function registerProbe(program: Command): void {
  program
    .command('probe <url>')
    .description(
      'check a broker once (mqtt://, mqtts://, ws://, wss://): one line of output, exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN',
    )
    .option('--roundtrip', 'subscribe to a unique topic, publish a unique message and receive it')
    .option('--qos <n>', 'QoS of the round trip: 0, 1 or 2 (default 1)')
    .option(
      '--credentials <file>',
      "user name and password: 'username NAME' and 'password SECRET' lines, or 'NAME:SECRET'",
    )
    .option('--timeout <duration>', 'deadline of the whole check: 10s, 500ms, 1m (a bare number is seconds)', '10s')
    .option('--warning <duration>', 'slower than this is WARNING')
    .option('--cafile <file>', 'CA certificate(s) to trust (mqtts://, wss://)')
    .option('--insecure', 'do not verify the TLS certificate (mqtts://, wss://)')
    .addHelpText(
      'after',
      '\nThe password comes from --credentials FILE or BROKERWATCH_PROBE_PASSWORD (with BROKERWATCH_PROBE_USERNAME),\nnever from the command line, where every local user can read it.',
    )
    .allowExcessArguments(false)
    .exitOverride((e) => process.exit(e.exitCode === 0 ? 0 : PROBE_EXIT.UNKNOWN))
    .action(async (url: string, flags: ProbeFlags) => {
      const { runProbe } = await import('./probe-command.js');
      const { line, exit } = await runProbe(url, flags);
      process.stdout.write(`${line}\n`);
      process.exitCode = exit;
    });
}
