// monit's verbs, as HTTP clients of the running daemon (DESIGN.md §1):
//   brokerwatch [-c FILE] status [NAME] | summary [NAME] | report [up|down|initializing|unmonitored|total]
//              | start|stop|restart|monitor|unmonitor NAME|all | reload | quit      (each with --json)
// Exit codes: 0 done (also when services are failing: the answer is the status, as with monit),
// 1 the request failed, 2 usage, 3 the daemon is not running, 4 credentials refused, 5 unknown service.
// Only the names live here, so `--help` and the flags load nothing else; what a verb asks and prints
// is in requests.ts, imported when one runs.
import type { Command } from 'commander';
import { ERRORS } from '../errors.js';
import type * as RequestsModule from './requests.js';
import type { VerbContext } from './requests.js';

type Requests = typeof RequestsModule;

const ACTIONS = ['start', 'stop', 'restart', 'monitor', 'unmonitor'] as const;
/** The service actions, each a verb. */
export type ActionVerb = (typeof ACTIONS)[number];
/** What `report KIND` may count. */
export const REPORT_KINDS = ['up', 'down', 'initializing', 'unmonitored', 'total'] as const;

/** Registers the verbs on the `brokerwatch` command; an unknown verb is a usage error (exit 2). */
export function registerVerbs(program: Command): void {
  type Verb = (r: Requests, ctx: VerbContext, args: ReadonlyArray<string | undefined>) => Promise<void>;
  const run =
    (verb: Verb) =>
    async (...params: unknown[]): Promise<void> => {
      const cmd = params[params.length - 1] as Command;
      const args = cmd.processedArgs as Array<string | undefined>;
      const { json, control } = cmd.optsWithGlobals<{ json?: boolean; control?: string }>();
      const r = await import('./requests.js');
      process.exitCode = await r.runVerb(control, json === true, (ctx) => verb(r, ctx, args));
    };
  const verb = (name: string, description: string): Command =>
    program
      .command(name)
      .description(description)
      .option('--json', "print the API's JSON")
      // The root command allows excess arguments (monit's habits); a verb does not inherit that.
      .allowExcessArguments(false)
      .exitOverride((e) => process.exit(e.exitCode === 0 ? 0 : ERRORS.BW_USAGE.exit));

  verb('status [name]', 'the status of every service, or of one').action(run((r, ctx, a) => r.status(ctx, a[0])));
  verb('summary [name]', 'a one-line summary per service').action(run((r, ctx, a) => r.summary(ctx, a[0])));
  verb('report [kind]', `counts of services: ${REPORT_KINDS.join(', ')}`).action(
    run((r, ctx, a) => r.report(ctx, a[0])),
  );
  for (const action of ACTIONS) {
    verb(`${action} <name>`, `${action} a service, or all`).action(run((r, ctx, a) => r.act(ctx, action, a[0] ?? '')));
  }
  verb('reload', 'reload the rules file (a file with errors is refused; the old rules keep running)').action(
    run((r, ctx) => r.reload(ctx)),
  );
  verb('quit', 'stop brokerwatch (the brokers keep running)').action(run((r, ctx) => r.quit(ctx)));

  program.hook('preAction', (_root, actionCommand) => {
    if (actionCommand === program && program.args.length > 0) {
      process.stderr.write(
        `brokerwatch: unknown verb '${program.args[0] ?? ''}'; expected status, summary, report, start, stop, restart, monitor, unmonitor, reload, quit, probe or init\n`,
      );
      process.exit(ERRORS.BW_USAGE.exit);
    }
  });
}
