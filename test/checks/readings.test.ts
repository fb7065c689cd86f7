// The host, file system and network tests judge the reading their service's observer made this cycle
// (named facts). Here each is given a reading written by the test, far from /proc's moving numbers,
// so the verdict, the message and the metrics a user sees can be asserted exactly.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createCheck } from '../../src/checks/registry.js';
import type { CheckResult } from '../../src/checks/result.js';
import type { Facts, Observed } from '../../src/observers/kind.js';
import { parseService } from './parsed.js';

/** A service of HEADER with RULES (each `if … then alert`), judged against the readings in turn. */
async function judged(
  header: string,
  rules: readonly string[],
  readings: readonly (Observed | undefined)[],
  times: readonly number[] = [],
) {
  const service = await parseService(`${header}\n${rules.map((r) => `  if ${r} then alert\n`).join('')}`);
  const explicit = service.rules.filter((r) => !r.implicit);
  const memos = explicit.map(() => new Map<string, unknown>());
  const signal = new AbortController().signal;
  const cycles: CheckResult[][] = [];
  for (const [cycle, observed] of readings.entries()) {
    const now = times[cycle] ?? 0;
    const results: CheckResult[] = [];
    for (const [i, rule] of explicit.entries()) {
      const check = createCheck(service, rule);
      assert.ok(check, rule.condition.kind);
      const memo = memos[i] ?? new Map<string, unknown>();
      const r = await check.run({ service, rule, signal, memo, now, ...(observed ? { observed } : {}) });
      assert.ok(r);
      results.push(r);
    }
    cycles.push(results);
  }
  return cycles;
}

/** The results of the first cycle. */
const firstCycle = async (...args: Parameters<typeof judged>) => (await judged(...args))[0] ?? [];
/** The result of a service's only rule, cycle by cycle. */
const onlyRule = async (...args: Parameters<typeof judged>) => (await judged(...args)).map(([r]) => r);

const reading = (facts: Facts): Observed => ({ ok: true, facts });
const missing = (message: string): Observed => ({ ok: false, message });
/** Status, message, class (when failed) and metrics: what a result shows. */
const shown = (r: CheckResult | undefined) => [r?.status, r?.message, r?.class, r?.metrics];

const FS = 'check filesystem data with path /srv';
const HOST = 'check system host';
const NET = 'check network net with interface eth0';

void describe('file system readings', () => {
  void test('read and write rates in bytes and operations; the first sample primes; no counters is no verdict', async () => {
    const rules = ['write rate > 1 MB/s', 'read rate > 100 operations/s', 'read rate > 10 kB/s'];
    const [first, rated, noDevice] = await judged(FS, rules, [
      reading({ device: '/dev/sda1', writeBytesPerSecond: null, readOpsPerSecond: null, readBytesPerSecond: null }),
      reading({
        device: '/dev/sda1',
        writeBytesPerSecond: 2 * 1048576,
        readOpsPerSecond: 99.96,
        readBytesPerSecond: 10240,
      }),
      reading({ device: 'tmpfs' }),
    ]);
    assert.deepEqual(first?.map(shown), [
      ['init', 'write rate (first sample)', undefined, undefined],
      ['init', 'read rate (first sample)', undefined, undefined],
      ['init', 'read rate (first sample)', undefined, undefined],
    ]);
    assert.deepEqual(rated?.map(shown), [
      ['failed', 'write rate 2048.0 kB/s', 'resource', { writeBytesPerSecond: 2097152 }],
      ['ok', 'read rate 100.0 operations/s', undefined, { readOpsPerSecond: 99.96 }],
      ['ok', 'read rate 10.0 kB/s', undefined, { readBytesPerSecond: 10240 }],
    ]);
    assert.deepEqual(
      noDevice?.map((r) => [r.status, r.message]),
      Array(3).fill(['init', 'no I/O counters for tmpfs (not a block device)']),
    );
    const unnamed = (await judged(FS, ['write rate > 1 MB/s'], [reading({})]))[0]?.[0];
    assert.equal(unnamed?.message, 'no I/O counters for this file system (not a block device)');
  });

  void test('service time: the slower of read and write, to the microsecond', async () => {
    const [first, slow, fast] = await judged(
      FS,
      ['service time > 10 milliseconds'],
      [
        reading({ readServiceTimeMs: null, writeServiceTimeMs: 1 }),
        reading({ readServiceTimeMs: 2.5, writeServiceTimeMs: 12.3456 }),
        reading({ readServiceTimeMs: 10, writeServiceTimeMs: 0.25 }),
      ],
    );
    assert.deepEqual(shown(first?.[0]), [
      'init',
      'service time (first sample, or no block device)',
      undefined,
      undefined,
    ]);
    assert.deepEqual(shown(slow?.[0]), [
      'failed',
      'service time 12.346 ms/operation (read 2.500 ms, write 12.346 ms)',
      'resource',
      { readServiceTimeMs: 2.5, writeServiceTimeMs: 12.3456 },
    ]);
    assert.deepEqual(
      [fast?.[0]?.status, fast?.[0]?.message],
      ['ok', 'service time 10.000 ms/operation (read 10.000 ms, write 0.250 ms)'],
    );
  });

  void test('inodes: none to count on some file systems; used and free as counts or shares', async () => {
    const rules = ['inode usage > 90%', 'inodes free < 100', 'inode free < 5%'];
    const [none, counted] = await judged(FS, rules, [
      reading({ inodesTotal: 0 }),
      reading({ inodesTotal: 1000, inodesUsedPercent: 95.55, inodesFree: 45, inodesFreePercent: 4.5 }),
    ]);
    assert.deepEqual(
      none?.map((r) => [r.status, r.message]),
      Array(3).fill(['init', 'this file system has no inodes to count']),
    );
    assert.deepEqual(counted?.map(shown), [
      ['failed', 'inode usage 95.5%', 'resource', { inodesUsedPercent: 95.55 }],
      ['failed', 'inode free 45', 'resource', { inodesFree: 45 }],
      ['failed', 'inode free 4.5%', 'resource', { inodesFreePercent: 4.5 }],
    ]);
  });

  void test('space used and free, as shares and sizes', async () => {
    const rules = ['space usage > 90%', 'space free < 10%', 'space free < 1 GB'];
    const [used, freePct, freeBytes] = await firstCycle(FS, rules, [
      reading({ spaceUsedPercent: 91.25, spaceAvailablePercent: 8.75, spaceAvailableBytes: 512 * 1048576 }),
    ]);
    assert.deepEqual([used, freePct, freeBytes].map(shown), [
      ['failed', 'space usage 91.3%', 'resource', { spaceUsedPercent: 91.25 }],
      ['failed', 'space free 8.8%', 'resource', { spaceAvailablePercent: 8.75 }],
      ['failed', 'space free 512.0 MB', 'resource', { spaceAvailableBytes: 536870912 }],
    ]);
  });

  void test('changed fsflags: the flags named each cycle; a remount is one failure', async () => {
    const cycles = await judged(
      FS,
      ['changed fsflags'],
      [reading({ flags: 'rw,relatime' }), reading({ flags: 'rw,relatime' }), reading({ flags: 'ro,relatime' })],
    );
    assert.deepEqual(
      cycles.map(([r]) => shown(r)),
      [
        ['ok', 'fsflags rw,relatime', undefined, undefined],
        ['ok', 'fsflags rw,relatime', undefined, undefined],
        ['failed', 'fsflags changed from rw,relatime to ro,relatime', 'file', undefined],
      ],
    );
  });

  void test('a file system not mounted, or not looked at yet, gives no verdict on any test', async () => {
    const rules = [
      'space usage > 90%',
      'inode usage > 90%',
      'read rate > 1 MB/s',
      'service time > 1 s',
      'changed fsflags',
    ];
    const [before, gone] = await judged(FS, rules, [undefined, missing('/srv is not mounted')]);
    assert.deepEqual(
      before?.map((r) => [r.status, r.message]),
      Array(rules.length).fill(['init', 'not observed yet']),
    );
    assert.deepEqual(
      gone?.map((r) => [r.status, r.message]),
      Array(rules.length).fill(['init', '/srv is not mounted']),
    );
  });
});

void describe('host readings', () => {
  void test('cpu shares: the first sample primes; each share judged on its own fact', async () => {
    const rules = ['cpu usage > 80%', 'cpu wait > 20%', 'cpu user > 50%'];
    const [first, busy] = await judged(HOST, rules, [
      reading({ cpuUsage: null, cpuWait: null, cpuUser: null }),
      reading({ cpuUsage: 85.04, cpuWait: 20, cpuUser: 12.25 }),
    ]);
    assert.deepEqual(
      first?.map((r) => [r.status, r.message]),
      [
        ['init', 'cpu usage (first sample)'],
        ['init', 'cpu wait (first sample)'],
        ['init', 'cpu user (first sample)'],
      ],
    );
    assert.deepEqual(busy?.map(shown), [
      ['failed', 'cpu usage 85.0%', 'resource', { cpuUsage: 85.04 }],
      ['ok', 'cpu wait 20.0%', undefined, { cpuWait: 20 }],
      ['ok', 'cpu user 12.3%', undefined, { cpuUser: 12.25 }],
    ]);
  });

  void test('memory and swap as shares and sizes', async () => {
    const rules = ['memory usage > 80%', 'swap usage > 100 MB', 'mem > 1 GB'];
    const [mem, swap, memBytes] = await firstCycle(HOST, rules, [
      reading({ memoryPercent: 80.01, swapBytes: 100 * 1048576, memoryBytes: 3 * 1073741824 }),
    ]);
    assert.deepEqual([mem, swap, memBytes].map(shown), [
      ['failed', 'memory usage 80.0%', 'resource', { memoryPercent: 80.01 }],
      ['ok', 'swap usage 100.0 MB', undefined, { swapBytes: 104857600 }],
      ['failed', 'memory usage 3072.0 MB', 'resource', { memoryBytes: 3221225472 }],
    ]);
  });

  void test('every cpu share is judged on its own fact', async () => {
    const shares = ['nice', 'hardirq', 'softirq', 'steal', 'guest', 'guestnice'] as const;
    const facts = ['cpuNice', 'cpuHardirq', 'cpuSoftirq', 'cpuSteal', 'cpuGuest', 'cpuGuestnice'];
    const [results] = await judged(
      HOST,
      shares.map((s) => `cpu ${s} > 50%`),
      [reading(Object.fromEntries(facts.map((f, i) => [f, 10 * (i + 1)])))],
    );
    assert.deepEqual(
      results?.map((r) => [r.message, r.metrics]),
      shares.map((s, i) => [`cpu ${s} ${10 * (i + 1)}.0%`, { [facts[i] ?? '']: 10 * (i + 1) }]),
    );
  });

  void test('the host not looked at yet, or not readable, gives no verdict on any test', async () => {
    // (A load average rule reads /proc/loadavg itself when the host's reading has none.)
    const rules = ['cpu > 90%', 'memory > 90%', 'uptime < 1 minute', 'filedescriptors > 90%'];
    const [before, gone] = await judged(HOST, rules, [undefined, missing('/proc is not mounted')]);
    assert.deepEqual(
      before?.map((r) => [r.status, r.message]),
      Array(4).fill(['init', 'not observed yet']),
    );
    assert.deepEqual(
      gone?.map((r) => [r.status, r.message]),
      Array(4).fill(['init', '/proc is not mounted']),
    );
  });

  void test('uptime in seconds against a duration; no /proc/uptime is no verdict', async () => {
    const [young, old, none] = await onlyRule(
      HOST,
      ['uptime < 5 minutes'],
      [reading({ uptimeSeconds: 299 }), reading({ uptimeSeconds: 300 }), reading({})],
    );
    assert.deepEqual(shown(young), ['failed', 'uptime 299 s', 'resource', { uptimeSeconds: 299 }]);
    assert.deepEqual(shown(old), ['ok', 'uptime 300 s', undefined, { uptimeSeconds: 300 }]);
    assert.deepEqual([none?.status, none?.message], ['init', 'no /proc/uptime']);
  });

  void test('open descriptors of the host: a share of the maximum or a count, minus the unused', async () => {
    const rules = ['filedescriptors > 50%', 'filedescriptors > 1000'];
    const [shares, empty] = await judged(HOST, rules, [
      reading({ filesAllocated: 1200, filesUnused: 100, filesMaximum: 2000 }),
      reading({ filesAllocated: 1200, filesMaximum: 0 }),
    ]);
    const [share, count] = shares ?? [];
    const none = empty?.[0];
    assert.deepEqual([share, count].map(shown), [
      ['failed', 'filedescriptors 55.0% (1100 of 2000)', 'resource', { filedescriptors: 1100 }],
      ['failed', 'filedescriptors 1100 (1100 of 2000)', 'resource', { filedescriptors: 1100 }],
    ]);
    assert.deepEqual([none?.status, none?.message], ['init', 'no descriptor counts here (/proc/sys/fs/file-nr)']);
  });

  void test('load averages of each period, whole or per core', async () => {
    const rules = ['loadavg (1min) > 4', 'loadavg (5min) per core > 0.5', 'loadavg (15min) > 2'];
    const [one, perCore, fifteen] = await firstCycle(HOST, rules, [
      reading({ load1: 4.5, load5: 3, load15: 1.999, cores: 4 }),
    ]);
    assert.deepEqual([one, perCore, fifteen].map(shown), [
      ['failed', 'loadavg (1min) 4.50', 'resource', { load1: 4.5 }],
      ['failed', 'loadavg (5min) per core 0.75', 'resource', { load5: 3 }],
      ['ok', 'loadavg (15min) 2.00', undefined, { load15: 1.999 }],
    ]);
  });
});

void describe('network readings', () => {
  void test('link down and link up: the state named with the kernel’s operstate; not there is not up', async () => {
    const rules = ['link down', 'link up'];
    const [before, up, down, gone] = await judged(NET, rules, [
      undefined,
      reading({ linkUp: 1, operstate: 'up' }),
      reading({ linkUp: 0 }),
      missing('interface eth0 does not exist'),
    ]);
    assert.deepEqual(
      before?.map((r) => [r.status, r.message]),
      Array(2).fill(['init', 'not observed yet']),
    );
    assert.deepEqual(up?.map(shown), [
      ['ok', 'link up (up)', undefined, { linkUp: 1 }],
      ['failed', 'link up (up)', 'resource', { linkUp: 1 }],
    ]);
    assert.deepEqual(down?.map(shown), [
      ['failed', 'link down (?)', 'resource', { linkUp: 0 }],
      ['ok', 'link down (?)', undefined, { linkUp: 0 }],
    ]);
    assert.deepEqual(gone?.map(shown), [
      ['failed', 'interface eth0 does not exist', 'resource', { linkUp: 0 }],
      ['ok', 'interface eth0 does not exist', undefined, { linkUp: 0 }],
    ]);
  });

  void test('changed link: speed and duplex named; a renegotiation is one failure', async () => {
    const cycles = await judged(
      NET,
      ['changed link'],
      [
        reading({ speedBitsPerSecond: 1e9, duplex: 'full' }),
        reading({ speedBitsPerSecond: 1e9, duplex: 'full' }),
        reading({ speedBitsPerSecond: 1e8, duplex: 'half' }),
        reading({}),
      ],
    );
    assert.deepEqual(
      cycles.map(([r]) => shown(r)),
      [
        ['ok', 'link 1000 Mb/s full duplex', undefined, undefined],
        ['ok', 'link 1000 Mb/s full duplex', undefined, undefined],
        ['failed', 'link changed from 1000 Mb/s full duplex to 100 Mb/s half duplex', 'resource', undefined],
        ['failed', 'link changed from 100 Mb/s half duplex to unknown speed unknown duplex', 'resource', undefined],
      ],
    );
  });

  void test('saturation: not measurable without a speed or a first sample; a share to a tenth', async () => {
    const [none, busy, calm] = await onlyRule(
      NET,
      ['saturation > 90%'],
      [reading({ saturationPercent: null }), reading({ saturationPercent: 90.06 }), reading({ saturationPercent: 90 })],
    );
    assert.deepEqual(
      [none?.status, none?.message],
      ['init', 'saturation not measurable (first sample, or a link without a speed)'],
    );
    assert.deepEqual(shown(busy), ['failed', 'saturation 90.1%', 'resource', { saturationPercent: 90.06 }]);
    assert.deepEqual(shown(calm), ['ok', 'saturation 90.0%', undefined, { saturationPercent: 90 }]);
  });

  void test('the interface not looked at yet, or gone, gives no verdict on its rates and saturation', async () => {
    const rules = ['download > 1 MB/s', 'total upload > 1 GB in last 1 hours', 'saturation > 90%', 'changed link'];
    const [before, gone] = await judged(NET, rules, [undefined, missing('interface eth0 does not exist')]);
    assert.deepEqual(
      before?.map((r) => [r.status, r.message]),
      Array(4).fill(['init', 'not observed yet']),
    );
    assert.deepEqual(
      gone?.map((r) => [r.status, r.message]),
      Array(4).fill(['init', 'interface eth0 does not exist']),
    );
  });

  void test('download and upload rates in bytes and packets; the first sample primes', async () => {
    const rules = ['download > 1 MB/s', 'upload > 100 packets/s'];
    const [first, busy] = await judged(NET, rules, [
      reading({ downloadBytesPerSecond: null, uploadPacketsPerSecond: null }),
      reading({ downloadBytesPerSecond: 1048575.6, uploadPacketsPerSecond: 100.6 }),
    ]);
    assert.deepEqual(
      first?.map((r) => [r.status, r.message]),
      [
        ['init', 'download (first sample)'],
        ['init', 'upload (first sample)'],
      ],
    );
    assert.deepEqual(busy?.map(shown), [
      ['ok', 'download 1048576 B/s', undefined, { downloadBytesPerSecond: 1048575.6 }],
      ['failed', 'upload 101 packets/s', 'resource', { uploadPacketsPerSecond: 100.6 }],
    ]);
  });

  void test('a total over a window: the growth since the newest sample at or before its start', async () => {
    const minute = 60_000;
    const counters = [100, 600, 1200, 1300, 50, 150];
    const results = await onlyRule(
      NET,
      ['total download > 1 kB in last 2 minutes'],
      counters.map((n) => reading({ downloadBytes: n })),
      counters.map((_, i) => i * minute),
    );
    assert.deepEqual(results.map(shown), [
      ['init', 'total download (first sample)', undefined, undefined],
      ['ok', 'total download 500 B', undefined, { downloadBytesTotal: 500 }],
      ['failed', 'total download 1100 B', 'resource', { downloadBytesTotal: 1100 }],
      ['ok', 'total download 700 B', undefined, { downloadBytesTotal: 700 }],
      // The counter went back (the interface was recreated): the history starts again.
      ['init', 'total download (first sample)', undefined, undefined],
      ['ok', 'total download 100 B', undefined, { downloadBytesTotal: 100 }],
    ]);
    const packets = await onlyRule(
      NET,
      ['total upload > 10 packets in last 1 minutes'],
      [reading({ uploadPackets: 5 }), reading({ uploadPackets: 20 })],
      [0, minute],
    );
    assert.deepEqual(shown(packets[1]), ['failed', 'total upload 15 packets', 'resource', { uploadPacketsTotal: 15 }]);
  });
});
