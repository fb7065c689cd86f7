// `npm run build:bundle`: the program brokerwatch runs as, bundled by esbuild from what tsc built
// (dist/src), with its dependencies: dist/bin/brokerwatch.cjs, one CommonJS script, and
// dist/bin/brokerwatch.js, the command, which compiles that script through V8's compile cache
// (src/util/code-cache.ts, src/cli/launch.ts). One script loads with one file read and no module
// resolution, and with a cache from an earlier run V8 skips compiling it: the status page answers
// soon after a start. Lazy imports stay lazy: an import() of a bundled module becomes a function
// that evaluates it when first called, so `brokerwatch status` still runs neither the daemon nor
// fastify. Packages that only some rules use are scripts of their own in dist/bin/vendor (see
// VENDOR below and src/util/vendor.ts): a daemon without `set httpd` or mail never reads them.
// The page's built stylesheet and script are copied beside the script (the page reads them from
// there). Type checking and the tests' view of the modules stay with tsc's output.
/* global console, process */
import { build } from 'esbuild';
import { isAscii } from 'node:buffer';
import { chmodSync, cpSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A plugin that gives the module `request` (a regular expression), where `importer` requires it, the
 * CommonJS source `contents(path)` instead of the package.
 */
function standIn(name, request, importer, contents) {
  return {
    name,
    setup(b) {
      b.onResolve({ filter: request }, (args) =>
        importer.test(args.importer) ? { path: args.path, namespace: name } : undefined,
      );
      b.onLoad({ filter: /.*/, namespace: name }, (args) => ({ contents: contents(args.path), loader: 'js' }));
    },
  };
}

// fastify requires its default schema compilers where it would build them; brokerwatch always gives
// its own (src/http/lazy-schemas.ts), which import() the same packages at a route's first request. So
// that ajv, fast-json-stringify and fast-uri (half of the server's code) are not evaluated before the
// status page answers, those two requires of fastify's resolve to a module that says so if called.
const unusedDefaultCompilers = standIn(
  'fastify-default-compilers-unused',
  /^@fastify\/(ajv-compiler|fast-json-stringify-compiler)$/,
  /fastify[\\/]lib[\\/]schema-controller\.js$/,
  (path) =>
    `module.exports = () => { throw new Error(${JSON.stringify(
      `${path}: fastify's default compiler is not bundled; set schemaController.compilersFactory`,
    )}); };`,
);

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
// turns on (enableExemplars): the program gets a stand-in that has no span.
const noExemplars = standIn(
  'prom-client-without-exemplars',
  /^@opentelemetry\/api$/,
  /prom-client[\\/]/,
  () => 'module.exports = { trace: { getSpan: () => undefined }, context: { active: () => undefined } };',
);

// mqtt-packet logs each packet it parses or writes through `debug`, which writes only when the DEBUG
// variable names it; the daemon's own log says what a probe did. A silent `debug` spares a probe a
// dozen calls into it, and the daemon the module and the tty and colour detection it loads.
const silentDebug = standIn(
  'mqtt-packet-silent-debug',
  /^debug$/,
  /mqtt-packet[\\/]/,
  () => 'module.exports = () => Object.assign(() => undefined, { enabled: false });',
);

// pino requires its worker-thread transports (thread-stream, worker_threads, and through them Node's
// worker, perf_hooks and assert modules) at load, and asks worker_threads whether it runs on the main
// thread. brokerwatch logs through pino.destination() on its main thread and never starts a
// transport: the program gets a transport that says so if called, and the answer "main thread".
const noPinoTransports = standIn(
  'pino-without-transports',
  /^(\.\/lib\/transport|\.\/transport|worker_threads)$/,
  /pino[\\/](pino|lib[\\/]tools)\.js$/,
  (path) =>
    path === 'worker_threads'
      ? 'module.exports = { isMainThread: true };'
      : `module.exports = () => { throw new Error('pino transports are not bundled: log with pino.destination()'); };`,
);

// Two of Node's modules that a daemon would load for one line each: sonic-boom (pino's file writer)
// asserts one argument with `assert`, and execa reads node:v8's serializer for IPC with a child,
// which brokerwatch never opens (no `ipc` option). Each brings 0.2 MB; each gets its one function.
const lightAssert = standIn(
  'sonic-boom-light-assert',
  /^assert$/,
  /sonic-boom[\\/]index\.js$/,
  () => 'module.exports = (ok, message) => { if (!ok) throw new Error(message); };',
);
const noExecaIpc = standIn(
  'execa-without-ipc',
  /^node:v8$/,
  /execa[\\/]lib[\\/]ipc[\\/]/,
  () => `module.exports = { serialize() { throw new Error("execa's IPC is not bundled"); } };`,
);

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'dist', 'bin');

/**
 * Packages built as scripts of their own, dist/bin/vendor/GROUP.cjs, each holding what its group
 * needs: only a rules file that uses them loads them (src/util/vendor.ts). execa is loaded at the
 * first program a daemon runs (a restart), not before. pino, mqtt-packet and commander stay in the
 * program: every daemon runs them.
 */
const VENDOR = {
  http: ['fastify', '@fastify/rate-limit'],
  schemas: ['@fastify/ajv-compiler', '@fastify/fast-json-stringify-compiler'],
  metrics: ['prom-client'],
  mail: ['nodemailer', 'nodemailer/lib/smtp-transport/index.js'],
  mqtt: ['mqtt'],
  ws: ['ws'],
  programs: ['execa'],
};
const VENDOR_GROUP = new Map(Object.entries(VENDOR).flatMap(([group, requests]) => requests.map((r) => [r, group])));
const VENDOR_LOADER = join(ROOT, 'dist', 'src', 'util', 'vendor.js');

// In the program, an import of a vendor package (from brokerwatch's own modules) is a call of the
// loader with its group and name.
const vendorScripts = {
  name: 'vendor-scripts',
  setup(b) {
    b.onResolve({ filter: /^[@a-z]/ }, (args) =>
      VENDOR_GROUP.has(args.path) && !/[\\/]node_modules[\\/]/.test(args.importer)
        ? { path: args.path, namespace: 'vendor' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'vendor' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(VENDOR_LOADER)}).vendorPackage(${JSON.stringify(
        VENDOR_GROUP.get(args.path),
      )}, ${JSON.stringify(args.path)});`,
      loader: 'js',
      resolveDir: ROOT,
    }));
  },
};

rmSync(OUT, { recursive: true, force: true });
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  legalComments: 'eof',
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
};
try {
  await build({
    ...common,
    entryPoints: [join(ROOT, 'dist', 'src', 'cli', 'main.js')],
    outfile: join(OUT, 'brokerwatch.cjs'),
    format: 'cjs',
    // Licences in a file beside it: one non-ASCII letter in a comment makes V8 hold the whole 3 MB
    // script as two-byte text (twice the memory, slower to read and to check against its cache).
    legalComments: 'linked',
    // The modules' own URL is the script's: the page's files and package.json are found from there.
    define: { 'import.meta.url': '__bwScriptUrl' },
    banner: { js: "const __bwScriptUrl = require('node:url').pathToFileURL(__filename).href;" },
    plugins: [
      vendorScripts,
      unusedDefaultCompilers,
      plainBufferList,
      noExemplars,
      silentDebug,
      noPinoTransports,
      lightAssert,
      noExecaIpc,
    ],
  });
  for (const [group, requests] of Object.entries(VENDOR))
    await build({
      ...common,
      stdin: {
        contents: `module.exports = {${requests.map((r) => `${JSON.stringify(r)}: require(${JSON.stringify(r)})`).join(', ')}};`,
        resolveDir: ROOT,
        sourcefile: `vendor/${group}.cjs`,
      },
      outfile: join(OUT, 'vendor', `${group}.cjs`),
      format: 'cjs',
      legalComments: 'linked',
      plugins: [unusedDefaultCompilers, plainBufferList, noExemplars, silentDebug],
    });
  // The command is CommonJS too (dist/bin/package.json says so): a process whose first script is an
  // ES module starts Node's ES module loader, 2 MB that the daemon would keep for nothing.
  await build({
    ...common,
    entryPoints: [join(ROOT, 'dist', 'src', 'cli', 'launch.js')],
    outfile: join(OUT, 'brokerwatch.js'),
    format: 'cjs',
    define: { 'import.meta.url': '__bwScriptUrl' },
    banner: { js: "const __bwScriptUrl = require('node:url').pathToFileURL(__filename).href;" },
  });
  writeFileSync(join(OUT, 'package.json'), '{ "type": "commonjs" }\n');
} catch {
  // esbuild has printed what went wrong.
  process.exit(1);
}
// The program is run through the command (brokerwatch.js), not on its own: not executable.
chmodSync(join(OUT, 'brokerwatch.cjs'), 0o644);
for (const name of ['brokerwatch.cjs', ...Object.keys(VENDOR).map((g) => join('vendor', `${g}.cjs`))]) {
  const path = join('dist', 'bin', name);
  // The scripts are compiled by node:vm without a dynamic-import hook: an import() left in one (of a
  // module esbuild could not bundle) would fail only when reached, so the build fails now.
  const bytes = readFileSync(join(ROOT, path));
  // Read as Latin-1 when it is ASCII, a script is kept once, outside V8's heap (code-cache.ts);
  // esbuild escapes non-ASCII text in code, so only a comment could bring some in.
  if (!isAscii(bytes)) {
    console.error(`${path}: not ASCII (a comment with a non-ASCII letter?)`);
    process.exit(1);
  }
  const script = bytes.toString('latin1');
  const left = /[^\w$.]import\(/.exec(script);
  if (left) {
    console.error(`${path}: an import() was left unbundled: …${script.slice(left.index, left.index + 60)}…`);
    process.exit(1);
  }
}
// esbuild writes a licence file for every script, empty when none of its packages has a licence comment.
for (const name of readdirSync(OUT, { recursive: true }))
  if (name.endsWith('.LEGAL.txt') && statSync(join(OUT, name)).size === 0) rmSync(join(OUT, name));
cpSync(join(ROOT, 'dist', 'src', 'http', 'page', 'browser'), join(OUT, 'browser'), {
  recursive: true,
  filter: (f) => !f.endsWith('.map'),
});
console.log(`bundled ${join('dist', 'bin', 'brokerwatch.js')} and brokerwatch.cjs`);
