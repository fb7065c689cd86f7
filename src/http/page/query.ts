// The page's query (`/?done=restart&service=NAME&id=N`, where a form's 303 sends the browser) and
// its error answers, checked and written here rather than by ajv and fast-json-stringify: those
// compilers load at the first request that needs them (../lazy-schemas.ts), and the page, which a
// user opens first, should not wait for them. The route's schema still documents the query.
import type { FastifySchemaCompiler, FastifySerializerCompiler } from 'fastify';
import type { ControlAction } from '../../state/types.js';
import { CONTROL_ACTIONS } from '../schemas.js';

export interface PageQuery {
  done?: ControlAction | 'reload';
  service?: string;
  id?: number;
}

const DONE: ReadonlySet<string> = new Set([...CONTROL_ACTIONS, 'reload']);
const MAX_SERVICE = 256;

/** A 400 as the schema's validation gives it (replies.ts answers BW_BAD_REQUEST with the message). */
function invalid(message: string): { error: Error } {
  return { error: Object.assign(new Error(`querystring/${message}`), { validation: [], statusCode: 400 }) };
}

/** One value of the query: a repeated key is refused, as the schema refuses an array. */
function single(v: unknown): string | undefined | null {
  if (v === undefined) return undefined;
  const one: unknown = Array.isArray(v) ? (v.length === 1 ? v[0] : null) : v;
  return typeof one === 'string' ? one : null;
}

/** What ajv did with the schema (coerced types, unknown keys dropped), for these three fields. */
export function validatePageQuery(data: unknown): { value: PageQuery } | { error: Error } {
  const q = (data ?? {}) as Record<string, unknown>;
  const value: PageQuery = {};
  const done = single(q.done);
  if (done === null || (done !== undefined && !DONE.has(done)))
    return invalid(`done must be one of ${[...DONE].join(', ')}`);
  if (done !== undefined) value.done = done as PageQuery['done'] & string;
  const service = single(q.service);
  if (service === null || (service !== undefined && service.length > MAX_SERVICE))
    return invalid(`service must be a string of at most ${MAX_SERVICE} characters`);
  if (service !== undefined) value.service = service;
  const id = single(q.id);
  if (id === null || (id !== undefined && !/^\d{1,15}$/.test(id))) return invalid('id must be an integer ≥ 0');
  if (id !== undefined) value.id = Number(id);
  return { value };
}

/** The page route's compilers: its query by hand, its answers (HTML, or an error object) as JSON. */
export const pageCompilers: {
  validatorCompiler: FastifySchemaCompiler<unknown>;
  serializerCompiler: FastifySerializerCompiler<unknown>;
} = {
  validatorCompiler: () => validatePageQuery,
  serializerCompiler: () => (data: unknown) => JSON.stringify(data),
};
