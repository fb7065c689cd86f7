// StrykerJS (`npm run mutate`). A mutant runs against the tests of the folders being mutated, own
// folder first: every test here parses rules, so with all of them a surviving config mutant would
// sit through the whole list (kind-words, which asserts every kind's words, goes second so a syntax
// mutant meets it early). Only fast in-process tests: the mutants are many and the cores few.
// config/property.test.js (20 s a run), config/cli-check.test.js (spawns the command),
// config/hostile-rules.test.js (writes 12,000 files and 64 MB of rules) and
// checks/process-resources.test.js (real CPU and memory samples) are left out for that reason. The
// MQTT probe, port, `$SYS` and bridge checks are not mutated: their tests need real brokers.
import process from 'node:process';

const config = [
  'monit-grammar',
  'lexer',
  'settings',
  'service',
  'service-types',
  'diagnostics',
  'source-text',
  'include-reader',
  'rule',
  'cursor',
  'ssl',
  'malformed',
  'loader',
  'examples',
  'field',
  'monit-files',
  'printer',
  'htpasswd',
  'protocols',
  'fleet',
  'pidfile-grace',
  'monit-words',
  'credentials',
  'environment',
  'debian-monit',
].map((n) => `dist/test/config/${n}.test.js`);
const checks = [
  'kinds',
  'kind-words',
  'registry',
  'file-checks',
  'program-checks',
  'changed',
  'checksum',
  'exist',
  'nonexist',
  'gid',
  'uid',
  'permission',
  'size',
  'timestamp',
  'status',
  'uptime',
  'restarts',
  'resource',
  'path-kinds',
  'content',
  'filesystem',
  'network',
  'system',
  'ping',
  'amount',
  'readings',
  'process-readings',
].map((n) => `dist/test/checks/${n}.test.js`);
const state = [
  'rules',
  'restart',
  'control',
  'restore',
  'backoff-rates',
  'summary',
  'properties',
  'outcome',
  'pidfile',
  'events',
].map((n) => `dist/test/state/${n}.test.js`);

/** The `--mutate` patterns of this run, if any. */
function mutateArg() {
  const argv = process.argv;
  const i = argv.findIndex((a) => a === '--mutate' || a === '-m');
  if (i >= 0) return argv[i + 1] ?? '';
  return argv.find((a) => a.startsWith('--mutate='))?.slice('--mutate='.length);
}

/** Test files for the mutated folders; the syntax of a check kind is also read by the config tests. */
function testFiles(patterns) {
  if (patterns === undefined) return [...config, ...checks, ...state];
  const files = [];
  if (patterns.includes('src/checks')) files.push(...checks, ...config);
  if (patterns.includes('src/config')) files.push(...config);
  if (patterns.includes('src/state')) files.push(...state);
  return [...new Set(files.length > 0 ? files : [...config, ...checks, ...state])];
}

export default {
  testRunner: 'tap',
  plugins: ['@stryker-mutator/tap-runner'],
  tap: {
    testFiles: testFiles(mutateArg()),
    nodeArgs: ['--test-reporter=tap', '--import', './stryker.watchdog.mjs', '-r', '{{hookFile}}', '{{testFile}}'],
  },
  mutate: [
    'src/state/**/*.ts',
    'src/config/**/*.ts',
    'src/checks/**/*.ts',
    '!src/checks/mqtt/**',
    '!src/checks/port/**',
    '!src/checks/sys/**',
    '!src/checks/bridge/**',
  ],
  ignorePatterns: ['dist', 'reports', 'bench', 'demo', 'var', 'test-artifacts'],
  coverageAnalysis: 'perTest',
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  concurrency: 2,
  timeoutMS: 5000,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 90, low: 80, break: null },
  cleanTempDir: true,
  buildCommand: 'tsc -p tsconfig.json',
};
