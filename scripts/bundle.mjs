// `npm run build:bundle`: the program brokerwatch runs as, dist/bin/brokerwatch.js, bundled by
// esbuild from what tsc built (dist/src), with its dependencies. A bundle starts in about half the
// time of the same modules loaded one by one (no module resolution, one file read per chunk), which
// is what makes the status page answer soon after a start. Lazy imports stay lazy: every dynamic
// import() becomes its own chunk, so `brokerwatch status` still loads neither the daemon nor fastify.
// The page's built stylesheet and script are copied beside the chunks (the page reads them from
// there). Type checking and the tests' view of the modules stay with tsc's output.
/* global console, process */
import { build } from 'esbuild';
import { cpSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// fastify requires its default schema compilers where it would build them; brokerwatch always gives
// its own (src/http/lazy-schemas.ts), which import() the same packages at a route's first request. So
// that ajv, fast-json-stringify and fast-uri (half of the server's code) stay out of the chunk the
// status page waits for, those two requires of fastify's resolve to a module that says so if called.
const unusedDefaultCompilers = {
  name: 'fastify-default-compilers-unused',
  setup(b) {
    b.onResolve({ filter: /^@fastify\/(ajv-compiler|fast-json-stringify-compiler)$/ }, (args) =>
      /fastify[\\/]lib[\\/]schema-controller\.js$/.test(args.importer)
        ? { path: args.path, namespace: 'unused-default-compiler' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'unused-default-compiler' }, (args) => ({
      contents: `module.exports = () => { throw new Error(${JSON.stringify(
        `${args.path}: fastify's default compiler is not bundled; set schemaController.compilersFactory`,
      )}); };`,
      loader: 'js',
    }));
  },
};

// mqtt-packet's parser keeps its input in `bl()`, the stream flavour of bl, whose stream half (a copy
// of Node's streams, readable-stream: 200 kB) it never uses. bl's own plain BufferList has the same
// methods and is what that stream extends: the daemon loads and keeps 250 kB less code.
const plainBufferList = {
  name: 'mqtt-packet-plain-buffer-list',
  setup(b) {
    b.onResolve({ filter: /^bl$/ }, (args) =>
      /mqtt-packet[\\/]parser\.js$/.test(args.importer)
        ? { path: join(ROOT, 'node_modules', 'bl', 'BufferList.js') }
        : undefined,
    );
  },
};

// prom-client requires OpenTelemetry's API (90 kB) at load, for exemplars, which brokerwatch never
// turns on (enableExemplars): the status server's chunk gets a stand-in that has no span.
const noExemplars = {
  name: 'prom-client-without-exemplars',
  setup(b) {
    b.onResolve({ filter: /^@opentelemetry\/api$/ }, (args) =>
      /prom-client[\\/]/.test(args.importer) ? { path: args.path, namespace: 'no-exemplars' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'no-exemplars' }, () => ({
      contents: 'module.exports = { trace: { getSpan: () => undefined }, context: { active: () => undefined } };',
      loader: 'js',
    }));
  },
};

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'dist', 'bin');

rmSync(OUT, { recursive: true, force: true });
try {
  await build({
    entryPoints: { brokerwatch: join(ROOT, 'dist', 'src', 'cli', 'main.js') },
    outdir: OUT,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    chunkNames: 'chunks/[name]-[hash]',
    sourcemap: 'linked',
    // Dependencies written as CommonJS call require(); an ES module has none, so each chunk makes one.
    banner: {
      js: "import { createRequire as __bwRequire } from 'node:module'; const require = __bwRequire(import.meta.url);",
    },
    legalComments: 'eof',
    minifyWhitespace: true,
    minifySyntax: true,
    plugins: [unusedDefaultCompilers, plainBufferList, noExemplars],
    logLevel: 'warning',
  });
} catch {
  // esbuild has printed what went wrong.
  process.exit(1);
}
// Chunks live in chunks/, the entry one level up: the page's files go beside both readers.
for (const dir of [OUT, join(OUT, 'chunks')])
  cpSync(join(ROOT, 'dist', 'src', 'http', 'page', 'browser'), join(dir, 'browser'), {
    recursive: true,
    filter: (f) => !f.endsWith('.map'),
  });
console.log(`bundled ${join('dist', 'bin', 'brokerwatch.js')}`);
