// `check file` rules run on real files in a temporary folder: modification time in both directions,
// size, checksums (expected and changed), changed timestamp and size, permission, owner and group,
// and existence. Each rule is parsed from rules text and run through the check registry.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmod, chown, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import type { TempDir } from '../helpers/tmp.js';
import { checkOf } from './parsed.js';
import type { RuleUnderTest } from './parsed.js';

let dir: TempDir;
let n = 0;
before(async () => {
  dir = await tempDir('bw-file-');
});
after(async () => {
  await dir.cleanup();
});

/** A fresh file holding CONTENT, and the check of `check file` with RULE on it. */
async function fileRule(
  rule: string,
  content: string | null = 'hello\n',
): Promise<{ path: string; check: RuleUnderTest }> {
  const path = join(dir.path, `f${++n}`);
  if (content !== null) await writeFile(path, content);
  const check = await checkOf(`check file f with path ${path}\n  if ${rule} then alert\n`);
  return { path, check };
}

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
const sha1 = (s: string): string => createHash('sha1').update(s).digest('hex');

// Whole seconds, so the file system keeps the mtime exactly; `now` is set from it.
const MTIME_S = 1_700_000_000;
const MINUTE = 60_000;

void describe('timestamp', () => {
  /** A file modified AGE_MS before the cycle's `now`, and one cycle of RULE on it. */
  async function aged(rule: string, ageMs: number): Promise<ReturnType<RuleUnderTest['cycle']>> {
    const { path, check } = await fileRule(rule);
    await utimes(path, MTIME_S, MTIME_S);
    return check.cycle({ now: MTIME_S * 1000 + ageMs });
  }

  void test('`timestamp > 5 minutes` fails for a file modified 10 minutes ago, not for one 1 minute old', async () => {
    const old = await aged('timestamp > 5 minutes', 10 * MINUTE);
    assert.equal(old.status, 'failed');
    assert.equal(old.class, 'file');
    assert.match(old.message, /modified 600 s ago/);
    const fresh = await aged('timestamp > 5 minutes', 1 * MINUTE);
    assert.equal(fresh.status, 'ok', fresh.message);
    assert.match(fresh.message, /modified 60 s ago/);
  });

  void test('`timestamp < 5 minutes` fails for a file modified 1 minute ago, not for one 10 minutes old', async () => {
    assert.equal((await aged('timestamp < 5 minutes', 1 * MINUTE)).status, 'failed');
    assert.equal((await aged('timestamp < 5 minutes', 10 * MINUTE)).status, 'ok');
  });

  void test('the limit itself: > and >= differ at exactly the limit, and = matches only it', async () => {
    assert.equal((await aged('timestamp > 5 minutes', 5 * MINUTE)).status, 'ok');
    assert.equal((await aged('timestamp >= 5 minutes', 5 * MINUTE)).status, 'failed');
    assert.equal((await aged('timestamp <= 5 minutes', 5 * MINUTE)).status, 'failed');
    assert.equal((await aged('timestamp <= 5 minutes', 5 * MINUTE + 1)).status, 'ok');
    assert.equal((await aged('timestamp = 5 minutes', 5 * MINUTE)).status, 'failed');
    assert.equal((await aged('timestamp = 5 minutes', 5 * MINUTE + 1_000)).status, 'ok');
    assert.equal((await aged('timestamp != 5 minutes', 5 * MINUTE)).status, 'ok');
    assert.equal((await aged('timestamp != 5 minutes', 6 * MINUTE)).status, 'failed');
  });

  void test('the age is measured from the modification time, not from the epoch', async () => {
    // A file touched now, with `now` the real clock: its age is about 0, far below an hour.
    const { check } = await fileRule('timestamp > 1 hour');
    const r = await check.cycle();
    assert.equal(r.status, 'ok', r.message);
    const age = Number(/modified (-?\d+) s ago/.exec(r.message)?.[1]);
    assert.ok(age >= 0 && age < 3_600, r.message);
  });

  void test('the monit spelling `if mtime gt 2 minutes` reads the same', async () => {
    assert.equal((await aged('mtime gt 2 minutes', 3 * MINUTE)).status, 'failed');
    assert.equal((await aged('mtime gt 2 minutes', 1 * MINUTE)).status, 'ok');
  });
});

void describe('size', () => {
  void test('`size > 10 B` fails for 11 bytes and passes for 10; the message gives the size', async () => {
    const big = await fileRule('size > 10 B', 'x'.repeat(11));
    const r = await big.check.cycle();
    assert.equal(r.status, 'failed');
    assert.equal(r.class, 'file');
    assert.match(r.message, /is 11 B/);
    const small = await fileRule('size > 10 B', 'x'.repeat(10));
    const s = await small.check.cycle();
    assert.equal(s.status, 'ok');
    assert.match(s.message, /is 10 B/);
  });

  void test('`size < 1 kB` fails for a small file and passes once it grows past the limit', async () => {
    const { path, check } = await fileRule('size < 1 kB', 'tiny');
    assert.equal((await check.cycle()).status, 'failed');
    await writeFile(path, 'x'.repeat(2048));
    assert.equal((await check.cycle()).status, 'ok');
  });

  void test('`size = 0 B` catches an emptied file', async () => {
    const { path, check } = await fileRule('size = 0 B', 'data');
    assert.equal((await check.cycle()).status, 'ok');
    await writeFile(path, '');
    assert.equal((await check.cycle()).status, 'failed');
  });
});

void describe('checksum', () => {
  void test('md5 with `expect`: ok while the content matches, failed once it changes', async () => {
    const content = 'listener 1883\n';
    const { path, check } = await fileRule(`failed md5 checksum expect ${md5(content)}`, content);
    const r = await check.cycle();
    assert.equal(r.status, 'ok', r.message);
    assert.match(r.message, new RegExp(md5(content)));
    await writeFile(path, 'listener 1884\n');
    const bad = await check.cycle();
    assert.equal(bad.status, 'failed');
    assert.equal(bad.class, 'file');
    assert.match(bad.message, new RegExp(`checksum ${md5('listener 1884\n')}, expected ${md5(content)}`));
  });

  void test('sha1 with `expect` hashes with SHA1 (an MD5 of the same content does not match)', async () => {
    const content = 'allow_anonymous false\n';
    const ok = await fileRule(`failed sha1 checksum expect ${sha1(content)}`, content);
    assert.equal((await ok.check.cycle()).status, 'ok');
    const changed = await fileRule(`failed sha1 checksum expect ${sha1(content)}`, content + '#');
    assert.equal((await changed.check.cycle()).status, 'failed');
  });

  void test('an expected sum of 40 digits means SHA1 even without the word', async () => {
    const content = 'x';
    const { check } = await fileRule(`failed checksum expect ${sha1(content)}`, content);
    assert.equal((await check.cycle()).status, 'ok');
  });

  void test('without `expect`, `failed checksum` fails once when the content changes, then takes it as the new sum', async () => {
    const { path, check } = await fileRule('failed checksum', 'one');
    assert.equal((await check.cycle()).status, 'ok');
    assert.equal((await check.cycle()).status, 'ok');
    await writeFile(path, 'two');
    const r = await check.cycle();
    assert.equal(r.status, 'failed');
    assert.match(r.message, /checksum changed/);
    assert.equal((await check.cycle()).status, 'ok');
  });

  void test('`changed checksum`: same content rewritten is no change; new content is', async () => {
    const { path, check } = await fileRule('changed checksum', 'a');
    const first = await check.cycle();
    assert.equal(first.status, 'ok');
    assert.match(first.message, new RegExp(md5('a')));
    await writeFile(path, 'a');
    assert.equal((await check.cycle()).status, 'ok');
    await writeFile(path, 'b');
    assert.equal((await check.cycle()).status, 'failed');
    assert.equal((await check.cycle()).status, 'ok');
  });
});

void describe('changed timestamp and size', () => {
  void test('`changed timestamp` fails once when the mtime moves, whatever the content', async () => {
    const { path, check } = await fileRule('changed timestamp', 'same');
    await utimes(path, MTIME_S, MTIME_S);
    assert.equal((await check.cycle()).status, 'ok');
    assert.equal((await check.cycle()).status, 'ok');
    await utimes(path, MTIME_S + 10, MTIME_S + 10);
    const r = await check.cycle();
    assert.equal(r.status, 'failed');
    assert.equal(r.class, 'file');
    assert.match(r.message, /timestamp changed/);
    assert.equal((await check.cycle()).status, 'ok');
  });

  void test('`changed size` ignores a rewrite of the same length and catches a new length', async () => {
    const { path, check } = await fileRule('changed size', 'abc');
    assert.equal((await check.cycle()).status, 'ok');
    await writeFile(path, 'xyz');
    assert.equal((await check.cycle()).status, 'ok');
    await writeFile(path, 'abcd');
    const r = await check.cycle();
    assert.equal(r.status, 'failed');
    assert.match(r.message, /size changed/);
  });
});

void describe('permission, owner and group', () => {
  void test('`failed permission 640` passes on mode 640 and fails on 644, naming both modes', async () => {
    const { path, check } = await fileRule('failed permission 640');
    await chmod(path, 0o640);
    const r = await check.cycle();
    assert.equal(r.status, 'ok', r.message);
    await chmod(path, 0o644);
    const bad = await check.cycle();
    assert.equal(bad.status, 'failed');
    assert.equal(bad.class, 'file');
    assert.match(bad.message, /mode 644, not 640/);
  });

  void test('setuid and sticky bits count: 4755 is not 755', async () => {
    const { path, check } = await fileRule('failed permission 4755');
    await chmod(path, 0o4755);
    assert.equal((await check.cycle()).status, 'ok');
    await chmod(path, 0o755);
    assert.equal((await check.cycle()).status, 'failed');
  });

  /** The user or group name of ID in an /etc/passwd-like FILE. */
  function nameOf(file: string, id: number): string | undefined {
    return readFileSync(file, 'utf8')
      .split('\n')
      .map((l) => l.split(':'))
      .find((f) => f[2] === String(id))?.[0];
  }

  void test('`failed uid` accepts the owner by number and by name, and fails for another user', async () => {
    const probe = await fileRule('failed uid 0');
    const { uid } = await stat(probe.path);
    const name = nameOf('/etc/passwd', uid);
    assert.ok(name, `uid ${uid} has a name`);
    assert.equal((await (await fileRule(`failed uid ${uid}`)).check.cycle()).status, 'ok');
    assert.equal((await (await fileRule(`failed uid ${name}`)).check.cycle()).status, 'ok');
    const other = await fileRule(`failed uid ${uid + 4242}`);
    const r = await other.check.cycle();
    assert.equal(r.status, 'failed');
    assert.match(r.message, new RegExp(`owned by uid ${uid}, not ${uid + 4242}`));
    assert.equal((await (await fileRule('failed uid no-such-user-bw')).check.cycle()).status, 'failed');
  });

  void test('`failed gid` accepts the group by number and by name, and fails for another group', async () => {
    const probe = await fileRule('failed gid 0');
    const { gid } = await stat(probe.path);
    const name = nameOf('/etc/group', gid);
    assert.ok(name, `gid ${gid} has a name`);
    assert.equal((await (await fileRule(`failed gid ${gid}`)).check.cycle()).status, 'ok');
    assert.equal((await (await fileRule(`failed gid ${name}`)).check.cycle()).status, 'ok');
    const r = await (await fileRule(`failed gid ${gid + 4242}`)).check.cycle();
    assert.equal(r.status, 'failed');
    assert.match(r.message, new RegExp(`gid ${gid}, not ${gid + 4242}`));
  });

  void test('an owner named in the middle of /etc/passwd is found by name (when the test may chown)', async (t) => {
    const entries = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .map((l) => l.split(':'))
      .filter((f) => f.length > 3);
    const later = entries[1];
    assert.ok(later?.[0] && later[2] && later[3]);
    const { path, check } = await fileRule(`failed uid ${later[0]}`);
    try {
      await chown(path, Number(later[2]), Number(later[3]));
    } catch {
      t.skip('not allowed to chown here');
      return;
    }
    const r = await check.cycle();
    assert.equal(r.status, 'ok', r.message);
  });

  void test('a file handed to another owner fails the owner rule (when the test may chown)', async (t) => {
    const { path, check } = await fileRule(`failed uid ${process.getuid?.() ?? 0}`);
    assert.equal((await check.cycle()).status, 'ok');
    try {
      await chown(path, 4242, 4242);
    } catch {
      t.skip('not allowed to chown here');
      return;
    }
    assert.equal((await check.cycle()).status, 'failed');
  });
});

void describe('existence', () => {
  void test('`does not exist` fails while the file is missing and passes once it is there', async () => {
    const { path, check } = await fileRule('does not exist', null);
    const r = await check.cycle();
    assert.equal(r.status, 'failed');
    assert.equal(r.class, 'file');
    assert.match(r.message, /does not exist/);
    await writeFile(path, 'x');
    assert.equal((await check.cycle()).status, 'ok');
  });

  void test('`exist` fails while the file is there and passes once it is removed', async () => {
    const { path, check } = await fileRule('exist');
    const r = await check.cycle();
    assert.equal(r.status, 'failed');
    assert.equal(r.class, 'file');
    assert.match(r.message, /exists/);
    await rm(path);
    assert.equal((await check.cycle()).status, 'ok');
  });

  void test('a value test on a missing file is not measurable (init), not a failure', async () => {
    for (const rule of [
      'timestamp > 1 minute',
      'size > 1 B',
      'failed checksum',
      'failed permission 644',
      'changed size',
    ]) {
      const { check } = await fileRule(rule, null);
      const r = await check.cycle();
      assert.equal(r.status, 'init', rule);
      assert.match(r.message, /does not exist/, rule);
    }
  });
});
