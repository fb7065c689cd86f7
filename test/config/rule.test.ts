// `if CONDITION [RATE] then ACTION [else …]` read into a rule: every action, the two forms of rate,
// the forms of `else`, and monit tests that load with a warning instead of a rule.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, formatDiagnostic } from '../../src/config/diagnostics.js';
import { parseRules } from '../../src/config/loader.js';
import type { LoadResult } from '../../src/config/loader.js';
import type { Rule } from '../../src/config/model.js';

const FILE = 'check file f with path /f\n  restart "/r"\n';

async function parse(text: string): Promise<LoadResult> {
  return parseRules(text, 'r.rc');
}

/** The rules of `check file f` written with LINES, without their positions. */
async function rules(...lines: string[]): Promise<Omit<Rule, 'pos'>[]> {
  const r = await parse(FILE + lines.map((l) => `  ${l}\n`).join(''));
  return (r.config.services[0]?.rules ?? []).map(({ pos: _pos, ...rest }) => rest);
}

function warnings(r: LoadResult): string[] {
  return r.warnings.map(formatDiagnostic);
}

async function errorsOf(text: string): Promise<string[]> {
  try {
    await parse(text);
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);
  }
  assert.fail('the rules loaded, but errors were expected');
}

const SIZE = { kind: 'size', op: '>', bytes: 1024 } as const;

void describe('actions', () => {
  void test("each action word; monit's `timeout` is unmonitor", async () => {
    const words = ['alert', 'restart', 'start', 'stop', 'unmonitor', 'monitor', 'timeout'];
    const got = await rules(...words.map((w) => `if size > 1 kB then ${w}`));
    assert.deepEqual(
      got.map((r) => r.action),
      [...words.slice(0, 6), 'unmonitor'].map((kind) => ({ kind })),
    );
    assert.deepEqual(
      got.map((r) => r.id),
      ['r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7'],
    );
  });

  void test('exec with its options, and repeat every N cycles (or every cycle)', async () => {
    const got = await rules(
      'if size > 1 kB then exec "/bin/n a" as uid 0 and gid staff with timeout 5 s repeat every 3 cycles',
      'if size > 1 kB then exec /bin/n repeat every cycle',
      'if size > 1 kB then exec "/bin/n"',
    );
    assert.deepEqual(
      got.map((r) => r.action),
      [
        { kind: 'exec', command: { argv: ['/bin/n', 'a'], uid: 0, gid: 'staff', timeoutMs: 5_000 }, repeatEvery: 3 },
        { kind: 'exec', command: { argv: ['/bin/n'] }, repeatEvery: 1 },
        { kind: 'exec', command: { argv: ['/bin/n'] } },
      ],
    );
  });

  void test('an action that is missing, or on the next statement, is an error', async () => {
    assert.deepEqual(await errorsOf(FILE + '  if size > 1 kB then\n  group g\n'), [
      "r.rc:4:3: expected an action (alert, restart, start, stop, unmonitor, exec), found 'group'",
    ]);
    assert.deepEqual(await errorsOf(FILE + '  if size > 1 kB then "alert"\n'), [
      'r.rc:3:23: expected an action (alert, restart, start, stop, unmonitor, exec), found "alert"',
    ]);
  });

  void test('each word that opens a statement on the next line means the action is missing', async () => {
    const words = [
      'if',
      'check',
      'set',
      'depends',
      'depend',
      'group',
      'mode',
      'every',
      'noalert',
      'onreboot',
      'backoff',
    ];
    for (const w of words) {
      const errors = await errorsOf(FILE + `  if size > 1 kB then\n  ${w} x\n`);
      assert.equal(
        errors[0],
        `r.rc:4:3: expected an action (alert, restart, start, stop, unmonitor, exec), found '${w}'`,
      );
    }
    // On the same line such a word is no action at all.
    assert.deepEqual(await errorsOf(FILE + '  if size > 1 kB then group\n'), [
      "r.rc:3:23: unknown action 'group': expected alert, restart, start, stop, unmonitor, exec or reboot",
    ]);
  });

  void test("reboot is an action of 'check system' only", async () => {
    assert.deepEqual(await errorsOf(FILE + '  if size > 1 kB then reboot\n'), [
      "r.rc:3:23: the 'reboot' action applies to 'check system' only",
    ]);
    const r = await parse('check system h\n  if loadavg > 3 then reboot\n');
    assert.deepEqual(r.config.services[0]?.rules[0]?.action, { kind: 'reboot' });
  });

  void test('exec: users and groups by name or number, and the errors of its command and repeat', async () => {
    const got = await rules(
      'if size > 1 kB then exec "/x" as uid "u12" and gid "12g"',
      'if size > 1 kB then exec "/x" as uid 12',
    );
    assert.deepEqual(
      got.map((r) => r.action),
      [
        { kind: 'exec', command: { argv: ['/x'], uid: 'u12', gid: '12g' } },
        { kind: 'exec', command: { argv: ['/x'], uid: 12 } },
      ],
    );
    const errors: Array<[string, string]> = [
      ['exec foo', "r.rc:3:28: expected a command after exec in quotes, found 'foo'"],
      ['exec "/x" repeat 3 cycles', "r.rc:3:40: expected 'every' after 'repeat', found '3'"],
      ['exec "/x" repeat every 0 cycles', 'r.rc:3:46: a number of cycles 0 is out of range (1–1000000)'],
      ['exec "/x" repeat every 1000001 cycles', 'r.rc:3:46: a number of cycles 1000001 is out of range (1–1000000)'],
      ['exec "/x" repeat every 2 then', "r.rc:3:48: expected 'cycles', found 'then'"],
    ];
    for (const [action, error] of errors)
      assert.deepEqual(await errorsOf(FILE + `  if size > 1 kB then ${action}\n`), [error]);
    assert.deepEqual(
      (await rules('if size > 1 kB then exec "/x" repeat every 1000000 cycles')).map((r) => r.action),
      [{ kind: 'exec', command: { argv: ['/x'] }, repeatEvery: 1_000_000 }],
    );
  });
});

void describe('rates', () => {
  void test('none, N cycles, and N times within M cycles', async () => {
    const got = await rules(
      'if size > 1 kB then alert',
      'if size > 1 kB for 3 cycles then alert',
      'if size > 1 kB 2 times within 5 cycles then alert',
      'if size > 1 kB 64 times within 64 cycles then alert',
    );
    assert.deepEqual(
      got.map((r) => r.rate),
      [
        { count: 1, cycles: 1 },
        { count: 3, cycles: 3 },
        { count: 2, cycles: 5 },
        { count: 64, cycles: 64 },
      ],
    );
    assert.deepEqual(
      got.map((r) => r.condition),
      [SIZE, SIZE, SIZE, SIZE],
    );
  });

  void test('more times than cycles, and more than 64 cycles, are errors', async () => {
    assert.deepEqual(await errorsOf(FILE + '  if size > 1 kB 3 times within 2 cycles then alert\n'), [
      'r.rc:3:18: 3 times within 2 cycles can never happen: the count must not exceed the cycles',
    ]);
    assert.deepEqual(await errorsOf(FILE + '  if size > 1 kB 1 times within 65 cycles then alert\n'), [
      "r.rc:3:33: a number of cycles after 'within' 65 is out of range (1–64)",
    ]);
    assert.deepEqual(await errorsOf(FILE + '  if size > 1 kB for 0 cycles then alert\n'), [
      'r.rc:3:22: a number of cycles 0 is out of range (1–64)',
    ]);
    assert.deepEqual(await errorsOf(FILE + '  if size > 1 kB 1.5 cycles then alert\n'), [
      "r.rc:3:18: expected a number of cycles, found '1.5'",
    ]);
    assert.deepEqual(await errorsOf(FILE + '  if size > 1 kB 2 times within 5 then alert\n'), [
      "r.rc:3:35: expected 'cycles', found 'then'",
    ]);
  });
});

void describe('else', () => {
  void test('else ACTION and else if succeeded|recovered|passed then ACTION', async () => {
    const got = await rules(
      'if size > 1 kB then alert else restart',
      'if size > 1 kB then alert else if succeeded then exec "/bin/ok"',
      'if size > 1 kB then alert else if recovered then alert',
      'if size > 1 kB then alert else if passed then alert',
      'if size > 1 kB then alert else if success then alert',
    );
    assert.deepEqual(
      got.map((r) => r.elseAction),
      [
        { kind: 'restart' },
        { kind: 'exec', command: { argv: ['/bin/ok'] } },
        { kind: 'alert' },
        { kind: 'alert' },
        { kind: 'alert' },
      ],
    );
    assert.deepEqual(await rules('if size > 1 kB then alert'), [
      { id: 'r1', condition: SIZE, rate: { count: 1, cycles: 1 }, action: { kind: 'alert' } },
    ]);
  });

  void test('a rate after else if succeeded is read and warned about', async () => {
    const r = await parse(FILE + '  if size > 1 kB then alert else if succeeded 2 cycles then alert\n');
    assert.deepEqual(r.config.services[0]?.rules[0]?.elseAction, { kind: 'alert' });
    assert.deepEqual(warnings(r), [
      "r.rc:3:47: warning: a rate after 'else if succeeded' is not used by brokerwatch; the recovery action runs at the first success",
    ]);
  });

  void test("'else if failed' answers only an inverted test; 'else if failed' after a normal one is an error", async () => {
    assert.deepEqual(await errorsOf(FILE + '  if size > 1 kB then alert else if failed then alert\n'), [
      "r.rc:3:37: expected 'succeeded' or 'recovered' after 'else if', found 'failed'",
    ]);
    assert.deepEqual(await errorsOf(FILE + '  if succeeded port 80 then alert else if succeeded then alert\n'), [
      "r.rc:3:43: expected 'failed' after 'else if', found 'succeeded'",
    ]);
    const r = await parse(FILE + '  if succeeded port 80 then alert else if failed then alert\n');
    assert.deepEqual(r.config.services[0]?.rules, []);
    assert.deepEqual(warnings(r), [
      "r.rc:3:6: warning: 'if succeeded …' (monit's inverted connection test) is not evaluated by brokerwatch; this rule is ignored",
    ]);
  });
});

void describe('singular and plural, and what a missing part is called', () => {
  void test('cycle and cycles alike after within and after repeat every; a bare timeout is in seconds', async () => {
    const got = await rules(
      'if size > 1 kB 2 times within 5 cycle then alert',
      'if size > 1 kB then exec "/x" repeat every cycles',
      'if size > 1 kB then exec "/x" with timeout 5',
    );
    assert.deepEqual(
      got.map((r) => [r.rate, r.action]),
      [
        [{ count: 2, cycles: 5 }, { kind: 'alert' }],
        [
          { count: 1, cycles: 1 },
          { kind: 'exec', command: { argv: ['/x'] }, repeatEvery: 1 },
        ],
        [
          { count: 1, cycles: 1 },
          { kind: 'exec', command: { argv: ['/x'], timeoutMs: 5_000 } },
        ],
      ],
    );
  });

  void test('a missing then, user, group or timeout', async () => {
    const cases: Array<[string, string]> = [
      ['if size > 1 kB then alert else if succeeded alert', "r.rc:3:47: expected 'then', found 'alert'"],
      [
        'if size > 1 kB then exec "/x" as uid\n  if size > 2 kB then alert',
        "r.rc:4:3: expected a user name or id after uid, found 'if'",
      ],
      ['if size > 1 kB then exec "/x" and gid', 'r.rc:3:40: expected a group name or id after gid, found end of file'],
      ['if size > 1 kB then exec "/x" with timeout', 'r.rc:3:45: expected a duration for timeout, found end of file'],
    ];
    for (const [line, error] of cases) assert.deepEqual(await errorsOf(FILE + `  ${line}\n`), [error]);
  });

  void test('a quoted word is no test, not even one brokerwatch ignores', async () => {
    for (const w of ['load', 'succeeded'])
      assert.deepEqual(await errorsOf(FILE + `  if "${w}" port 80 then alert\n`), [
        `r.rc:3:6: expected a test after 'if' (failed, not exist, cpu, memory, …), found "${w}"`,
      ]);
  });
});

void describe('tests brokerwatch does not evaluate', () => {
  void test('load with a warning and no rule, after if and after if failed', async () => {
    const r = await parse(
      'check process p with pidfile /p.pid\n  start "/p"\n' +
        '  if nlink > 4 then alert\n  if failed url http://x/ then alert\n  if cpu > 1% then alert\n',
    );
    assert.deepEqual(
      r.config.services[0]?.rules.filter((x) => !x.implicit).map((x) => x.condition.kind),
      ['resource'],
    );
    assert.deepEqual(warnings(r), [
      "r.rc:3:6: warning: 'nlink' tests are not evaluated by brokerwatch; this rule is ignored",
      "r.rc:4:13: warning: 'failed url' tests are not evaluated by brokerwatch; this rule is ignored",
    ]);
  });

  void test("each of monit's tests brokerwatch ignores warns at its word and its case, after if and if failed", async () => {
    // monit 5.33's tests that load here with a warning: system and filesystem figures brokerwatch does
    // not sample, file attributes it does not compare, and `url`/`icmp` (written `port … http`/`ping`).
    const words = [
      'load',
      'disk',
      'packet',
      'packets',
      'filesystem',
      'network',
      'bytes',
      'byte',
      'total',
      'icmp',
      'access',
      'change',
      'nlink',
      'mountpoint',
      'open',
      'openfiles',
      'url',
      'euid',
      'security',
      'hardlink',
      'hardlinks',
      'atime',
      'ctime',
      'pagein',
      'pageout',
      'notmatch',
      'NoMatch',
    ];
    const lines = words.flatMap((w) => [`if ${w} x > 1 then alert`, `if failed ${w} x then alert`]);
    const r = await parse(FILE + lines.map((l) => `  ${l}\n`).join(''));
    assert.deepEqual(
      r.config.services[0]?.rules.filter((x) => !x.implicit),
      [],
    );
    assert.deepEqual(
      warnings(r),
      words.flatMap((w, i) => [
        `r.rc:${3 + 2 * i}:6: warning: '${w}' tests are not evaluated by brokerwatch; this rule is ignored`,
        `r.rc:${4 + 2 * i}:13: warning: 'failed ${w}' tests are not evaluated by brokerwatch; this rule is ignored`,
      ]),
    );
  });

  void test('a test that is not a word is an error, after if and after if failed', async () => {
    assert.deepEqual(await errorsOf(FILE + '  if "cpu" > 1 then alert\n'), [
      `r.rc:3:6: expected a test after 'if' (failed, not exist, cpu, memory, …), found "cpu"`,
    ]);
    assert.deepEqual(await errorsOf(FILE + '  if failed 80 then alert\n'), [
      "r.rc:3:13: expected a test after 'failed' (host, port, checksum, permission, uid, gid), found '80'",
    ]);
  });
});
