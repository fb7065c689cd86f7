// What each verb asks the daemon and prints of its answer: monit-style text, or the API's JSON with
// --json. Loaded only when a verb runs (see verbs.ts).
import type { ActionReply, QuitReply, ReloadReply, ServiceReply, StatusDto } from '../api/contract.js';
import { headerLine, reportCounts, reportText, serviceText, statusTextAll, summaryText } from '../api/monit-text.js';
import { findRulesFile } from '../config/loader.js';
import { BwError } from '../errors.js';
import { DaemonClient, endpointFromRules } from './client.js';
import type { ActionVerb } from './verbs.js';
import { REPORT_KINDS } from './verbs.js';

type Out = (text: string) => void;

/** What a verb works with. */
export interface VerbContext {
  readonly client: DaemonClient;
  readonly json: boolean;
  readonly out: Out;
}

const printJson = (out: Out, v: unknown): void => out(`${JSON.stringify(v, null, 2)}\n`);
const servicePath = (name: string): string => `/api/v1/services/${encodeURIComponent(name)}`;

/** `status [NAME]`: every service, or one, as monit prints them. */
export async function status(ctx: VerbContext, name: string | undefined): Promise<void> {
  if (name === undefined) {
    const s = await ctx.client.json<StatusDto>('GET', '/api/v1/status');
    return ctx.json ? printJson(ctx.out, s) : ctx.out(statusTextAll(s));
  }
  const [s, one] = await Promise.all([
    ctx.client.json<StatusDto>('GET', '/api/v1/status'),
    ctx.client.json<ServiceReply>('GET', servicePath(name)),
  ]);
  return ctx.json ? printJson(ctx.out, one) : ctx.out(`${headerLine(s.daemon)}\n\n${serviceText(one.service)}\n`);
}

/** `summary [NAME]`: one line per service. */
export async function summary(ctx: VerbContext, name: string | undefined): Promise<void> {
  const s = await ctx.client.json<StatusDto>('GET', '/api/v1/status');
  if (name !== undefined && !s.services.some((x) => x.name === name))
    throw new BwError('BW_UNKNOWN_SERVICE', `no service named '${name}'`);
  const picked = name === undefined ? s : { ...s, services: s.services.filter((x) => x.name === name) };
  return ctx.json
    ? printJson(ctx.out, {
        services: picked.services.map((x) => ({ name: x.name, status: x.status, monitor: x.monitor, type: x.type })),
      })
    : ctx.out(summaryText(picked));
}

/** `report [KIND]`: counts of services. */
export async function report(ctx: VerbContext, kind: string | undefined): Promise<void> {
  if (kind !== undefined && !(REPORT_KINDS as readonly string[]).includes(kind))
    throw new BwError('BW_USAGE', `report: expected one of ${REPORT_KINDS.join(', ')}, not '${kind}'`);
  const s = await ctx.client.json<StatusDto>('GET', '/api/v1/status');
  const counts = reportCounts(s.services);
  if (ctx.json)
    return printJson(ctx.out, kind === undefined ? counts : { [kind]: counts[kind as keyof typeof counts] });
  return ctx.out(kind === undefined ? reportText(s.services) : `${counts[kind as keyof typeof counts]}\n`);
}

/** `start|stop|restart|monitor|unmonitor NAME|all`: asks for the action; its outcome shows in the events. */
export async function act(ctx: VerbContext, action: ActionVerb, name: string): Promise<void> {
  const r = await ctx.client.json<ActionReply>('POST', `${servicePath(name)}/${action}`);
  if (ctx.json) return printJson(ctx.out, r);
  const what = name === 'all' ? `all services (${r.services.length})` : `'${name}'`;
  ctx.out(
    `${action} of ${what} requested (action ${r.actionId}); see \`brokerwatch status${name === 'all' ? '' : ` ${name}`}\`\n`,
  );
}

/** `reload`: the daemon reads its rules file again. */
export async function reload(ctx: VerbContext): Promise<void> {
  const r = await ctx.client.json<ReloadReply>('POST', '/api/v1/reload');
  return ctx.json ? printJson(ctx.out, r) : ctx.out(`rules reloaded: ${r.services} services\n`);
}

/** `quit`: the daemon stops; the brokers keep running. */
export async function quit(ctx: VerbContext): Promise<void> {
  const r = await ctx.client.json<QuitReply>('POST', '/api/v1/quit');
  return ctx.json ? printJson(ctx.out, r) : ctx.out(`${r.message}\n`);
}

/** Runs one verb and resolves with its exit code; messages go to stdout/stderr. */
export async function runVerb(
  file: string | undefined,
  json: boolean,
  verb: (ctx: VerbContext) => Promise<void>,
  io: { out: Out; err: Out } = stdio,
): Promise<number> {
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
