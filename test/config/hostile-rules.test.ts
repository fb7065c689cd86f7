// Rules files written to hurt: include loops that fan out, include chains thousands deep, words of a
// megabyte, control characters and bytes that are not UTF-8. Each is refused with a few clear errors,
// at once, and every message is one line of sane length.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, realpath, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../../src/config/diagnostics.js';
import { IncludeReader, INCLUDE_LIMITS } from '../../src/config/include-reader.js';
import { GlobError, glob, parseRules } from '../../src/config/loader.js';
import type { TempDir } from '../helpers/tmp.js';
import { tempDir } from '../helpers/tmp.js';
import { loadErrors } from '../helpers/rules.js';

let tmp: TempDir;
let root: string;
let seq = 0;

before(async () => {
  tmp = await tempDir('bw-hostile-');
  root = await realpath(tmp.path);
});

after(async () => {
  await tmp.cleanup();
});

async function folder(): Promise<string> {
  const dir = join(root, `t${++seq}`);
  await mkdir(dir, { mode: 0o700 });
  return dir;
}

/** A reader as the loader builds it, to count the files it reads. */
function reader(): IncludeReader {
  return new IncludeReader(
    {
      glob,
      whatIsMissing: () => Promise.resolve(undefined),
      mainProblem: () => Promise.resolve(undefined),
      includedVerdict: () => Promise.resolve(undefined),
      isGlobError: (e): e is Error => e instanceof GlobError,
    },
    false,
  );
}

void describe('include loops and limits', () => {
  void test('nine files each including *.rc: each loop once at its include, each file read once', async () => {
    const dir = await folder();
    const names = Array.from({ length: 9 }, (_, i) => `f${i}.rc`);
    for (const n of names) await writeFile(join(dir, n), `# ${n}\ninclude "*.rc"\n`, { mode: 0o600 });
    const main = join(dir, 'f0.rc');
    const started = Date.now();
    const errors = await loadErrors(main);
    // Every path of the fan-out (9! = 362,880 of them) took minutes; a fraction of a second now.
    assert.ok(Date.now() - started < 20_000, `took ${Date.now() - started} ms`);
    assert.equal(errors.length, 9, errors.join('\n'));
    for (const [i, n] of names.entries())
      assert.match(errors[i] ?? '', new RegExp(`^${join(dir, n)}:2:9: include loop: ${main} -> `));
    assert.equal(new Set(errors).size, errors.length, 'each problem once');

    const r = reader();
    await r.file(main, { file: main, line: 1, col: 1 }, []);
    assert.deepEqual([...new Set(r.files)].sort(), names.map((n) => join(dir, n)).sort());
    assert.ok(r.files.length <= 2 * names.length, `read ${r.files.length} files`);
  });

  void test('a chain 12,000 files deep stops at the depth limit, reported once', async () => {
    const dir = await folder();
    const depth = 12_000;
    const writes: Promise<void>[] = [];
    for (let i = 0; i < depth; i++) {
      const text = i + 1 < depth ? `include c${i + 1}.rc\n` : 'set daemon 5\n';
      writes.push(writeFile(join(dir, `c${i}.rc`), text, { mode: 0o600 }));
      if (writes.length === 200) await Promise.all(writes.splice(0));
    }
    await Promise.all(writes);
    const main = join(dir, 'c0.rc');
    const errors = await loadErrors(main);
    const limit = INCLUDE_LIMITS.depth;
    assert.deepEqual(errors, [
      `${join(dir, `c${limit - 1}.rc`)}:1:9: include ${join(dir, `c${limit}.rc`)}: includes nest deeper than ${limit} files; the rest is skipped`,
    ]);
    const r = reader();
    await r.file(main, { file: main, line: 1, col: 1 }, []);
    assert.equal(r.files.length, limit);
  });

  void test('a fan-out without loops stops at the file limit, reported once', async () => {
    // Each file includes every later one: 2^20 paths, no loop.
    const dir = await folder();
    const n = 20;
    for (let i = 0; i < n; i++) {
      const later = Array.from({ length: n - i - 1 }, (_, k) => `include d${String(i + k + 1).padStart(2, '0')}.rc`);
      await writeFile(join(dir, `d${String(i).padStart(2, '0')}.rc`), `${later.join('\n')}\n`, { mode: 0o600 });
    }
    const errors = await loadErrors(join(dir, 'd00.rc'));
    assert.equal(errors.length, 1, errors.join('\n'));
    assert.match(errors[0] ?? '', /more than 1000 files read through includes; the rest is skipped$/);
  });

  void test('an included file of 300,000 tokens, or with 150,000 unterminated strings, is refused, not a crash', async () => {
    // Their tokens and errors were appended with push(...items), one argument each: a RangeError
    // (stack overflow) escaped the loader. Found by the rules fuzzer (fuzz/rules.ts).
    const dir = await folder();
    await writeFile(join(dir, 'tokens.rc'), `set daemon 5\n${'x '.repeat(300_000)}\n`, { mode: 0o600 });
    await writeFile(join(dir, 'strings.rc'), 'check "x\n'.repeat(150_000), { mode: 0o600 });
    for (const [name, first] of [
      ['tokens.rc', ":2:1: expected 'set', 'check' or 'include', found 'x'"],
      ['strings.rc', ':1:7: unterminated string: missing closing "'],
    ] as const) {
      const main = join(dir, `main-${name}`);
      await writeFile(main, `include "${name}"\n`, { mode: 0o600 });
      const errors = await loadErrors(main);
      assert.equal(errors[0], `${join(dir, name)}${first}`);
    }
  });

  void test('rules over 16 MB in all are refused once', async () => {
    const dir = await folder();
    const big = `# ${'x'.repeat(6 * 1024 * 1024)}\n`;
    for (const n of ['b1', 'b2', 'b3', 'b4']) await writeFile(join(dir, `${n}.rc`), big, { mode: 0o600 });
    await writeFile(join(dir, 'main.rc'), 'include b*.rc\n', { mode: 0o600 });
    const errors = await loadErrors(join(dir, 'main.rc'));
    assert.deepEqual(errors, [
      `${join(dir, 'main.rc')}:1:9: include ${join(dir, 'b3.rc')}: rules files over 16 MB in all; the rest is skipped`,
    ]);
  });

  void test('rules of more than 250,000 tokens in all are refused once, where reading stopped', async () => {
    // Checking costs a few µs per token: 850 kB of `{` took over 2 s (found by fuzz/rules.ts), 16 MB
    // would have taken some 40 s. Reading stops at the limit instead.
    const dir = await folder();
    for (const n of ['b1', 'b2', 'b3', 'b4'])
      await writeFile(join(dir, `${n}.rc`), '{ '.repeat(100_000), { mode: 0o600 });
    await writeFile(join(dir, 'main.rc'), 'include b*.rc\n', { mode: 0o600 });
    const errors = await loadErrors(join(dir, 'main.rc'));
    // `include b*.rc` is 2 tokens, b1 and b2 200,000: b3 is cut after 49,998 of its `{ `.
    assert.deepEqual(
      errors.filter((e) => e.includes('tokens')),
      [
        `${join(dir, 'b3.rc')}:1:99997: rules of more than 250,000 tokens in all, includes counted; the rest is not read`,
      ],
    );
  });
});

void describe('messages', () => {
  void test('a word of a megabyte is quoted cut to 80 characters', async () => {
    const word = 'w'.repeat(1024 * 1024);
    const err = await parseRules(`set ${word}\n`).then(
      () => assert.fail('loaded'),
      (e: unknown) => e as ConfigError,
    );
    assert.ok(err instanceof ConfigError);
    const lines = err.message.split('\n');
    assert.ok(lines.length >= 1);
    for (const line of lines) assert.ok(line.length < 400, `a line of ${line.length} characters`);
    assert.ok(err.message.includes(`'set ${'w'.repeat(80)}…':`), err.message);
    for (const d of err.diagnostics) assert.ok(d.message.length < 400);
  });

  void test('a long path is not cut, nor the position of a message', async () => {
    const dir = await folder();
    const deep = join(dir, 'd'.repeat(200));
    await mkdir(deep, { mode: 0o700 });
    const file = join(deep, 'main.rc');
    await writeFile(file, 'include missing.rc\nset frob\n', { mode: 0o600 });
    const errors = await loadErrors(file);
    assert.deepEqual(errors, [
      `${file}:2:5: unknown setting 'set frob': expected daemon, log, pidfile, statefile, idfile, limits, eventqueue, mailserver, mail-format, alert or httpd`,
    ]);
    const missing = join(deep, 'nope.rc');
    assert.deepEqual(await loadErrors(missing), [`${missing}:1:1: cannot read rules file ${missing}: no such file`]);
  });

  void test('line breaks and control characters in a quoted word are escaped in every message', async () => {
    const err = await parseRules('check process "a\nb\u001b[31m" with pidfile /x\nset "\u001b]0;x\u0007"\n').then(
      () => assert.fail('loaded'),
      (e: unknown) => e as ConfigError,
    );
    assert.ok(err instanceof ConfigError);
    // eslint-disable-next-line no-control-regex
    for (const d of err.diagnostics) assert.doesNotMatch(d.message, /[\u0000-\u0008\u000a-\u001f\u007f]/);
    assert.ok(err.message.includes('\\x1b]0;x\\x07'), err.message);
    assert.equal(err.message.split('\n').length, err.diagnostics.filter((d) => d.severity === 'error').length);
  });

  void test('a byte that is not UTF-8 is an error at its FILE:LINE:COL', async () => {
    const dir = await folder();
    const file = join(dir, 'latin1.rc');
    const bytes = Buffer.concat([
      Buffer.from('set daemon 5\ncheck file caf\u00e9 with path /var/lib/caf'),
      Buffer.from([0xe9]),
      Buffer.from('\n'),
    ]);
    await writeFile(file, bytes, { mode: 0o600 });
    assert.deepEqual(await loadErrors(file), [
      `${file}:2:39: invalid UTF-8 byte 0xE9: rules files are UTF-8 (convert with 'iconv -f latin1 -t utf-8')`,
    ]);
  });
});
