// GET /api/v1/openapi.json: the OpenAPI 3.1 document, written from the very routes and schema
// objects fastify validates and serializes with (collected by an onRoute hook), so the document
// cannot drift from the server.
import type { FastifyInstance, RouteOptions } from 'fastify';
import { ERRORS } from '../errors.js';
import { errorSchema } from './schemas.js';
import { VERSION } from '../util/version.js';

declare module 'fastify' {
  interface FastifySchema {
    summary?: string;
    description?: string;
    tags?: readonly string[];
    security?: ReadonlyArray<Record<string, readonly string[]>>;
    /** Content type(s) of a non-JSON answer (text, XML, metrics); with text/html, errors are pages too. */
    produces?: string | readonly string[];
    /** A form route: where its 303 answer sends the browser. */
    redirect?: string;
    /** A form route's fields (application/x-www-form-urlencoded), for the document only. */
    form?: Record<string, unknown>;
  }
}

/** Error responses for a route: status → the error schema. */
export function errorResponses(...statuses: number[]): Record<number, typeof errorSchema> {
  return Object.fromEntries(statuses.map((s) => [s, errorSchema]));
}

const STATUS_TEXT: Record<string, string> = { 200: 'OK', 202: 'Accepted' };

function describeStatus(status: string): string {
  const codes = Object.entries(ERRORS)
    .filter(([, e]) => 'status' in e && String(e.status) === status)
    .map(([c]) => c);
  return STATUS_TEXT[status] ?? (codes.length > 0 ? `Error: ${codes.join(', ')}` : 'Error');
}

function parameters(schema: unknown, where: 'path' | 'query'): unknown[] {
  const s = schema as { properties?: Record<string, unknown>; required?: readonly string[] } | undefined;
  return Object.entries(s?.properties ?? {}).map(([name, p]) => ({
    name,
    in: where,
    required: where === 'path' || (s?.required ?? []).includes(name),
    schema: p,
    ...((p as { description?: string }).description
      ? { description: (p as { description?: string }).description }
      : {}),
  }));
}

function operation(r: RouteOptions): Record<string, unknown> {
  const s = r.schema ?? {};
  const responses: Record<string, unknown> = {};
  const html = [s.produces ?? []].flat().includes('text/html');
  if (s.redirect) responses['303'] = { description: `See Other: ${s.redirect}` };
  else if (s.produces)
    responses['200'] = {
      description: 'OK',
      content: Object.fromEntries([s.produces].flat().map((t) => [t, { schema: { type: 'string' } }])),
    };
  for (const [status, schema] of Object.entries((s.response ?? {}) as Record<string, unknown>)) {
    responses[status] = {
      description: describeStatus(status),
      content: html ? { 'text/html': { schema: { type: 'string' } } } : { 'application/json': { schema } },
    };
  }
  return {
    summary: s.summary ?? '',
    ...(s.description ? { description: s.description } : {}),
    ...(s.tags ? { tags: s.tags } : {}),
    ...(s.security ? { security: s.security } : {}),
    parameters: [...parameters(s.params, 'path'), ...parameters(s.querystring, 'query')],
    ...(s.body ? { requestBody: { required: false, content: { 'application/json': { schema: s.body } } } } : {}),
    ...(s.form
      ? { requestBody: { required: true, content: { 'application/x-www-form-urlencoded': { schema: s.form } } } }
      : {}),
    responses,
  };
}

/** Collects the routes as they are registered; build() writes the document. */
export class OpenApiCollector {
  readonly #routes: RouteOptions[] = [];

  /** Must be called before any route is registered. */
  attach(app: FastifyInstance): void {
    app.addHook('onRoute', (r) => {
      if (r.method !== 'HEAD' && !(Array.isArray(r.method) && r.method.includes('HEAD'))) this.#routes.push(r);
    });
  }

  /** The document. */
  build(): Record<string, unknown> {
    const paths: Record<string, Record<string, unknown>> = {};
    for (const r of this.#routes) {
      const path = r.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
      for (const m of [r.method].flat()) (paths[path] ??= {})[m.toLowerCase()] = operation(r);
    }
    return {
      openapi: '3.1.0',
      info: {
        title: 'brokerwatch',
        version: VERSION,
        description:
          'Status, events and actions of a brokerwatch daemon. Every route needs basic auth or an `allow HOST/NET` entry; ' +
          'actions need a user who is not read-only and Content-Type application/json. Errors are `{ error: { code, message } }` (docs/errors.md).',
      },
      components: { securitySchemes: { basic: { type: 'http', scheme: 'basic' } }, schemas: { Error: errorSchema } },
      security: [{ basic: [] }, {}],
      paths,
    };
  }
}
