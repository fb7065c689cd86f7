// V8's compile cache for the bundled program: where it lives, which run writes it, that a second
// compile takes it, and that a folder or file another user could write is never read. Then the
// installed command itself (dist/bin/brokerwatch.js) writing and taking its caches.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, chownSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cacheName, codeCacheDir, compileCached, launchRole } from '../../src/util/code-cache.js';
import type { CacheHost } from '../../src/util/code-cache.js';
import { BROKERWATCH } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';
import { waitFor } from '../helpers/wait.js';
import { tempDir } from '../helpers/tmp.js';
import type { TempDir } from '../helpers/tmp.js';

const run = promisify(execFile);
const EUID = process.geteuid?.() ?? 0;
/** A module body with enough code to be worth caching, and a value to prove it ran. */
const BODY = Buffer.from(
  `#!/usr/bin/env node\n${Array.from({ length: 200 }, (_, i) => `function f${i}(x) { return x * ${i} + ${i}; }`).join('\n')}\nmodule.exports = f7(6);\n`,
);

let dir: TempDir;
before(async () => (dir = await tempDir('bw-code-cache-')));
after(() => dir.cleanup());

const host = (cache: string): CacheHost => ({
  env: { BROKERWATCH_CODE_CACHE: cache },
  euid: EUID,
  home: '/nonexistent',
});
const CODE_CACHE = new URL('../../src/util/code-cache.js', import.meta.url).href;

/** What one process saw: each compile runs in a process of its own, as each start does (within one
 *  process V8 answers a second compile of the same script from memory, and never reads the cache). */
interface Seen {
  readonly cache: string;
  readonly file: string | null;
  readonly value: unknown;
}

/** Compiles `body` in a new process with the cache in `cache` (a folder, or `off`), runs it, saves. */
async function compileIn(cache: string, body: Buffer = BODY, role = 'cli', save = true, name = role): Promise<Seen> {
  const prog = join(dir.path, `body-${body.length}.cjs`);
  writeFileSync(prog, body);
  const script = `
    import { compileCached } from ${JSON.stringify(CODE_CACHE)};
    import { readFileSync } from 'node:fs';
    const c = compileCached(readFileSync(${JSON.stringify(prog)}), 'prog.cjs', ${JSON.stringify(role)},
      { env: { BROKERWATCH_CODE_CACHE: ${JSON.stringify(cache)} }, euid: ${EUID}, home: '/nonexistent' },
      ${JSON.stringify(name)});
    const module = { exports: {} };
    c.script.runInThisContext()(module.exports, undefined, module);
    if (${save}) c.save();
    process.stdout.write(JSON.stringify({ cache: c.cache, file: c.file ?? null, value: module.exports }));`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script]);
  return JSON.parse(stdout) as Seen;
}

void describe('where caches live', () => {
  void test('root: /var/cache/brokerwatch; a user: XDG_CACHE_HOME or ~/.cache; BROKERWATCH_CODE_CACHE first', () => {
    assert.equal(codeCacheDir({ env: {}, euid: 0, home: '/root' }), '/var/cache/brokerwatch');
    assert.equal(codeCacheDir({ env: {}, euid: 1000, home: '/home/ops' }), '/home/ops/.cache/brokerwatch');
    assert.equal(codeCacheDir({ env: { XDG_CACHE_HOME: '/x' }, euid: 1000, home: '/home/ops' }), '/x/brokerwatch');
    assert.equal(codeCacheDir({ env: { BROKERWATCH_CODE_CACHE: '/c' }, euid: 0, home: '/root' }), '/c');
    assert.equal(codeCacheDir({ env: { BROKERWATCH_CODE_CACHE: 'off' }, euid: 0, home: '/root' }), undefined);
  });

  void test('the daemon (-I, or no verb) and the CLI (-t, -V, --help, any verb) keep separate caches', () => {
    const role = (args: string[]): string => launchRole(args).role;
    assert.equal(role([]), 'daemon');
    assert.equal(role(['-c', '/etc/brokerwatch/brokerwatch.rc']), 'daemon');
    assert.equal(role(['-I', '-c', 'rules.rc']), 'daemon');
    assert.equal(role(['-c', 'status', '-B']), 'daemon', 'a rules file named like a verb is not a verb');
    assert.equal(role(['-t', '-c', 'rules.rc']), 'cli');
    assert.equal(role(['-V']), 'cli');
    assert.equal(role(['--help']), 'cli');
    assert.equal(role(['-c', 'rules.rc', 'status']), 'cli');
    assert.equal(role(['summary', '-B']), 'cli');
    assert.equal(launchRole(['-I', '-c', 'a.rc']).rulesFile, 'a.rc');
    assert.equal(launchRole(['--control=/b.rc', '-I']).rulesFile, '/b.rc');
    assert.equal(launchRole(['-I']).rulesFile, undefined);
  });

  void test("each rules file has a daemon cache of its own (it holds the code those rules use); the CLI's is one", () => {
    assert.match(cacheName('daemon', '/etc/brokerwatch/brokerwatch.rc'), /^daemon\.[0-9a-f]{12}$/);
    assert.notEqual(cacheName('daemon', '/a.rc'), cacheName('daemon', '/b.rc'));
    assert.equal(cacheName('daemon', '/a.rc'), cacheName('daemon', '/a.rc'));
    assert.equal(cacheName('cli', '/a.rc'), 'cli');
  });
});

void describe('compiling with a cache', () => {
  void test('the first run writes the cache, the next one takes it; both run the same code', async () => {
    const cache = join(dir.path, 'one');
    const first = await compileIn(cache);
    assert.deepEqual([first.cache, first.value], ['none', 49]);
    assert.equal(statSync(cache).mode & 0o777, 0o700, 'the folder is made private');
    assert.ok(first.file && existsSync(first.file));
    assert.equal(statSync(first.file).mode & 0o777, 0o600);
    assert.match(first.file, /\/cli-[0-9a-f]{24}\.v8cache$/);
    const mtime = statSync(first.file).mtimeMs;
    const second = await compileIn(cache);
    assert.deepEqual([second.cache, second.value, second.file], ['accepted', 49, first.file]);
    assert.equal(statSync(first.file).mtimeMs, mtime, 'a cache that was taken is not written again');
    // The daemon's cache is another file in the same folder.
    const daemon = await compileIn(cache, BODY, 'daemon', true, 'daemon.abc');
    assert.equal(daemon.cache, 'none');
    assert.match(daemon.file ?? '', /\/daemon\.abc-[0-9a-f]{24}\.v8cache$/);
    assert.equal(readdirSync(cache).length, 2);
  });

  void test('a script of more than 1 MB (read as Latin-1) and one with UTF-8 text both run as written', async () => {
    // ASCII past Node's 1 MB mark for strings kept outside the heap, with a `#!` line.
    const big = Buffer.from(`#!/usr/bin/env node\n// ${'x'.repeat(1_100_000)}\nmodule.exports = 'ascii';\n`);
    const utf8 = Buffer.from(`#!/usr/bin/env node\nmodule.exports = 'Ünïcode ✓';\n`);
    const cache = join(dir.path, 'text');
    for (const [body, value] of [
      [big, 'ascii'],
      [utf8, 'Ünïcode ✓'],
    ] as const) {
      const first = await compileIn(cache, body);
      assert.deepEqual([first.cache, first.value], ['none', value]);
      const second = await compileIn(cache, body);
      assert.deepEqual([second.cache, second.value], ['accepted', value]);
    }
  });
  void test('another build is another cache, and the old one is removed when the new one is written', async () => {
    const cache = join(dir.path, 'builds');
    await compileIn(cache);
    const other = Buffer.concat([BODY, Buffer.from('module.exports = 1;\n')]);
    const b = await compileIn(cache, other);
    assert.deepEqual([b.cache, b.value], ['none', 1], "a new build never reads the old build's cache");
    assert.deepEqual(readdirSync(cache), [(b.file ?? '').split('/').pop()]);
  });

  void test("four daemons' caches are kept, the oldest goes; a new build replaces its own", async () => {
    const cache = join(dir.path, 'daemons');
    for (const n of ['daemon.a', 'daemon.b', 'daemon.c', 'daemon.d', 'daemon.e'])
      await compileIn(cache, BODY, 'daemon', true, n);
    const names = (): string[] =>
      readdirSync(cache)
        .map((f) => f.split('-')[0] ?? '')
        .sort();
    assert.deepEqual(names(), ['daemon.b', 'daemon.c', 'daemon.d', 'daemon.e']);
    await compileIn(cache, Buffer.concat([BODY, Buffer.from('\n')]), 'daemon', true, 'daemon.e');
    assert.deepEqual(names(), ['daemon.b', 'daemon.c', 'daemon.d', 'daemon.e']);
    assert.equal(readdirSync(cache).length, 4);
    await compileIn(cache);
    assert.deepEqual(
      names(),
      ['cli', 'daemon.b', 'daemon.c', 'daemon.d', 'daemon.e'],
      "the CLI's cache is not one of them",
    );
  });

  void test('a damaged cache is turned down by V8, the code still runs, and the cache is written anew', async () => {
    const cache = join(dir.path, 'damaged');
    const a = await compileIn(cache);
    const file = a.file ?? '';
    const bytes = readFileSync(file);
    writeFileSync(file, bytes.subarray(0, bytes.length >> 1));
    const b = await compileIn(cache);
    assert.deepEqual([b.cache, b.value], ['rejected', 49]);
    assert.equal((await compileIn(cache)).cache, 'accepted');
    writeFileSync(file, Buffer.alloc(bytes.length, 7));
    assert.deepEqual(Object.values(await compileIn(cache)), ['rejected', file, 49]);
  });

  void test('a folder others may write, or a cache file that is not ours, is never read or written', async () => {
    const open = join(dir.path, 'open');
    await mkdir(open);
    chmodSync(open, 0o777);
    const a = await compileIn(open);
    assert.deepEqual([a.cache, a.file, a.value], ['none', null, 49]);
    assert.deepEqual(readdirSync(open), []);

    const cache = join(dir.path, 'theirs');
    const file = (await compileIn(cache)).file ?? '';
    chmodSync(file, 0o666);
    assert.equal((await compileIn(cache, BODY, 'cli', false)).cache, 'none', 'a file others may write');
    chmodSync(file, 0o600);
    if (EUID === 0) {
      chownSync(file, 65534, 65534);
      assert.equal((await compileIn(cache, BODY, 'cli', false)).cache, 'none', "another user's file");
      chownSync(file, 0, 0);
    }
    assert.equal((await compileIn(cache)).cache, 'accepted');
  });

  void test('off, or a folder that cannot be made: no cache and no error', async () => {
    assert.deepEqual(Object.values(await compileIn('off')), ['none', null, 49]);
    const blocked = join(dir.path, 'a-file');
    writeFileSync(blocked, '');
    assert.deepEqual(Object.values(await compileIn(join(blocked, 'sub'))), ['none', null, 49]);
    // In-process, for the types: the function is what the command calls.
    assert.equal(compileCached(BODY, 'prog.cjs', 'cli', host('off')).file, undefined);
  });
});

void describe('the installed command', () => {
  void test('-t writes the CLI cache, and a second -t takes it and says the same', async () => {
    const cache = join(dir.path, 'command');
    const rules = join(dir.path, 'rules.rc');
    writeFileSync(rules, 'set daemon 30\ncheck host web with address 127.0.0.1\n  if failed port 1 then alert\n', {
      mode: 0o600,
    });
    const env = { ...process.env, BROKERWATCH_CODE_CACHE: cache };
    const first = await run(process.execPath, [BROKERWATCH, '-t', '-c', rules], { env });
    const files = readdirSync(cache);
    assert.equal(files.length, 1);
    assert.match(files[0] ?? '', /^cli-[0-9a-f]{24}\.v8cache$/);
    const written = statSync(join(cache, files[0] ?? '')).mtimeMs;
    const second = await run(process.execPath, [BROKERWATCH, '-t', '-c', rules], { env });
    assert.equal(second.stdout, first.stdout);
    assert.match(second.stdout, /syntax OK/);
    assert.equal(statSync(join(cache, files[0] ?? '')).mtimeMs, written, 'taken, so not written again');
  });

  void test("a daemon's next start takes the cache its first start wrote (both compile under the daemon's V8 flags)", async () => {
    const cache = join(dir.path, 'daemon-twice');
    const file = join(dir.path, 'daemon-twice.rc');
    writeFileSync(
      file,
      `set daemon 1\nset statefile ${join(dir.path, 'daemon-twice.state')}\ncheck host web with address 127.0.0.1\n  if failed port ${await freePort()} then alert\n`,
      { mode: 0o600 },
    );
    const caches = (): string[] => (existsSync(cache) ? readdirSync(cache).filter((f) => f.startsWith('daemon.')) : []);
    /** Runs the daemon until `until` holds (polled), then stops it. */
    const runUntil = async (until: () => boolean, message: string): Promise<void> => {
      const child = spawn(process.execPath, [BROKERWATCH, '-I', '-c', file], {
        env: { ...process.env, BROKERWATCH_CODE_CACHE: cache },
        stdio: 'ignore',
      });
      const stop = (): void => void (child.exitCode === null && child.kill('SIGKILL'));
      process.once('exit', stop);
      try {
        await waitFor(until, { timeoutMs: 30_000, intervalMs: 50, message });
        child.kill('SIGTERM');
        await once(child, 'exit');
      } finally {
        stop();
        process.removeListener('exit', stop);
      }
    };
    // The first start writes its cache once warm (5 s).
    await runUntil(() => caches().length === 1, 'the first start wrote no cache');
    const [written] = caches();
    const mtime = statSync(join(cache, written ?? '')).mtimeMs;
    // The second runs past the same point: a cache V8 turned down would be written again by then.
    const since = performance.now();
    await runUntil(() => performance.now() - since > 7_000, 'unreachable');
    assert.deepEqual(caches(), [written]);
    assert.equal(statSync(join(cache, written ?? '')).mtimeMs, mtime, 'taken, so not written again');
  });

  void test('a daemon loads the scripts of the packages its rules use, and only those', async () => {
    /** Runs the daemon on `rules` until `ready` says so, stops it, and lists the caches it wrote. */
    const cachesOf = async (name: string, rules: string, ready: (out: string) => Promise<boolean>) => {
      const cache = join(dir.path, `${name}-cache`);
      const file = join(dir.path, `${name}.rc`);
      writeFileSync(file, `set daemon 1\nset statefile ${join(dir.path, `${name}.state`)}\n${rules}`, { mode: 0o600 });
      const child = spawn(process.execPath, [BROKERWATCH, '-I', '-c', file], {
        env: { ...process.env, BROKERWATCH_CODE_CACHE: cache },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const stop = (): void => void (child.exitCode === null && child.kill('SIGKILL'));
      process.once('exit', stop);
      try {
        let out = '';
        child.stdout.on('data', (b: Buffer) => (out += b.toString()));
        child.stderr.on('data', (b: Buffer) => (out += b.toString()));
        await waitFor(async () => /brokerwatch started/.test(out) && (await ready(out)), {
          timeoutMs: 10_000,
          intervalMs: 20,
          message: `${name}: the daemon did not start:\n${out}`,
        });
        // Caches are written at exit when the daemon stops before its warm-up is over.
        child.kill('SIGTERM');
        await once(child, 'exit');
        return readdirSync(cache)
          .filter((f) => f.startsWith('vendor.'))
          .map((f) => f.split('-')[0]);
      } finally {
        stop();
        process.removeListener('exit', stop);
      }
    };
    const probe = `check host web with address 127.0.0.1\n  if failed port ${await freePort()} then alert\n`;
    assert.deepEqual(
      await cachesOf('plain', probe, () => Promise.resolve(true)),
      [],
      'no HTTP server, mail or MQTT alert: no package script',
    );
    // The status port listens, but no client has come: fastify is not loaded yet (http/listeners.ts).
    const unasked = await cachesOf(
      'httpd-unasked',
      `set httpd port ${await freePort()} address 127.0.0.1 allow admin:secret\n${probe}`,
      (out) => Promise.resolve(/status API on http/.test(out)),
    );
    assert.deepEqual(unasked, [], 'listening, nobody asked: no package script');
    const port = await freePort();
    const served = await cachesOf(
      'httpd',
      `set httpd port ${port} address 127.0.0.1 allow admin:secret\n${probe}`,
      async () =>
        (
          await fetch(`http://127.0.0.1:${port}/api/v1/status`, {
            headers: { authorization: `Basic ${Buffer.from('admin:secret').toString('base64')}` },
          }).catch(() => undefined)
        )?.status === 200,
    );
    assert.ok(served.includes('vendor.http'), `the HTTP server's script was loaded: ${served.join(' ')}`);
    assert.ok(!served.includes('vendor.mail'), 'and not the mail one');
  });
});
