// The statements of a `check` block read into the service model: programs, dependencies, groups,
// modes, schedules, alerts, the restart backoff, and the whole-file checks that follow (the
// implicit existence rule, rules that cannot start anything, dependencies on ignored checks).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, formatDiagnostic } from '../../src/config/diagnostics.js';
import { parseRules } from '../../src/config/loader.js';
import type { LoadResult } from '../../src/config/loader.js';
import type { Service } from '../../src/config/model.js';
import { DEFAULT_BACKOFF } from '../../src/config/model.js';

async function parse(text: string): Promise<LoadResult> {
  return parseRules(text, 'c.rc');
}

function warnings(r: LoadResult): string[] {
  return r.warnings.map(formatDiagnostic);
}

function service(r: LoadResult, name: string): Service {
  const s = r.config.services.find((x) => x.name === name);
  assert.ok(s, `no service '${name}'`);
  return s;
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

const PROC = 'check process m with pidfile /run/m.pid\n';

void describe('a service with nothing but its header', () => {
  void test('gets the defaults, and a process gets the implicit restart-if-gone rule', async () => {
    const r = await parse(PROC + '  start "/m"\n');
    const s = service(r, 'm');
    assert.deepEqual(
      { mode: s.mode, onReboot: s.onReboot, schedule: s.schedule, backoff: s.backoff, groups: s.groups },
      { mode: 'active', onReboot: 'start', schedule: { kind: 'always' }, backoff: DEFAULT_BACKOFF, groups: [] },
    );
    assert.deepEqual(s.rules, [
      {
        id: 'nonexist',
        condition: { kind: 'nonexist' },
        rate: { count: 1, cycles: 1 },
        action: { kind: 'restart' },
        implicit: true,
        pos: { file: 'c.rc', line: 1, col: 1 },
      },
    ]);
    assert.deepEqual(s.dependsOn, []);
    assert.deepEqual(s.alerts, []);
    assert.deepEqual(s.noAlerts, []);
  });

  void test('a process with its own existence rule gets no implicit one; other types never do', async () => {
    const own = service(await parse(PROC + '  start "/m"\n  if not exist then alert\n'), 'm');
    assert.deepEqual(
      own.rules.map((r) => [r.id, r.condition.kind, r.implicit ?? false]),
      [['r1', 'nonexist', false]],
    );
    const file = service(await parse('check file f with path /f\n'), 'f');
    assert.deepEqual(file.rules, []);
  });
});

void describe('statements of a check block', () => {
  void test('start, stop and restart programs, with `program =`, uid, gid and timeout', async () => {
    const s = service(
      await parse(
        PROC +
          '  start program = "/usr/sbin/m -d" as uid mosquitto and gid 105 with timeout 20 seconds\n' +
          '  stop program = "/bin/kill \'the m\'"\n' +
          '  restart /usr/bin/m-restart\n',
      ),
      'm',
    );
    assert.deepEqual(s.start, { argv: ['/usr/sbin/m', '-d'], uid: 'mosquitto', gid: 105, timeoutMs: 20_000 });
    assert.deepEqual(s.stop, { argv: ['/bin/kill', 'the m'] });
    assert.deepEqual(s.restart, { argv: ['/usr/bin/m-restart'] });
  });

  void test('depends: every spelling, several names at once, each named once, with the position of its first mention', async () => {
    const r = await parse(
      'check file a with path /a\ncheck file b with path /b\ncheck file c with path /c\n' +
        'check file d with path /d\n  depends on a, b\n  depend a\n  dependson "c"\n  group g1\n  group g2\n',
    );
    const d = service(r, 'd');
    assert.deepEqual(d.dependsOn, ['a', 'b', 'c']);
    assert.deepEqual(d.groups, ['g1', 'g2']);
    assert.deepEqual(await errorsOf('check file d with path /d\n  depends on\n  group g\n'), [
      "c.rc:3:3: expected a service name after 'depends on', found 'group'",
    ]);
  });

  void test('mode and onreboot take each of their words', async () => {
    for (const mode of ['active', 'passive', 'manual'] as const)
      assert.equal(service(await parse(`${PROC}  start "/m"\n  mode ${mode}\n`), 'm').mode, mode);
    for (const onReboot of ['start', 'nostart', 'laststate'] as const)
      assert.equal(service(await parse(`${PROC}  start "/m"\n  onreboot ${onReboot}\n`), 'm').onReboot, onReboot);
  });

  void test('schedules: every N cycles, every "CRON" and not every "CRON"', async () => {
    const schedule = async (line: string): Promise<Service['schedule']> =>
      service(await parse(`${PROC}  start "/m"\n  ${line}\n`), 'm').schedule;
    assert.deepEqual(await schedule('every 3 cycles'), { kind: 'cycles', every: 3 });
    assert.deepEqual(await schedule('every "*/5 * * * *"'), { kind: 'cron', expression: '*/5 * * * *', negate: false });
    assert.deepEqual(await schedule('not every "0 2 * * *"'), { kind: 'cron', expression: '0 2 * * *', negate: true });
    assert.deepEqual(await errorsOf(`${PROC}  every "0-999 * * * *"\n`), [
      'c.rc:2:9: invalid cron expression "0-999 * * * *": expected 5 fields, minute hour day month weekday',
    ]);
  });

  void test('alert and noalert name recipients of this service', async () => {
    const s = service(
      await parse(
        `${PROC}  start "/m"\n  alert ops@example.com not { instance } reminder 3 cycles\n  noalert <dev@example.com>\n  noalert qa@example.com\n`,
      ),
      'm',
    );
    assert.deepEqual(
      s.alerts.map((a) => [a.target, a.filter, a.reminderCycles]),
      [[{ kind: 'mail', address: 'ops@example.com' }, { mode: 'except', events: ['instance'] }, 3]],
    );
    assert.deepEqual(s.noAlerts, ['dev@example.com', 'qa@example.com']);
  });

  void test("'ignore content' is read, and the next statement after it", async () => {
    const r = await parse('check file f with path /f\n  ignore content = "^#"\n  group g\n');
    assert.deepEqual(service(r, 'f').groups, ['g']);
    assert.deepEqual(service(r, 'f').ignoreContent, [{ not: false, patterns: ['^#'] }]);
    assert.deepEqual(warnings(r), []);
  });

  void test('a statement that is not a word, and an unknown one, are errors; the next line is still read', async () => {
    assert.deepEqual(await errorsOf(`${PROC}  start "/m"\n  "quoted"\n  mode sleepy\n`), [
      `c.rc:3:3: expected a statement in 'check process m' (if, start, stop, depends, group, …), found "quoted"`,
      "c.rc:4:8: expected 'active', 'passive' or 'manual' after mode, found 'sleepy'",
    ]);
  });
});

void describe('backoff', () => {
  void test('every option; max defaults to at least the initial delay', async () => {
    const backoff = async (line: string): Promise<Service['backoff']> =>
      service(await parse(`${PROC}  start "/m"\n  backoff ${line}\n`), 'm').backoff;
    assert.deepEqual(await backoff('5 seconds max 2 minutes factor 1.5 giveup 7 attempts cooldown 1 hour reset 30 s'), {
      initialMs: 5_000,
      maxMs: 120_000,
      factor: 1.5,
      giveUpAfter: 7,
      cooldownMs: 3_600_000,
      resetAfterMs: 30_000,
    });
    assert.deepEqual(await backoff('2 minutes'), { ...DEFAULT_BACKOFF, initialMs: 120_000, maxMs: 120_000 });
    assert.deepEqual(await backoff('10 s maximum 10 s factor 1 factor 100'), {
      ...DEFAULT_BACKOFF,
      initialMs: 10_000,
      maxMs: 10_000,
      factor: 100,
    });
  });

  void test('a factor out of 1–100 and a max below the initial delay are errors', async () => {
    assert.deepEqual(await errorsOf(`${PROC}  start "/m"\n  backoff 1 s factor 0.5\n`), [
      'c.rc:3:15: backoff factor 0.5 is out of range (1–100)',
    ]);
    assert.deepEqual(await errorsOf(`${PROC}  start "/m"\n  backoff 1 s factor 101\n`), [
      'c.rc:3:15: backoff factor 101 is out of range (1–100)',
    ]);
  });
});

void describe('whole-file checks', () => {
  void test('a rule that restarts a service without a start program is warned about', async () => {
    const r = await parse(
      'check file f with path /f\n  if changed timestamp then restart\n' +
        'check process p with pidfile /p.pid\n  if cpu > 90% then start\n',
    );
    assert.deepEqual(warnings(r), [
      "c.rc:2:3: warning: 'f' has no start program: this rule can alert but not restart",
      "c.rc:4:3: warning: 'p' has no start program: 'start' cannot start it",
    ]);
    const withRestart = await parse('check file f with path /f\n  restart "/r"\n  if changed timestamp then restart\n');
    assert.deepEqual(warnings(withRestart), []);
  });

  void test('a dependency on any service type stays, a device (a filesystem) included', async () => {
    const r = await parse(
      'check device tmp with path /tmp\ncheck file a with path /a\ncheck file f with path /f\n  depends on tmp, a\n',
    );
    assert.deepEqual(service(r, 'f').dependsOn, ['tmp', 'a']);
    assert.equal(service(r, 'tmp').type, 'filesystem');
    assert.deepEqual(warnings(r), []);
  });

  void test('duplicate names, unknown dependencies, self-dependencies and loops are errors', async () => {
    assert.deepEqual(
      await errorsOf(
        [
          'check file a with path /a',
          '  depends on b, nope, a',
          'check file b with path /b',
          '  depends on c',
          'check file c with path /c',
          '  depends on a',
          'check file a with path /a2',
          '',
        ].join('\n'),
      ),
      [
        "c.rc:2:17: unknown service 'nope' in depends of 'a'",
        "c.rc:2:23: service 'a' depends on itself",
        'c.rc:6:14: dependency loop: a -> b -> c -> a',
        "c.rc:7:1: service 'a' is already defined at c.rc:1",
      ],
    );
  });
});

void describe('where a statement ends', () => {
  void test('depends stops at the next statement, on the same line or the next', async () => {
    const r = await parse(
      'check file a with path /a\ncheck file f with path /f\n  depends on a\n' +
        '  not every "0 2 * * *"\n  depends on a alert ops@example.com\n  depends on a noalert dev@example.com\n' +
        '  depends on a onreboot nostart\n  depends on a backoff 5 s\n  depends on a ignore content = "x"\n',
    );
    const f = service(r, 'f');
    assert.deepEqual(f.dependsOn, ['a']);
    assert.deepEqual(f.schedule, { kind: 'cron', expression: '0 2 * * *', negate: true });
    assert.deepEqual(
      [f.alerts.length, f.noAlerts, f.onReboot, f.backoff.initialMs],
      [1, ['dev@example.com'], 'nostart', 5_000],
    );
    assert.equal(r.warnings.length, 0);
    assert.deepEqual(f.ignoreContent, [{ not: false, patterns: ['x'] }]);
  });

  void test('after an error, the lines that continue the statement are skipped; the next statement is read', async () => {
    // The words monit's grammar lets a rule, program or alert go on with on its next line.
    const continuations = [
      'then alert',
      'else alert',
      'timeout 5 s',
      'retry 2',
      'protocol mqtt',
      'proto mqtt',
      'port 1883',
      'host x',
      'address x',
      'type tcp',
      'ssl',
      'tls',
      'tcpssl',
      'ipv4',
      'ipv6',
      'username u',
      'user u',
      'password p',
      'version 5',
      'clientid c',
      'roundtrip',
      'qos 1',
      'topic t',
      'separate',
      'cafile /c',
      'ca /c',
      'certfile /c',
      'keyfile /k',
      'servername s',
      'verify',
      'responsetime',
      'request /',
      'send x',
      'expect x',
      'hostheader h',
      'content = x',
      'status 200',
      'checksum',
      'certificate',
      'uid 0',
      'gid 0',
      'repeat every 2 cycles',
      'reminder 2',
      'cycle',
      'cycles',
      'unmonitor',
      'monitor',
      'exec "/x"',
      'max 1 s',
      'maximum 1 s',
      'factor 2',
      'giveup 3',
      'cooldown 1 s',
      'reset 1 s',
      'slack',
      'retain',
      'retained',
      'pidfile /p',
      'matching x',
      'path /p',
    ];
    for (const line of continuations)
      assert.deepEqual(
        await errorsOf(`check host h with address x\n  if failed port 0\n    ${line}\n  group g\n  frob\n`),
        [
          // The port test is wrong, not missing: only its own error.
          'c.rc:2:18: a port number 0 is out of range (1–65535)',
          "c.rc:5:3: unknown statement 'frob' in 'check host h': expected if, start, stop, restart, depends, group, mode, every, alert, noalert, onreboot or backoff",
        ],
        line,
      );
    // mail-format opens a block of its own, after an alert's error.
    assert.deepEqual(
      await errorsOf(
        'check host h with address x\n  alert ops@example.com { frob }\n    mail-format { subject: x }\n  if failed port 1 then alert\n',
      ),
      [
        "c.rc:2:27: unknown event 'frob': expected one of action, checksum, connection, content, data, exec, gid, icmp, instance, invalid, link, nonexist, exist, permission, pid, ppid, resource, size, status, timeout, timestamp, uid, uptime, fsflags, heartbeat, saturation, speed, bytein, byteout, packetin, packetout",
      ],
    );
  });

  void test('a service type must be a word: a quoted one is an error naming the types', async () => {
    assert.deepEqual(await errorsOf('check "quoted" x\n'), [
      `c.rc:1:7: expected a service type after check (process, host, file, program, directory, fifo, system, filesystem, network), found "quoted"`,
    ]);
  });
});

void describe('the service model', () => {
  void test('holds only what was written', async () => {
    const r = await parse('check file f with path /f\n');
    assert.deepEqual(service(r, 'f'), {
      name: 'f',
      type: 'file',
      pos: { file: 'c.rc', line: 1, col: 1 },
      path: '/f',
      rules: [],
      dependsOn: [],
      groups: [],
      mode: 'active',
      onReboot: 'start',
      schedule: { kind: 'always' },
      alerts: [],
      noAlerts: [],
      backoff: DEFAULT_BACKOFF,
    });
    assert.deepEqual(
      Object.keys(service(await parse('check host h with address a\n  if failed port 1 then alert\n'), 'h')).slice(
        0,
        4,
      ),
      ['name', 'type', 'pos', 'address'],
    );
    assert.deepEqual(Object.keys(service(await parse(PROC), 'm')).slice(0, 4), ['name', 'type', 'pos', 'pidfile']);
  });

  void test("a host's port tests without a host of their own use its address", async () => {
    const r = await parse(
      'check host h with address 10.0.0.1\n  if failed port 80 then alert\n  if failed host other port 81 then alert\n',
    );
    assert.deepEqual(
      service(r, 'h').rules.map((x) => (x.condition.kind === 'port' ? x.condition.host : undefined)),
      ['10.0.0.1', 'other'],
    );
  });

  void test("a process with 'if exist' has no implicit rule either", async () => {
    const s = service(await parse(PROC + '  start "/m"\n  if exist then alert\n'), 'm');
    assert.deepEqual(
      s.rules.map((x) => x.condition.kind),
      ['exist'],
    );
  });

  void test("backoff's other words: giveup N attempt|restarts", async () => {
    const backoff = async (line: string): Promise<number> =>
      service(await parse(`${PROC}  start "/m"\n  backoff 1 s ${line}\n  group g\n`), 'm').backoff.giveUpAfter;
    assert.equal(await backoff('giveup 1 attempt'), 1);
    assert.equal(await backoff('giveup 9 restarts'), 9);
  });
});

void describe('whole-file checks, continued', () => {
  void test('a loop reached through another service names only the services in it, once', async () => {
    assert.deepEqual(
      await errorsOf(
        'check file x with path /x\n  depends on a\ncheck file a with path /a\n  depends on b\n' +
          'check file b with path /b\n  depends on a\ncheck file y with path /y\n  depends on b\n',
      ),
      ['c.rc:6:14: dependency loop: a -> b -> a'],
    );
  });

  void test('no start program: start on a file, restart on a process', async () => {
    const r = await parse(
      'check file f with path /f\n  if changed timestamp then start\n' +
        'check process p with pidfile /p.pid\n  if cpu > 90% then restart\n',
    );
    assert.deepEqual(warnings(r), [
      "c.rc:2:3: warning: 'f' has no start program: this rule can alert but not start",
      "c.rc:4:3: warning: 'p' has no start program: 'restart' cannot start it",
    ]);
  });
});
