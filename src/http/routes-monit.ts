// monit's read endpoints, so monit tools and habits carry over: /_status (text, or XML with
// ?format=xml), /_status2 (XML format version 2), /_summary, /_report and /_ping. Actions stay on the
// JSON API: monit's /_doaction form posts are exactly what a cross-site form can forge.
import type { FastifyInstance } from 'fastify';
import type { HttpContext } from './context.js';
import { errorResponses } from './openapi.js';
import { reportText, statusTextAll, summaryText } from '../api/monit-text.js';
import type { XmlServerInfo } from './monit-xml.js';
import { statusXml } from './monit-xml.js';

const TEXT = 'text/plain; charset=utf-8';
const XML = 'text/xml; charset=utf-8';
const formatQuery = { type: 'object', properties: { format: { type: 'string', enum: ['text', 'xml'], default: 'text' } } } as const;

/** Registers the monit-compatible routes; `server` fills monit's `<server>` element. */
export function registerMonitRoutes(app: FastifyInstance, ctx: HttpContext, server: () => XmlServerInfo): void {
  const errors = errorResponses(400, 401, 429);
  app.get<{ Querystring: { format: 'text' | 'xml' } }>(
    '/_status',
    { schema: { summary: 'monit-style status: text, or monit XML (format version 1)', tags: ['monit'], querystring: formatQuery, produces: [TEXT, XML], response: errors } },
    async (req, reply) => {
      const status = ctx.status();
      if (req.query.format === 'xml') return reply.type(XML).send(statusXml(status, server(), 1));
      return reply.type(TEXT).send(statusTextAll(status));
    },
  );
  app.get('/_status2', { schema: { summary: 'monit XML status, format version 2', tags: ['monit'], produces: XML, response: errors } }, async (_req, reply) =>
    reply.type(XML).send(statusXml(ctx.status(), server(), 2)),
  );
  app.get('/_summary', { schema: { summary: 'monit-style summary table', tags: ['monit'], produces: TEXT, response: errors } }, async (_req, reply) =>
    reply.type(TEXT).send(summaryText(ctx.status())),
  );
  app.get('/_report', { schema: { summary: 'monit-style report: services up, down, initializing, unmonitored', tags: ['monit'], produces: TEXT, response: errors } }, async (_req, reply) =>
    reply.type(TEXT).send(reportText(ctx.status().services)),
  );
  app.get('/_ping', { schema: { summary: 'pong', tags: ['monit'], produces: TEXT, response: errors } }, async (_req, reply) => reply.type(TEXT).send('pong'));
}
