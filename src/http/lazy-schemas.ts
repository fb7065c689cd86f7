// Route schemas compiled when a route first needs them, not when the server starts. fastify compiles
// every route's validators (ajv) and response serializers (fast-json-stringify) before it listens:
// most of the status server's start-up, which delayed the page by as much again as loading fastify.
// Here the same compilers, with fastify's own options, compile each schema at its first use; a route
// pays once, at its first request (a few ms).
//
// The compilers themselves (ajv, fast-json-stringify and fast-uri: half of the server's code) are
// loaded by the first request that reaches a route, through `ensureSchemaCompilers`, an onRequest
// hook. The page's own first answer does not wait for them, and in the bundled command they are a
// chunk of their own (scripts/bundle.mjs keeps fastify's unused defaults out of the server's chunk).
import type * as AjvCompiler from '@fastify/ajv-compiler';
import type * as FjsCompiler from '@fastify/fast-json-stringify-compiler';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route checks and writes its schemas with compilers of its own (see page/query.ts). */
    ownSchemaCompilers?: boolean;
  }
}

type ValidatorModule = typeof AjvCompiler;
type SerializerModule = typeof FjsCompiler;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any function: validators and serializers alike
type AnyFn = (...args: any[]) => any;

interface Compilers {
  readonly validator: ValidatorModule['default'];
  readonly serializer: SerializerModule['default'];
}

let loading: Promise<Compilers> | undefined;
let loaded: Compilers | undefined;

/** Loads the two compiler packages once; later calls share the first load. */
export function loadSchemaCompilers(): Promise<Compilers> {
  return (loading ??= Promise.all([
    import('@fastify/ajv-compiler'),
    import('@fastify/fast-json-stringify-compiler'),
  ]).then(([v, s]) => (loaded = { validator: v.default, serializer: s.default })));
}

/** Whether a request has needed the compilers yet. */
export function schemaCompilersLoaded(): boolean {
  return loaded !== undefined;
}

/**
 * onRequest hook, before any other: a request to a route with schemas goes on once the compilers are
 * loaded (at once, after the first); one to a route without (the page, its files) never waits.
 */
export function ensureSchemaCompilers(req: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
  if (loaded !== undefined || req.routeOptions.schema === undefined || req.routeOptions.config.ownSchemaCompilers)
    return done();
  loadSchemaCompilers().then(
    () => done(),
    (e: unknown) => done(e instanceof Error ? e : new Error(String(e))),
  );
}

function compilers(): Compilers {
  if (loaded === undefined) throw new Error('a route schema was compiled before the schema compilers were loaded');
  return loaded;
}

/**
 * A compiler whose functions compile on first use: each is a stand-in that compiles at its first
 * call or property read (fastify reads `errors` and `schemaEnv` of a validator) and then forwards.
 */
function lazily<R, F extends AnyFn>(compile: (route: R) => F): (route: R) => F {
  return (route) => {
    let fn: F | undefined;
    const compiled = (): F => (fn ??= compile(route));
    return new Proxy((() => undefined) as unknown as F, {
      apply: (_t, self, args: unknown[]) => Reflect.apply(compiled(), self, args) as unknown,
      get: (_t, prop) => Reflect.get(compiled(), prop) as unknown,
      has: (_t, prop) => Reflect.has(compiled(), prop),
    });
  };
}

/** A factory's compiler, made (an Ajv instance, with its formats) only when a schema is compiled. */
function deferred<A extends unknown[], R, F extends AnyFn>(
  factory: () => (...args: A) => (route: R) => F,
): (...args: A) => (route: R) => F {
  return (...args: A): ((route: R) => F) => {
    let compiler: ((route: R) => F) | undefined;
    return lazily((route: R) => (compiler ??= factory()(...args))(route));
  };
}

type ValidatorFactory = ReturnType<ValidatorModule['default']>;
type SerializerFactory = ReturnType<SerializerModule['default']>;
let validatorFactory: ValidatorFactory | undefined;
let serializerFactory: SerializerFactory | undefined;

/** fastify's `schemaController` option: its default compilers, loaded and compiling lazily. */
export const lazySchemaController = {
  compilersFactory: {
    buildValidator: deferred((): ValidatorFactory => (validatorFactory ??= compilers().validator())),
    buildSerializer: deferred((): SerializerFactory => (serializerFactory ??= compilers().serializer())),
  },
};
