// `check filesystem`: its rules read the file system of the test's own folder (statfs, mountinfo,
// the block device's counters), judged against thresholds the test computes from its own statfs,
// far from the values on both sides; rates on virtual time given to the observer.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { open, readFile, realpath, stat, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { createCheck } from '../../src/checks/registry.js';
import type { CheckResult } from '../../src/checks/result.js';
import { ConfigError, formatDiagnostic } from '../../src/config/diagnostics.js';
import { parseRules } from '../../src/config/loader.js';
import { tempDir } from '../helpers/tmp.js';
import { observedService, parseService } from './parsed.js';

const MB = 1024 * 1024;
let dir: { path: string; cleanup(): Promise<void> };
before(async () => {
  dir = await tempDir('bw-fs-');
});
after(() => dir?.cleanup());

/** A filesystem service on PATH with RULES, run cycle after cycle at virtual times. */
function fsRules(path: string, rules: readonly string[]) {
  return observedService(`check filesystem data with path ${path}\n${rules.map((r) => `  ${r}\n`).join('')}`);
}

const statuses = (rs: readonly CheckResult[]): string[] => rs.map((r) => r.status);

/** The mount of PATH as the test reads /proc/self/mountinfo itself: mount point and source. */
async function mountOfDir(path: string): Promise<{ mountPoint: string; source: string }> {
  let best = { mountPoint: '', source: '' };
  for (const line of (await readFile('/proc/self/mountinfo', 'utf8')).split('\n')) {
    const [l, r] = line.split(' - ');
    const mp = l?.split(' ')[4];
    if (!mp || !r) continue;
    if ((mp === '/' || path === mp || path.startsWith(`${mp}/`)) && mp.length >= best.mountPoint.length)
      best = { mountPoint: mp, source: r.split(' ')[1] ?? '' };
  }
  return best;
}

void describe('check filesystem against the test folder’s file system', () => {
  void test('space and inodes: used and free, in % and in amounts, from statfs', async () => {
    const s = await statfs(dir.path);
    const total = s.blocks * s.bsize;
    const used = total - s.bfree * s.bsize;
    const usedPct = (used / total) * 100;
    const avail = s.bavail * s.bsize;
    const inodesUsed = s.files - s.ffree;
    const rules = [
      `if space usage > ${Math.floor(usedPct / 2)}% then alert`,
      `if space usage > ${Math.ceil(usedPct + (100 - usedPct) / 2)}% then alert`,
      `if space usage > ${Math.floor(used / 2 / MB)} MB then alert`,
      `if space usage > ${Math.ceil((used * 2) / MB) + 1024} MB then alert`,
      `if space free < ${Math.floor(avail / 2 / MB)} MB then alert`,
      `if space free < ${Math.ceil((avail * 2) / MB) + 1} MB then alert`,
    ];
    if (s.files > 0)
      rules.push(
        `if inode usage > ${Math.floor(inodesUsed / 2)} then alert`,
        `if inodes free > ${s.ffree * 2 + 10} then alert`,
      );
    const fs = await fsRules(dir.path, rules);
    const { results, observed } = await fs.cycle(Date.UTC(2026, 0, 1));
    assert.deepEqual(statuses(results), [
      'failed',
      'ok',
      'failed',
      'ok',
      'ok',
      'failed',
      ...(s.files > 0 ? ['failed', 'ok'] : []),
    ]);
    assert.equal(results[0]?.class, 'resource');
    assert.match(results[0]?.message ?? '', /^space usage [\d.]+%$/);
    assert.ok(observed.ok);
    const m = await mountOfDir(await realpath(dir.path));
    assert.equal(observed.facts['mountPoint'], m.mountPoint);
    assert.ok(Math.abs(Number(observed.facts['spaceUsedPercent']) - usedPct) < 1);
  });

  void test('the device behind the folder names the same file system; a missing path fails', async () => {
    const m = await mountOfDir(await realpath(dir.path));
    if (m.source.startsWith('/dev/')) {
      const fs = await fsRules(m.source, ['if space usage > 100% then alert']);
      const { results, observed } = await fs.cycle(0);
      assert.deepEqual(statuses(results), ['ok']);
      assert.ok(observed.ok && observed.facts['mountPoint'] === m.mountPoint);
    }
    const missing = await fsRules(join(dir.path, 'nope', 'nothing'), ['if space usage > 100% then alert']);
    const { results, implicit } = await missing.cycle(0);
    // One failure, monit's "does not exist" (an alert: no start program to mount it), not one per threshold.
    assert.deepEqual(statuses(results), ['init']);
    assert.equal(implicit?.status, 'failed');
    assert.equal(implicit?.class, 'file');
    assert.match(implicit?.message ?? '', /^filesystem .*nothing is not mounted or does not exist$/);
    assert.deepEqual(
      missing.service.rules.map((r) => [r.condition.kind, r.action.kind, r.implicit === true]),
      [
        ['nonexist', 'alert', true],
        ['space', 'alert', false],
      ],
    );
    const mounted = await fsRules(dir.path, ['if space usage > 100% then alert']);
    const there = await mounted.cycle(0);
    assert.equal(there.implicit?.status, 'ok');
  });

  void test('read and write rates and service time: per second of virtual time between two cycles', async () => {
    const fs = await fsRules(dir.path, [
      'if write rate >= 0 B/s then alert',
      'if write rate > 1000 GB/s then alert',
      'if read rate > 1000000 operations/s then alert',
      'if service time > 1000 seconds then alert',
    ]);
    const t0 = Date.UTC(2026, 0, 1);
    const first = await fs.cycle(t0);
    assert.ok(first.observed.ok);
    if (!('writeBytes' in first.observed.facts)) {
      // Not a block device here (tmpfs, overlay): nothing to rate.
      assert.match(first.results[0]?.message ?? '', /^no I\/O counters for /);
      return;
    }
    assert.deepEqual(statuses(first.results), ['init', 'init', 'init', 'init']);
    // Write and sync 1 MB, so the device's write counter moves.
    const f = await open(join(dir.path, 'blob'), 'w');
    await f.write(Buffer.alloc(MB, 7));
    await f.sync();
    await f.close();
    const second = await fs.cycle(t0 + 2000);
    assert.deepEqual(statuses(second.results), ['failed', 'ok', 'ok', 'ok']);
    const before = Number(first.observed.facts['writeBytes']);
    const afterBytes = Number(second.observed.ok ? second.observed.facts['writeBytes'] : 0);
    // Over 2 virtual seconds: the rate is the counter's delta halved.
    assert.equal(second.results[0]?.metrics?.['writeBytesPerSecond'], (afterBytes - before) / 2);
    assert.ok(afterBytes - before >= MB, `${afterBytes - before} bytes written`);
  });

  void test('changed fsflags: an event when the mount flags differ from the last cycle', async () => {
    const service = await parseService(
      `check filesystem data with path ${dir.path}\n  if changed fsflags then alert\n`,
    );
    const rule = service.rules.find((r) => r.condition.kind === 'fsflags');
    assert.ok(rule);
    const check = createCheck(service, rule);
    const memo = new Map<string, unknown>();
    const run = (flags: string) =>
      check?.run({
        service,
        rule,
        signal: new AbortController().signal,
        memo,
        now: 0,
        observed: { ok: true, facts: { flags } },
      });
    assert.equal((await run('rw,relatime'))?.status, 'ok');
    assert.equal((await run('rw,relatime'))?.status, 'ok');
    const changed = await run('ro,relatime');
    assert.equal(changed?.status, 'failed');
    assert.equal(changed?.message, 'fsflags changed from rw,relatime to ro,relatime');
  });
});

void describe('check filesystem in the rules language', () => {
  void test('check device is check filesystem; its tests elsewhere are errors at file:line:col', async () => {
    const { config } = await parseRules('check device rootfs with path /\n  if space usage > 90% then alert\n', 'f.rc');
    assert.equal(config.services[0]?.type, 'filesystem');
    let errors: string[] = [];
    try {
      await parseRules(
        [
          'check file f with path /f',
          '  if space usage > 90% then alert',
          '  if changed fsflags then alert',
          'check filesystem r with path /',
          '  if read rate > 1 parsec/s then alert',
          '  if inode usage > 101% then alert',
          '  if service time > 10 then alert',
          '',
        ].join('\n'),
        'f.rc',
      );
    } catch (e) {
      assert.ok(e instanceof ConfigError);
      errors = e.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);
    }
    assert.deepEqual(errors, [
      "f.rc:2:3: 'space' tests apply to 'check filesystem' only",
      "f.rc:3:3: 'changed fsflags' tests apply to 'check filesystem' only",
      "f.rc:5:20: expected a unit per second (B/s, kB/s, MB/s or operations/s), found 'parsec/s'",
      'f.rc:6:20: inode > 101% is out of range (0–100%)',
    ]);
  });
});

void describe('permission, uid and gid of a filesystem service', () => {
  void test('are those of the mount point, whatever path inside it the service names', async () => {
    const real = await realpath(dir.path);
    const mp = (await mountOfDir(real)).mountPoint;
    const st = await stat(mp);
    const mode = (st.mode & 0o7777).toString(8);
    const fs = await fsRules(dir.path, [
      `if failed permission ${mode} then alert`,
      `if failed uid ${st.uid} then alert`,
      `if failed gid ${st.gid + 1} then alert`,
    ]);
    const { results } = await fs.cycle(0);
    assert.deepEqual(statuses(results), ['ok', 'ok', 'failed']);
  });
});
