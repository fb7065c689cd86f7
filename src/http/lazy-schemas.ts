// Route schemas compiled when a route first needs them, not when the server starts. fastify compiles
// every route's validators (ajv) and response serializers (fast-json-stringify) before it listens:
// most of the status server's start-up, which delayed the page by as much again as loading fastify.
// Here the same compilers, with fastify's own options, compile each schema at its first use; a route
// pays once, at its first request (a few ms).
import ValidatorSelector from '@fastify/ajv-compiler';
import SerializerSelector from '@fastify/fast-json-stringify-compiler';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any function: validators and serializers alike
type AnyFn = (...args: any[]) => any;

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
function deferred<A extends unknown[], R, F extends AnyFn>(factory: (...args: A) => (route: R) => F) {
  return (...args: A): ((route: R) => F) => {
    let compiler: ((route: R) => F) | undefined;
    return lazily((route: R) => (compiler ??= factory(...args))(route));
  };
}

/** fastify's `schemaController` option: its default compilers, compiling lazily. */
export const lazySchemaController = {
  compilersFactory: {
    buildValidator: deferred(ValidatorSelector()),
    buildSerializer: deferred(SerializerSelector()),
  },
};
