// monit's verbs, as HTTP clients of the running daemon (DESIGN.md §1):
//   brokerwatch [-c FILE] status [NAME] | summary [NAME] | report [up|down|initializing|unmonitored|total]
//              | start|stop|restart|monitor|unmonitor NAME|all | reload | quit      (each with --json)
// Exit codes: 0 done (also when services are failing: the answer is the status, as with monit),
// 1 the request failed, 2 usage, 3 the daemon is not running, 4 credentials refused, 5 unknown service.
import type { Command } from 'commander';
import { findRulesFile } from '../config/loader.js';
import { BwError, ERRORS } from '../errors.js';
import type { ActionReply, QuitReply, ReloadReply, ServiceReply, StatusDto } from '../api/contract.js';
import { headerLine, reportCounts, reportText, serviceText, statusTextAll, summaryText } from '../api/monit-text.js';
import { DaemonClient, endpointFromRules } from './client.js';

type Out = (text: string) => void;

interface VerbContext {
  readonly client: DaemonClient;
  readonly json: boolean;
  readonly out: Out;
}

const ACTIONS = ['start', 'stop', 'restart', 'monitor', 'unmonitor'] as const;
const REPORT_KINDS = ['up', 'down', 'initializing', 'unmonitored', 'total'] as const;

const printJson = (out: Out, v: unknown): void => out(`${JSON.stringify(v, null, 2)}\n`);
const servicePath = (name: string): string => `/api/v1/services/${encodeURIComponent(name)}`;

async function status(ctx: VerbContext, name: string | undefined): Promise<void> {
  if (name === undefined) {
    const s = await ctx.client.json<StatusDto>('GET', '/api/v1/status');
    return ctx.json ? printJson(ctx.out, s) : ctx.out(statusTextAll(s));
  }
  const [s, one] = await Promise.all([ctx.client.json<StatusDto>('GET', '/api/v1/status'), ctx.client.json<ServiceReply>('GET', servicePath(name))]);
  return ctx.json ? printJson(ctx.out, one) : ctx.out(`${headerLine(s.daemon)}\n\n${serviceText(one.service)}\n`);
}

async function summary(ctx: VerbContext, name: string | undefined): Promise<void> {
  const s = await ctx.client.json<StatusDto>('GET', '/api/v1/status');
  if (name !== undefined && !s.services.some((x) => x.name === name)) throw new BwError('BW_UNKNOWN_SERVICE', `no service named '${name}'`);
  const picked = name === undefined ? s : { ...s, services: s.services.filter((x) => x.name === name) };
  return ctx.json ? printJson(ctx.out, { services: picked.services.map((x) => ({ name: x.name, status: x.status, monitor: x.monitor, type: x.type })) }) : ctx.out(summaryText(picked));
}

async function report(ctx: VerbContext, kind: string | undefined): Promise<void> {
  if (kind !== undefined && !(REPORT_KINDS as readonly string[]).includes(kind)) throw new BwError('BW_USAGE', `report: expected one of ${REPORT_KINDS.join(', ')}, not '${kind}'`);
  const s = await ctx.client.json<StatusDto>('GET', '/api/v1/status');
  const counts = reportCounts(s.services);
  if (ctx.json) return printJson(ctx.out, kind === undefined ? counts : { [kind]: counts[kind as keyof typeof counts] });
  return ctx.out(kind === undefined ? reportText(s.services) : `${counts[kind as keyof typeof counts]}\n`);
}

async function act(ctx: VerbContext, action: (typeof ACTIONS)[number], name: string): Promise<void> {
  const r = await ctx.client.json<ActionReply>('POST', `${servicePath(name)}/${action}`);
  if (ctx.json) return printJson(ctx.out, r);
  const what = name === 'all' ? `all services (${r.services.length})` : `'${name}'`;
  ctx.out(`${action} of ${what} requested (action ${r.actionId}); see \`brokerwatch status${name === 'all' ? '' : ` ${name}`}\`\n`);
}

async function reload(ctx: VerbContext): Promise<void> {
  const r = await ctx.client.json<ReloadReply>('POST', '/api/v1/reload');
  return ctx.json ? printJson(ctx.out, r) : ctx.out(`rules reloaded: ${r.services} services\n`);
}

async function quit(ctx: VerbContext): Promise<void> {
  const r = await ctx.client.json<QuitReply>('POST', '/api/v1/quit');
  return ctx.json ? printJson(ctx.out, r) : ctx.out(`${r.message}\n`);
}

/** Runs one verb and resolves with its exit code; messages go to stdout/stderr. */
export async function runVerb(file: string | undefined, json: boolean, verb: (ctx: VerbContext) => Promise<void>, io: { out: Out; err: Out } = stdio): Promise<number> {
  try {
    const rules = file ?? findRulesFile();
    if (!rules) throw new BwError('BW_RULES_FILE', 'no rules file found; use -c FILE');
    await verb({ client: new DaemonClient(await endpointFromRules(rules)), json, out: io.out });
    return 0;
  } catch (e) {
    const err = e instanceof BwError ? e : new BwError('BW_INTERNAL', (e as Error).message);
    if (json) printJson(io.out, { error: { code: err.code, message: err.message } });
    else io.err(`brokerwatch: ${err.message}\n`);
    return err.exitCode;
  }
}

const stdio = { out: (s: string) => void process.stdout.write(s), err: (s: string) => void process.stderr.write(s) };

/** Registers the verbs on the `brokerwatch` command; an unknown verb is a usage error (exit 2). */
export function registerVerbs(program: Command): void {
  type Verb = (ctx: VerbContext, args: ReadonlyArray<string | undefined>) => Promise<void>;
  const run = (verb: Verb) => async (...params: unknown[]): Promise<void> => {
    const cmd = params[params.length - 1] as Command;
    const args = cmd.processedArgs as Array<string | undefined>;
    const { json, control } = cmd.optsWithGlobals<{ json?: boolean; control?: string }>();
    process.exitCode = await runVerb(control, json === true, (ctx) => verb(ctx, args));
  };
  const verb = (name: string, description: string): Command =>
    program
      .command(name)
      .description(description)
      .option('--json', "print the API's JSON")
      // The root command allows excess arguments (monit's habits); a verb does not inherit that.
      .allowExcessArguments(false)
      .exitOverride((e) => process.exit(e.exitCode === 0 ? 0 : ERRORS.BW_USAGE.exit));

  verb('status [name]', 'the status of every service, or of one').action(run((ctx, a) => status(ctx, a[0])));
  verb('summary [name]', 'a one-line summary per service').action(run((ctx, a) => summary(ctx, a[0])));
  verb('report [kind]', `counts of services: ${REPORT_KINDS.join(', ')}`).action(run((ctx, a) => report(ctx, a[0])));
  for (const action of ACTIONS) {
    verb(`${action} <name>`, `${action} a service, or all`).action(run((ctx, a) => act(ctx, action, a[0] ?? '')));
  }
  verb('reload', 'reload the rules file (a file with errors is refused; the old rules keep running)').action(run(reload));
  verb('quit', 'stop brokerwatch (the brokers keep running)').action(run(quit));

  program.hook('preAction', (_root, actionCommand) => {
    if (actionCommand === program && program.args.length > 0) {
      process.stderr.write(`brokerwatch: unknown verb '${program.args[0] ?? ''}'; expected status, summary, report, start, stop, restart, monitor, unmonitor, reload or quit\n`);
      process.exit(ERRORS.BW_USAGE.exit);
    }
  });
}
