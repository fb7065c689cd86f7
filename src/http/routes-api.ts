// API v1, reading: status of the daemon and all services, one service, and the event stream.
import type { FastifyInstance } from 'fastify';
import { BwError } from '../errors.js';
import type { HttpContext } from './context.js';
import { eventDto } from './dto.js';
import { errorResponses } from './openapi.js';
import {
  eventsQuerySchema,
  eventsResponseSchema,
  nameParamsSchema,
  serviceResponseSchema,
  statusSchema,
} from './schemas.js';

/** How many events the bus keeps; `since` older than that returns what is left. */
const EVENTS_KEPT = 1000;

/** Registers the read routes of /api/v1. */
export function registerApiRoutes(app: FastifyInstance, ctx: HttpContext): void {
  app.get(
    '/api/v1/status',
    {
      schema: {
        summary: 'The daemon and every service',
        tags: ['status'],
        response: { 200: statusSchema, ...errorResponses(401, 429) },
      },
    },
    // The route's own serializer, so the text is what fastify would have sent; kept while unchanged.
    async (_req, reply) =>
      reply
        .type('application/json; charset=utf-8')
        .send(ctx.statusJson((s) => reply.serializeInput({ ...s }, '200') as string)),
  );

  app.get<{ Params: { name: string } }>(
    '/api/v1/services/:name',
    {
      schema: {
        summary: 'One service',
        tags: ['status'],
        params: nameParamsSchema,
        response: { 200: serviceResponseSchema, ...errorResponses(400, 401, 404, 429) },
      },
    },
    async (req) => {
      const service = ctx.service(req.params.name);
      if (!service) throw new BwError('BW_UNKNOWN_SERVICE', `no service named '${req.params.name.slice(0, 200)}'`);
      return { service };
    },
  );

  app.get<{ Querystring: { since?: number; limit: number } }>(
    '/api/v1/events',
    {
      schema: {
        summary: 'Events, oldest first',
        description:
          'With `since`, the events that follow it (page on with `lastId`); without it, the latest ones. The daemon keeps the last 1000.',
        tags: ['events'],
        querystring: eventsQuerySchema,
        response: { 200: eventsResponseSchema, ...errorResponses(400, 401, 429) },
      },
    },
    async (req) => {
      const { since, limit } = req.query;
      // The validator coerces "1e309" to Infinity, which passes as an integer: refused here.
      if (since !== undefined && !Number.isSafeInteger(since))
        throw new BwError('BW_BAD_REQUEST', `querystring/since must be <= ${Number.MAX_SAFE_INTEGER}`);
      if (!Number.isSafeInteger(limit)) throw new BwError('BW_BAD_REQUEST', 'querystring/limit must be <= 1000');
      const after = ctx.daemon.events.since(since ?? 0, EVENTS_KEPT);
      const picked = since === undefined ? after.slice(-limit) : after.slice(0, limit);
      const last = picked[picked.length - 1];
      return {
        events: picked.map((e) => eventDto(e, ctx.scrubber)),
        lastId: last?.id ?? since ?? ctx.daemon.events.nextId - 1,
        more: since !== undefined && after.length > limit,
      };
    },
  );
}
