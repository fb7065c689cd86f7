// Property tests of the rules front end: (a) any model the printer supports survives print → parse;
// (b) any text — random, or a valid file mutated — either parses or fails with ConfigError whose
// diagnostics all name a place and say something; never another exception, never a long stall.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import type { Diagnostic } from '../../src/config/diagnostics.js';
import { ConfigError, formatDiagnostic } from '../../src/config/diagnostics.js';
import { parseRules } from '../../src/config/loader.js';
import { printConfig } from '../../src/config/printer.js';
import type { TempDir } from '../helpers/tmp.js';
import { tempDir } from '../helpers/tmp.js';
import { KINDS } from '../../src/checks/registry.js';
import type { ConditionKind } from '../../src/checks/registry.js';
import type { Config } from '../../src/config/model.js';
import {
  CONDITIONS,
  DESIGN_EXAMPLES,
  EVERY_STATEMENT,
  SEMANTIC_WARNING,
  config,
  configWith,
  stripPositions,
} from './arbitraries.js';

const CONFIG_DIR = fileURLToPath(new URL('../../../config/', import.meta.url));
/** `BW_PROPERTY_RUNS=20 node --test …` runs every property 20 times as often. */
const FACTOR = Math.max(1, Number(process.env.BW_PROPERTY_RUNS ?? 1) || 1);
const runs = (n: number): { numRuns: number } => ({ numRuns: n * FACTOR });

/** Prints MODEL, reads it back, and asserts the same model (and printout) without writing warnings. */
async function roundTrip(model: Config): Promise<void> {
  const printed = printConfig(model);
  let back;
  try {
    back = await parseRules(printed, 'printed.rc');
  } catch (e) {
    const why = e instanceof ConfigError ? e.diagnostics.map(formatDiagnostic).join('\n') : String(e);
    assert.fail(`${why}\n--- printed:\n${printed}`);
  }
  assert.deepEqual(stripPositions(back.config), stripPositions(model), printed);
  assert.deepEqual(back.warnings.filter((w) => !SEMANTIC_WARNING.test(w.message)).map(formatDiagnostic), [], printed);
  assert.equal(printConfig(back.config), printed);
}

void describe('print → parse on arbitrary models', () => {
  void test('gives back the same model, without warnings about the writing', async () => {
    await fc.assert(fc.asyncProperty(config, roundTrip), runs(300));
  });

  void test('maskSecrets output still reads', async () => {
    await fc.assert(
      fc.asyncProperty(config, async (model) => {
        await parseRules(printConfig(model, { maskSecrets: true }), 'masked.rc');
      }),
      runs(100),
    );
  });
});

// Each check kind's grammar and print pieces live side by side; this keeps them from drifting apart.
void describe('print → parse for every check kind', () => {
  void test('every registered kind has a generator', () => {
    assert.deepEqual(Object.keys(CONDITIONS).sort(), Object.keys(KINDS).sort());
  });
  for (const kind of Object.keys(KINDS) as ConditionKind[]) {
    void test(`'${kind}' conditions survive print → parse`, async () => {
      await fc.assert(fc.asyncProperty(configWith(kind), roundTrip), runs(60));
    });
  }
});

/** Words and pieces of the language, for inserting into valid files. */
const VOCABULARY = [
  'set',
  'check',
  'if',
  'then',
  'else',
  'succeeded',
  'not',
  'exist',
  'failed',
  'host',
  'port',
  'protocol',
  'mqtt',
  'roundtrip',
  'qos',
  'topic',
  'timeout',
  'retry',
  'seconds',
  'ms',
  'minutes',
  'MB',
  '%',
  'cycles',
  'within',
  'restarts',
  'restart',
  'alert',
  'exec',
  'start',
  'stop',
  'program',
  '=',
  '>',
  '<=',
  '!=',
  '<>',
  '==',
  'depends',
  'group',
  'every',
  'mode',
  'passive',
  'backoff',
  'max',
  'giveup',
  'daemon',
  'httpd',
  'allow',
  'read-only',
  'mailserver',
  'mail-format',
  'mail-format {',
  '{',
  '}',
  '{ instance }',
  'reminder',
  'webhook',
  'sys',
  'uptime',
  'reset',
  '"$SYS/broker/x"',
  'memory',
  'cpu',
  'children',
  'status',
  'changed',
  'pid',
  'checksum',
  'permission',
  '0644',
  'process',
  'file',
  'host',
  'with',
  'pidfile',
  'matching',
  '"(unclosed"',
  'ssl',
  '{ verify: enable',
  'version',
  '3.1.1',
  'username',
  'password',
  'log',
  'syslog',
  'eventqueue',
  'slots',
  'noalert',
  'onreboot',
  'timestamp',
  'size',
  'filesystem',
  'mmonit',
  '"mqtt://h:1/a%zz"',
  '"mqtt://%zz@h/t"',
  '"mqtts://[::1]:99999/t"',
  '"https://x"',
  '"0-99999999 * * * *"',
  '"* * * * *"',
  'admin:"pw"',
  'admin:',
  '@group',
  'md5',
  '"/bin/sh -c \'x"',
  "'",
  '"',
  '\\',
  '#',
  '\n',
  '\n  ',
  'total',
  'implicit',
  'starttls',
  'tlsv12',
  'certificate valid >',
  'selfsigned:',
  'selfsigned:allow',
  'cacertificatefile:',
  'verify :',
  'logfile',
  '<ops@example.com>',
  '<',
  '>',
  'sha256',
  'ignore',
  'else alert',
  'succeeded',
  'address',
];

/** Numbers that are too big, too small or too precise for anything. */
const hugeNumber = fc.oneof(
  fc.constantFrom(
    '9'.repeat(400),
    `0.${'0'.repeat(400)}1`,
    '1'.padEnd(310, '0'),
    '99999999999999999999',
    '4294967296',
    '65536',
    '0',
    '00',
    '1.',
    '.5',
  ),
  fc.bigInt({ min: 0n, max: 10n ** 40n }).map(String),
);

const insertion = fc.oneof(
  fc.constantFrom(...VOCABULARY),
  hugeNumber,
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.constantFrom('\ud800', '\u0000', '\ufeff', '\u2028', '\r', '\t', '日本', '😀'),
);

type Mutation =
  | { readonly kind: 'delete' | 'duplicate'; readonly at: number; readonly len: number }
  | { readonly kind: 'insert'; readonly at: number; readonly text: string; readonly spaced: boolean }
  | { readonly kind: 'swapTokens'; readonly i: number; readonly j: number }
  | { readonly kind: 'dropToken' | 'repeatToken'; readonly i: number }
  | { readonly kind: 'replaceToken'; readonly i: number; readonly text: string };

const at = fc.nat({ max: 100_000 });
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    kind: fc.constantFrom('delete' as const, 'duplicate' as const),
    at,
    len: fc.integer({ min: 1, max: 40 }),
  }),
  fc.record({ kind: fc.constant('insert' as const), at, text: insertion, spaced: fc.boolean() }),
  fc.record({ kind: fc.constant('swapTokens' as const), i: at, j: at }),
  fc.record({ kind: fc.constantFrom('dropToken' as const, 'repeatToken' as const), i: at }),
  fc.record({ kind: fc.constant('replaceToken' as const), i: at, text: insertion }),
);

/** Splits into alternating runs of blanks and non-blanks, so tokens can be moved and put back. */
function pieces(text: string): { parts: string[]; tokens: number[] } {
  const parts = text.split(/(\s+)/);
  const tokens = parts.flatMap((p, i) => (p !== '' && !/^\s+$/.test(p) ? [i] : []));
  return { parts, tokens };
}

function mutate(text: string, m: Mutation): string {
  switch (m.kind) {
    case 'delete': {
      const a = m.at % (text.length + 1);
      return text.slice(0, a) + text.slice(a + m.len);
    }
    case 'duplicate': {
      const a = m.at % (text.length + 1);
      return text.slice(0, a + m.len) + text.slice(a);
    }
    case 'insert': {
      const a = m.at % (text.length + 1);
      return text.slice(0, a) + (m.spaced ? ` ${m.text} ` : m.text) + text.slice(a);
    }
    default: {
      const { parts, tokens } = pieces(text);
      if (tokens.length === 0) return text;
      const pick = (n: number): number => tokens[n % tokens.length] as number;
      const i = pick(m.i);
      if (m.kind === 'swapTokens') {
        const j = pick(m.j);
        [parts[i], parts[j]] = [parts[j] as string, parts[i] as string];
      } else if (m.kind === 'replaceToken') parts[i] = m.text;
      else parts[i] = m.kind === 'dropToken' ? '' : `${parts[i] ?? ''} ${parts[i] ?? ''}`;
      return parts.join('');
    }
  }
}

function checkDiagnostics(list: readonly Diagnostic[], input: string): void {
  for (const d of list) {
    const where = `${JSON.stringify(d)}\n--- input:\n${JSON.stringify(input)}`;
    assert.ok(typeof d.pos.file === 'string' && d.pos.file !== '', where);
    assert.ok(Number.isInteger(d.pos.line) && d.pos.line >= 1, where);
    assert.ok(Number.isInteger(d.pos.col) && d.pos.col >= 1, where);
    assert.ok(d.message.trim() !== '', where);
    assert.ok(d.severity === 'error' || d.severity === 'warning', where);
  }
}

/** A hang detector, not a speed limit: the inputs are a few kB at most, and a parse of them that
 *  takes this long has gone super-linear (regular expression backtracking, a runaway loop). */
const STALL_MS = 10_000;

void describe('parseRules on arbitrary and mutated text', () => {
  let dir: TempDir;
  let file: string;
  let bases: string[];

  before(async () => {
    // An empty folder: any `include` that a mutation produces finds nothing there.
    dir = await tempDir('bw-fuzz-');
    file = join(dir.path, 'rules.rc');
    const shipped = await Promise.all(
      ['demo.rc', 'mosquitto-debian.rc'].map((f) => readFile(join(CONFIG_DIR, f), 'utf8')),
    );
    bases = [...shipped, ...DESIGN_EXAMPLES, EVERY_STATEMENT];
  });
  after(() => dir.cleanup());

  /** Parses or fails with a ConfigError whose diagnostics are complete. */
  async function parsesOrReports(text: string): Promise<void> {
    const started = performance.now();
    try {
      const { warnings } = await parseRules(text, file);
      checkDiagnostics(warnings, text);
    } catch (e) {
      if (!(e instanceof ConfigError))
        assert.fail(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n--- input:\n${JSON.stringify(text)}`);
      assert.ok(
        e.diagnostics.some((d) => d.severity === 'error'),
        JSON.stringify(text),
      );
      checkDiagnostics(e.diagnostics, text);
    }
    const took = performance.now() - started;
    assert.ok(took < STALL_MS, `parsing took ${Math.round(took)} ms:\n${JSON.stringify(text)}`);
  }

  void test('random unicode text', async () => {
    await fc.assert(fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 300 }), parsesOrReports), runs(300));
  });

  void test('random text made of the characters that matter to the lexer', async () => {
    const chars = fc.constantFrom(
      'a',
      'x',
      '1',
      '9',
      '.',
      ' ',
      '\n',
      '\t',
      '"',
      "'",
      '\\',
      '#',
      '{',
      '}',
      '=',
      '<',
      '>',
      '!',
      ',',
      ';',
      '(',
      ')',
      '%',
      ':',
      '/',
      '$',
      '@',
      '-',
    );
    await fc.assert(fc.asyncProperty(fc.string({ unit: chars, maxLength: 300 }), parsesOrReports), runs(300));
  });

  void test('sequences of words of the language', async () => {
    const soup = fc
      .array(fc.oneof(fc.constantFrom(...VOCABULARY), hugeNumber), { maxLength: 60 })
      .chain((words) => fc.constantFrom(words.join(' '), words.join('\n'), words.join('\n  ')));
    await fc.assert(fc.asyncProperty(soup, parsesOrReports), runs(300));
  });

  void test('valid rules files with tokens and characters deleted, inserted, duplicated and swapped', async () => {
    const mutated = fc
      .tuple(fc.nat(bases.length - 1), fc.array(mutation, { minLength: 1, maxLength: 6 }))
      .map(([b, ms]) => ms.reduce(mutate, bases[b] ?? ''));
    await fc.assert(fc.asyncProperty(mutated, parsesOrReports), runs(600));
  });

  void test('printed arbitrary models, mutated', async () => {
    const mutated = fc
      .tuple(
        config.map((m) => printConfig(m)),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
      )
      .map(([text, ms]) => ms.reduce(mutate, text));
    await fc.assert(fc.asyncProperty(mutated, parsesOrReports), runs(200));
  });
});

void describe('parser bugs found by these tests', () => {
  async function errors(text: string): Promise<string[]> {
    try {
      await parseRules(text, 'rules.rc');
    } catch (e) {
      if (e instanceof ConfigError) return e.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);
      throw e;
    }
    return [];
  }

  void test('a malformed %-escape in an mqtt alert URL is an error, not a URIError', async () => {
    assert.match((await errors('set alert mqtt "mqtt://h:1/a%zz"'))[0] ?? '', /^rules\.rc:1:16: malformed %-escape/);
    assert.match((await errors('set alert mqtt "mqtt://%zz:pw@h:1/a"'))[0] ?? '', /malformed %-escape/);
  });

  void test('durations and sizes that overflow to Infinity are out of range', async () => {
    assert.match((await errors(`set daemon ${'9'.repeat(400)} seconds`))[0] ?? '', /out of range/);
    assert.match(
      (await errors(`check process p with pidfile /p\n  if memory > ${'9'.repeat(400)} MB then alert`))[0] ?? '',
      /out of range/,
    );
    assert.match(
      (await errors(`check process p with pidfile /p\n  if sys "$SYS/x" > ${'9'.repeat(400)} then alert`))[0] ?? '',
      /out of range/,
    );
  });

  // node-cron expands a range into an array: this one would take minutes and gigabytes, not the
  // test's time limit.
  void test(
    'a cron range with huge numbers fails at once instead of stalling node-cron',
    { timeout: 10_000 },
    async () => {
      assert.match(
        (await errors('check file f with path /f\n  every "0-99999999 * * * *"'))[0] ?? '',
        /invalid cron expression/,
      );
    },
  );

  // A million blanks: milliseconds when linear, hours when a trim backtracks over them (quadratic),
  // so the test's time limit tells the two apart on any machine.
  void test(
    'a mail-format message with a long run of blanks inside is read in linear time',
    { timeout: 10_000 },
    async () => {
      const { config: c } = await parseRules(`set mail-format {\n  message: a${' '.repeat(1_000_000)}b   \n}\n`);
      assert.equal(c.mailFormat?.message?.length, 1_000_002);
    },
  );

  void test("`not every` on the line after a service's `alert` is a schedule, not an event filter", async () => {
    const { config: c } = await parseRules(
      'check file f with path /f\n  alert ops@example.com\n  not every "* 1-5 * * *"\n',
    );
    assert.deepEqual(c.services[0]?.schedule, { kind: 'cron', expression: '* 1-5 * * *', negate: true });
    assert.deepEqual(c.services[0]?.alerts[0]?.filter, { mode: 'all', events: [] });
  });

  void test('an include glob with an invalid character class is an error', async () => {
    const dir = await tempDir('bw-glob-');
    try {
      assert.ok((await errors(`include "${dir.path}/[z-a].rc"`)).length > 0);
    } finally {
      await dir.cleanup();
    }
  });
});
