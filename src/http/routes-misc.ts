// The rest: Prometheus metrics, the OpenAPI document, and `/` (a placeholder until the web page).
import type { FastifyInstance } from 'fastify';
import type { Metrics } from './metrics.js';
import type { OpenApiCollector } from './openapi.js';
import { errorResponses } from './openapi.js';

const PLACEHOLDER = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>brokerwatch</title></head>
<body><h1>brokerwatch</h1><p><a href="/api/v1/status">/api/v1/status</a> · <a href="/_summary">/_summary</a> · <a href="/metrics">/metrics</a> · <a href="/api/v1/openapi.json">/api/v1/openapi.json</a></p></body></html>
`;

/** Registers /metrics, /api/v1/openapi.json and /. */
export function registerMiscRoutes(app: FastifyInstance, metrics: Metrics, openapi: OpenApiCollector): void {
  const errors = errorResponses(401, 429);
  app.get('/metrics', { schema: { summary: 'Prometheus metrics', tags: ['metrics'], produces: 'text/plain; version=0.0.4', response: errors } }, async (_req, reply) =>
    reply.type(metrics.contentType).send(await metrics.text()),
  );
  app.get('/api/v1/openapi.json', { schema: { summary: 'This document', tags: ['status'], produces: 'application/json', response: errors } }, async (_req, reply) =>
    reply.type('application/json; charset=utf-8').send(JSON.stringify(openapi.build())),
  );
  app.get('/', { schema: { summary: 'The web page (a placeholder for now)', tags: ['page'], produces: 'text/html', response: errors } }, async (_req, reply) =>
    reply.type('text/html; charset=utf-8').send(PLACEHOLDER),
  );
}
