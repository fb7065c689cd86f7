// The rules language of the host, file system, network, program and restart tests: every spelling a
// rules file may use reads as one test, which `brokerwatch -t -v` prints back in one form and whose
// events carry monit's event name; a value out of range, a wrong word or a test written in a service
// type it does not apply to is refused at file:line:col, and a doubtful form loads with a warning.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadChecks } from '../../src/checks/registry.js';
import { formatDiagnostic } from '../../src/config/diagnostics.js';
import { parseRules } from '../../src/config/loader.js';
import { printConfig } from '../../src/config/printer.js';
import { eventTypeOf } from '../../src/state/index.js';
import { parseFailure } from '../helpers/rules.js';
import { Driver, cycle, done, fail, ok } from '../state/fixtures.js';
import type { TempDir } from '../helpers/tmp.js';
import { tempDir } from '../helpers/tmp.js';

const HEADERS = {
  fs: 'check filesystem data with path /srv',
  host: 'check system host',
  net: 'check network net with interface eth0',
  proc: 'check process p with pidfile /run/p.pid',
  prog: 'check program p with path "/bin/true"',
  file: 'check file f with path /etc/hosts',
  remote: 'check host r with address 127.0.0.1',
} as const;
type Header = keyof typeof HEADERS;

const text = (h: Header, rule: string) => `${HEADERS[h]}\n  if ${rule} then alert\n`;

/** RULE in a service of type H: the condition as printed back, its event type, and the warnings. */
async function readBack(h: Header, rule: string): Promise<[string | undefined, string, string[]]> {
  const { config, warnings } = await parseRules(text(h, rule), 'w.rc');
  await loadChecks(config);
  const r = config.services[0]?.rules.find((x) => !x.implicit);
  assert.ok(r, rule);
  const printed = printConfig(config)
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.startsWith('if '));
  return [
    printed?.replace(/^if /, '').replace(/ then alert$/, ''),
    eventTypeOf(r.condition),
    warnings.map(formatDiagnostic),
  ];
}

/** [service type, rule as written, as printed back, event type, warnings]. */
type Reading = [Header, string, string, string, string[]?];

async function assertReadings(cases: readonly Reading[]): Promise<void> {
  for (const [h, rule, printed, eventType, warnings = []] of cases)
    assert.deepEqual(await readBack(h, rule), [printed, eventType, warnings], `${h}: ${rule}`);
}

/** [service type, rule, the error (or every diagnostic, warnings first, when there are several)]. */
async function assertErrors(cases: readonly [Header, string, string | readonly string[]][]): Promise<void> {
  for (const [h, rule, error] of cases)
    assert.deepEqual(await parseFailure(text(h, rule), 'w.rc'), typeof error === 'string' ? [error] : error, rule);
}

void describe('the file system tests', () => {
  void test('spellings, print-back and event names', () =>
    assertReadings([
      ['fs', 'changed fsflag', 'changed fsflags', 'fsflags'],
      ['fs', 'changed fsflags', 'changed fsflags', 'fsflags'],
      ['fs', 'inodes free > 5%', 'inode free > 5%', 'resource'],
      ['fs', 'inode > 100', 'inode usage > 100', 'resource'],
      ['fs', 'space = 80%', 'space usage = 80%', 'resource'],
      ['fs', 'space free > 1 GB', 'space free > 1 GB', 'resource'],
      ['fs', 'service time > 10 ms', 'service time > 10 ms', 'resource'],
      ['fs', 'servicetime > 2 seconds', 'service time > 2 seconds', 'resource'],
      ['fs', 'read rate > 10 MB/s', 'read rate > 10 MB/s', 'resource'],
      ['fs', 'write > 100 operations/s', 'write rate > 100 operations/s', 'resource'],
      ['fs', 'read > 5 kB per second', 'read rate > 5 kB/s', 'resource'],
      ['fs', 'write rate > 5 ops/sec', 'write rate > 5 operations/s', 'resource'],
      ['fs', 'read > 5 kilobytes/second', 'read rate > 5 kB/s', 'resource'],
    ]));

  void test('every unit of a read or write rate, its per-second spellings, and its bounds', () =>
    assertReadings([
      ['fs', 'read > 1 B/s', 'read rate > 1 B/s', 'resource'],
      ['fs', 'read > 2 byte/s', 'read rate > 2 B/s', 'resource'],
      ['fs', 'read > 3 bytes/sec', 'read rate > 3 B/s', 'resource'],
      ['fs', 'read > 1 k/s', 'read rate > 1 kB/s', 'resource'],
      ['fs', 'read > 2 kilobyte/s', 'read rate > 2 kB/s', 'resource'],
      ['fs', 'read > 1 m/s', 'read rate > 1 MB/s', 'resource'],
      ['fs', 'read > 2 megabyte/s', 'read rate > 2 MB/s', 'resource'],
      ['fs', 'read > 3 megabytes/s', 'read rate > 3 MB/s', 'resource'],
      ['fs', 'read > 1 g/s', 'read rate > 1 GB/s', 'resource'],
      ['fs', 'read > 2 gb/s', 'read rate > 2 GB/s', 'resource'],
      ['fs', 'read > 3 gigabyte/s', 'read rate > 3 GB/s', 'resource'],
      ['fs', 'read > 4 gigabytes/s', 'read rate > 4 GB/s', 'resource'],
      ['fs', 'read > 1 t/s', 'read rate > 1 TB/s', 'resource'],
      ['fs', 'read > 2 tb/s', 'read rate > 2 TB/s', 'resource'],
      ['fs', 'read > 3 terabyte/s', 'read rate > 3 TB/s', 'resource'],
      ['fs', 'read > 4 terabytes/s', 'read rate > 4 TB/s', 'resource'],
      // A unit without a slash is per second, with or without a following `s`, `sec` or `second`.
      ['fs', 'write > 5 MB', 'write rate > 5 MB/s', 'resource'],
      ['fs', 'write > 5 MB s', 'write rate > 5 MB/s', 'resource'],
      ['fs', 'write > 5 MB sec', 'write rate > 5 MB/s', 'resource'],
      ['fs', 'write > 5 MB/sec', 'write rate > 5 MB/s', 'resource'],
      ['fs', 'write > 3 operation/s', 'write rate > 3 operations/s', 'resource'],
      ['fs', 'write > 3 ops/second', 'write rate > 3 operations/s', 'resource'],
      ['fs', 'read > 5 operations', 'read rate > 5 operations/s', 'resource'],
      // A fraction of a unit is rounded to whole bytes.
      ['fs', 'write > 1.5 kB/s', 'write rate > 1536 B/s', 'resource'],
      ['fs', 'write > 0.0001 kB/s', 'write rate > 0 B/s', 'resource'],
      // The largest rate: 8191 TB/s is below 2^53 bytes, 8192 TB/s is not (an error below).
      ['fs', 'read > 8191 TB/s', 'read rate > 8191 TB/s', 'resource'],
    ]));

  void test('wrong words and values', () =>
    assertErrors([
      ['fs', 'service > 2 seconds', "w.rc:2:14: expected 'time' after 'service', found '>'"],
      ['fs', 'read > 5 %', "w.rc:2:15: expected a unit per second (B/s, kB/s, MB/s or operations/s), found '%'"],
      [
        'fs',
        'read > 5 kB/min',
        "w.rc:2:15: expected a unit per second (B/s, kB/s, MB/s or operations/s), found 'kB/min'",
      ],
      [
        'fs',
        'read > 5 parsecs/s',
        "w.rc:2:15: expected a unit per second (B/s, kB/s, MB/s or operations/s), found 'parsecs/s'",
      ],
      [
        'fs',
        'read > 5 parsecs',
        "w.rc:2:15: expected a unit per second (B/s, kB/s, MB/s or operations/s), found 'parsecs'",
      ],
      [
        'fs',
        'read > 5 10',
        "w.rc:2:15: expected a unit per second (B/s, kB/s, MB/s or operations/s) after 5, found '10'",
      ],
      ['fs', 'write > 99999999999 TB/s', 'w.rc:2:14: write > 99999999999 is out of range'],
      ['fs', 'read > 8192 TB/s', 'w.rc:2:13: read > 8192 is out of range'],
      ['fs', 'read >', "w.rc:2:13: expected a rate after 'read >', found 'then'"],
      [
        'fs',
        'read > 5 "MB/s"',
        'w.rc:2:15: expected a unit per second (B/s, kB/s, MB/s or operations/s) after 5, found "MB/s"',
      ],
      ['fs', 'read > 5 /s', "w.rc:2:15: expected a unit per second (B/s, kB/s, MB/s or operations/s), found '/s'"],
    ]));

  void test('written in another service type', () =>
    assertErrors([
      ['file', 'changed fsflags', "w.rc:2:3: 'changed fsflags' tests apply to 'check filesystem' only"],
      ['proc', 'inode > 5%', "w.rc:2:3: 'inode' tests apply to 'check filesystem' only"],
      ['proc', 'space > 5%', "w.rc:2:3: 'space' tests apply to 'check filesystem' only"],
      ['net', 'service time > 1 s', "w.rc:2:3: 'service time' tests apply to 'check filesystem' only"],
      ['net', 'read > 1 MB/s', "w.rc:2:3: 'read/write rate' tests apply to 'check filesystem' only"],
    ]));
});

void describe('the network tests', () => {
  void test('spellings, print-back and event names', () =>
    assertReadings([
      ['net', 'link down', 'link down', 'link'],
      ['net', 'link up', 'link up', 'link'],
      ['net', 'changed link capacity', 'changed link', 'speed'],
      ['net', 'changed link', 'changed link', 'speed'],
      [
        'net',
        'saturation > 90',
        'saturation > 90%',
        'saturation',
        ["w.rc:2:19: warning: bare number 90 for saturation is taken as a percentage; write '90%'"],
      ],
      ['net', 'saturation > 90 percent', 'saturation > 90%', 'saturation'],
    ]));

  void test('wrong words and values, and other service types', () =>
    assertErrors([
      ['net', 'link sideways', "w.rc:2:11: expected 'down' or 'up' after 'link', found 'sideways'"],
      ['net', 'saturation > 120%', 'w.rc:2:19: saturation 120% is out of range (0–100%)'],
      ['net', 'saturation > x', "w.rc:2:19: expected a percentage after 'saturation >', found 'x'"],
      ['file', 'changed link', "w.rc:2:3: 'changed link' tests apply to 'check network' only"],
      ['file', 'link down', "w.rc:2:3: 'link' tests apply to 'check network' only"],
      ['host', 'saturation > 5%', "w.rc:2:3: 'saturation' tests apply to 'check network' only"],
    ]));
});

void describe('the host tests', () => {
  void test('spellings, print-back and event names', () =>
    assertReadings([
      ['host', 'uptime < 10 minutes', 'uptime < 10 minutes', 'uptime'],
      ['host', 'swap > 50%', 'swap usage > 50%', 'resource'],
      ['host', 'mem > 1 GB', 'memory usage > 1 GB', 'resource'],
      ['host', 'memory usage > 80%', 'memory usage > 80%', 'resource'],
      ['host', 'loadavg (5min) > 2', 'loadavg (5min) > 2', 'resource'],
      ['host', 'loadavg (15 minutes) per core > 1.5', 'loadavg (15min) per core > 1.5', 'resource'],
      ['proc', 'loadavg (1m) per cores > 3', 'loadavg (1min) per core > 3', 'resource'],
      ['host', 'cpu > 90%', 'cpu > 90%', 'resource'],
      ['host', 'cpu usr > 50%', 'cpu user > 50%', 'resource'],
      ['host', 'cpu us > 50%', 'cpu user > 50%', 'resource'],
      ['host', 'cpu sys > 50%', 'cpu system > 50%', 'resource'],
      ['host', 'cpu sy > 50%', 'cpu system > 50%', 'resource'],
      ['host', 'cpu wa > 5%', 'cpu wait > 5%', 'resource'],
      ['host', 'cpu iowait > 5%', 'cpu wait > 5%', 'resource'],
      [
        'host',
        'cpu steal > 5',
        'cpu steal > 5%',
        'resource',
        ["w.rc:2:18: warning: bare number 5 for cpu is taken as a percentage; write '5%'"],
      ],
      ['host', 'filedescriptors > 80%', 'filedescriptors > 80%', 'resource'],
      ['host', 'filedescriptor > 5000', 'filedescriptors > 5000', 'resource'],
      ['proc', 'total filedescriptors > 1000', 'total filedescriptors > 1000', 'resource'],
      ['proc', 'descriptors > 90%', 'filedescriptors > 90%', 'resource'],
    ]));

  void test('wrong words and values', () =>
    assertErrors([
      ['host', 'loadavg (2min) > 1', "w.rc:2:15: expected 1min, 5min or 15min after 'loadavg', found '2'"],
      ['host', 'loadavg > x', "w.rc:2:16: expected a load after 'loadavg >', found 'x'"],
      ['host', 'cpu guestnice > 120%', 'w.rc:2:22: cpu 120% is out of range (0–100%)'],
      ['host', 'cpu > x', "w.rc:2:12: expected a percentage after 'cpu >', found 'x'"],
      [
        'host',
        'total filedescriptors > 10',
        "w.rc:2:12: 'total filedescriptors' applies to 'check process' only (a process and its children)",
      ],
      [
        'proc',
        'total filedescriptors > 10%',
        "w.rc:2:30: 'total filedescriptors' is a count (the children have limits of their own): drop the %",
      ],
      [
        'proc',
        'filedescriptors > 2 MB',
        "w.rc:2:24: expected a number or a percentage after 'filedescriptors >', found '2'",
      ],
    ]));

  void test('written in another service type', () =>
    assertErrors([
      ['proc', 'swap > 50%', "w.rc:2:3: 'swap' of the host applies to 'check system' only"],
      ['file', 'loadavg > 1', "w.rc:2:3: 'loadavg' tests apply to 'check system' and 'check process' only"],
      [
        'file',
        'filedescriptors > 5',
        "w.rc:2:3: 'filedescriptors' tests apply to 'check system' and 'check process' only",
      ],
      ['file', 'uptime < 1 hour', "w.rc:2:3: 'uptime' tests apply to 'check process' only"],
    ]));
});

void describe('the program and restart tests', () => {
  void test('spellings, print-back and event names', () =>
    assertReadings([
      ['prog', 'status 3', 'status = 3', 'status'],
      ['prog', 'status != 0', 'status != 0', 'status'],
      ['prog', 'failed status', 'status != 0', 'status'],
      ['proc', 'uptime < 1 hour', 'uptime < 1 hour', 'uptime'],
      ['proc', 'uptime 5 minutes', 'uptime = 5 minutes', 'uptime'],
      ['proc', '3 restarts within 5 cycles', '3 restarts within 5 cycles', 'timeout'],
      ['proc', '1 restart within 1 cycle', '1 restart within 1 cycle', 'timeout'],
      [
        'proc',
        '5 restarts within 3 cycles',
        '5 restarts within 3 cycles',
        'timeout',
        ['w.rc:2:33: warning: 5 restarts within 3 cycles can never happen; at most one restart runs per cycle'],
      ],
    ]));

  void test('wrong words and values, and other service types', () =>
    assertErrors([
      ['prog', 'status > 256', 'w.rc:2:15: an exit status 256 is out of range (0–255)'],
      ['proc', 'status 3', "w.rc:2:3: 'status' tests apply to 'check program' only"],
      ['proc', '2 restarts within 3 lifetimes', "w.rc:2:26: expected 'cycles', found 'lifetimes'"],
      ['proc', '0 restarts within 3 cycles', 'w.rc:2:6: a restart count 0 is out of range (1–1000000)'],
      [
        'proc',
        '2 restarts within 65 cycles',
        "w.rc:2:24: a number of cycles after 'restarts within' 65 is out of range (1–64)",
      ],
    ]));
});

void describe('the traffic tests of a network interface', () => {
  void test('rates and totals in bytes and packets, each direction its own event name', () =>
    assertReadings([
      ['net', 'upload > 1 MB/s', 'upload > 1 MB/s', 'byteout'],
      ['net', 'uploaded > 100 packets/s', 'upload > 100 packets/s', 'packetout'],
      ['net', 'download > 5 kB per second', 'download > 5 kB/s', 'bytein'],
      ['net', 'downloaded > 10 packet/sec', 'download > 10 packets/s', 'packetin'],
      ['net', 'total download > 1 GB in last 2 hours', 'total download > 1 GB in last 2 hours', 'bytein'],
      ['net', 'total uploaded > 100 packets in last day', 'total upload > 100 packets in last 1 day', 'packetout'],
      ['net', 'total upload > 5 MB hour', 'total upload > 5 MB in last 1 hour', 'byteout'],
      ['net', 'total downloaded > 10 kilobytes 30 minutes', 'total download > 10 kB in last 30 minutes', 'bytein'],
    ]));

  void test('every unit of a rate or a total, the per-second spellings, the windows, and the bounds', () =>
    assertReadings([
      ['net', 'upload > 1 B/s', 'upload > 1 B/s', 'byteout'],
      ['net', 'upload > 2 byte/s', 'upload > 2 B/s', 'byteout'],
      ['net', 'upload > 3 bytes/s', 'upload > 3 B/s', 'byteout'],
      ['net', 'upload > 1 k/s', 'upload > 1 kB/s', 'byteout'],
      ['net', 'upload > 2 kb/s', 'upload > 2 kB/s', 'byteout'],
      ['net', 'upload > 3 kilobyte/s', 'upload > 3 kB/s', 'byteout'],
      ['net', 'upload > 1 m/s', 'upload > 1 MB/s', 'byteout'],
      ['net', 'upload > 2 megabyte/s', 'upload > 2 MB/s', 'byteout'],
      ['net', 'upload > 3 megabytes/s', 'upload > 3 MB/s', 'byteout'],
      ['net', 'upload > 1 g/s', 'upload > 1 GB/s', 'byteout'],
      ['net', 'upload > 2 gb/s', 'upload > 2 GB/s', 'byteout'],
      ['net', 'upload > 3 gigabyte/s', 'upload > 3 GB/s', 'byteout'],
      ['net', 'upload > 4 gigabytes/s', 'upload > 4 GB/s', 'byteout'],
      ['net', 'upload > 1 t/s', 'upload > 1 TB/s', 'byteout'],
      ['net', 'upload > 2 tb/s', 'upload > 2 TB/s', 'byteout'],
      ['net', 'upload > 3 terabyte/s', 'upload > 3 TB/s', 'byteout'],
      ['net', 'upload > 4 terabytes/s', 'upload > 4 TB/s', 'byteout'],
      // A unit without a slash is per second, with or without a following `s`, `sec` or `second`.
      ['net', 'download > 5 MB', 'download > 5 MB/s', 'bytein'],
      ['net', 'download > 5 MB s', 'download > 5 MB/s', 'bytein'],
      ['net', 'download > 5 MB/second', 'download > 5 MB/s', 'bytein'],
      ['net', 'download > 5 MB/sec', 'download > 5 MB/s', 'bytein'],
      ['net', 'download > 5 MB second', 'download > 5 MB/s', 'bytein'],
      ['net', 'download > 5 MB sec', 'download > 5 MB/s', 'bytein'],
      ['net', 'download > 7 packet/s', 'download > 7 packets/s', 'packetin'],
      // Bytes are rounded to whole ones; packets are not.
      ['net', 'upload > 1.5 kB/s', 'upload > 1536 B/s', 'byteout'],
      ['net', 'upload > 1.5 packets/s', 'upload > 1.5 packets/s', 'packetout'],
      // The largest amount: 8191 TB is below 2^53 bytes, 8192 TB is not (an error below).
      ['net', 'upload > 8191 TB/s', 'upload > 8191 TB/s', 'byteout'],
      ['net', 'total upload > 1 MB in last 1 minute', 'total upload > 1 MB in last 1 minute', 'byteout'],
      ['net', 'total upload > 1 MB minute', 'total upload > 1 MB in last 1 minute', 'byteout'],
      ['net', 'total upload > 1 MB in last 2 days', 'total upload > 1 MB in last 2 days', 'byteout'],
      ['net', 'total upload > 1 MB 90 seconds', 'total upload > 1 MB in last 90 seconds', 'byteout'],
      ['net', 'total upload > 1 packet in last day', 'total upload > 1 packets in last 1 day', 'packetout'],
      ['net', 'total upload > 1 MB hours', 'total upload > 1 MB in last 1 hour', 'byteout'],
      [
        'net',
        'total upload > 1 MB in last 2',
        'total upload > 1 MB in last 2 seconds',
        'byteout',
        ["w.rc:2:34: warning: bare number 2 for the window is taken as seconds; write '2 seconds'"],
      ],
    ]));

  void test('wrong units, windows and values, and other service types', () =>
    assertErrors([
      [
        'net',
        'upload > 1 parsecs/s',
        "w.rc:2:17: expected B/s, kB/s, MB/s, GB/s or packets/s after 1, found 'parsecs/s'",
      ],
      ['net', 'upload > 1 MB/min', "w.rc:2:17: expected B/s, kB/s, MB/s, GB/s or packets/s after 1, found 'MB/min'"],
      // After a unit with its slash, a per-second word is one too many.
      ['net', 'upload > 1 MB/s sec', "w.rc:2:22: expected 'then', found 'sec'"],
      ['net', 'upload > 1 10', "w.rc:2:17: expected B/s, kB/s, MB/s, GB/s or packets/s after 1, found '10'"],
      [
        'net',
        'total upload > 1 MB/s in last day',
        "w.rc:2:23: expected B, kB, MB, GB or packets after 1, found 'MB/s'",
      ],
      ['net', 'upload > x', "w.rc:2:15: expected an amount after 'upload >', found 'x'"],
      [
        'net',
        'total upload > 1 MB in last fortnight',
        "w.rc:2:34: expected a time window after the amount (2 hours, day), found 'fortnight'",
      ],
      ['net', 'total upload > 1 MB', "w.rc:2:26: expected a time window after the amount (2 hours, day), found 'then'"],
      ['net', 'upload > 99999999999 TB/s', 'w.rc:2:15: upload > 99999999999 is out of range'],
      ['net', 'upload > 8192 TB/s', 'w.rc:2:15: upload > 8192 is out of range'],
      // A quoted unit is no unit, even spelled as the lexer lower-cases a word.
      ['net', 'upload > 1 "mb/s"', 'w.rc:2:17: expected B/s, kB/s, MB/s, GB/s or packets/s after 1, found "mb/s"'],
      [
        'net',
        'total upload > 1 MB/second in last day',
        "w.rc:2:23: expected B, kB, MB, GB or packets after 1, found 'MB/second'",
      ],
      [
        'net',
        'total upload > 1 MB mins',
        "w.rc:2:26: expected a time window after the amount (2 hours, day), found 'mins'",
      ],
      ['net', 'total upload > 1 MB in last "day"', 'w.rc:2:34: expected a duration for the window, found "day"'],
      // Only a trailing s is dropped from a window's unit; a total takes no `s` after its unit.
      [
        'net',
        'total upload > 1 MB in last dasy',
        "w.rc:2:34: expected a time window after the amount (2 hours, day), found 'dasy'",
      ],
      [
        'net',
        'total upload > 1 MB s in last day',
        "w.rc:2:26: expected a time window after the amount (2 hours, day), found 's'",
      ],
      ['net', 'total upload > x in last day', "w.rc:2:21: expected an amount after 'total upload >', found 'x'"],
      ['net', 'total upload > 8192 TB in last day', 'w.rc:2:21: total upload > 8192 is out of range'],
      // `upload` or `download` second makes a traffic test only after `total`.
      [
        'net',
        'bogus upload > 1 MB/s',
        "w.rc:2:6: unknown test 'bogus': expected failed, not exist, changed, cpu, memory, children, threads, uptime, status, timestamp, size, sys, or 'N restarts within M cycles'",
      ],
      ['file', 'upload > 1 MB/s', "w.rc:2:3: 'upload/download' tests apply to 'check network' only"],
      ['file', 'total download > 1 MB in last day', "w.rc:2:3: 'upload/download' tests apply to 'check network' only"],
    ]));

  void test('a quoted "upload" after total is no traffic test: monit\'s other total tests are ignored', async () => {
    const { config, warnings } = await parseRules(text('net', 'total "upload" > 1 MB/s'), 'w.rc');
    assert.deepEqual(
      [config.services[0]?.rules.filter((r) => !r.implicit).length, warnings.map(formatDiagnostic)],
      [0, ["w.rc:2:6: warning: 'total' tests are not evaluated by brokerwatch; this rule is ignored"]],
    );
  });
});

void describe('the ping test of a remote host', () => {
  void test("monit's defaults and options, printed back whole", () =>
    assertReadings([
      ['remote', 'failed ping', 'failed ping count 3 size 64 with timeout 5 seconds', 'icmp'],
      [
        'remote',
        'failed ping4 count 5 size 100 timeout 2 seconds address 127.0.0.1',
        'failed ping4 count 5 size 100 with timeout 2 seconds address 127.0.0.1',
        'icmp',
      ],
      ['remote', 'failed ping6 address ::1', 'failed ping6 count 3 size 64 with timeout 5 seconds address ::1', 'icmp'],
      ['remote', 'failed ping with timeout 500 ms', 'failed ping count 3 size 64 with timeout 500 ms', 'icmp'],
      // The shortest timeout; a bare number is seconds.
      ['remote', 'failed ping timeout 1 ms', 'failed ping count 3 size 64 with timeout 1 ms', 'icmp'],
      [
        'remote',
        'failed ping timeout 2',
        'failed ping count 3 size 64 with timeout 2 seconds',
        'icmp',
        ["w.rc:2:26: warning: bare number 2 for timeout is taken as seconds; write '2 seconds'"],
      ],
      // Plain `ping` takes an address of either family.
      [
        'remote',
        'failed ping address 127.0.0.1',
        'failed ping count 3 size 64 with timeout 5 seconds address 127.0.0.1',
        'icmp',
      ],
      ['remote', 'failed ping address ::1', 'failed ping count 3 size 64 with timeout 5 seconds address ::1', 'icmp'],
    ]));

  void test('values out of range, addresses of the wrong family, and other service types', () =>
    assertErrors([
      ['remote', 'failed ping count 0', 'w.rc:2:24: a count of echo requests 0 is out of range (1–100)'],
      ['remote', 'failed ping count 101', 'w.rc:2:24: a count of echo requests 101 is out of range (1–100)'],
      ['remote', 'failed ping size 65508', 'w.rc:2:23: a payload size in bytes 65508 is out of range (0–65507)'],
      ['remote', 'failed ping address nowhere', 'w.rc:2:26: expected an IP address after address, found "nowhere"'],
      ['remote', 'failed ping4 address ::1', "w.rc:2:27: 'ping4' sends IPv4: the address ::1 is IPv6"],
      ['remote', 'failed ping6 address 127.0.0.1', "w.rc:2:27: 'ping6' sends IPv6: the address 127.0.0.1 is IPv4"],
      ['remote', 'failed ping timeout 0 ms', 'w.rc:2:13: a ping timeout must be at least 1 ms'],
      ['remote', 'failed ping timeout x', "w.rc:2:26: expected a duration for timeout, found 'x'"],
      ['remote', 'failed ping address >', "w.rc:2:26: expected a local address after address, found '>'"],
      ['proc', 'failed ping', "w.rc:2:3: 'ping' tests apply to 'check host' only"],
    ]));
});

void describe('the resource tests of a process', () => {
  void test('spellings, print-back and event names', () =>
    assertReadings([
      ['proc', 'cpu > 50%', 'cpu > 50%', 'resource'],
      ['proc', 'cpu (user) > 50%', 'cpu user > 50%', 'resource'],
      ['proc', 'cpu usage (us) > 50%', 'cpu user > 50%', 'resource'],
      ['proc', 'cpu usr > 50%', 'cpu user > 50%', 'resource'],
      ['proc', 'cpu sys > 20%', 'cpu system > 20%', 'resource'],
      ['proc', 'cpu sy > 20%', 'cpu system > 20%', 'resource'],
      ['proc', 'cpu system > 20%', 'cpu system > 20%', 'resource'],
      [
        'proc',
        'cpu wa > 20%',
        'cpu > 20%',
        'resource',
        ["w.rc:2:10: warning: 'cpu wait' is a system test; it is read as process cpu"],
      ],
      ['proc', 'totalcpu > 150%', 'totalcpu > 150%', 'resource'],
      ['proc', 'total cpu > 150 percent', 'totalcpu > 150%', 'resource'],
      ['proc', 'memory > 80%', 'memory > 80%', 'resource'],
      ['proc', 'mem > 100 MB', 'memory > 100 MB', 'resource'],
      ['proc', 'totalmemory > 1 GB', 'totalmemory > 1 GB', 'resource'],
      ['proc', 'totalmem > 50 percent', 'totalmemory > 50%', 'resource'],
      ['proc', 'total memory > 2 GB', 'totalmemory > 2 GB', 'resource'],
      ['proc', 'total mem > 2 GB', 'totalmemory > 2 GB', 'resource'],
      ['proc', 'children > 10', 'children > 10', 'resource'],
      ['proc', 'child > 10', 'children > 10', 'resource'],
      ['proc', 'threads > 100', 'threads > 100', 'resource'],
      ['proc', 'thread 100', 'threads = 100', 'resource'],
      [
        'proc',
        'cpu 50',
        'cpu = 50%',
        'resource',
        ["w.rc:2:10: warning: bare number 50 for cpu is taken as a percentage; write '50%'"],
      ],
      [
        'proc',
        'memory > 100',
        'memory > 100 B',
        'resource',
        ["w.rc:2:15: warning: bare number 100 for memory is taken as bytes; write '100 B' or use kB, MB, GB"],
      ],
    ]));

  void test('values out of range, wrong units, and other service types', () =>
    assertErrors([
      ['proc', 'cpu > 200000%', 'w.rc:2:12: cpu 200000% is out of range'],
      ['proc', 'cpu > 102401%', 'w.rc:2:12: cpu 102401% is out of range'],
      // `total cpu` and `total memory` are named as written.
      ['proc', 'total cpu > x', "w.rc:2:18: expected a percentage after 'total cpu >', found 'x'"],
      ['proc', 'total memory > 101%', 'w.rc:2:21: total memory 101% is out of range'],
      // Only the word % (or percent) makes a memory share: a quoted "%" is not taken for one.
      [
        'proc',
        'memory > 5 "%"',
        [
          "w.rc:2:15: warning: bare number 5 for memory is taken as bytes; write '5 B' or use kB, MB, GB",
          'w.rc:2:17: expected \'then\', found "%"',
        ],
      ],
      // `cpu` or `memory` second makes a resource test only after `total`.
      [
        'proc',
        'bogus cpu > 5%',
        "w.rc:2:6: unknown test 'bogus': expected failed, not exist, changed, cpu, memory, children, threads, uptime, status, timestamp, size, sys, or 'N restarts within M cycles'",
      ],
      ['proc', 'memory > 101%', 'w.rc:2:15: memory 101% is out of range'],
      ['proc', 'memory > 5 parsecs', "w.rc:2:17: expected a size unit (B, kB, MB, GB) or % after 5, found 'parsecs'"],
      ['proc', 'cpu x', "w.rc:2:10: expected a percentage after 'cpu', found 'x'"],
      ['proc', 'cpu > x', "w.rc:2:12: expected a percentage after 'cpu >', found 'x'"],
      ['proc', 'children > -1', "w.rc:2:17: expected a number of children, found '-1'"],
      ['proc', 'threads > 10000001', 'w.rc:2:16: a number of threads 10000001 is out of range (0–10000000)'],
      ['file', 'threads > 10', "w.rc:2:3: 'resource' tests apply to 'check process' only"],
    ]));

  void test('the largest shares: 1024 cores of cpu, all of the memory', () =>
    assertReadings([
      ['proc', 'cpu > 102400%', 'cpu > 102400%', 'resource'],
      ['proc', 'memory > 100%', 'memory > 100%', 'resource'],
      ['proc', 'total memory > 100%', 'totalmemory > 100%', 'resource'],
    ]));

  void test('a quoted "cpu" after total is no resource test: monit\'s other total tests are ignored', async () => {
    const { config, warnings } = await parseRules(text('proc', 'total "cpu" > 5%'), 'w.rc');
    assert.deepEqual(
      [config.services[0]?.rules.filter((r) => !r.implicit).length, warnings.map(formatDiagnostic)],
      [0, ["w.rc:2:6: warning: 'total' tests are not evaluated by brokerwatch; this rule is ignored"]],
    );
  });
});

void describe('the content tests of a file or a program', () => {
  let dir: TempDir;
  before(async () => {
    dir = await tempDir('bw-words-');
  });
  after(() => dir.cleanup());

  void test("monit's spellings read as content = or !=; a file of patterns is printed by its path", async () => {
    const pats = join(dir.path, 'patterns');
    await writeFile(pats, 'Error\n\nfatal\n');
    await assertReadings([
      ['file', 'content = "a"', 'content = "a"', 'content'],
      ['file', 'content != "a b"', 'content != "a b"', 'content'],
      ['file', 'match "x"', 'content = "x"', 'content'],
      ['file', 'not match "x"', 'content != "x"', 'content'],
      ['file', `match ${pats}`, `match ${pats}`, 'content'],
      ['file', `not match ${pats}`, `not match ${pats}`, 'content'],
      ['prog', 'content = "x"', 'content = "x"', 'content'],
      // A quoted pattern that starts with a slash is a regex, not the path of a file of them.
      ['file', 'content = "/api/v1"', 'content = "/api/v1"', 'content'],
    ]);
  });

  void test('an empty or invalid file of patterns, a missing operator or pattern, and other service types', async () => {
    const empty = join(dir.path, 'empty');
    const bad = join(dir.path, 'bad');
    await writeFile(empty, '\n\n');
    await writeFile(bad, 'ok\n(\n');
    await assertErrors([
      ['file', `match ${empty}`, `w.rc:2:12: the regex match file ${empty} holds no pattern`],
      [
        'file',
        `match ${bad}`,
        'w.rc:2:12: invalid regular expression "(": Invalid regular expression: /(/: Unterminated group',
      ],
      [
        'file',
        'match 5',
        "w.rc:2:12: expected a regular expression in double quotes, or the path of a file of them in quotes, found '5'",
      ],
      ['file', 'content "x"', "w.rc:2:14: expected '=' or '!=' after 'content', found \"x\""],
      // Only a word that starts with a slash is a path.
      [
        'file',
        'match foo',
        "w.rc:2:12: expected a regular expression in double quotes, or the path of a file of them in quotes, found 'foo'",
      ],
      // `match` second makes a content test only after `not`; a quoted "match" is no word.
      [
        'file',
        'bogus match "x"',
        "w.rc:2:6: unknown test 'bogus': expected failed, not exist, changed, cpu, memory, children, threads, uptime, status, timestamp, size, sys, or 'N restarts within M cycles'",
      ],
      ['file', 'not "match"', "w.rc:2:10: expected 'exist' after 'not', found \"match\""],
      [
        'host',
        'content = "x"',
        "w.rc:2:3: 'content' tests apply to 'check file' and 'check program' only, not to 'check system'",
      ],
      [
        'net',
        'match "x"',
        "w.rc:2:3: 'content' tests apply to 'check file' and 'check program' only, not to 'check network'",
      ],
    ]);
    assert.deepEqual(
      await parseFailure('check file f with path /x\n  ignore not foo\n  if content = "a" then alert\n', 'i.rc'),
      ["i.rc:2:14: expected 'match' after 'not', found 'foo'"],
    );
  });
});

void describe('what the state machine makes of each test failing', () => {
  /** RULE of a service of type H that restarts on it: the events of its failure before and right after a restart. */
  async function failures(h: Header, rule: string): Promise<[string, string, string]> {
    const { config } = await parseRules(
      `${HEADERS[h]}\n  start program = "/bin/true"\n  if ${rule} then restart\n`,
      'g.rc',
    );
    await loadChecks(config);
    const svc = config.services[0];
    assert.ok(svc);
    const target = svc.rules.find((r) => !r.implicit);
    assert.ok(target);
    const results = (failed: boolean) =>
      cycle(...svc.rules.map((r) => (failed && r.id === target.id ? fail(r.id, 'resource') : ok(r.id))));
    const d = new Driver(svc).feed(results(false), 1000);
    const before = d.feed(results(true), 1000).eventKeys().join(' ');
    const after = d.feed(done('restart'), 100).feed(results(true), 100).eventKeys().join(' ');
    return [before, after, d.state.status];
  }

  void test('counted at once after a restart, but for the port test; a one-shot is a change, not a failed state', async () => {
    const cases: [Header, string, string, string][] = [
      ['fs', 'space usage > 90%', 'resource:failed:restart', 'failed'],
      ['fs', 'inode usage > 90%', 'resource:failed:restart', 'failed'],
      ['fs', 'read rate > 1 MB/s', 'resource:failed:restart', 'failed'],
      ['fs', 'service time > 1 s', 'resource:failed:restart', 'failed'],
      ['fs', 'changed fsflags', 'fsflags:changed:restart', 'ok'],
      ['net', 'link down', 'link:failed:restart', 'failed'],
      ['net', 'changed link', 'speed:changed:restart', 'ok'],
      ['net', 'saturation > 90%', 'saturation:failed:restart', 'failed'],
      ['net', 'upload > 1 MB/s', 'byteout:failed:restart', 'failed'],
      ['net', 'total upload > 1 GB in last 1 day', 'byteout:failed:restart', 'failed'],
      ['host', 'cpu > 90%', 'resource:failed:restart', 'failed'],
      ['host', 'memory > 90%', 'resource:failed:restart', 'failed'],
      ['host', 'uptime < 1 hour', 'uptime:failed:restart', 'failed'],
      ['host', 'loadavg > 4', 'resource:failed:restart', 'failed'],
      ['host', 'filedescriptors > 90%', 'resource:failed:restart', 'failed'],
      ['prog', 'status != 0', 'status:failed:restart', 'failed'],
      ['prog', 'content = "E"', 'content:changed:restart', 'ok'],
      ['proc', 'cpu > 90%', 'resource:failed:restart', 'failed'],
      ['proc', 'uptime < 1 hour', 'uptime:failed:restart', 'failed'],
      ['proc', 'threads > 100', 'resource:failed:restart', 'failed'],
      ['remote', 'failed ping', 'icmp:failed:restart', 'failed'],
      ['file', 'changed checksum', 'checksum:changed:restart', 'ok'],
    ];
    for (const [h, rule, event, status] of cases)
      assert.deepEqual(await failures(h, rule), [event, event, status], `${h}: ${rule}`);
    // The port test waits for the broker to listen after a start (start grace).
    assert.deepEqual(await failures('proc', 'failed port 1883'), ['connection:failed:restart', '', 'failed']);
  });
});
