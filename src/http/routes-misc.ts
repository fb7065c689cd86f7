// The rest: Prometheus metrics and the OpenAPI document.
import type { FastifyInstance } from 'fastify';
import type { Metrics } from './metrics.js';
import type { OpenApiCollector } from './openapi.js';
import { errorResponses } from './openapi.js';

/** Registers /metrics (the metrics loaded at its first request) and /api/v1/openapi.json. */
export function registerMiscRoutes(
  app: FastifyInstance,
  metrics: () => Promise<Metrics>,
  openapi: OpenApiCollector,
): void {
  const errors = errorResponses(401, 429);
  app.get(
    '/metrics',
    {
      schema: {
        summary: 'Prometheus metrics',
        tags: ['metrics'],
        produces: 'text/plain; version=0.0.4',
        response: errors,
      },
    },
    async (_req, reply) => {
      const m = await metrics();
      return reply.type(m.contentType).send(await m.text());
    },
  );
  app.get(
    '/api/v1/openapi.json',
    { schema: { summary: 'This document', tags: ['status'], produces: 'application/json', response: errors } },
    async (_req, reply) => reply.type('application/json; charset=utf-8').send(JSON.stringify(openapi.build())),
  );
}
