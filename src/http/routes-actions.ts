// API v1, acting: start/stop/restart/monitor/unmonitor a service (or `all`), reload, quit. Every
// action goes through ServiceRunner.control, the one path rules use too (DESIGN.md §3); the answer
// is 202 with an action id, and the outcome shows in the events. Guards: a user who is not
// read-only, Content-Type application/json, and a rate limit per client.
import type { FastifyInstance, RouteShorthandOptions } from 'fastify';
import type { ControlAction } from '../state/types.js';
import { BwError } from '../errors.js';
import type { HttpContext } from './context.js';
import { requireAdmin, requireJson } from './guard.js';
import { errorResponses } from './openapi.js';
import { sendError } from './replies.js';
import {
  CONTROL_ACTIONS,
  actionBodySchema,
  actionParamsSchema,
  actionResponseSchema,
  quitResponseSchema,
  reloadResponseSchema,
} from './schemas.js';
import { clientOf } from './unix-socket.js';

/** Pulls `FILE:LINE:COL` out of `FILE:LINE:COL: message`: messages may quote the file's secrets. */
function positionOf(line: string): string {
  const m = /^(.*?:\d+:\d+):/.exec(line);
  return m?.[1] ?? 'rules file';
}

/** The rate limit all action routes share (one store: the API and the page spend one budget per client). */
export type ActionLimiter = ReturnType<FastifyInstance['rateLimit']>;

/** An action on a service (or `all`) as the API and the web page ask for it: the one control path. */
export function requestControl(
  ctx: HttpContext,
  req: { name: string; action: ControlAction; user: string; via: 'api' | 'web page' | 'monit CLI'; client: string },
): { actionId: number; services: string[] } {
  const { name, action, user } = req;
  // The server listens before the runners exist (a few hundred ms at start): nothing to act on yet.
  if (!ctx.daemon.started) throw new BwError('BW_UNAVAILABLE', 'brokerwatch is starting; try again in a moment');
  const runners = name === 'all' ? ctx.daemon.runners() : [ctx.daemon.runner(name)].flatMap((r) => (r ? [r] : []));
  if (runners.length === 0 && name !== 'all')
    throw new BwError('BW_UNKNOWN_SERVICE', `no service named '${name.slice(0, 200)}'`);
  const actionId = ctx.nextActionId();
  for (const r of runners) r.control(action, `${user} via ${req.via}, action ${actionId}`);
  ctx.log.info(
    { user, action, service: name, actionId, client: req.client, via: req.via },
    `${action} ${name} requested`,
  );
  return { actionId, services: runners.map((r) => r.service.name) };
}

/** Reloads the rules file, one reload at a time; refused reloads give the positions of the errors only. */
export async function requestReload(
  ctx: HttpContext,
  user: string,
): Promise<{ ok: true; services: number } | { ok: false; error: BwError; positions: string[] }> {
  const run = ctx.reloading.then(() => ctx.opts.reload());
  ctx.reloading = run.catch(() => undefined);
  const result = await run;
  if (!result.ok) {
    const positions = (result.errors ?? []).map(positionOf);
    ctx.log.warn({ user, errors: positions.length }, 'reload refused: the rules file has errors');
    return {
      ok: false,
      positions,
      error: new BwError(
        'BW_RELOAD_REFUSED',
        `the rules file has ${positions.length || 'some'} error(s); the old rules keep running; run brokerwatch -t to see them`,
      ),
    };
  }
  ctx.log.info({ user }, 'rules reloaded on request');
  return { ok: true, services: ctx.daemon.runners().length };
}

/** Registers the action routes. */
export function registerActionRoutes(app: FastifyInstance, ctx: HttpContext, limitActions: ActionLimiter): void {
  const guarded = (schema: {
    summary: string;
    description?: string;
    params?: unknown;
    response: Record<number, unknown>;
  }): RouteShorthandOptions => ({
    onRequest: [requireAdmin, requireJson, limitActions],
    schema: {
      tags: ['actions'],
      security: [{ basic: [] }],
      body: actionBodySchema,
      ...schema,
      response: { ...schema.response, ...errorResponses(400, 401, 403, 413, 415, 429) },
    },
  });

  for (const action of CONTROL_ACTIONS) {
    app.post<{ Params: { name: string } }>(
      `/api/v1/services/:name/${action}`,
      guarded({
        summary: `${action[0]?.toUpperCase() ?? ''}${action.slice(1)} a service, or all`,
        description: 'Accepted at once; what happened shows in the events, whose message names the action id.',
        params: actionParamsSchema,
        response: { 202: actionResponseSchema, ...errorResponses(404) },
      }),
      async (req, reply) => {
        const name = req.params.name;
        const done = requestControl(ctx, {
          name,
          action,
          user: req.bwAccess?.user ?? '?',
          via: 'api',
          client: clientOf(req),
        });
        return reply.code(202).send({ actionId: done.actionId, service: name, action, services: done.services });
      },
    );
  }

  app.post(
    '/api/v1/reload',
    guarded({
      summary: 'Reload the rules file',
      description:
        'A file with errors is refused and the old rules keep running (422, with the position of each error).',
      response: { 200: reloadResponseSchema, ...errorResponses(422) },
    }),
    async (req, reply) => {
      const result = await requestReload(ctx, req.bwAccess?.user ?? '?');
      return result.ok ? result : sendError(reply, result.error, result.positions);
    },
  );

  app.post(
    '/api/v1/quit',
    {
      ...guarded({ summary: 'Stop brokerwatch (the brokers keep running)', response: { 202: quitResponseSchema } }),
      // After the answer is out: the server is about to close.
      onResponse: async (_req, reply) => {
        if (reply.statusCode === 202) setImmediate(() => ctx.opts.quit());
      },
    },
    async (req, reply) => {
      ctx.log.info({ user: req.bwAccess?.user ?? '?' }, 'quit requested');
      return reply.code(202).send({ ok: true, message: 'brokerwatch is stopping; the brokers keep running' });
    },
  );
}
