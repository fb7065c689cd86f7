// Lint rules: the recommended sets, type-aware where it catches real bugs (floating promises), and
// the walls between folders (DESIGN.md §3), so that the architecture is kept by the linter.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// The walls use ESLint's own `no-restricted-imports`, one block per folder, rather than
// eslint-plugin-import-x's `no-restricted-paths` or dependency-cruiser: it needs no resolver and no
// other package, runs with the rest of the lint in every editor, tells type-only imports (which
// compile to nothing) from real ones, and leaves dynamic `import()` alone, which is exactly the way a
// registry or the CLI loads a runtime half lazily. It matches an import as written; every import of
// the project is relative and ends in `.js`, so one that leaves a folder names the folder it enters:
// `^(\.\./)+daemon/` is src/daemon/** from any depth below src/. A file matches at most one block
// below, since a later block's options would replace an earlier one's.

const UP = '^(\\.\\./)+';
/** An import of any of these top folders of src/. */
const into = (...folders) => `${UP}(${folders.join('|')})/`;
/** Packages that do I/O or weigh: only the daemon loads them, and not at start-up for the CLI. */
const RUNTIME_PACKAGES =
  '^(pino|fastify|@fastify/[^/]+|mqtt|mqtt-packet|nodemailer|execa|aedes|prom-client|pidusage)(/|$)';
// The halves of check kinds and alert channels that any front end may read: grammar (`syntax.ts`,
// `url-syntax.ts`), model types (`types.ts`, `service-types.ts`), contracts (`kind.ts`, `contract.ts`,
// the check result's `result.ts`) and the registries, which load the runtime halves with `import()`.
const SYNTAX_HALF = '([\\w.-]+/)*([\\w-]+-)?(syntax|kind|registry|contract|types|result)\\.js$';

/** The front-end half of port tests: the grammar, and each protocol's syntax with its registry. */
const PROTOCOL_SYNTAX = [
  'src/checks/port/syntax.ts',
  'src/checks/port/grammar.ts',
  'src/checks/port/protocols/registry.ts',
  'src/checks/port/protocols/types.ts',
  'src/checks/port/protocols/*/syntax.ts',
];

/** One wall: `files` may not import what `patterns` match (each `{ regex, message, allowTypeImports? }`). */
const wall = (name, files, patterns, ignores = []) => ({
  name: `walls/${name}`,
  files,
  ignores,
  rules: { 'no-restricted-imports': ['error', { patterns: patterns.map((p) => ({ caseSensitive: true, ...p })) }] },
});

const walls = [
  wall(
    'rules front end',
    ['src/config/**/*.ts'],
    [
      {
        regex: into('daemon', 'actions', 'http', 'cli', 'process', 'state'),
        message: 'the rules front end runs without the daemon (DESIGN.md §3)',
      },
      {
        regex: `${UP}checks/mqtt/`,
        message: 'the rules front end reads the syntax halves of check kinds, never their runtime',
      },
      {
        regex: `${UP}(checks|alerts)/(?!${SYNTAX_HALF})`,
        message:
          'only syntax.ts, kind.ts, registry.ts, contract.ts, types.ts of checks/ and alerts/: runtime halves load through the registry',
      },
      { regex: RUNTIME_PACKAGES, message: "`brokerwatch -t` must not load the daemon's packages" },
    ],
  ),
  wall(
    'state machine',
    ['src/state/**/*.ts'],
    [
      {
        regex: '^node:',
        allowTypeImports: true,
        message: 'the state machine is pure: no I/O, not even a clock (types are fine)',
      },
      {
        regex: '^(?!\\.|node:)',
        allowTypeImports: true,
        message: 'the state machine is pure: no package (types are fine)',
      },
      {
        regex: into('daemon', 'actions', 'alerts', 'http', 'cli', 'process'),
        message: 'the state machine decides; others act (DESIGN.md §3)',
      },
      {
        regex: `${UP}checks/(?!${SYNTAX_HALF})`,
        message: "the state machine reads check results and kinds, never a check's runtime",
      },
      {
        regex: `${UP}checks/mqtt/`,
        message: "the state machine reads check results and kinds, never a check's runtime",
      },
    ],
  ),
  wall(
    'checks',
    ['src/checks/**/*.ts'],
    [
      {
        regex: into('actions', 'alerts', 'http', 'daemon', 'cli'),
        message: 'a check returns a result; acting on it is for the state machine and actions/',
      },
    ],
    PROTOCOL_SYNTAX,
  ),
  wall('protocol syntax', PROTOCOL_SYNTAX, [
    {
      regex: into('actions', 'alerts', 'http', 'daemon', 'cli'),
      message: 'a check returns a result; acting on it is for the state machine and actions/',
    },
    {
      regex: '(^|/)(check|connection)\\.js$|^(\\.\\./)+mqtt/',
      message: "a protocol's syntax is read by `brokerwatch -t`: its probe loads through the protocol registry",
    },
    { regex: '^node:(net|tls|http|https|dgram)$', message: "a protocol's syntax does no I/O" },
    { regex: RUNTIME_PACKAGES, message: "`brokerwatch -t` must not load the daemon's packages" },
  ]),
  wall(
    'http',
    ['src/http/**/*.ts'],
    [
      { regex: into('actions'), message: 'the HTTP server acts only through the control path: runner.control()' },
      {
        regex: `${UP}daemon/process-control\\.js$`,
        message: 'the HTTP server acts only through the control path: runner.control()',
      },
    ],
  ),
  wall(
    'cli',
    ['src/cli/**/*.ts'],
    [
      {
        regex: into('daemon', 'actions', 'alerts', 'http', 'process', 'state', 'checks'),
        message: 'the CLI is an HTTP client (api/ and config/); only run-daemon.ts reaches the daemon',
      },
      {
        regex: '^\\./run-daemon\\.js$',
        message: 'load the daemon with import() when -I runs, so that -t and the verbs start at once',
      },
      { regex: RUNTIME_PACKAGES, message: "the CLI loads the daemon's packages only through run-daemon.ts" },
    ],
    ['src/cli/run-daemon.ts'],
  ),
  wall(
    'daemon entry',
    ['src/cli/run-daemon.ts'],
    [
      {
        regex: into('http'),
        allowTypeImports: true,
        message: 'the HTTP server loads with import() only when `set httpd` asks for it',
      },
    ],
  ),
  wall(
    'api contract',
    ['src/api/**/*.ts'],
    [
      {
        regex: '^(?!\\./)',
        allowTypeImports: true,
        message: 'api/ is the contract clients read: types from elsewhere only, no code',
      },
    ],
  ),
  wall(
    'util',
    ['src/util/**/*.ts'],
    [
      {
        regex: '^\\.\\./',
        allowTypeImports: true,
        message: 'util/ is for everyone and depends on no other folder (types are fine)',
      },
    ],
  ),
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // A function should fit on one screen. Blank lines and comments do not count, so explaining why
    // costs nothing; 80 leaves room for a fastify route with its schema or a grammar's switch over
    // its keywords, which read best whole. Tests are lists of cases and are not held to it.
    name: 'function length',
    files: ['src/**/*.ts'],
    rules: { 'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }] },
  },
  {
    // Lines fit a screen: Prettier wraps code at 120 columns but not comments or long strings. A message
    // or a URL stays whole, so that it can be found with grep.
    name: 'line length',
    rules: {
      'max-len': [
        'error',
        {
          code: 120,
          ignoreStrings: true,
          ignoreTemplateLiterals: true,
          ignoreRegExpLiterals: true,
          ignoreUrls: true,
        },
      ],
    },
  },
  ...walls,
  {
    // The daemon measures durations with util/clock.ts's monotonicMs(): the global `performance`
    // loads Node's performance-timeline modules, 0.3 MB that every daemon would keep.
    name: 'monotonic time',
    files: ['src/**/*.ts'],
    ignores: ['src/http/page/browser/**/*.ts'],
    rules: {
      'no-restricted-globals': [
        'error',
        { name: 'performance', message: 'use monotonicMs() from util/clock.ts (no performance-timeline modules)' },
      ],
    },
  },
  {
    // File operations come from util/fs-async.ts (node:fs's callbacks as promises): node:fs/promises,
    // with FileHandle's streams and readline, is 0.4 MB that every daemon would keep.
    name: 'callback fs',
    files: ['src/**/*.ts'],
    ignores: ['src/http/page/browser/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "ImportDeclaration[importKind!='type'][source.value=/^(node:)?fs\\/promises$/]",
          message: 'use util/fs-async.ts (node:fs/promises is 0.4 MB of the daemon)',
        },
      ],
    },
  },
  {
    // The page's script runs in the browser: its globals, none of Node's (its tsconfig has no Node types).
    name: 'browser script',
    files: ['src/http/page/browser/**/*.ts'],
    languageOptions: { globals: globals.browser },
    rules: {
      // On here (typescript-eslint turns it off for TypeScript): the globals above are the only ones.
      'no-undef': 'error',
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['*'], message: 'the page script is one classic script: no imports' }] },
      ],
    },
  },
);
