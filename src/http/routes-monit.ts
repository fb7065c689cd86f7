// monit's endpoints, so monit tools and habits carry over: /_status (text, or XML with ?format=xml),
// /_status2 (XML format version 2), /_summary, /_report and /_ping, read with GET; and the form posts
// of monit's own CLI (monit-form.ts): POST /_status, /_summary, /_report, and POST /_doaction, which
// acts through the one control path (requestControl) under the same guards as the JSON API's
// actions: a user who is not read-only, the shared rate limit, and monit's double-submit token.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BwError } from '../errors.js';
import type { ControlAction } from '../state/types.js';
import type { HttpContext } from './context.js';
import type { StatusDto } from './dto.js';
import { requireAdmin } from './guard.js';
import type { MonitForm } from './monit-form.js';
import { MONIT_TEXT, field, parseForm, requireMonitForm, sendMonitError, verifySecurityToken } from './monit-form.js';
import { errorResponses } from './openapi.js';
import { reportCounts, reportText, statusTextAll, summaryText } from '../api/monit-text.js';
import type { XmlServerInfo } from './monit-xml.js';
import { statusXml } from './monit-xml.js';
import { routeError } from './replies.js';
import type { ActionLimiter } from './routes-actions.js';
import { requestControl } from './routes-actions.js';
import { CONTROL_ACTIONS } from './schemas.js';
import { clientOf } from './unix-socket.js';

const TEXT = 'text/plain; charset=utf-8';
const XML = 'text/xml; charset=utf-8';
const FORM_LIMIT = 64 * 1024;
const formatQuery = {
  type: 'object',
  properties: { format: { type: 'string', enum: ['text', 'xml'], default: 'text' } },
} as const;
const TOKEN_FIELD = {
  securitytoken: { type: 'string', description: 'the same value as the `securitytoken` cookie (double submit)' },
};
const readForm = (extra: Record<string, unknown>): Record<string, unknown> => ({
  type: 'object',
  required: ['securitytoken'],
  properties: { format: { type: 'string', enum: ['text', 'xml'] }, ...extra, ...TOKEN_FIELD },
});

/** `report`'s `type` field → the count it prints (monit spells it `initialising`). */
const REPORT_TYPES = {
  up: 'up',
  down: 'down',
  initialising: 'initializing',
  initializing: 'initializing',
  unmonitored: 'unmonitored',
  total: 'total',
} as const;

/** The services a form's `service` fields name (all when none); an unknown name is an error. */
function pickServices(status: StatusDto, form: MonitForm | undefined): StatusDto {
  const names = form?.get('service') ?? [];
  if (names.length === 0) return status;
  for (const n of names)
    if (!status.services.some((s) => s.name === n))
      throw new BwError('BW_UNKNOWN_SERVICE', MONIT_TEXT.notFound(n.slice(0, 200)));
  return { ...status, services: status.services.filter((s) => names.includes(s.name)) };
}

/** Registers the monit-compatible routes; `server` fills monit's `<server>` element. */
export async function registerMonitRoutes(
  app: FastifyInstance,
  ctx: HttpContext,
  server: () => XmlServerInfo,
  limitActions: ActionLimiter,
): Promise<void> {
  registerMonitReads(app, ctx, server);
  // monit's CLI: form posts, and errors as monit writes them (its CLI reads nothing else).
  await app.register(async (scope) => {
    scope.setErrorHandler((err: FastifyError, req: FastifyRequest, reply: FastifyReply) =>
      sendMonitError(reply, routeError(ctx, req, err)),
    );
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: FORM_LIMIT },
      (_req, body, done) => done(null, parseForm(String(body))),
    );
    const formErrors = errorResponses(400, 401, 403, 413, 415);
    registerFormReads(scope, ctx, server, formErrors);
    registerDoAction(scope, ctx, limitActions, formErrors);
  });
}

/** GET /_status, /_status2, /_summary, /_report and /_ping. */
function registerMonitReads(app: FastifyInstance, ctx: HttpContext, server: () => XmlServerInfo): void {
  const errors = errorResponses(400, 401, 429);
  app.get<{ Querystring: { format: 'text' | 'xml' } }>(
    '/_status',
    {
      schema: {
        summary: 'monit-style status: text, or monit XML (format version 1)',
        tags: ['monit'],
        querystring: formatQuery,
        produces: [TEXT, XML],
        response: errors,
      },
    },
    async (req, reply) => {
      const status = ctx.status();
      if (req.query.format === 'xml') return reply.type(XML).send(statusXml(status, server(), 1));
      return reply.type(TEXT).send(statusTextAll(status));
    },
  );
  app.get(
    '/_status2',
    { schema: { summary: 'monit XML status, format version 2', tags: ['monit'], produces: XML, response: errors } },
    async (_req, reply) => reply.type(XML).send(statusXml(ctx.status(), server(), 2)),
  );
  app.get(
    '/_summary',
    { schema: { summary: 'monit-style summary table', tags: ['monit'], produces: TEXT, response: errors } },
    async (_req, reply) => reply.type(TEXT).send(summaryText(ctx.status())),
  );
  app.get(
    '/_report',
    {
      schema: {
        summary: 'monit-style report: services up, down, initializing, unmonitored',
        tags: ['monit'],
        produces: TEXT,
        response: errors,
      },
    },
    async (_req, reply) => reply.type(TEXT).send(reportText(ctx.status().services)),
  );
  app.get(
    '/_ping',
    { schema: { summary: 'pong', tags: ['monit'], produces: TEXT, response: errors } },
    async (_req, reply) => reply.type(TEXT).send('pong'),
  );
}

/** The form posted by monit's CLI, parsed by the scope's content-type parser. */
const body = (req: FastifyRequest): MonitForm | undefined => req.body as MonitForm | undefined;
const serviceField = { service: { type: 'string', description: 'a service name; repeatable; all when absent' } };

/** POST /_status, /_summary and /_report: monit's CLI reading. */
function registerFormReads(
  scope: FastifyInstance,
  ctx: HttpContext,
  server: () => XmlServerInfo,
  formErrors: ReturnType<typeof errorResponses>,
): void {
  const read = (summary: string, extra: Record<string, unknown> = {}) => ({
    onRequest: requireMonitForm,
    schema: {
      summary,
      description: "What monit's CLI posts; errors are monit's one-line HTML.",
      tags: ['monit'],
      form: readForm(extra),
      produces: [TEXT, XML],
      response: formErrors,
    },
  });
  scope.post('/_status', read('monit CLI: status', serviceField), async (req, reply) => {
    verifySecurityToken(req, body(req));
    const status = pickServices(ctx.status(), body(req));
    if (field(body(req), 'format') === 'xml') return reply.type(XML).send(statusXml(status, server(), 1));
    return reply.type(TEXT).send(statusTextAll(status));
  });
  scope.post('/_summary', read('monit CLI: summary', serviceField), async (req, reply) => {
    verifySecurityToken(req, body(req));
    return reply.type(TEXT).send(summaryText(pickServices(ctx.status(), body(req))));
  });
  scope.post(
    '/_report',
    read('monit CLI: report', { type: { type: 'string', enum: Object.keys(REPORT_TYPES) } }),
    async (req, reply) => {
      verifySecurityToken(req, body(req));
      const services = ctx.status().services;
      const type = field(body(req), 'type');
      if (type === undefined) return reply.type(TEXT).send(reportText(services));
      const key = Object.hasOwn(REPORT_TYPES, type) ? REPORT_TYPES[type as keyof typeof REPORT_TYPES] : undefined;
      if (key === undefined) throw new BwError('BW_BAD_REQUEST', `Invalid report type "${type.slice(0, 50)}"`);
      return reply.type(TEXT).send(`${reportCounts(services)[key]}\n`);
    },
  );
}

/** POST /_doaction: monit's CLI acting, through the one control path under the API's guards. */
function registerDoAction(
  scope: FastifyInstance,
  ctx: HttpContext,
  limitActions: ActionLimiter,
  formErrors: ReturnType<typeof errorResponses>,
): void {
  scope.post(
    '/_doaction',
    {
      onRequest: [requireAdmin, requireMonitForm, limitActions],
      schema: {
        summary: 'monit CLI: start, stop, restart, monitor or unmonitor services',
        description:
          "Every `service` field is checked before any is acted on; the host name (monit's System service) is accepted and left alone.",
        tags: ['monit'],
        security: [{ basic: [] }],
        form: {
          type: 'object',
          required: ['action', 'service', 'securitytoken'],
          properties: { action: { type: 'string', enum: [...CONTROL_ACTIONS] }, ...serviceField, ...TOKEN_FIELD },
        },
        produces: TEXT,
        response: { ...formErrors, ...errorResponses(429) },
      },
    },
    async (req, reply) => {
      verifySecurityToken(req, body(req));
      const action = field(body(req), 'action') ?? '';
      if (!(CONTROL_ACTIONS as readonly string[]).includes(action))
        throw new BwError('BW_BAD_REQUEST', MONIT_TEXT.badAction(action.slice(0, 50)));
      const host = ctx.status().daemon.host;
      const names = body(req)?.get('service') ?? [];
      // Checked first, so that a typo acts on nothing (monit acts on the names before it).
      for (const n of names)
        if (n !== 'all' && n !== host && ctx.service(n) === undefined)
          throw new BwError('BW_UNKNOWN_SERVICE', MONIT_TEXT.noService(n.slice(0, 200)));
      const user = req.bwAccess?.user ?? '?';
      for (const n of names)
        if (n !== host)
          requestControl(ctx, {
            name: n,
            action: action as ControlAction,
            user,
            via: 'monit CLI',
            client: clientOf(req),
          });
      // monit answers an action with no body; its CLI prints nothing and exits 0.
      return reply.type(TEXT).send('');
    },
  );
}
