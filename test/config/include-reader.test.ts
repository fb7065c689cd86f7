// The include reader on its own, with small limits: each limit stops reading at the file that
// passes it and is reported once; loops are cut at their first repeat; a file included twice gives
// its tokens twice and its problems once; the permission hooks are asked about the right files.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, realpath, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Diagnostic } from '../../src/config/diagnostics.js';
import { formatDiagnostic } from '../../src/config/diagnostics.js';
import type { IncludeHooks, IncludeLimits } from '../../src/config/include-reader.js';
import { append, INCLUDE_LIMITS, IncludeReader } from '../../src/config/include-reader.js';
import type { Token } from '../../src/config/lexer.js';
import { GlobError, glob } from '../../src/config/loader.js';
import type { TempDir } from '../helpers/tmp.js';
import { tempDir } from '../helpers/tmp.js';

let tmp: TempDir;
let root: string;
let seq = 0;

before(async () => {
  tmp = await tempDir('bw-include-');
  root = await realpath(tmp.path);
});

after(async () => {
  await tmp.cleanup();
});

/** Writes FILES (name → text) into a fresh folder; returns the folder. */
async function tree(files: Record<string, string | Uint8Array>): Promise<string> {
  const dir = join(root, `t${++seq}`);
  await mkdir(dir, { mode: 0o700 });
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text, { mode: 0o600 });
  return dir;
}

interface Asked {
  globs: string[];
  missing: string[];
  main: string[];
  included: string[];
}

/** A reader with the loader's glob and hooks that record what they are asked. */
function reader(
  limits: Partial<IncludeLimits> = {},
  hooks: Partial<IncludeHooks> = {},
  checkPermissions = false,
): { r: IncludeReader; asked: Asked } {
  const asked: Asked = { globs: [], missing: [], main: [], included: [] };
  const r = new IncludeReader(
    {
      glob: (p) => {
        asked.globs.push(p);
        return glob(p);
      },
      whatIsMissing: (p) => {
        asked.missing.push(p);
        return Promise.resolve(p.includes('*') ? undefined : 'file');
      },
      mainProblem: (p) => {
        asked.main.push(p);
        return Promise.resolve(undefined);
      },
      includedVerdict: (p) => {
        asked.included.push(p);
        return Promise.resolve(undefined);
      },
      isGlobError: (e): e is Error => e instanceof GlobError,
      ...hooks,
    },
    checkPermissions,
    { ...INCLUDE_LIMITS, ...limits },
  );
  return { r, asked };
}

async function read(r: IncludeReader, file: string): Promise<string[]> {
  const tokens = await r.file(file, { file, line: 1, col: 1 }, []);
  return tokens.map((t) => t.text);
}

const messages = (ds: readonly Diagnostic[]): string[] => ds.map(formatDiagnostic);

void describe('the include limits', () => {
  void test('the defaults', () => {
    assert.deepEqual(INCLUDE_LIMITS, { depth: 32, files: 1000, bytes: 16 * 1024 * 1024, tokens: 250_000 });
  });

  void test('depth: the file one deeper than the limit is not read, reported once at its include', async () => {
    const dir = await tree({
      'a.rc': 'set daemon 1\ninclude b.rc\n',
      'b.rc': 'include c.rc\n',
      'c.rc': 'set daemon 3\ninclude d.rc\ninclude d.rc\n',
      'd.rc': 'set daemon 4\n',
    });
    const { r } = reader({ depth: 3 });
    assert.deepEqual(await read(r, join(dir, 'a.rc')), ['set', 'daemon', '1', 'set', 'daemon', '3']);
    assert.deepEqual(
      r.files,
      ['a.rc', 'b.rc', 'c.rc'].map((n) => join(dir, n)),
    );
    assert.deepEqual(messages(r.diagnostics), [
      `${dir}/c.rc:2:9: include ${dir}/d.rc: includes nest deeper than 3 files; the rest is skipped`,
    ]);
    const deeper = reader({ depth: 4 });
    await read(deeper.r, join(dir, 'a.rc'));
    assert.deepEqual(deeper.r.diagnostics, []);
    assert.equal(deeper.r.files.length, 5);
  });

  void test('files: the file past the count is not read, and no later one either; reported once', async () => {
    const dir = await tree({
      'main.rc': 'include "x*.rc"\ninclude x1.rc\n',
      'x1.rc': 'a1\n',
      'x2.rc': 'a2\n',
      'x3.rc': 'a3\n',
      'x4.rc': 'a4\n',
    });
    const { r } = reader({ files: 3 });
    assert.deepEqual(await read(r, join(dir, 'main.rc')), ['a1', 'a2']);
    assert.deepEqual(messages(r.diagnostics), [
      `${dir}/main.rc:1:9: include ${dir}/x3.rc: more than 3 files read through includes; the rest is skipped`,
    ]);
    const four = reader({ files: 4 });
    assert.deepEqual(await read(four.r, join(dir, 'main.rc')), ['a1', 'a2', 'a3']);
  });

  void test('bytes: a file over what is left is not read, and nothing after it; reported once', async () => {
    const big = `# ${'x'.repeat(1024 * 1024 - 20)}\nbig\n`;
    const dir = await tree({
      'main.rc': 'include big.rc\ninclude small.rc\n',
      'big.rc': big,
      'small.rc': 'small\n',
      'fits.rc': 'include small.rc\n',
    });
    const { r } = reader({ bytes: 1024 * 1024 });
    assert.deepEqual(await read(r, join(dir, 'main.rc')), []);
    assert.deepEqual(messages(r.diagnostics), [
      `${dir}/main.rc:1:9: include ${dir}/big.rc: rules files over 1 MB in all; the rest is skipped`,
    ]);
    // Exactly the budget is read.
    const exact = reader({ bytes: 17 + 6 });
    assert.deepEqual(await read(exact.r, join(dir, 'fits.rc')), ['small']);
    assert.deepEqual(exact.r.diagnostics, []);
    const short = reader({ bytes: 17 + 5 });
    assert.deepEqual(await read(short.r, join(dir, 'fits.rc')), []);
    assert.equal(short.r.diagnostics.length, 1);
  });

  void test('tokens: counted over every file; the file that passes the count is cut where it does', async () => {
    const words = Array.from({ length: 13_000 }, (_, i) => `w${i}`).join(' ');
    const dir = await tree({ 'main.rc': 'a b c\ninclude more.rc\n', 'more.rc': `${words}\n`, 'again.rc': 'd e\n' });
    // 5 tokens of main.rc leave 12,340 for more.rc: the cut is at the word after them.
    const kept = words.split(' ').slice(0, 12_340).join(' ');
    const { r } = reader({ tokens: 12_345 });
    const tokens = await read(r, join(dir, 'main.rc'));
    assert.equal(tokens.length, 12_345 - 2);
    assert.deepEqual(tokens.slice(0, 4), ['a', 'b', 'c', 'w0']);
    assert.deepEqual(messages(r.diagnostics), [
      `${dir}/more.rc:1:${kept.length + 2}: rules of more than 12,345 tokens in all, includes counted; the rest is not read`,
    ]);
    const fits = reader({ tokens: 13_005 });
    assert.equal((await read(fits.r, join(dir, 'main.rc'))).length, 13_003);
    assert.deepEqual(fits.r.diagnostics, []);
  });
});

void describe('loops and repeats', () => {
  void test('a loop is reported once at the include that closes it; a file read before is not read again', async () => {
    const dir = await tree({
      'main.rc': 'm\ninclude x.rc\ninclude x.rc\n',
      'x.rc': 'x\ninclude main.rc\n',
    });
    const main = join(dir, 'main.rc');
    const x = join(dir, 'x.rc');
    const { r } = reader();
    assert.deepEqual(await read(r, main), ['m', 'x']);
    assert.deepEqual(r.files, [main, x]);
    assert.deepEqual(messages(r.diagnostics), [`${x}:2:9: include loop: ${main} -> ${x} -> ${main}`]);
  });

  void test('a file included twice without a loop: its tokens twice, its own problems once', async () => {
    const dir = await tree({
      'main.rc': 'include part.rc\ninclude part.rc\n',
      'part.rc': new Uint8Array([0x61, 0xe9, 0x0a]),
    });
    const { r } = reader();
    assert.deepEqual(await read(r, join(dir, 'main.rc')), ['a\ufffd', 'a\ufffd']);
    assert.deepEqual(messages(r.diagnostics), [
      `${dir}/part.rc:1:2: invalid UTF-8 byte 0xE9: rules files are UTF-8 (convert with 'iconv -f latin1 -t utf-8')`,
    ]);
  });
});

void describe('include arguments', () => {
  void test('a relative pattern is taken from the including file; an absolute one as written', async () => {
    const dir = await tree({ 'main.rc': `include "sub/*.rc"\ninclude ${root}/none/*.rc\n` });
    const { r, asked } = reader();
    await read(r, join(dir, 'main.rc'));
    assert.deepEqual(asked.globs, [`${dir}/sub/*.rc`, `${root}/none/*.rc`]);
  });

  void test('a missing file is a warning; a glob that matches nothing is not', async () => {
    const dir = await tree({ 'main.rc': 'include gone.rc\ninclude "*.none"\nok\n' });
    const { r, asked } = reader();
    assert.deepEqual(await read(r, join(dir, 'main.rc')), ['ok']);
    assert.deepEqual(asked.missing, [`${dir}/gone.rc`, `${dir}/*.none`]);
    assert.deepEqual(r.diagnostics, [
      {
        severity: 'warning',
        pos: { file: `${dir}/main.rc`, line: 1, col: 9 },
        message: 'include gone.rc: no such file; skipped',
      },
    ]);
  });

  void test('include needs a word or a string after it; a quoted "include" is a value', async () => {
    const dir = await tree({ 'a.rc': 'x "include" y\ninclude {\n', 'b.rc': 'x\ninclude' });
    const a = reader();
    assert.deepEqual(await read(a.r, join(dir, 'a.rc')), ['x', 'include', 'y', '{']);
    assert.deepEqual(messages(a.r.diagnostics), [`${dir}/a.rc:2:1: expected a file or glob after include, found '{'`]);
    const b = reader();
    assert.deepEqual(await read(b.r, join(dir, 'b.rc')), ['x']);
    assert.deepEqual(messages(b.r.diagnostics), [
      `${dir}/b.rc:2:1: expected a file or glob after include, found end of file`,
    ]);
  });

  void test("a malformed glob is reported with the glob's message; any other failure is thrown", async () => {
    const dir = await tree({ 'main.rc': 'include "[x"\nafter\n' });
    const bad = reader({}, { glob: () => Promise.reject(new GlobError('unclosed [')) });
    assert.deepEqual(await read(bad.r, join(dir, 'main.rc')), ['after']);
    assert.deepEqual(messages(bad.r.diagnostics), [`${dir}/main.rc:1:9: include [x: unclosed [`]);
    const broken = reader({}, { glob: () => Promise.reject(new RangeError('boom')) });
    await assert.rejects(read(broken.r, join(dir, 'main.rc')), /^RangeError: boom$/);
  });

  void test('a file that cannot be found or read is an error at its include', async () => {
    const dir = await tree({ 'main.rc': 'include sub\n' });
    await mkdir(join(dir, 'sub'));
    const { r } = reader({}, { glob: (p) => Promise.resolve([p]) });
    assert.deepEqual(await read(r, join(dir, 'main.rc')), []);
    assert.deepEqual(messages(r.diagnostics), [`${dir}/main.rc:1:9: cannot read rules file ${dir}/sub: EISDIR`]);
    const gone = reader();
    assert.deepEqual(await read(gone.r, join(dir, 'nothing.rc')), []);
    assert.deepEqual(messages(gone.r.diagnostics), [
      `${dir}/nothing.rc:1:1: cannot read rules file ${dir}/nothing.rc: no such file`,
    ]);
  });
});

void describe('permission hooks', () => {
  void test('the main file is asked about as main, an included one as included, only when checking', async () => {
    const dir = await tree({ 'main.rc': 'include inc.rc\n', 'inc.rc': 'x\n' });
    const on = reader({}, {}, true);
    assert.deepEqual(await read(on.r, join(dir, 'main.rc')), ['x']);
    assert.deepEqual(on.asked.main, [join(dir, 'main.rc')]);
    assert.deepEqual(on.asked.included, [join(dir, 'inc.rc')]);
    const off = reader();
    await read(off.r, join(dir, 'main.rc'));
    assert.deepEqual([off.asked.main, off.asked.included], [[], []]);
  });

  void test("the main file's problem stops the read; an included file's error drops it, a warning comes once", async () => {
    const dir = await tree({
      'main.rc': 'include warned.rc\ninclude warned.rc\ninclude refused.rc\nend\n',
      'warned.rc': 'w\n',
      'refused.rc': 'secret\n',
    });
    const main = join(dir, 'main.rc');
    const refusedMain = reader({}, { mainProblem: () => Promise.resolve('mode 0644') }, true);
    assert.deepEqual(await read(refusedMain.r, main), []);
    assert.deepEqual(messages(refusedMain.r.diagnostics), [`${main}:1:1: mode 0644`]);
    assert.deepEqual(refusedMain.r.files, []);

    const verdict = (path: string, tokens: readonly Token[]): Promise<Omit<Diagnostic, 'pos'> | undefined> =>
      Promise.resolve(
        path.endsWith('refused.rc')
          ? { severity: 'error', message: `refused, ${tokens.length} token` }
          : { severity: 'warning', message: 'warned' },
      );
    const { r } = reader({}, { includedVerdict: verdict }, true);
    assert.deepEqual(await read(r, main), ['w', 'w', 'end']);
    assert.deepEqual(messages(r.diagnostics), [`${main}:1:9: warning: warned`, `${main}:3:9: refused, 1 token`]);
  });
});

void test('append adds many items without spreading them as arguments', () => {
  const list = [0];
  append(
    list,
    Array.from({ length: 300_000 }, (_, i) => i + 1),
  );
  assert.equal(list.length, 300_001);
  assert.equal(list[300_000], 300_000);
});
