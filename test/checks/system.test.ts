// `check system`: its rules read this machine's /proc through the system observer, judged against
// thresholds on both sides of the values the test reads itself; where a rule is wrong, the error
// names file:line:col.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { createCheck } from '../../src/checks/registry.js';
import type { CheckResult } from '../../src/checks/result.js';
import { ConfigError, formatDiagnostic } from '../../src/config/diagnostics.js';
import { parseRules } from '../../src/config/loader.js';
import type { Service } from '../../src/config/model.js';
import { createObserver } from '../../src/config/service-types.js';
import type { Observed } from '../../src/observers/kind.js';
import { parseService } from './parsed.js';

/** Every rule of a system service, run cycle after cycle on one observation each. */
async function systemRules(rules: readonly string[]): Promise<{ service: Service; cycle(): Promise<CheckResult[]> }> {
  const service = await parseService(`check system $HOST\n${rules.map((r) => `  ${r}\n`).join('')}`);
  const observer = createObserver(service);
  assert.ok(observer, 'a system service has an observer');
  const memos = service.rules.map(() => new Map<string, unknown>());
  const checks = service.rules.map((r) => createCheck(service, r));
  return {
    service,
    async cycle() {
      const signal = new AbortController().signal;
      const observed: Observed = await observer.observe(Date.now(), signal);
      const out: CheckResult[] = [];
      for (const [i, rule] of service.rules.entries()) {
        const r = await checks[i]?.run({
          service,
          rule,
          signal,
          memo: memos[i] ?? new Map(),
          now: Date.now(),
          observed,
        });
        assert.ok(r);
        out.push(r);
      }
      return out;
    },
  };
}

const statuses = (rs: readonly CheckResult[]): string[] => rs.map((r) => r.status);

async function meminfo(): Promise<Map<string, number>> {
  const m = new Map<string, number>();
  for (const line of (await readFile('/proc/meminfo', 'utf8')).split('\n')) {
    const x = /^(\w+):\s+(\d+)/.exec(line);
    if (x) m.set(x[1] as string, Number(x[2]) * 1024);
  }
  return m;
}

async function errorsOf(text: string): Promise<string[]> {
  try {
    await parseRules(text, 's.rc');
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);
  }
  return [];
}

void describe('check system against this machine', () => {
  void test('loadavg: the 1, 5 and 15 minute averages of /proc/loadavg, per core divided by the CPUs', async () => {
    const [l1 = 0, , l15 = 0] = (await readFile('/proc/loadavg', 'utf8')).split(' ').map(Number);
    // Far from the reading on both sides: the load is never 10000, and never below 0.
    const s = await systemRules([
      'if loadavg (1min) > 10000 then alert',
      'if loadavg (1min) < 10000 then alert',
      'if loadavg (15min) >= 0 then alert',
      'if loadavg (5min) per core > 5000 then alert',
      'if loadavg per core < 5000 then alert',
    ]);
    const rs = await s.cycle();
    assert.deepEqual(statuses(rs), ['ok', 'failed', 'failed', 'ok', 'failed']);
    assert.equal(rs[1]?.class, 'resource');
    // The reading is the machine's (the load moves a little between two reads).
    assert.ok(Math.abs((rs[0]?.metrics?.['load1'] ?? -1) - l1) < 2, `load1 ${rs[0]?.metrics?.['load1']} vs ${l1}`);
    assert.ok(Math.abs((rs[2]?.metrics?.['load15'] ?? -1) - l15) < 1);
    const perCore = Number(/per core ([\d.]+)/.exec(rs[4]?.message ?? '')?.[1]);
    assert.ok(Math.abs(perCore - (rs[4]?.metrics?.['load1'] ?? 0) / cpus().length) < 0.01, rs[4]?.message);
  });

  void test('cpu: the first cycle has no share yet; then shares of /proc/stat ticks between cycles', async () => {
    const s = await systemRules([
      'if cpu usage > 100% then alert',
      'if cpu usage >= 0% then alert',
      'if cpu user >= 0% then alert',
      'if cpu wait > 100% then alert',
      'if cpu (system) < 0% then alert',
    ]);
    const first = await s.cycle();
    assert.deepEqual(statuses(first), ['init', 'init', 'init', 'init', 'init']);
    assert.match(first[0]?.message ?? '', /first sample/);
    // Burn some CPU so the tick counters move between the two readings.
    const until = Date.now() + 60;
    while (Date.now() < until) Math.sqrt(Math.random());
    const second = await s.cycle();
    assert.deepEqual(statuses(second), ['ok', 'failed', 'failed', 'ok', 'ok']);
    const usage = second[1]?.metrics?.['cpuUsage'] ?? -1;
    assert.ok(usage >= 0 && usage <= 100, `usage ${usage}`);
  });

  void test('memory and swap: in use as total less available, in % and in bytes', async () => {
    const m = await meminfo();
    const used = (m.get('MemTotal') ?? 0) - (m.get('MemAvailable') ?? 0);
    const s = await systemRules([
      'if memory usage > 100% then alert',
      'if memory usage > 0% then alert',
      'if memory > 1000000 GB then alert',
      'if memory < 1000000 GB then alert',
      'if swap usage > 100% then alert',
      'if swap usage >= 0 B then alert',
    ]);
    const rs = await s.cycle();
    assert.deepEqual(statuses(rs), ['ok', 'failed', 'ok', 'failed', 'ok', 'failed']);
    const bytes = rs[3]?.metrics?.['memoryBytes'] ?? 0;
    // Within 5% of the memory: other processes allocate meanwhile.
    assert.ok(Math.abs(bytes - used) < (m.get('MemTotal') ?? 0) * 0.05, `${bytes} vs ${used}`);
    assert.ok(Math.abs((rs[1]?.metrics?.['memoryPercent'] ?? 0) - (used / (m.get('MemTotal') ?? 1)) * 100) < 5);
  });

  void test("uptime: the host's, from /proc/uptime", async () => {
    const up = Number((await readFile('/proc/uptime', 'utf8')).split(' ')[0]);
    const s = await systemRules([
      `if uptime > ${Math.ceil(up) + 86_400} seconds then alert`,
      `if uptime < ${Math.ceil(up) + 86_400} seconds then alert`,
    ]);
    const rs = await s.cycle();
    assert.deepEqual(statuses(rs), ['ok', 'failed']);
    assert.ok(Math.abs((rs[1]?.metrics?.['uptimeSeconds'] ?? 0) - up) < 5);
  });

  void test('loadavg in check process reads the host load too', async () => {
    const service = await parseService(
      'check process p with pidfile /nonexistent.pid\n  if loadavg (5min) < 10000 then alert\n',
    );
    const rule = service.rules.find((r) => r.condition.kind === 'loadavg');
    assert.ok(rule);
    const r = await createCheck(service, rule)?.run({
      service,
      rule,
      signal: new AbortController().signal,
      memo: new Map(),
      now: Date.now(),
    });
    assert.equal(r?.status, 'failed');
    assert.match(r?.message ?? '', /^loadavg \(5min\) [\d.]+$/);
  });
});

void describe('filedescriptors of the host', () => {
  void test('open descriptors of /proc/sys/fs/file-nr, as a count and as a share of fs.file-max', async () => {
    const [allocated = 0, unused = 0, maximum = 1] = (await readFile('/proc/sys/fs/file-nr', 'utf8'))
      .trim()
      .split(/\s+/)
      .map(Number);
    const open = allocated - unused;
    const s = await systemRules([
      `if filedescriptors > ${open * 10 + 1000} then alert`,
      'if filedescriptors > 0 then alert',
      'if filedescriptors > 100% then alert',
      'if filedescriptors >= 0% then alert',
    ]);
    const rs = await s.cycle();
    assert.deepEqual(statuses(rs), ['ok', 'failed', 'ok', 'failed']);
    assert.equal(rs[1]?.class, 'resource');
    const seen = rs[1]?.metrics?.['filedescriptors'] ?? -1;
    // Other processes open and close files between the two reads.
    assert.ok(Math.abs(seen - open) < 2000, `${seen} vs ${open}`);
    assert.match(rs[3]?.message ?? '', new RegExp(`^filedescriptors [\\d.]+% \\(\\d+ of ${maximum}\\)$`));
  });
});

void describe('check system in the rules language', () => {
  void test('a system service needs no header; cpu, memory and uptime there are the host', async () => {
    const { config } = await parseRules(
      'check system $HOST\n  if cpu (wait) > 20% for 3 cycles then alert\n  if memory usage > 90% 2 times within 5 cycles then alert else if succeeded then alert\n',
      's.rc',
    );
    const s = config.services[0];
    assert.equal(s?.name, '$HOST');
    assert.equal(s?.type, 'system');
    assert.deepEqual(
      s?.rules.map((r) => [r.condition, r.rate]),
      [
        [
          { kind: 'system-cpu', share: 'wait', op: '>', value: 20 },
          { count: 3, cycles: 3 },
        ],
        [
          { kind: 'system-memory', what: 'memory', op: '>', limit: { value: 90, unit: '%' } },
          { count: 2, cycles: 5 },
        ],
      ],
    );
    assert.deepEqual(s?.rules[1]?.elseAction, { kind: 'alert' });
  });

  void test('tests of the host in other service types, and reboot outside check system, are errors', async () => {
    assert.deepEqual(
      await errorsOf(
        [
          'check file f with path /f',
          '  if swap > 10% then alert',
          '  if loadavg (5min) > 3 then alert',
          'check process p with pidfile /p',
          '  if cpu wait > 20% then alert',
          '  if loadavg > 3 then reboot',
          'check system h',
          '  if loadavg (2min) > 3 then alert',
          '  if cpu > 101% then alert',
          '  if memory > 80 parsecs then alert',
          '  if failed port 1883 then reboot',
          '',
        ].join('\n'),
      ),
      [
        "s.rc:2:3: 'swap' of the host applies to 'check system' only",
        "s.rc:3:3: 'loadavg' tests apply to 'check system' and 'check process' only",
        "s.rc:6:23: the 'reboot' action applies to 'check system' only",
        "s.rc:8:15: expected 1min, 5min or 15min after 'loadavg', found '2'",
        's.rc:9:12: cpu 101% is out of range (0–100%)',
        "s.rc:10:18: expected a size unit (B, kB, MB, GB) or % after 80, found 'parsecs'",
      ],
    );
  });

  void test('filedescriptors: total only in a process and as a count; a size or another service type is an error', async () => {
    assert.deepEqual(
      await errorsOf(
        [
          'check system h',
          '  if total filedescriptors > 10 then alert',
          '  if filedescriptors > 5 MB then alert',
          'check process p with pidfile /p',
          '  if total filedescriptors > 90% then alert',
          '  if filedescriptors > 101% then alert',
          'check file f with path /f',
          '  if filedescriptors > 10 then alert',
          '',
        ].join('\n'),
      ),
      [
        "s.rc:2:12: 'total filedescriptors' applies to 'check process' only (a process and its children)",
        "s.rc:3:24: expected a number or a percentage after 'filedescriptors >', found '5'",
        "s.rc:5:30: 'total filedescriptors' is a count (the children have limits of their own): drop the %",
        's.rc:6:24: filedescriptors > 101% is out of range (0–100%)',
        "s.rc:8:3: 'filedescriptors' tests apply to 'check system' and 'check process' only",
      ],
    );
  });

  void test('set reboot program: what the reboot action runs, printed back', async () => {
    const { config } = await parseRules(
      'set reboot program = "/usr/local/sbin/safe-reboot --now"\ncheck system h\n  if loadavg (15min) per core > 4 for 10 cycles then reboot\n',
      's.rc',
    );
    assert.deepEqual(config.rebootProgram, { argv: ['/usr/local/sbin/safe-reboot', '--now'] });
    assert.deepEqual(config.services[0]?.rules[0]?.action, { kind: 'reboot' });
  });
});
