// Malformed rules: each input's errors, exactly as `FILE:LINE:COL: message`, and the promise that
// every error of a file is reported at once, with parsing resumed after each one.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, realpath, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, formatDiagnostic } from '../../src/config/diagnostics.js';
import type { Diagnostic } from '../../src/config/diagnostics.js';
import { loadRules, parseRules } from '../../src/config/loader.js';
import { tempDir } from '../helpers/tmp.js';

/** Every diagnostic (errors and warnings) of a text that must fail to load. */
async function diagnosticsOf(text: string, file = 'bad.rc'): Promise<readonly Diagnostic[]> {
  try {
    await parseRules(text, file);
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    assert.equal(
      e.message,
      e.diagnostics
        .filter((d) => d.severity === 'error')
        .map(formatDiagnostic)
        .join('\n'),
    );
    return e.diagnostics;
  }
  assert.fail('the rules loaded, but errors were expected');
}

async function errorsOf(text: string): Promise<string[]> {
  return (await diagnosticsOf(text)).filter((d) => d.severity === 'error').map(formatDiagnostic);
}

/** A valid process check that the cases below extend. */
const P = 'check process a with pidfile /run/a.pid\n  start "/a"\n';

/** [what is wrong, the rules text, its errors]. */
const CASES: readonly (readonly [string, string, readonly string[]])[] = [
  [
    'unknown statement at top level',
    'frobnicate now\n',
    ["bad.rc:1:1: expected 'set', 'check' or 'include', found 'frobnicate'"],
  ],
  [
    'unknown statement in a check',
    P + '  frobnicate now\n',
    [
      "bad.rc:3:3: unknown statement 'frobnicate' in 'check process a': expected if, start, stop, restart, depends, group, mode, every, alert, noalert, onreboot or backoff",
    ],
  ],
  [
    'unknown test',
    P + '  if frobnicate > 3 then alert\n',
    [
      "bad.rc:3:6: unknown test 'frobnicate': expected failed, not exist, changed, cpu, memory, children, threads, uptime, status, timestamp, size, sys, or 'N restarts within M cycles'",
    ],
  ],
  [
    'unknown failed test',
    P + '  if failed frobnicate then alert\n',
    ["bad.rc:3:13: unknown test 'failed frobnicate': expected host, port, checksum, permission, uid or gid"],
  ],
  ['missing then', P + '  if failed port 1883 restart\n', ["bad.rc:3:23: expected 'then', found 'restart'"]],
  [
    'missing action at end of file',
    P + '  if failed port 1883 then\n',
    ['bad.rc:3:27: expected an action (alert, restart, start, stop, unmonitor, exec), found end of file'],
  ],
  [
    'missing action before the next statement',
    P + '  if failed port 1883 then\n  if cpu > 90% then alert\n',
    ["bad.rc:4:3: expected an action (alert, restart, start, stop, unmonitor, exec), found 'if'"],
  ],
  [
    'unknown action',
    P + '  if failed port 1883 then explode\n',
    ["bad.rc:3:28: unknown action 'explode': expected alert, restart, start, stop, unmonitor, exec or reboot"],
  ],
  ['port 0', P + '  if failed port 0 then alert\n', ['bad.rc:3:18: a port number 0 is out of range (1–65535)']],
  [
    'port 65536',
    P + '  if failed port 65536 then alert\n',
    ['bad.rc:3:18: a port number 65536 is out of range (1–65535)'],
  ],
  [
    'port test without a port',
    P + '  if failed host localhost then alert\n',
    ["bad.rc:3:28: expected 'port N' in this connection test, found 'then'"],
  ],
  ['httpd port 70000', 'set httpd port 70000\n', ['bad.rc:1:16: a port number 70000 is out of range (1–65535)']],
  [
    'mailserver port 0',
    'set mailserver localhost port 0\n',
    ['bad.rc:1:31: a port number 0 is out of range (1–65535)'],
  ],
  ['unterminated string', P + '  stop "/a stop\n', ['bad.rc:3:8: unterminated string: missing closing "']],
  [
    'unterminated mail-format block',
    'set mail-format {\n  subject: x\n',
    ["bad.rc:1:17: unterminated mail-format block: missing '}'"],
  ],
  [
    'mail-format without keys',
    'set mail-format { hello }\n',
    ["bad.rc:1:17: expected 'from:', 'reply-to:', 'subject:' or 'message:' in mail-format"],
  ],
  [
    'bad event name',
    'set alert ops@example.com on { nonexist, crash }\n',
    [
      "bad.rc:1:42: unknown event 'crash': expected one of action, checksum, connection, content, data, exec, gid, icmp, instance, invalid, link, nonexist, exist, permission, pid, ppid, resource, size, status, timeout, timestamp, uid, uptime, fsflags, heartbeat, saturation, speed, bytein, byteout, packetin, packetout",
    ],
  ],
  [
    'event list not closed',
    'set alert ops@example.com on { nonexist',
    ["bad.rc:1:40: expected '}' to close the event list, found end of file"],
  ],
  [
    'bad cron expression',
    P + '  every "61 * * * *"\n',
    ['bad.rc:3:9: invalid cron expression "61 * * * *": expected 5 fields, minute hour day month weekday'],
  ],
  [
    'cron with too few fields',
    P + '  every "* *"\n',
    ['bad.rc:3:9: invalid cron expression "* *": expected 5 fields, minute hour day month weekday'],
  ],
  [
    'not every with cycles',
    P + '  not every 5 cycles\n',
    ["bad.rc:3:13: 'not every' takes a cron expression in quotes, found '5'"],
  ],
  [
    'bad regex in matching',
    'check process a matching "mosq(uitto"\n',
    [
      'bad.rc:1:26: invalid regular expression "mosq(uitto": Invalid regular expression: /mosq(uitto/: Unterminated group',
    ],
  ],
  [
    'count > cycles',
    P + '  if failed port 1883 3 times within 2 cycles then alert\n',
    ['bad.rc:3:23: 3 times within 2 cycles can never happen: the count must not exceed the cycles'],
  ],
  [
    'rate over 64 cycles',
    P + '  if failed port 1883 for 65 cycles then alert\n',
    ['bad.rc:3:27: a number of cycles 65 is out of range (1–64)'],
  ],
  [
    'duplicate service',
    P + 'check file a with path /etc/a\n',
    ["bad.rc:3:1: service 'a' is already defined at bad.rc:1"],
  ],
  ['unknown dependency', P + '  depends on nosuch\n', ["bad.rc:3:14: unknown service 'nosuch' in depends of 'a'"]],
  [
    'dependency loop a->b->a',
    'check process a with pidfile /a\n  depends on b\ncheck process b with pidfile /b\n  depends on a\n',
    ['bad.rc:4:14: dependency loop: a -> b -> a'],
  ],
  [
    'dependency loop of three',
    'check file a with path /a\n  depends on b\ncheck file b with path /b\n  depends on c\ncheck file c with path /c\n  depends on a\n',
    ['bad.rc:6:14: dependency loop: a -> b -> c -> a'],
  ],
  ['depends on itself', P + '  depends on a\n', ["bad.rc:3:14: service 'a' depends on itself"]],
  [
    'depends without a name',
    P + '  depends on\n  group x\n',
    ["bad.rc:4:3: expected a service name after 'depends on', found 'group'"],
  ],
  [
    'backoff max < initial',
    P + '  backoff 10 seconds max 5 seconds\n',
    ['bad.rc:3:35: backoff max must not be shorter than the initial delay'],
  ],
  [
    'backoff factor out of range',
    P + '  backoff 1 second factor 0.5\n',
    ['bad.rc:3:20: backoff factor 0.5 is out of range (1–100)'],
  ],
  [
    'bad QoS in roundtrip',
    P + '  if failed port 1883 protocol mqtt roundtrip qos 3 then alert\n',
    ['bad.rc:3:51: a QoS 3 is out of range (0–2)'],
  ],
  [
    'bad QoS in mqtt alert',
    'set alert mqtt "mqtt://127.0.0.1/bw/events" qos 5\n',
    ['bad.rc:1:49: a QoS 5 is out of range (0–2)'],
  ],
  [
    'roundtrip without protocol mqtt',
    P + '  if failed port 1883 roundtrip then alert\n',
    ["bad.rc:3:23: 'roundtrip' is an option of protocol mqtt; this test names no protocol"],
  ],
  [
    'roundtrip with another protocol',
    P + '  if failed port 1883 protocol http roundtrip then alert\n',
    ["bad.rc:3:37: 'roundtrip' is an option of protocol mqtt; this test has protocol 'http'"],
  ],
  [
    'mqtt credentials without protocol',
    P + '  if failed port 1883 username bw password pw then alert\n',
    ["bad.rc:3:13: 'username' and 'password' need a protocol that logs in: 'protocol mqtt' or 'protocol http'"],
  ],
  [
    'unknown MQTT version',
    P + '  if failed port 1883 protocol mqtt version 7 then alert\n',
    ["bad.rc:3:45: unknown MQTT version '7': expected 3.1, 3.1.1 or 5"],
  ],
  [
    'wildcard roundtrip topic',
    P + '  if failed port 1883 protocol mqtt roundtrip topic "bw/#" then alert\n',
    ['bad.rc:3:53: the round-trip topic must be a plain topic without wildcards, found "bw/#"'],
  ],
  [
    'bad mqtt alert URL scheme',
    'set alert mqtt "http://127.0.0.1/bw"\n',
    ['bad.rc:1:16: expected a mqtt:// or mqtts:// URL, found "http://127.0.0.1/bw"'],
  ],
  [
    'mqtt alert URL without topic',
    'set alert mqtt "mqtt://127.0.0.1:1883/"\n',
    [
      'bad.rc:1:16: expected a topic without wildcards in "mqtt://127.0.0.1:1883/", e.g. mqtt://127.0.0.1:1883/brokerwatch/events',
    ],
  ],
  [
    'mqtt alert URL with a wildcard',
    'set alert mqtt "mqtt://127.0.0.1:1883/bw/#"\n',
    [
      'bad.rc:1:16: expected a topic without wildcards in "mqtt://127.0.0.1:1883/bw/#", e.g. mqtt://127.0.0.1:1883/brokerwatch/events',
    ],
  ],
  ['invalid webhook URL', 'set alert webhook "not a url"\n', ['bad.rc:1:19: "not a url" is not a valid URL']],
  [
    'webhook URL with another scheme',
    'set alert webhook "ftp://example.com/x"\n',
    ['bad.rc:1:19: expected a http:// or https:// URL, found "ftp://example.com/x"'],
  ],
  [
    'webhook URL not quoted',
    'set alert webhook https://example.com/x\n',
    ["bad.rc:1:19: expected a URL after webhook in quotes, found 'https://example.com/x'"],
  ],
  [
    'unknown alert target',
    'set alert nobody\n',
    [
      `bad.rc:1:11: expected a mail address, or webhook "URL", mqtt "mqtt://HOST:PORT/TOPIC", exec "CMD" or alertmanager "URL", found 'nobody'`,
    ],
  ],
  ['empty command', P + '  stop ""\n', ['bad.rc:3:8: the command is empty']],
  ['blank command', P + '  stop "   "\n', ['bad.rc:3:8: the command is empty']],
  ['empty exec command', P + '  if failed port 1883 then exec ""\n', ['bad.rc:3:33: the command is empty']],
  [
    'command not quoted',
    P + '  stop a stop\n',
    ["bad.rc:3:8: expected a command after 'stop program =' in quotes, found 'a'"],
  ],
  [
    'permission with non-octal digits',
    'check file f with path /f\n  if failed permission 0689 then alert\n',
    ["bad.rc:2:24: expected an octal mode such as 644 after 'permission', found '0689'"],
  ],
  [
    'permission with a word',
    'check file f with path /f\n  if failed permission rw then alert\n',
    ["bad.rc:2:24: expected an octal mode such as 644 after 'permission', found 'rw'"],
  ],
  [
    'cpu without a number',
    P + '  if cpu then alert\n',
    ["bad.rc:3:10: expected a percentage after 'cpu', found 'then'"],
  ],
  [
    'cpu with an operator but no number',
    P + '  if cpu > lots then alert\n',
    ["bad.rc:3:12: expected a percentage after 'cpu >', found 'lots'"],
  ],
  [
    'unknown SSL option',
    'set ssl { verify: enable, trust: everyone }\n',
    [
      "bad.rc:1:27: unknown SSL option 'trust': expected verify, selfsigned, version, ciphers, pemfile, pemchain, pemkey, clientpemfile, cacertificatefile, cacertificatepath",
    ],
  ],
  [
    'SSL option with a wrong value',
    'set mailserver m port 587 using tls { verify: maybe }\n',
    ["bad.rc:1:47: expected 'enable' or 'disable' after 'verify:', found 'maybe'"],
  ],
  [
    'glued SSL option with a wrong value',
    P + '  if failed port 8883 ssl { selfsigned:always } then alert\n',
    ["bad.rc:3:29: expected 'allow' or 'reject' after 'selfsigned:', found 'always'"],
  ],
  [
    'SSL options not closed',
    'set ssl { verify: enable\n',
    ["bad.rc:1:25: expected '}' to close the SSL options opened at line 1, found end of file"],
  ],
  [
    'set ssl without options',
    'set ssl verify\n',
    ["bad.rc:1:9: expected '{' and SSL options after 'set ssl', found 'verify'"],
  ],
  [
    'checksum too short for its hash',
    'check file f with path /f\n  if failed md5 checksum expect d41d8cd98f then alert\n',
    ['bad.rc:2:33: invalid MD5 checksum "d41d8cd98f": expected 32 hex digits'],
  ],
  [
    'checksum of unknown length',
    'check file f with path /f\n  if failed checksum expect abc123 then alert\n',
    ['bad.rc:2:29: unknown checksum type "abc123": not MD5 (32 hex digits), SHA1 (40) or SHA256 (64)'],
  ],
  [
    'certificate without valid or checksum',
    P + '  if failed port 443 certificate expired then alert\n',
    ["bad.rc:3:34: expected 'valid' or 'checksum' after 'certificate', found 'expired'"],
  ],
  ['cpu over range', P + '  if cpu > 200000% then alert\n', ['bad.rc:3:12: cpu 200000% is out of range']],
  [
    'memory with a bad unit',
    P + '  if memory > 5 parsecs then alert\n',
    ["bad.rc:3:17: expected a size unit (B, kB, MB, GB) or % after 5, found 'parsecs'"],
  ],
  [
    'uptime without a number',
    P + '  if uptime > then alert\n',
    ["bad.rc:3:15: expected a duration for uptime, found 'then'"],
  ],
  [
    'set with unknown setting',
    'set frobnicate 3\n',
    [
      "bad.rc:1:5: unknown setting 'set frobnicate': expected daemon, log, pidfile, statefile, idfile, limits, eventqueue, mailserver, mail-format, alert or httpd",
    ],
  ],
  [
    'set without a setting',
    'set "daemon"\n',
    [`bad.rc:1:5: expected a setting after 'set' (daemon, log, httpd, mailserver, alert, …), found "daemon"`],
  ],
  ['daemon cycle too short', 'set daemon 10 ms\n', ['bad.rc:1:5: a cycle of 10 ms is too short (at least 100 ms)']],
  [
    'check with unknown type',
    'check widget w with path /w\n',
    [
      "bad.rc:1:7: expected a service type after check (process, host, file, program, directory, fifo, system, filesystem, network), found 'widget'",
    ],
  ],
  [
    'check without a name',
    'check process\n',
    ["bad.rc:1:14: expected a service name after 'check process', found end of file"],
  ],
  [
    'process without pidfile',
    'check process a\n  start "/a"\n',
    [`bad.rc:2:3: expected 'pidfile PATH' or 'matching "REGEX"' after 'check process a', found 'start'`],
  ],
  [
    'host without address',
    'check host h\n  if failed port 1883 then alert\n',
    ["bad.rc:2:3: expected 'address HOST' after 'check host h', found 'if'"],
  ],
  [
    'program without quotes or path',
    'check program p with path\n',
    ['bad.rc:1:26: expected a command in quotes, found end of file'],
  ],
  [
    'a host with no test',
    'check host h with address 10.0.0.1\n  group g\n  if 5 restarts within 5 cycles then alert\n',
    [
      "bad.rc:1:1: 'check host h' has no port or ping test, so it would monitor nothing: add 'if failed port N then alert'",
    ],
  ],
  [
    'a relative pidfile (monit: a syntax error)',
    'check process a with pidfile run/a.pid\n',
    ["bad.rc:1:30: the pidfile path 'run/a.pid' is relative: write it from '/'"],
  ],
  [
    'an empty service name',
    'check process "" with pidfile /run/a.pid\n',
    ["bad.rc:1:15: the name of 'check process' is empty"],
  ],
  [
    'set eventqueue with nothing',
    'set eventqueue\n',
    ["bad.rc:1:15: expected 'basedir PATH' or 'slots N' after 'set eventqueue', found end of file"],
  ],
  ['include without a file', 'include', ['bad.rc:1:1: expected a file or glob after include, found end of file']],
  [
    'status test on a process',
    P + '  if status != 0 then alert\n',
    ["bad.rc:3:3: 'status' tests apply to 'check program' only"],
  ],
  [
    'status out of range',
    'check program p with path "/bin/p"\n  if status > 256 then alert\n',
    ['bad.rc:2:15: an exit status 256 is out of range (0–255)'],
  ],
  [
    'not exist on a host',
    'check host h with address 10.0.0.1\n  if does not exist then alert\n  if failed port 1 then alert\n',
    ["bad.rc:2:3: 'if not exist' applies to process, file, directory, fifo and filesystem checks, not to 'check host'"],
  ],
  [
    'cpu on a file',
    'check file f with path /f\n  if cpu > 50% then alert\n',
    ["bad.rc:2:3: 'resource' tests apply to 'check process' only"],
  ],
  [
    'changed pid on a program',
    'check program p with path "/bin/p"\n  if changed pid then alert\n',
    ["bad.rc:2:3: 'changed pid' tests apply to 'check process' only"],
  ],
  [
    'mode unknown',
    P + '  mode sometimes\n',
    ["bad.rc:3:8: expected 'active', 'passive' or 'manual' after mode, found 'sometimes'"],
  ],
  ['every 0 cycles', P + '  every 0 cycles\n', ['bad.rc:3:9: a number of cycles 0 is out of range (1–1000000)']],
  [
    'mail-format on a webhook',
    'set alert webhook "https://example.com/x" mail-format { subject: x }\n',
    ['bad.rc:1:43: mail-format applies to mail recipients only'],
  ],
  [
    'allow with an empty password',
    'set httpd port 2812 allow admin:\n',
    ["bad.rc:1:27: the password for user 'admin' is empty"],
  ],
  [
    'sys topic outside $SYS',
    P + '  if sys "broker/clients" > 5 then alert\n',
    ['bad.rc:3:10: a $SYS rule needs a topic under $SYS/, found "broker/clients"'],
  ],
  [
    'sys topic with wildcard',
    P + '  if sys "$SYS/broker/#" > 5 then alert\n',
    ['bad.rc:3:10: a $SYS rule needs one numeric topic without wildcards, found "$SYS/broker/#"'],
  ],
  [
    'sys with nothing',
    P + '  if sys then alert\n',
    [`bad.rc:3:10: expected a "$SYS/…" topic or 'uptime' after 'sys', found 'then'`],
  ],
  [
    'else without succeeded',
    P + '  if failed port 1883 then restart else if failed then alert\n',
    ["bad.rc:3:44: expected 'succeeded' or 'recovered' after 'else if', found 'failed'"],
  ],
  [
    'repeat on a non-exec action',
    P + '  if failed port 1883 then alert repeat every 3 cycles\n',
    [
      "bad.rc:3:34: unknown statement 'repeat' in 'check process a': expected if, start, stop, restart, depends, group, mode, every, alert, noalert, onreboot or backoff",
    ],
  ],
  [
    'restarts within too many cycles',
    P + '  if 3 restarts within 65 cycles then alert\n',
    ["bad.rc:3:24: a number of cycles after 'restarts within' 65 is out of range (1–64)"],
  ],
  [
    'type unknown',
    P + '  if failed port 1883 type sctp then alert\n',
    ["bad.rc:3:28: expected 'tcp', 'udp' or 'tcpssl' after type, found 'sctp'"],
  ],
];

void describe('one malformed input, its exact errors', () => {
  void test(`at least 45 cases`, () => {
    assert.ok(CASES.length >= 45, `${CASES.length} cases`);
    assert.equal(new Set(CASES.map(([name]) => name)).size, CASES.length, 'case names are unique');
  });
  for (const [name, text, expected] of CASES) {
    void test(name, async () => {
      assert.deepEqual(await errorsOf(text), expected);
    });
  }
});

void describe('every error of a file, in order, parsing resumed after each', () => {
  void test('a file with many errors reports all of them, and the valid service after them is parsed', async () => {
    const text = [
      'set daemon 5 ms',
      'set alert ops@example.com on { nonexist, crash }',
      'check process a with pidfile /run/a.pid',
      '  start "/a"',
      '  if failed port 0 then restart',
      '  if cpu > lots then alert',
      '  stop ""',
      '  if failed port 1883 then',
      '  depends on nosuch',
      'check process b',
      '  if failed port 1883 for 3 within 2 cycles then alert',
      'check widget w with path /w',
      '  if failed port 0 then alert',
      'check process c with pidfile /run/c.pid',
      '  if memory > 5000 then alert',
      '  if failed port 1883 with timeout 10 then alert',
      'check process a with pidfile /run/other.pid',
    ].join('\n');
    assert.deepEqual((await diagnosticsOf(text)).map(formatDiagnostic), [
      'bad.rc:1:5: a cycle of 5 ms is too short (at least 100 ms)',
      "bad.rc:2:42: unknown event 'crash': expected one of action, checksum, connection, content, data, exec, gid, icmp, instance, invalid, link, nonexist, exist, permission, pid, ppid, resource, size, status, timeout, timestamp, uid, uptime, fsflags, heartbeat, saturation, speed, bytein, byteout, packetin, packetout",
      'bad.rc:5:18: a port number 0 is out of range (1–65535)',
      "bad.rc:6:12: expected a percentage after 'cpu >', found 'lots'",
      'bad.rc:7:8: the command is empty',
      "bad.rc:9:3: expected an action (alert, restart, start, stop, unmonitor, exec), found 'depends'",
      "bad.rc:9:14: unknown service 'nosuch' in depends of 'a'",
      `bad.rc:11:3: expected 'pidfile PATH' or 'matching "REGEX"' after 'check process b', found 'if'`,
      'bad.rc:11:27: 3 times within 2 cycles can never happen: the count must not exceed the cycles',
      "bad.rc:12:7: expected a service type after check (process, host, file, program, directory, fifo, system, filesystem, network), found 'widget'",
      // Warnings of the valid service `c`: the parser was back on track after the broken ones.
      "bad.rc:15:15: warning: bare number 5000 for memory is taken as bytes; write '5000 B' or use kB, MB, GB",
      "bad.rc:16:36: warning: bare number 10 for timeout is taken as seconds; write '10 seconds'",
      "bad.rc:17:1: service 'a' is already defined at bad.rc:3",
    ]);
  });

  void test('an error on the last token of a line does not swallow the statement on the next line', async () => {
    assert.deepEqual(
      await errorsOf('set alert mqtt "http://127.0.0.1/bw"\nset alert webhook "ftp://example.com"\nset alert nobody\n'),
      [
        'bad.rc:1:16: expected a mqtt:// or mqtts:// URL, found "http://127.0.0.1/bw"',
        'bad.rc:2:19: expected a http:// or https:// URL, found "ftp://example.com"',
        `bad.rc:3:11: expected a mail address, or webhook "URL", mqtt "mqtt://HOST:PORT/TOPIC", exec "CMD" or alertmanager "URL", found 'nobody'`,
      ],
    );
    assert.deepEqual(await errorsOf(P + '  stop ""\n  restart "  "\n  every "bad"\n  mode none\n'), [
      'bad.rc:3:8: the command is empty',
      'bad.rc:4:11: the command is empty',
      'bad.rc:5:9: invalid cron expression "bad": expected 5 fields, minute hour day month weekday',
      "bad.rc:6:8: expected 'active', 'passive' or 'manual' after mode, found 'none'",
    ]);
  });

  void test('an error at the end of a check does not swallow the next check', async () => {
    const text =
      P +
      '  every "61 * * * *"\ncheck process b matching "(("\n  if failed port 70000 then alert\ncheck file c with path /c\n  depends on a\n';
    assert.deepEqual(await errorsOf(text), [
      'bad.rc:3:9: invalid cron expression "61 * * * *": expected 5 fields, minute hour day month weekday',
      'bad.rc:4:26: invalid regular expression "((": Invalid regular expression: /((/: Unterminated group',
      'bad.rc:5:18: a port number 70000 is out of range (1–65535)',
    ]);
  });

  void test('a missing value does not take the keyword that starts the next line', async () => {
    assert.deepEqual(
      await errorsOf(
        'set log\nset daemon 1 ms\ncheck process x with pidfile\n  if failed port 0 then alert\n  group\n  if failed port 0 then alert\n',
      ),
      [
        "bad.rc:2:1: expected a log file path or syslog, found 'set'",
        'bad.rc:2:5: a cycle of 1 ms is too short (at least 100 ms)',
        "bad.rc:4:3: expected a pidfile path, found 'if'",
        'bad.rc:4:18: a port number 0 is out of range (1–65535)',
        "bad.rc:6:3: expected a group name, found 'if'",
        'bad.rc:6:18: a port number 0 is out of range (1–65535)',
      ],
    );
  });

  void test('errors come with the warnings of the same file, sorted by position', async () => {
    const all = await diagnosticsOf('set fips\nset daemon 1 ms\nset init\n');
    assert.deepEqual(all.map(formatDiagnostic), [
      "bad.rc:1:5: warning: 'set fips' is not used by brokerwatch; ignored",
      'bad.rc:2:5: a cycle of 1 ms is too short (at least 100 ms)',
      "bad.rc:3:5: warning: 'set init' is not used by brokerwatch; ignored",
    ]);
    assert.deepEqual(
      all.map((d) => d.severity),
      ['warning', 'error', 'warning'],
    );
  });
});

void describe('malformed includes', () => {
  const dirs: { cleanup(): Promise<void> }[] = [];
  after(async () => {
    for (const d of dirs) await d.cleanup();
  });

  async function files(entries: Record<string, string>): Promise<string> {
    const d = await tempDir('bw-malformed-');
    dirs.push(d);
    const dir = await realpath(d.path);
    for (const [name, text] of Object.entries(entries)) await writeFile(join(dir, name), text, { mode: 0o600 });
    return dir;
  }

  async function loadErrors(file: string): Promise<string[]> {
    await assert.rejects(loadRules(file), ConfigError);
    try {
      await loadRules(file);
    } catch (e) {
      if (e instanceof ConfigError) return e.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);
    }
    return [];
  }

  void test('include loop a -> b -> a', async () => {
    const dir = await files({
      'a.rc': 'set daemon 5\ninclude b.rc\n',
      'b.rc': 'check file f with path /f\ninclude "a.rc"\n',
    });
    const a = join(dir, 'a.rc');
    const b = join(dir, 'b.rc');
    assert.deepEqual(await loadErrors(a), [`${b}:2:9: include loop: ${a} -> ${b} -> ${a}`]);
  });

  void test('a file that includes itself', async () => {
    const dir = await files({ 'self.rc': 'set daemon 5\n  include self.rc\n' });
    const self = join(dir, 'self.rc');
    assert.deepEqual(await loadErrors(self), [`${self}:2:11: include loop: ${self} -> ${self}`]);
  });

  void test('a missing included file is a warning where it is included; a glob that matches nothing is silent', async () => {
    const dir = await files({
      'main.rc':
        'include conf.d/*.rc\ninclude extra.rc\ninclude /nonexistent/brokerwatch/*.rc\ncheck file f with path /f\n',
    });
    await mkdir(join(dir, 'conf.d'));
    const main = join(dir, 'main.rc');
    const r = await loadRules(main);
    assert.deepEqual(r.warnings.map(formatDiagnostic), [
      `${main}:2:9: warning: include extra.rc: no such file; skipped`,
      `${main}:3:9: warning: include /nonexistent/brokerwatch/*.rc: no such folder; skipped`,
    ]);
    assert.deepEqual(
      r.config.services.map((x) => x.name),
      ['f'],
    );
  });

  void test('errors inside an included file name that file and its line', async () => {
    const dir = await files({
      'main.rc': 'set daemon 5\ninclude part.rc\ncheck process m with pidfile /m\n  if failed port 0 then alert\n',
      'part.rc': '\n\ncheck file f with path /f\n  if failed permission 999 then alert\n',
    });
    const main = join(dir, 'main.rc');
    const part = join(dir, 'part.rc');
    assert.deepEqual(await loadErrors(main), [
      `${main}:4:18: a port number 0 is out of range (1–65535)`,
      `${part}:4:24: expected an octal mode such as 644 after 'permission', found '999'`,
    ]);
  });
});

void describe('recovery after an error in the middle of a statement', () => {
  void test('a wrong word opening the next line gets its own error', async () => {
    assert.deepEqual(
      await errorsOf(
        'check process m with pidfile /x.pid\n  if failed port 99999 then restart\n  frobnicate\n  if cpu > 50% then alert\n',
      ),
      [
        'bad.rc:2:18: a port number 99999 is out of range (1–65535)',
        "bad.rc:3:3: unknown statement 'frobnicate' in 'check process m': expected if, start, stop, restart, depends, group, mode, every, alert, noalert, onreboot or backoff",
      ],
    );
  });

  void test('the continuation lines of a broken statement are not taken for statements', async () => {
    assert.deepEqual(
      await errorsOf(
        'check process m with pidfile /x.pid\n  if failed port 99999\n     with timeout 2 seconds\n     then restart\n',
      ),
      ['bad.rc:2:18: a port number 99999 is out of range (1–65535)'],
    );
  });
});

void describe('an unterminated string ends at its line, and the lines after it are read', () => {
  void test('each later line gets its own errors', async () => {
    const text = [
      'check process a with pidfile /run/a.pid',
      '  start "/a start',
      '  stop "/a stop"',
      '  if failed port 0 then alert',
      "  restart '/a restart",
      '  if failed port 70000 then alert',
      'check file "unclosed',
    ].join('\n');
    assert.deepEqual(await errorsOf(text), [
      'bad.rc:2:9: unterminated string: missing closing "',
      'bad.rc:4:18: a port number 0 is out of range (1–65535)',
      "bad.rc:5:11: unterminated string: missing closing '",
      'bad.rc:6:18: a port number 70000 is out of range (1–65535)',
      'bad.rc:7:12: unterminated string: missing closing "',
      "bad.rc:7:20: expected 'path PATH' after 'check file unclosed', found end of file",
    ]);
  });

  void test('the string holds the rest of its line, so the statement itself still reads', async () => {
    const d = await diagnosticsOf(
      'check process a with pidfile /run/a.pid\n  start "/usr/sbin/mosquitto -d\r\n  if changed pid then alert\n',
    );
    assert.deepEqual(d.map(formatDiagnostic), ['bad.rc:2:9: unterminated string: missing closing "']);
  });

  void test('a string closed on a later line runs over the lines, as in monit, unless a statement comes first', async () => {
    const ok = await parseRules(
      'check process a with pidfile /run/a.pid\n  start program = "/bin/sh -c \'cd /opt;\n      exec /usr/sbin/mosquitto -d\'"\n    with timeout 30 seconds\n  if changed pid then alert\n',
      'ok.rc',
    );
    assert.deepEqual(ok.config.services[0]?.start?.argv, [
      '/bin/sh',
      '-c',
      'cd /opt;\n      exec /usr/sbin/mosquitto -d',
    ]);
    assert.equal(ok.config.services[0]?.start?.timeoutMs, 30_000);
    // The quote on line 4 belongs to a new statement: line 2's string ends there.
    assert.deepEqual(
      await errorsOf(
        'check process a with pidfile /run/a.pid\n  start program = "/usr/sbin/mosquitto -d\n  with timeout 30 seconds\n  stop program = "/bin/kill x"\n',
      ),
      ['bad.rc:2:19: unterminated string: missing closing "'],
    );
  });

  void test('a quote inside the other kind of quotes is text, not an opening', async () => {
    const r = await parseRules(
      `check process a with pidfile /run/a.pid\n  start "/bin/sh -c 'echo it\\"s'"\n  stop '/bin/kill "$PID"'\n`,
      'ok.rc',
    );
    const s = r.config.services[0];
    assert.deepEqual(s?.start?.argv, ['/bin/sh', '-c', 'echo it"s']);
    assert.deepEqual(s?.stop?.argv, ['/bin/kill', '"$PID"']);
  });
});
