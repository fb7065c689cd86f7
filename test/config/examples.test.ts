// Every example of DESIGN.md §1–2 and every file in config/ parses to the model it means: argv,
// rates, actions, durations in ms, sizes in bytes, the implicit existence rule, the MQTT and $SYS
// extensions, backoff, alert targets and the `set` statements.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatDiagnostic } from '../../src/config/diagnostics.js';
import { loadRules, parseRules } from '../../src/config/loader.js';
import type { LoadResult } from '../../src/config/loader.js';
import type { Config, Rule, Service } from '../../src/config/model.js';
import { DEFAULT_BACKOFF } from '../../src/config/model.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const ONE = { count: 1, cycles: 1 } as const;

async function parse(text: string): Promise<LoadResult> {
  return parseRules(text, 'ex.rc');
}

function service(config: Config, name: string): Service {
  const s = config.services.find((x) => x.name === name);
  assert.ok(s, `service '${name}' is missing`);
  return s;
}

/** The rules without their positions, for exact comparison. */
function rules(s: Service): Omit<Rule, 'pos'>[] {
  return s.rules.map(({ pos: _pos, ...r }) => r);
}

function warnings(r: LoadResult): string[] {
  return r.warnings.map(formatDiagnostic);
}

const IMPLICIT = {
  id: 'nonexist',
  condition: { kind: 'nonexist' },
  rate: ONE,
  action: { kind: 'restart' },
  implicit: true,
};

void describe('DESIGN.md §1: real monit files for mosquitto', () => {
  void test('the short form: start = "…", stop = "…"', async () => {
    const r = await parse(
      'check process mosquitto with pidfile /var/run/mosquitto.pid\n' +
        'start = "/etc/init.d/mosquitto start"\n' +
        'stop = "/etc/init.d/mosquitto stop"\n',
    );
    assert.deepEqual(warnings(r), []);
    const s = service(r.config, 'mosquitto');
    assert.equal(s.type, 'process');
    assert.equal(s.pidfile, '/var/run/mosquitto.pid');
    assert.deepEqual(s.start, { argv: ['/etc/init.d/mosquitto', 'start'] });
    assert.deepEqual(s.stop, { argv: ['/etc/init.d/mosquitto', 'stop'] });
    assert.deepEqual(rules(s), [IMPLICIT]);
    assert.deepEqual(s.rules[0]?.pos, { file: 'ex.rc', line: 1, col: 1 });
    // The written-down defaults (README), not the constant compared with itself.
    assert.deepEqual(s.backoff, {
      initialMs: 1_000,
      maxMs: 60_000,
      factor: 2,
      giveUpAfter: 5,
      cooldownMs: 600_000,
      resetAfterMs: 0,
    });
    assert.deepEqual(DEFAULT_BACKOFF, s.backoff);
    assert.deepEqual(s.schedule, { kind: 'always' });
    assert.equal(s.mode, 'active');
  });

  void test('port test with old timeout/retry words, changed pid and a restart rate, exec through bash -c', async () => {
    const r = await parse(
      [
        'check process mosquitto with pidfile /var/run/mosquitto.pid',
        '  start program = "/etc/init.d/mosquitto start"',
        '  stop program = "/etc/init.d/mosquitto stop"',
        '  if failed host localhost port 1883 timeout 30 seconds retry 3 then restart',
        `  if changed pid then exec "/bin/bash -c 'PROCESS=Mosquitto /usr/local/bin/slack-webhook.sh'"`,
        `  if 1 restart within 1 cycle then exec "/bin/bash -c 'PROCESS=Mosquitto /usr/local/bin/slack-webhook.sh'"`,
      ].join('\n'),
    );
    assert.deepEqual(warnings(r), []);
    const s = service(r.config, 'mosquitto');
    const webhook = {
      kind: 'exec',
      command: { argv: ['/bin/bash', '-c', 'PROCESS=Mosquitto /usr/local/bin/slack-webhook.sh'] },
    };
    assert.deepEqual(rules(s), [
      IMPLICIT,
      {
        id: 'r1',
        condition: { kind: 'port', host: 'localhost', port: 1883, transport: 'tcp', timeoutMs: 30_000, retry: 3 },
        rate: ONE,
        action: { kind: 'restart' },
      },
      { id: 'r2', condition: { kind: 'changed', what: 'pid' }, rate: ONE, action: webhook },
      { id: 'r3', condition: { kind: 'restarts', count: 1, cycles: 1 }, rate: ONE, action: webhook },
    ]);
    assert.deepEqual(
      s.rules.map((x) => x.pos.line),
      [1, 4, 5, 6],
    );
  });
});

void describe('DESIGN.md §2: monit grammar facts', () => {
  void test('start = "x", start "x" and start program = "x" are the same', async () => {
    for (const form of [
      'start = "/usr/sbin/x -d"',
      'start "/usr/sbin/x -d"',
      'start program = "/usr/sbin/x -d"',
      'START PROGRAM "/usr/sbin/x -d"',
    ]) {
      const r = await parse(`check process x with pidfile /run/x.pid\n  ${form}\n`);
      assert.deepEqual(service(r.config, 'x').start, { argv: ['/usr/sbin/x', '-d'] }, form);
    }
  });

  void test('if not exist = if does not exist; either replaces the implicit rule', async () => {
    for (const form of ['if not exist then alert', 'if does not exist then alert', 'IF DOES NOT EXIST THEN ALERT']) {
      const r = await parse(`check process x with pidfile /run/x.pid\n  ${form}\n`);
      assert.deepEqual(
        rules(service(r.config, 'x')),
        [{ id: 'r1', condition: { kind: 'nonexist' }, rate: ONE, action: { kind: 'alert' } }],
        form,
      );
    }
  });

  void test('a process check with no existence rule gets `if does not exist then restart`; other checks do not', async () => {
    const r = await parse(
      'check process p matching "^/usr/sbin/mosquitto"\ncheck host h with address 10.0.0.2\n  if failed ping then alert\ncheck file f with path /etc/x\n',
    );
    assert.deepEqual(rules(service(r.config, 'p')), [IMPLICIT]);
    assert.equal(service(r.config, 'p').matching, '^/usr/sbin/mosquitto');
    // The host's ping test is its only rule: no implicit existence rule beside it.
    assert.deepEqual(rules(service(r.config, 'h')), [
      {
        id: 'r1',
        condition: { kind: 'ping', count: 3, size: 64, timeoutMs: 5000 },
        rate: ONE,
        action: { kind: 'alert' },
      },
    ]);
    assert.deepEqual(rules(service(r.config, 'f')), []);
  });

  void test('a command is split on whitespace; single-quoted parts stay one argument; no shell', async () => {
    const r = await parse(
      [
        'check process x with pidfile /run/x.pid',
        `  start program = "/bin/sh -c 'exec /usr/sbin/x   --flag=1 >/dev/null'"`,
        `  stop program = "  /usr/bin/pkill   -f  'x y'  "`,
        `  restart program = "/usr/bin/env 'A=1 2' '' last"`,
      ].join('\n'),
    );
    const s = service(r.config, 'x');
    assert.deepEqual(s.start?.argv, ['/bin/sh', '-c', 'exec /usr/sbin/x   --flag=1 >/dev/null']);
    assert.deepEqual(s.stop?.argv, ['/usr/bin/pkill', '-f', 'x y']);
    assert.deepEqual(s.restart?.argv, ['/usr/bin/env', 'A=1 2', '', 'last']);
  });

  void test('programs: as uid, and gid, with timeout N seconds', async () => {
    const r = await parse(
      'check process x with pidfile /run/x.pid\n' +
        '  start program = "/x start" as uid mosquitto and gid nogroup with timeout 60 seconds\n' +
        '  stop program = "/x stop" as uid 0 with timeout 500 ms\n',
    );
    const s = service(r.config, 'x');
    assert.deepEqual(s.start, { argv: ['/x', 'start'], uid: 'mosquitto', gid: 'nogroup', timeoutMs: 60_000 });
    assert.deepEqual(s.stop, { argv: ['/x', 'stop'], uid: 0, timeoutMs: 500 });
  });

  void test('rates: for N cycles, N times within M cycles, N within M cycles', async () => {
    const r = await parse(
      [
        'check process x with pidfile /run/x.pid',
        '  start "/x"',
        '  if failed port 1883 for 3 cycles then restart',
        '  if failed port 1884 2 times within 5 cycles then restart',
        '  if failed port 1885 3 within 5 cycles then restart',
        '  if failed port 1886 for 4 times within 5 cycles then restart',
        '  if failed port 1887 1 cycle then restart',
        '  if failed port 1888 then restart',
      ].join('\n'),
    );
    assert.deepEqual(
      service(r.config, 'x').rules.map((x) => x.rate),
      [
        ONE,
        { count: 3, cycles: 3 },
        { count: 2, cycles: 5 },
        { count: 3, cycles: 5 },
        { count: 4, cycles: 5 },
        ONE,
        ONE,
      ],
    );
  });

  void test('actions, the old `timeout` action and else if succeeded', async () => {
    const r = await parse(
      [
        'check process x with pidfile /run/x.pid',
        '  start "/x start"',
        '  if failed port 1 then alert',
        '  if failed port 2 then restart',
        '  if failed port 3 then start',
        '  if failed port 4 then stop',
        '  if failed port 5 then unmonitor',
        '  if failed port 6 then exec "/usr/bin/logger down" as uid nobody with timeout 5 seconds repeat every 3 cycles',
        '  if 5 restarts within 5 cycles then timeout',
        '  if failed port 7 then restart else if succeeded then alert',
        '  if failed port 8 then alert',
        '    else if recovered then exec "/usr/bin/logger up"',
      ].join('\n'),
    );
    const s = service(r.config, 'x');
    assert.deepEqual(
      s.rules.map((x) => x.action),
      [
        { kind: 'restart' },
        { kind: 'alert' },
        { kind: 'restart' },
        { kind: 'start' },
        { kind: 'stop' },
        { kind: 'unmonitor' },
        {
          kind: 'exec',
          command: { argv: ['/usr/bin/logger', 'down'], uid: 'nobody', timeoutMs: 5000 },
          repeatEvery: 3,
        },
        { kind: 'unmonitor' },
        { kind: 'restart' },
        { kind: 'alert' },
      ],
    );
    assert.deepEqual(s.rules[7]?.condition, { kind: 'restarts', count: 5, cycles: 5 });
    assert.deepEqual(
      s.rules.map((x) => x.elseAction),
      [
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        { kind: 'alert' },
        { kind: 'exec', command: { argv: ['/usr/bin/logger', 'up'] } },
      ],
    );
  });

  void test('operators as symbols and words: > gt < lt >= ge <= le = == eq != <> ne', async () => {
    const ops = [
      ['>', '>'],
      ['gt', '>'],
      ['<', '<'],
      ['lt', '<'],
      ['>=', '>='],
      ['ge', '>='],
      ['<=', '<='],
      ['le', '<='],
      ['=', '='],
      ['==', '='],
      ['eq', '='],
      ['!=', '!='],
      ['<>', '!='],
      ['ne', '!='],
    ] as const;
    const text = [
      'check process x with pidfile /run/x.pid',
      ...ops.map(([w]) => `  if children ${w} 5 then alert`),
    ].join('\n');
    const r = await parse(text);
    assert.deepEqual(
      service(r.config, 'x')
        .rules.slice(1)
        .map((x) => x.condition),
      ops.map(([, op]) => ({ kind: 'resource', resource: 'children', op, value: 5, unit: 'count' })),
    );
  });

  void test('durations: ms, s, seconds, minutes, hours, days, in ms', async () => {
    const r = await parse(
      [
        'set daemon 500 ms with start delay 2 minutes',
        'check process x with pidfile /run/x.pid',
        '  if failed port 1 with timeout 250 ms then alert',
        '  if failed port 2 with timeout 3 s then alert',
        '  if failed port 3 with timeout 1 minute then alert',
        '  if uptime < 90 seconds then alert',
        '  if uptime > 2 hours then alert',
        '  if uptime > 1 day then alert',
        '  if uptime > 15 minutes then alert',
        '  if uptime > 5m then alert',
      ].join('\n'),
    );
    assert.deepEqual(r.config.daemon, { cycleMs: 500, startDelayMs: 120_000 });
    const c = service(r.config, 'x')
      .rules.slice(1)
      .map((x) => x.condition);
    assert.deepEqual(
      c.map((x) => (x.kind === 'port' ? x.timeoutMs : x.kind === 'uptime' ? x.ms : -1)),
      [250, 3000, 60_000, 90_000, 7_200_000, 86_400_000, 900_000, 300_000],
    );
  });

  void test('sizes in bytes (1024-based) and percentages', async () => {
    const r = await parse(
      [
        'check process x with pidfile /run/x.pid',
        '  if memory > 512 kB then alert',
        '  if memory > 200.5 MB then alert',
        '  if totalmem > 2 GB then alert',
        '  if memory usage > 75% then alert',
        '  if cpu > 80 % then alert',
        '  if cpu usage is greater than 95.5% then alert',
        '  if totalcpu > 150% then alert',
        '  if threads > 400 then alert',
        'check file db with path /var/lib/mosquitto/mosquitto.db',
        '  if size > 100 MB then alert',
      ].join('\n'),
    );
    assert.deepEqual(warnings(r), []);
    assert.deepEqual(
      service(r.config, 'x')
        .rules.slice(1)
        .map((x) => x.condition),
      [
        { kind: 'resource', resource: 'memory', op: '>', value: 512 * 1024, unit: 'bytes' },
        { kind: 'resource', resource: 'memory', op: '>', value: Math.round(200.5 * 1024 * 1024), unit: 'bytes' },
        { kind: 'resource', resource: 'totalmemory', op: '>', value: 2 * 1024 ** 3, unit: 'bytes' },
        { kind: 'resource', resource: 'memory', op: '>', value: 75, unit: '%' },
        { kind: 'resource', resource: 'cpu', op: '>', value: 80, unit: '%' },
        { kind: 'resource', resource: 'cpu', op: '>', value: 95.5, unit: '%' },
        { kind: 'resource', resource: 'totalcpu', op: '>', value: 150, unit: '%' },
        { kind: 'resource', resource: 'threads', op: '>', value: 400, unit: 'count' },
      ],
    );
    assert.deepEqual(service(r.config, 'db').rules[0]?.condition, { kind: 'size', op: '>', bytes: 100 * 1024 * 1024 });
  });

  void test('a bare number keeps monit meaning (bytes, seconds) with a warning naming its line', async () => {
    const r = await parse(
      [
        'check process x with pidfile /run/x.pid',
        '  if memory > 5000 then alert',
        '  if failed port 1883 with timeout 10 then alert',
        '  if cpu > 90 then alert',
      ].join('\n'),
    );
    assert.deepEqual(warnings(r), [
      "ex.rc:2:15: warning: bare number 5000 for memory is taken as bytes; write '5000 B' or use kB, MB, GB",
      "ex.rc:3:36: warning: bare number 10 for timeout is taken as seconds; write '10 seconds'",
      "ex.rc:4:12: warning: bare number 90 for cpu is taken as a percentage; write '90%'",
    ]);
    const c = service(r.config, 'x')
      .rules.slice(1)
      .map((x) => x.condition);
    assert.deepEqual(c[0], { kind: 'resource', resource: 'memory', op: '>', value: 5000, unit: 'bytes' });
    assert.equal(c[1]?.kind === 'port' && c[1].timeoutMs, 10_000);
  });

  void test('noise words anywhere, keywords in any case, `, ; ( )` as whitespace, # comments', async () => {
    const r = await parse(
      [
        '# a comment line',
        'CHECK PROCESS Broker WITH PIDFILE "/run/b.pid"   # trailing comment',
        '  Start Program = "/b start"; Stop Program = "/b stop"',
        '  if the cpu usage is greater than 80 % for 3 cycles then alert',
        '  if memory usage was less than (2.5 GB) then alert',
        '  If Failed Host localhost Port 1883 using the Protocol MQTT with timeout 100 ms then restart',
        '  depends on a, b; group mqtt',
        'check file a with path /a',
        'check file b with path /b',
      ].join('\n'),
    );
    assert.deepEqual(warnings(r), []);
    const s = service(r.config, 'Broker');
    assert.equal(s.pidfile, '/run/b.pid');
    assert.deepEqual(s.start?.argv, ['/b', 'start']);
    assert.deepEqual(s.stop?.argv, ['/b', 'stop']);
    assert.deepEqual(
      s.rules.slice(1).map((x) => [x.condition, x.rate]),
      [
        [
          { kind: 'resource', resource: 'cpu', op: '>', value: 80, unit: '%' },
          { count: 3, cycles: 3 },
        ],
        [{ kind: 'resource', resource: 'memory', op: '<', value: 2.5 * 1024 ** 3, unit: 'bytes' }, ONE],
        [
          {
            kind: 'port',
            host: 'localhost',
            port: 1883,
            transport: 'tcp',
            protocol: 'mqtt',
            mqtt: { version: 4, clientIdPrefix: 'brokerwatch' },
            timeoutMs: 100,
            retry: 0,
          },
          ONE,
        ],
      ],
    );
    assert.deepEqual(s.dependsOn, ['a', 'b']);
    assert.deepEqual(s.groups, ['mqtt']);
  });

  void test('uptime, changed pid/ppid, restarts, dependencies, group, mode, onreboot, every', async () => {
    const r = await parse(
      [
        'check process x with pidfile /run/x.pid',
        '  start "/x"',
        '  if uptime < 3 minutes then alert',
        '  if changed ppid then alert',
        '  if 3 restarts within 5 cycles then unmonitor',
        '  depends on y, z',
        '  depend w',
        '  group brokers',
        '  group mqtt',
        '  mode passive',
        '  onreboot laststate',
        '  every 2 cycles',
        'check file y with path /y',
        '  every "*/5 * * * *"',
        'check file z with path /z',
        '  not every "* 0-6 * * *"',
        'check file w with path /w',
      ].join('\n'),
    );
    const s = service(r.config, 'x');
    assert.deepEqual(
      s.rules.slice(1).map((x) => x.condition),
      [
        { kind: 'uptime', op: '<', ms: 180_000 },
        { kind: 'changed', what: 'ppid' },
        { kind: 'restarts', count: 3, cycles: 5 },
      ],
    );
    assert.deepEqual(s.dependsOn, ['y', 'z', 'w']);
    assert.deepEqual(s.groups, ['brokers', 'mqtt']);
    assert.equal(s.mode, 'passive');
    assert.equal(s.onReboot, 'laststate');
    assert.deepEqual(s.schedule, { kind: 'cycles', every: 2 });
    assert.deepEqual(service(r.config, 'y').schedule, { kind: 'cron', expression: '*/5 * * * *', negate: false });
    assert.deepEqual(service(r.config, 'z').schedule, { kind: 'cron', expression: '* 0-6 * * *', negate: true });
  });

  void test('check host: probes only, the port test takes the host address', async () => {
    const r = await parse(
      'check host remote with address 10.0.0.7\n  if failed port 1883 protocol mqtt then alert\n  if failed host 10.0.0.8 port 8883 type tcpssl then alert\n',
    );
    const s = service(r.config, 'remote');
    assert.equal(s.type, 'host');
    assert.equal(s.address, '10.0.0.7');
    assert.deepEqual(rules(s), [
      {
        id: 'r1',
        condition: {
          kind: 'port',
          host: '10.0.0.7',
          port: 1883,
          transport: 'tcp',
          protocol: 'mqtt',
          mqtt: { version: 4, clientIdPrefix: 'brokerwatch' },
          timeoutMs: 5000,
          retry: 0,
        },
        rate: ONE,
        action: { kind: 'alert' },
      },
      {
        id: 'r2',
        condition: {
          kind: 'port',
          host: '10.0.0.8',
          port: 8883,
          transport: 'tcp',
          tls: { enabled: true, verify: true },
          timeoutMs: 5000,
          retry: 0,
        },
        rate: ONE,
        action: { kind: 'alert' },
      },
    ]);
  });

  void test('check file: checksum, timestamp, permission, uid, gid, size', async () => {
    const r = await parse(
      [
        'check file conf with path /etc/mosquitto/mosquitto.conf',
        '  if changed checksum then alert',
        '  if failed checksum md5 expect 8f7f419955cefa0b33a2ba316cba3659 then unmonitor',
        '  if changed timestamp then alert',
        '  if timestamp > 65 minutes then alert',
        '  if failed permission 0640 then alert',
        '  if failed uid "mosquitto" then alert',
        '  if failed gid 0 then alert',
        '  if does not exist then alert',
      ].join('\n'),
    );
    assert.deepEqual(
      service(r.config, 'conf').rules.map((x) => x.condition),
      [
        { kind: 'changed', what: 'checksum' },
        { kind: 'checksum', algorithm: 'md5', expect: '8f7f419955cefa0b33a2ba316cba3659' },
        { kind: 'changed', what: 'timestamp' },
        { kind: 'timestamp', op: '>', ms: 65 * 60_000 },
        { kind: 'permission', mode: 0o640 },
        { kind: 'uid', user: 'mosquitto' },
        { kind: 'gid', group: '0' },
        { kind: 'nonexist' },
      ],
    );
  });

  void test('check program: argv of the path, status rules', async () => {
    const r = await parse(
      [
        `check program probe with path "/usr/bin/mosquitto_sub -h 127.0.0.1 -t '$SYS/broker/uptime' -C 1 -W 5" with timeout 10 seconds`,
        '  if status != 0 then alert',
        '  if status > 1 for 2 cycles then alert',
        '  if changed status then alert',
      ].join('\n'),
    );
    const s = service(r.config, 'probe');
    assert.equal(s.type, 'program');
    assert.deepEqual(s.program, {
      argv: ['/usr/bin/mosquitto_sub', '-h', '127.0.0.1', '-t', '$SYS/broker/uptime', '-C', '1', '-W', '5'],
      timeoutMs: 10_000,
    });
    assert.deepEqual(
      s.rules.map((x) => [x.condition, x.rate]),
      [
        [{ kind: 'status', op: '!=', value: 0 }, ONE],
        [
          { kind: 'status', op: '>', value: 1 },
          { count: 2, cycles: 2 },
        ],
        [{ kind: 'changed', what: 'status' }, ONE],
      ],
    );
  });

  void test('the name after check TYPE is never a noise word; `check program` keeps its keyword', async () => {
    const r = await parse('check file last with path /var/last\ncheck program rate with path /usr/local/bin/rate.sh\n');
    assert.deepEqual(
      r.config.services.map((s) => [s.type, s.name]),
      [
        ['file', 'last'],
        ['program', 'rate'],
      ],
    );
    assert.deepEqual(
      service(r.config, 'rate').program,
      { argv: ['/usr/local/bin/rate.sh'] },
      'an unquoted path, as monit allows',
    );
  });

  void test('monit forms brokerwatch reads but does not fully use: a rate on recovery, repeat every cycle', async () => {
    const r = await parse(
      'check process x with pidfile /run/x.pid\n  start "/x"\n  if failed port 1 then restart else if succeeded 2 times within 3 cycles then alert\n  if failed port 2 then exec "/y" repeat every cycle\n',
    );
    assert.deepEqual(warnings(r), [
      "ex.rc:3:51: warning: a rate after 'else if succeeded' is not used by brokerwatch; the recovery action runs at the first success",
    ]);
    const s = service(r.config, 'x');
    assert.deepEqual(s.rules[1]?.elseAction, { kind: 'alert' });
    assert.deepEqual(s.rules[2]?.action, { kind: 'exec', command: { argv: ['/y'] }, repeatEvery: 1 });
  });

  void test('alert and noalert in a service', async () => {
    const r = await parse(
      'check process x with pidfile /run/x.pid\n  alert ops@example.com only on { nonexist, pid } with reminder on 10 cycles\n  alert dev@example.com but not on { instance }\n  noalert boss@example.com\n',
    );
    const s = service(r.config, 'x');
    assert.deepEqual(
      s.alerts.map(({ pos: _pos, ...a }) => a),
      [
        {
          target: { kind: 'mail', address: 'ops@example.com' },
          filter: { mode: 'only', events: ['nonexist', 'pid'] },
          reminderCycles: 10,
        },
        {
          target: { kind: 'mail', address: 'dev@example.com' },
          filter: { mode: 'except', events: ['instance'] },
          reminderCycles: 0,
        },
      ],
    );
    assert.deepEqual(s.noAlerts, ['boss@example.com']);
  });
});

void describe('DESIGN.md §2: set statements', () => {
  void test('daemon, log, pidfile, statefile, eventqueue', async () => {
    const r = await parse(
      'set daemon 10 with start delay 5\nset log syslog facility log_daemon\nset pidfile /run/bw.pid\nset statefile /var/lib/bw/state\nset eventqueue basedir /var/lib/bw/events slots 100\n',
    );
    assert.deepEqual(warnings(r), []);
    const c = r.config;
    assert.deepEqual(c.daemon, { cycleMs: 10_000, startDelayMs: 5000 });
    assert.deepEqual(c.log, { kind: 'syslog', facility: 'log_daemon' });
    assert.equal(c.pidfile, '/run/bw.pid');
    assert.equal(c.statefile, '/var/lib/bw/state');
    assert.deepEqual(c.eventQueue, { basedir: '/var/lib/bw/events', slots: 100 });
    assert.deepEqual((await parse('set log /var/log/bw.log\n')).config.log, { kind: 'file', path: '/var/log/bw.log' });
    assert.equal((await parse('')).config.daemon.cycleMs, 30_000);
  });

  void test('mailservers: port, credentials, security by port, shared timeout, one per line', async () => {
    const r = await parse(
      [
        'set mailserver smtp.example.com port 465 username "bw" password "s3cr et" using tls,',
        '               smtp2.example.com port 587 using ssl,',
        '               localhost',
        '               with timeout 15 seconds',
        'set mailserver relay.example.com',
      ].join('\n'),
    );
    assert.deepEqual(r.config.mailServers, [
      { host: 'smtp.example.com', port: 465, username: 'bw', password: 's3cr et', security: 'tls', timeoutMs: 15_000 },
      { host: 'smtp2.example.com', port: 587, security: 'starttls', timeoutMs: 15_000 },
      { host: 'localhost', timeoutMs: 15_000 },
      { host: 'relay.example.com' },
    ]);
  });

  void test('mail-format block with $VARIABLES and a multi-line message', async () => {
    const r = await parse(
      [
        'set mail-format {',
        '  from: bw@$HOST',
        '  reply-to: ops@example.com',
        '  subject: [$HOST] $SERVICE $EVENT',
        '  message: $EVENT on $DATE',
        '$DESCRIPTION',
        'did: $ACTION',
        '}',
        'set daemon 5',
      ].join('\n'),
    );
    assert.deepEqual(r.config.mailFormat, {
      from: 'bw@$HOST',
      replyTo: 'ops@example.com',
      subject: '[$HOST] $SERVICE $EVENT',
      message: '$EVENT on $DATE\n$DESCRIPTION\ndid: $ACTION',
    });
    assert.equal(r.config.daemon.cycleMs, 5000, 'parsing goes on after the block');
  });

  void test('set alert: filters, reminders, and the mail, webhook, mqtt and exec channels', async () => {
    const r = await parse(
      [
        'set alert root@localhost not on { instance, action } with reminder on 30 cycles',
        'set alert ops@example.com on { nonexist timeout connection } mail-format { subject: down! }',
        'set alert webhook "https://hooks.example.com/T0/B0" slack timeout 3 seconds',
        'set alert webhook "http://127.0.0.1:9000/events"',
        'set alert mqtt "mqtts://bw:pw@broker.example.com/ops/brokerwatch" qos 2 retain cafile /etc/ssl/ca.pem',
        'set alert mqtt "mqtt://127.0.0.1:1883/brokerwatch/events" username u password p',
        `set alert exec "/bin/sh -c 'logger -t bw $EVENT'" as uid nobody with timeout 5 seconds`,
      ].join('\n'),
    );
    assert.deepEqual(
      r.config.alerts.map(({ pos: _pos, ...a }) => a),
      [
        {
          target: { kind: 'mail', address: 'root@localhost' },
          filter: { mode: 'except', events: ['instance', 'action'] },
          reminderCycles: 30,
        },
        {
          target: { kind: 'mail', address: 'ops@example.com', format: { subject: 'down!' } },
          filter: { mode: 'only', events: ['nonexist', 'timeout', 'connection'] },
          reminderCycles: 0,
        },
        {
          target: { kind: 'webhook', url: 'https://hooks.example.com/T0/B0', slack: true, timeoutMs: 3000 },
          filter: { mode: 'all', events: [] },
          reminderCycles: 0,
        },
        {
          target: { kind: 'webhook', url: 'http://127.0.0.1:9000/events', slack: false, timeoutMs: 5000 },
          filter: { mode: 'all', events: [] },
          reminderCycles: 0,
        },
        {
          target: {
            kind: 'mqtt',
            host: 'broker.example.com',
            port: 8883,
            topic: 'ops/brokerwatch',
            qos: 2,
            retain: true,
            username: 'bw',
            password: 'pw',
            tls: { enabled: true, verify: true, caFile: '/etc/ssl/ca.pem' },
          },
          filter: { mode: 'all', events: [] },
          reminderCycles: 0,
        },
        {
          target: {
            kind: 'mqtt',
            host: '127.0.0.1',
            port: 1883,
            topic: 'brokerwatch/events',
            qos: 1,
            retain: false,
            username: 'u',
            password: 'p',
          },
          filter: { mode: 'all', events: [] },
          reminderCycles: 0,
        },
        {
          target: {
            kind: 'exec',
            command: { argv: ['/bin/sh', '-c', 'logger -t bw $EVENT'], uid: 'nobody', timeoutMs: 5000 },
          },
          filter: { mode: 'all', events: [] },
          reminderCycles: 0,
        },
      ],
    );
    assert.deepEqual(r.config.alerts[0]?.pos, { file: 'ex.rc', line: 1, col: 11 });
  });

  void test('set httpd: port, address, users, read-only users, hosts and networks', async () => {
    const r = await parse(
      [
        'set httpd port 8080 address localhost',
        '    allow admin:secret',
        '    allow guest:"pass word" read-only',
        '    allow 10.0.0.0/8',
        '    allow localhost',
        '    allow ::1',
        '    allow 192.168.1.7 read-only',
      ].join('\n'),
    );
    assert.deepEqual(r.config.httpd, {
      port: 8080,
      address: '127.0.0.1',
      allow: [
        { kind: 'user', user: 'admin', password: 'secret', readOnly: false },
        { kind: 'user', user: 'guest', password: 'pass word', readOnly: true },
        { kind: 'net', cidr: '10.0.0.0/8', readOnly: false },
        { kind: 'net', cidr: 'localhost', readOnly: false },
        { kind: 'net', cidr: '::1', readOnly: false },
        { kind: 'net', cidr: '192.168.1.7', readOnly: true },
      ],
    });
    assert.deepEqual((await parse('set httpd port 2812\n')).config.httpd, {
      port: 2812,
      address: '127.0.0.1',
      allow: [],
    });
  });

  void test('monit statements brokerwatch does not implement load with a warning naming their line; set mmonit is read', async () => {
    const r = await parse(
      [
        'set idfile /var/lib/monit/id',
        'set mmonit http://monit:monit@192.168.1.10:8080/collector',
        'set limits { programOutput: 512 B, networkTimeout: 5 seconds }',
        'check system $HOST',
        '  if loadavg (1min) per core > 2 for 5 cycles then alert',
        'check filesystem rootfs with path /',
        '  if space usage > 80% then alert',
        'check process x with pidfile /run/x.pid',
        '  if failed port 80 protocol http request "/" then alert',
        '  if loadavg > 5 then alert',
      ].join('\n'),
    );
    // `set mmonit` is read: status and events go to that collector.
    assert.equal(r.config.mmonit?.collectors[0]?.url, 'http://monit:monit@192.168.1.10:8080/collector');
    assert.deepEqual(warnings(r), [
      "ex.rc:3:36: warning: 'networkTimeout' in set limits is not used by brokerwatch; ignored",
    ]);
    assert.deepEqual(
      r.config.services.map((s) => s.name),
      ['$HOST', 'rootfs', 'x'],
    );
    assert.deepEqual(
      service(r.config, 'x').rules.map((x) => x.condition.kind),
      ['nonexist', 'port', 'loadavg'],
      'check system, check filesystem and loadavg are evaluated',
    );
  });
});

void describe('DESIGN.md §2: extensions', () => {
  void test('MQTT round trip: TLS, credentials, version, QoS, topic, separate connections, per-test timeout', async () => {
    const r = await parse(
      [
        'check process broker with pidfile /run/mosquitto/mosquitto.pid',
        '  start "/usr/bin/systemctl start mosquitto"',
        '  if failed host 127.0.0.1 port 8883 type tcpssl cafile /etc/ssl/ca.pem servername broker.local',
        '      protocol mqtt username "bw" password "pw" version 5 clientid probe',
        '      roundtrip qos 2 topic "bw/rt" separate connections',
        '      with timeout 2 seconds retry 1 for 2 cycles then restart',
        '  if failed port 1883 protocol mqtt version 3.1 then alert',
        '  if failed port 1883 protocol mqtt version 3.1.1 roundtrip then alert',
        '  if failed port 8884 ssl { verify: disable } protocol mqtt then alert',
      ].join('\n'),
    );
    assert.deepEqual(warnings(r), []);
    const s = service(r.config, 'broker');
    assert.deepEqual(rules(s).slice(1), [
      {
        id: 'r1',
        condition: {
          kind: 'port',
          host: '127.0.0.1',
          port: 8883,
          transport: 'tcp',
          tls: { enabled: true, verify: true, caFile: '/etc/ssl/ca.pem', serverName: 'broker.local' },
          protocol: 'mqtt',
          mqtt: {
            version: 5,
            clientIdPrefix: 'probe',
            username: 'bw',
            password: 'pw',
            roundTrip: { qos: 2, topic: 'bw/rt', separateConnections: true },
          },
          timeoutMs: 2000,
          retry: 1,
        },
        rate: { count: 2, cycles: 2 },
        action: { kind: 'restart' },
      },
      {
        id: 'r2',
        condition: {
          kind: 'port',
          host: 'localhost',
          port: 1883,
          transport: 'tcp',
          protocol: 'mqtt',
          mqtt: { version: 3, clientIdPrefix: 'brokerwatch' },
          timeoutMs: 5000,
          retry: 0,
        },
        rate: ONE,
        action: { kind: 'alert' },
      },
      {
        id: 'r3',
        condition: {
          kind: 'port',
          host: 'localhost',
          port: 1883,
          transport: 'tcp',
          protocol: 'mqtt',
          mqtt: {
            version: 4,
            clientIdPrefix: 'brokerwatch',
            roundTrip: { qos: 1, topic: 'brokerwatch/probe', separateConnections: false },
          },
          timeoutMs: 5000,
          retry: 0,
        },
        rate: ONE,
        action: { kind: 'alert' },
      },
      {
        id: 'r4',
        condition: {
          kind: 'port',
          host: 'localhost',
          port: 8884,
          transport: 'tcp',
          tls: { enabled: true, verify: false },
          protocol: 'mqtt',
          mqtt: { version: 4, clientIdPrefix: 'brokerwatch' },
          timeoutMs: 5000,
          retry: 0,
        },
        rate: ONE,
        action: { kind: 'alert' },
      },
    ]);
  });

  void test('$SYS rules: thresholds with units, uptime reset and stalled, explicit broker endpoint', async () => {
    const r = await parse(
      [
        'check process broker with pidfile /run/b.pid',
        '  start "/b"',
        '  if sys "$SYS/broker/clients/connected" > 5000 then alert',
        '  if sys "$SYS/broker/heap/current" >= 100 MB host 10.0.0.2 port 1884 then alert',
        '  if sys "$SYS/broker/load/messages/received/1min" lt 0.5 for 3 cycles then alert',
        '  if sys uptime reset then alert',
        '  if sys uptime backwards then alert',
        '  if sys uptime stalled for 3 cycles then restart',
      ].join('\n'),
    );
    assert.deepEqual(
      service(r.config, 'broker')
        .rules.slice(1)
        .map((x) => [x.condition, x.rate]),
      [
        [
          { kind: 'sys', test: { kind: 'threshold', topic: '$SYS/broker/clients/connected', op: '>', value: 5000 } },
          ONE,
        ],
        [
          {
            kind: 'sys',
            test: { kind: 'threshold', topic: '$SYS/broker/heap/current', op: '>=', value: 100 * 1024 * 1024 },
            host: '10.0.0.2',
            port: 1884,
          },
          ONE,
        ],
        [
          {
            kind: 'sys',
            test: { kind: 'threshold', topic: '$SYS/broker/load/messages/received/1min', op: '<', value: 0.5 },
          },
          { count: 3, cycles: 3 },
        ],
        [{ kind: 'sys', test: { kind: 'uptime-reset' } }, ONE],
        [{ kind: 'sys', test: { kind: 'uptime-reset' } }, ONE],
        [
          { kind: 'sys', test: { kind: 'uptime-stalled' } },
          { count: 3, cycles: 3 },
        ],
      ],
    );
  });

  void test('restart backoff: every option, and the defaults for the rest', async () => {
    const r = await parse(
      [
        'check process a with pidfile /run/a.pid',
        '  backoff 500 ms max 1 minute factor 1.5 giveup 3 attempts cooldown 1 hour reset 10 minutes',
        'check process b with pidfile /run/b.pid',
        '  backoff 2 minutes',
      ].join('\n'),
    );
    assert.deepEqual(service(r.config, 'a').backoff, {
      initialMs: 500,
      maxMs: 60_000,
      factor: 1.5,
      giveUpAfter: 3,
      cooldownMs: 3_600_000,
      resetAfterMs: 600_000,
    });
    assert.deepEqual(service(r.config, 'b').backoff, { ...DEFAULT_BACKOFF, initialMs: 120_000, maxMs: 120_000 });
  });
});

void describe('config/ examples', () => {
  void test('every file in config/ loads without errors or warnings', async () => {
    const files = (await readdir(join(ROOT, 'config'))).filter((f) => f.endsWith('.rc'));
    assert.ok(files.length >= 2, `expected the example files in ${join(ROOT, 'config')}`);
    for (const f of files) {
      const r = await loadRules(join(ROOT, 'config', f), { checkPermissions: false });
      assert.deepEqual(warnings(r), [], f);
      assert.ok(r.config.services.length > 0, f);
    }
  });

  void test('config/mosquitto-debian.rc', async () => {
    const file = join(ROOT, 'config', 'mosquitto-debian.rc');
    const { config: c } = await loadRules(file, { checkPermissions: false });
    assert.deepEqual(c.files, [file]);
    assert.deepEqual(c.daemon, { cycleMs: 10_000, startDelayMs: 5000 });
    assert.deepEqual(c.log, { kind: 'file', path: '/var/log/brokerwatch/brokerwatch.log' });
    assert.equal(c.statefile, '/var/lib/brokerwatch/state.json');
    assert.deepEqual(c.eventQueue, { basedir: '/var/lib/brokerwatch/events', slots: 1000 });
    assert.deepEqual(c.mailServers, [{ host: 'localhost', port: 25 }]);
    assert.deepEqual(c.mailFormat, {
      from: 'brokerwatch@$HOST',
      subject: '[$HOST] $SERVICE $EVENT',
      message: '$EVENT for $SERVICE on $HOST at $DATE.\n$DESCRIPTION\nbrokerwatch did: $ACTION',
    });
    assert.deepEqual(
      c.alerts.map(({ pos: _pos, ...a }) => a),
      [
        {
          target: { kind: 'mail', address: 'root@localhost' },
          filter: { mode: 'except', events: ['instance'] },
          reminderCycles: 30,
        },
      ],
    );
    assert.deepEqual(c.httpd, {
      port: 2812,
      address: '127.0.0.1',
      // No well-known password in a sample that a package installs and starts: read-only until edited.
      allow: [],
    });
    const m = service(c, 'mosquitto');
    assert.equal(m.pidfile, '/run/mosquitto/mosquitto.pid');
    assert.deepEqual(m.start, { argv: ['/usr/bin/systemctl', 'start', 'mosquitto'], timeoutMs: 30_000 });
    assert.deepEqual(m.stop, { argv: ['/usr/bin/systemctl', 'stop', 'mosquitto'], timeoutMs: 30_000 });
    const mqtt = { version: 4, clientIdPrefix: 'brokerwatch' } as const;
    assert.deepEqual(rules(m), [
      IMPLICIT,
      {
        id: 'r1',
        condition: {
          kind: 'port',
          host: '127.0.0.1',
          port: 1883,
          transport: 'tcp',
          protocol: 'mqtt',
          mqtt,
          timeoutMs: 2000,
          retry: 0,
        },
        rate: ONE,
        action: { kind: 'restart' },
      },
      {
        id: 'r2',
        condition: {
          kind: 'port',
          host: '127.0.0.1',
          port: 1883,
          transport: 'tcp',
          protocol: 'mqtt',
          mqtt: { ...mqtt, roundTrip: { qos: 1, topic: 'brokerwatch/probe', separateConnections: false } },
          timeoutMs: 2000,
          retry: 0,
        },
        rate: { count: 2, cycles: 2 },
        action: { kind: 'restart' },
      },
      {
        id: 'r3',
        condition: {
          kind: 'sys',
          test: { kind: 'threshold', topic: '$SYS/broker/clients/connected', op: '>', value: 5000 },
        },
        rate: ONE,
        action: { kind: 'alert' },
      },
      { id: 'r4', condition: { kind: 'sys', test: { kind: 'uptime-reset' } }, rate: ONE, action: { kind: 'alert' } },
      {
        id: 'r5',
        condition: { kind: 'sys', test: { kind: 'uptime-stalled' } },
        rate: { count: 3, cycles: 3 },
        action: { kind: 'restart' },
      },
      {
        id: 'r6',
        condition: { kind: 'resource', resource: 'memory', op: '>', value: 512 * 1024 * 1024, unit: 'bytes' },
        rate: { count: 5, cycles: 5 },
        action: { kind: 'alert' },
      },
      {
        id: 'r7',
        condition: { kind: 'resource', resource: 'cpu', op: '>', value: 90, unit: '%' },
        rate: { count: 10, cycles: 10 },
        action: { kind: 'alert' },
      },
      { id: 'r8', condition: { kind: 'restarts', count: 5, cycles: 10 }, rate: ONE, action: { kind: 'alert' } },
    ]);
    assert.deepEqual(m.backoff, {
      ...DEFAULT_BACKOFF,
      initialMs: 2000,
      maxMs: 120_000,
      factor: 2,
      giveUpAfter: 5,
      cooldownMs: 600_000,
    });
    assert.deepEqual(m.dependsOn, ['mosquitto_conf']);
    const conf = service(c, 'mosquitto_conf');
    assert.equal(conf.path, '/etc/mosquitto/mosquitto.conf');
    assert.deepEqual(
      conf.rules.map((x) => x.condition),
      [
        { kind: 'changed', what: 'checksum' },
        { kind: 'permission', mode: 0o644 },
      ],
    );
  });

  void test('config/demo.rc', async () => {
    const { config: c } = await loadRules(join(ROOT, 'config', 'demo.rc'), { checkPermissions: false });
    assert.deepEqual(c.daemon, { cycleMs: 1000, startDelayMs: 0 });
    assert.equal(c.statefile, 'var/demo/state.json');
    assert.deepEqual(c.eventQueue, { basedir: 'var/demo/events', slots: 1000 });
    assert.deepEqual(c.httpd?.allow, [
      { kind: 'user', user: 'admin', password: 'watchdog', readOnly: false },
      { kind: 'user', user: 'guest', password: 'guestpw', readOnly: true },
    ]);
    assert.deepEqual(c.alerts[0]?.filter, { mode: 'except', events: ['instance'] });
    const b = service(c, 'demo-broker');
    assert.deepEqual(b.start, {
      argv: [
        'node',
        'dist/demo/broker.js',
        '--port',
        '18830',
        '--pidfile',
        'var/demo/broker.pid',
        '--log',
        'var/demo/broker.log',
      ],
      timeoutMs: 10_000,
    });
    assert.deepEqual(b.stop, { argv: ['node', 'dist/demo/broker.js', '--stop', '--pidfile', 'var/demo/broker.pid'] });
    assert.deepEqual(rules(b).slice(1), [
      {
        id: 'r1',
        condition: {
          kind: 'port',
          host: '127.0.0.1',
          port: 18830,
          transport: 'tcp',
          protocol: 'mqtt',
          mqtt: {
            version: 4,
            clientIdPrefix: 'brokerwatch',
            roundTrip: { qos: 1, topic: 'brokerwatch/probe', separateConnections: false },
          },
          timeoutMs: 1000,
          retry: 0,
        },
        rate: ONE,
        action: { kind: 'restart' },
      },
      { id: 'r2', condition: { kind: 'restarts', count: 5, cycles: 10 }, rate: ONE, action: { kind: 'alert' } },
    ]);
    assert.deepEqual(b.backoff, {
      ...DEFAULT_BACKOFF,
      initialMs: 1000,
      maxMs: 30_000,
      giveUpAfter: 5,
      cooldownMs: 300_000,
    });
  });
});
