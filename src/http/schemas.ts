// JSON schemas of API v1: fastify validates requests and serializes responses with them (a response
// field not listed here is never sent, a second guard against leaking anything), and openapi.ts
// builds the OpenAPI document from the very same objects.
import { FAILURE_CLASSES } from '../checks/result.js';
import { EVENT_TYPES } from '../config/model.js';
import { ERROR_CODES } from '../errors.js';

const int = { type: 'integer' } as const;
const intOrNull = { type: ['integer', 'null'] } as const;
const numOrNull = { type: ['number', 'null'] } as const;
const str = { type: 'string' } as const;
const ms = (description: string) => ({ type: 'integer', description: `${description} (epoch milliseconds)` }) as const;
const msOrNull = (description: string) =>
  ({ type: ['integer', 'null'], description: `${description} (epoch milliseconds)` }) as const;
const failureClass = {
  type: ['string', 'null'],
  enum: [...FAILURE_CLASSES, null],
  description: 'why it failed (DESIGN.md §4)',
} as const;

/** The actions of POST /api/v1/services/:name/ACTION. */
export const CONTROL_ACTIONS = ['start', 'stop', 'restart', 'monitor', 'unmonitor'] as const;

/** The daemon itself. */
export const daemonSchema = {
  type: 'object',
  required: ['name', 'version', 'pid', 'host', 'startedAt', 'uptimeSeconds', 'rulesFile', 'cycleSeconds'],
  properties: {
    name: { type: 'string', const: 'brokerwatch' },
    version: str,
    pid: int,
    host: str,
    startedAt: ms('when the daemon started'),
    uptimeSeconds: int,
    rulesFile: str,
    cycleSeconds: { type: 'number', description: 'set daemon N' },
  },
} as const;

/** One rule's latest sample. */
export const checkSchema = {
  type: 'object',
  required: ['rule', 'test', 'event', 'status', 'phase', 'class', 'message', 'target', 'protocol', 'metrics'],
  properties: {
    rule: { type: 'string', description: 'rule id: r1, r2, … in rules-file order, or nonexist' },
    test: { type: 'string', description: 'the kind of test: nonexist, port, resource, sys, …' },
    event: { type: 'string', enum: [...EVENT_TYPES], description: "the event type the rule reports (monit's)" },
    status: { type: 'string', enum: ['ok', 'failed', 'init'], description: 'the last sample' },
    phase: {
      type: 'string',
      enum: ['ok', 'failed', 'rearmed'],
      description: "the rule's state after its rate (`for N cycles`)",
    },
    class: failureClass,
    message: str,
    target: { type: ['string', 'null'], description: 'host:port of a port test' },
    protocol: { type: ['string', 'null'], description: 'the protocol of a port test (mqtt, …); null for plain TCP' },
    metrics: {
      type: 'object',
      additionalProperties: { type: 'number' },
      description: 'probe step timings in ms, cpu %, memory bytes, …',
    },
  },
} as const;

/** One service, built field by field (never a serialized Service object). */
export const serviceSchema = {
  type: 'object',
  required: [
    'name',
    'type',
    'status',
    'failure',
    'monitor',
    'monitorSince',
    'mode',
    'pid',
    'uptimeSeconds',
    'cpuPercent',
    'memoryBytes',
    'memoryPercent',
    'restarts',
    'action',
    'pending',
    'backoff',
    'lastCheckAt',
    'ownProblem',
    'probe',
    'checks',
  ],
  properties: {
    name: str,
    type: {
      type: 'string',
      enum: ['process', 'host', 'file', 'program', 'directory', 'fifo', 'system', 'filesystem', 'network'],
    },
    status: { type: 'string', enum: ['ok', 'failed', 'unknown'] },
    failure: {
      type: ['object', 'null'],
      description: 'the first failed rule, in rules-file order',
      required: ['rule', 'type', 'class', 'message', 'since'],
      properties: {
        rule: str,
        type: { type: 'string', enum: [...EVENT_TYPES] },
        class: failureClass,
        message: str,
        since: msOrNull('when it started failing'),
      },
    },
    monitor: { type: 'string', enum: ['initializing', 'monitored', 'not-monitored', 'waiting'] },
    monitorSince: ms('when the monitoring state last changed'),
    mode: { type: 'string', enum: ['active', 'passive', 'manual'] },
    pid: intOrNull,
    uptimeSeconds: intOrNull,
    cpuPercent: {
      ...numOrNull,
      description: 'from an `if cpu` test, else from /proc (a process; null until its second reading)',
    },
    memoryBytes: {
      ...numOrNull,
      description: 'from an `if memory` test in bytes, else the resident memory from /proc (a process)',
    },
    memoryPercent: { ...numOrNull, description: 'from an `if memory` test in %, else from /proc (a process)' },
    facts: {
      type: 'object',
      additionalProperties: { type: ['number', 'string', 'null'] },
      description:
        "system, filesystem and network services: the last cycle's readings by name (null: not yet measurable)",
    },
    restarts: {
      type: 'integer',
      description:
        'starts and restarts brokerwatch made on its own (rules, backoff retries); kept across restarts of brokerwatch in the state file',
    },
    action: {
      type: ['string', 'null'],
      enum: ['start', 'stop', 'restart', null],
      description: 'the start/stop/restart in progress',
    },
    pending: {
      type: ['object', 'null'],
      description: 'a start/restart deferred by the backoff',
      required: ['action', 'dueAt'],
      properties: { action: { type: 'string', enum: ['start', 'restart'] }, dueAt: ms('when it runs') },
    },
    backoff: {
      type: 'object',
      required: ['attempts', 'gaveUp', 'retryAt'],
      properties: { attempts: int, gaveUp: { type: 'boolean' }, retryAt: msOrNull('after giving up: the next try') },
    },
    lastCheckAt: msOrNull('the last completed cycle'),
    ownProblem: {
      type: ['string', 'null'],
      description:
        "brokerwatch's own trouble looking at the service (out of descriptors or memory): while set, the broker is not judged and no action is taken",
    },
    probe: {
      type: 'object',
      additionalProperties: { type: 'number' },
      description:
        'step timings of the last probe in ms: connectMs, tlsMs, subscribeMs, publishAckMs, deliveryMs, requestMs, firstByteMs, bodyMs, totalMs',
    },
    checks: { type: 'array', items: checkSchema },
  },
} as const;

/** GET /api/v1/status. */
export const statusSchema = {
  type: 'object',
  required: ['daemon', 'services'],
  properties: { daemon: daemonSchema, services: { type: 'array', items: serviceSchema } },
} as const;

/** GET /api/v1/services/:name. */
export const serviceResponseSchema = {
  type: 'object',
  required: ['service'],
  properties: { service: serviceSchema },
} as const;

/** One event. */
export const eventSchema = {
  type: 'object',
  required: ['id', 'service', 'type', 'state', 'action', 'class', 'message', 'time'],
  properties: {
    id: { type: 'integer', description: 'monotonic, also across daemon restarts' },
    service: str,
    type: { type: 'string', enum: [...EVENT_TYPES] },
    state: { type: 'string', enum: ['failed', 'succeeded', 'changed'] },
    action: { type: 'string', description: 'what brokerwatch did about it: alert, restart, exec, none, …' },
    class: failureClass,
    message: str,
    time: ms('when it happened'),
  },
} as const;

/** GET /api/v1/events. */
export const eventsResponseSchema = {
  type: 'object',
  required: ['events', 'lastId', 'more'],
  properties: {
    events: { type: 'array', items: eventSchema },
    lastId: { type: 'integer', description: 'pass as `since` to get what follows' },
    more: { type: 'boolean', description: 'true if more events follow `lastId` than `limit` allowed' },
  },
} as const;

/** GET /api/v1/events?since=ID&limit=N. */
export const eventsQuerySchema = {
  type: 'object',
  properties: {
    since: {
      type: 'integer',
      minimum: 0,
      maximum: Number.MAX_SAFE_INTEGER,
      description: 'only events with a greater id, oldest first; without it, the latest events',
    },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
  },
} as const;

/** A service name in the path. */
export const nameParamsSchema = {
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string', minLength: 1, maxLength: 200, description: 'a service name' } },
} as const;

/** A service name, or `all`, in an action's path. */
export const actionParamsSchema = {
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string', minLength: 1, maxLength: 200, description: "a service name, or 'all'" } },
} as const;

/** Action bodies carry nothing today; any JSON object is accepted so scripts may send `{}`. */
export const actionBodySchema = { type: 'object' } as const;

/** 202 of an action. */
export const actionResponseSchema = {
  type: 'object',
  required: ['actionId', 'service', 'action', 'services'],
  properties: {
    actionId: {
      type: 'integer',
      description:
        'monotonic for the life of the daemon; the events that follow name it ("requested by USER via api, action N")',
    },
    service: { type: 'string', description: "the name asked for, or 'all'" },
    action: { type: 'string', enum: [...CONTROL_ACTIONS] },
    services: { type: 'array', items: str, description: 'the services the action was handed to' },
  },
} as const;

/** 200 of POST /api/v1/reload. */
export const reloadResponseSchema = {
  type: 'object',
  required: ['ok', 'services'],
  properties: { ok: { type: 'boolean', const: true }, services: int },
} as const;

/** 202 of POST /api/v1/quit. */
export const quitResponseSchema = {
  type: 'object',
  required: ['ok', 'message'],
  properties: { ok: { type: 'boolean', const: true }, message: str },
} as const;

/** Every error: `{ error: { code, message, details? } }`. */
export const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', enum: [...ERROR_CODES] },
        message: str,
        details: { type: 'array', items: str, description: 'e.g. FILE:LINE:COL of each error of a refused reload' },
      },
    },
  },
} as const;
