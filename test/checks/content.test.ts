// `if content = "REGEX"` of a file: only what was appended since the last cycle, line by line, from
// the end of the file the first time, from the start after a rotation or a truncation; a last line
// without its newline waits; long lines are cut at fileContentBuffer - 1 bytes; `ignore` drops lines;
// a cycle reads at most 1 MB. All against a real file the test writes, renames and truncates.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, readdir, rename, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../../src/config/diagnostics.js';
import { parseRules } from '../../src/config/loader.js';
import type { TempDir } from '../helpers/tmp.js';
import { tempDir } from '../helpers/tmp.js';
import { checkOf, parseService, ruleOf } from './parsed.js';

let dir: TempDir;
before(async () => {
  dir = await tempDir('bw-content-');
});
after(() => dir.cleanup());

let n = 0;
/** A fresh log file holding TEXT, and the check of RULE on it. */
async function logWith(text: string, rule = 'if content = "Error" then alert', extra: readonly string[] = []) {
  const path = join(dir.path, `log${++n}`);
  await writeFile(path, text);
  const r = await checkOf([`check file log with path ${path}`, `  ${rule}`, ...extra.map((l) => `  ${l}`)].join('\n'));
  return { path, r };
}

const lines = (message: string): string[] =>
  message
    .replace(/ \(.*\)$/s, '')
    .split('\n')
    .slice(1);

void test('the first cycle starts at the end: what the file held before is never matched', async () => {
  const { path, r } = await logWith('old Error line\n');
  const first = await r.cycle();
  assert.equal(first.status, 'ok');
  assert.match(first.message, /from its end, offset 15/);
  assert.equal((await r.cycle()).status, 'ok', 'nothing appended');
  await appendFile(path, 'fine\nan Error here\nfine again\nsecond Error\n');
  const hit = await r.cycle();
  assert.equal(hit.status, 'failed');
  assert.equal(hit.class, 'file');
  assert.deepEqual(lines(hit.message), ['an Error here', 'second Error']);
  assert.ok(hit.message.startsWith('content match:\n'));
  assert.equal((await r.cycle()).status, 'ok', 'each line once');
});

void test('a last line without its newline waits for the writer to finish it', async () => {
  const { path, r } = await logWith('');
  await r.cycle();
  await appendFile(path, 'half an Err');
  assert.equal((await r.cycle()).status, 'ok');
  await appendFile(path, 'or line\n');
  assert.deepEqual(lines((await r.cycle()).message), ['half an Error line']);
});

void test('rotation (rename and a new file) reads the new file from its start; truncation too', async () => {
  const { path, r } = await logWith('');
  await r.cycle();
  await appendFile(path, 'Error before the rotation\n');
  assert.deepEqual(lines((await r.cycle()).message), ['Error before the rotation']);
  await rename(path, `${path}.1`);
  await writeFile(path, 'Error in the new file\n');
  const rotated = await r.cycle();
  assert.deepEqual(lines(rotated.message), ['Error in the new file']);
  assert.match(rotated.message, /was rotated: read from its start/);
  await appendFile(path, 'padding padding padding padding\n');
  await r.cycle();
  await truncate(path, 0);
  await appendFile(path, 'Error after truncation\n');
  const truncated = await r.cycle();
  assert.deepEqual(lines(truncated.message), ['Error after truncation']);
  assert.match(truncated.message, /was truncated: read from its start/);
});

void test('the offset kept in the state file: a restart neither repeats nor misses a line', async () => {
  const { path, r } = await logWith('');
  await r.cycle();
  await appendFile(path, 'Error 1\n');
  assert.deepEqual(lines((await r.cycle()).message), ['Error 1']);
  // A new daemon: fresh checks, the state file's memory.
  const kept = JSON.parse(JSON.stringify(r.durable)) as unknown;
  await appendFile(path, 'Error 2 written while the daemon was down\n');
  const again = ruleOf(await serviceOf(path));
  again.durable = kept;
  assert.deepEqual(lines((await again.cycle()).message), ['Error 2 written while the daemon was down']);
  assert.equal((await again.cycle()).status, 'ok');
  // Memory of another rule (other patterns) is not taken for this one's: it starts at the end.
  const other = ruleOf(await serviceOf(path, 'if content = "Warning" then alert'));
  other.durable = kept;
  await appendFile(path, 'Warning\n');
  assert.match((await other.cycle()).message, /from its end/);
});

async function serviceOf(path: string, rule = 'if content = "Error" then alert') {
  return parseService(`check file log with path ${path}\n  ${rule}\n`);
}

void test('!=, not match, a patterns file, and ignore: the lines each form picks', async () => {
  const pats = join(dir.path, 'patterns');
  await writeFile(pats, 'Error\n\n^fatal\n');
  const notOk = ['warn 1', 'Error 2', 'code 500', 'fatal 3'];
  const cases: Array<[string, string[], string[]]> = [
    ['if content != "^ok"', [], notOk],
    ['if not match "^ok"', [], notOk],
    ['if does not match "^ok"', [], notOk],
    ['if content == "Error"', [], ['Error 2']],
    ['if match "[[:digit:]]{3}"', [], ['code 500']],
    [`if match ${pats}`, [], ['Error 2', 'fatal 3']],
    ['if content = "[0-9]"', ['ignore match "^ok"', 'ignore content = "warn"'], ['Error 2', 'code 500', 'fatal 3']],
    ['if content = "[0-9]"', ['ignore not match "Error"'], ['Error 2']],
  ];
  for (const [rule, extra, want] of cases) {
    const { path, r } = await logWith('', `${rule} then alert`, extra);
    await r.cycle();
    await appendFile(path, 'ok 0\nwarn 1\nError 2\ncode 500\nfatal 3\nok 4\n');
    const got = await r.cycle();
    assert.deepEqual(got.status === 'ok' ? [] : lines(got.message), want, `${rule} ${extra.join(' ')}`);
  }
});

void test('lines are matched on their first 511 bytes; the event lists at most 512 bytes of them, then ...', async () => {
  const { path, r } = await logWith('');
  await r.cycle();
  await appendFile(path, `${'x'.repeat(511)}Error\n${'y'.repeat(500)}Error\n`);
  assert.deepEqual(lines((await r.cycle()).message), [`${'y'.repeat(500)}Error`], 'the Error past 511 bytes is cut');
  await appendFile(path, Array.from({ length: 40 }, (_, i) => `Error number ${i} in a long burst\n`).join(''));
  const burst = lines((await r.cycle()).message);
  assert.equal(burst.at(-1), '...');
  assert.ok(burst.length < 40 && burst.join('\n').length < 600, `bounded: ${burst.length} lines`);
});

void test('set limits { fileContentBuffer: 1 kB }: lines matched on their first 1023 bytes', async () => {
  const { path, r } = await logWith('');
  const limits = { fileContentBytes: 1024 };
  await r.cycle({ limits });
  await appendFile(path, `${'x'.repeat(1000)}Error\n${'y'.repeat(1023)}Error\n`);
  const got = lines((await r.cycle({ limits })).message);
  assert.deepEqual(got, [`${'x'.repeat(1000)}Error`]);
});

void test("a program's output: each line matched, the matching ones listed", async () => {
  const s = await parseService('check program p with path "/bin/true"\n  if content != "^ok" then alert\n');
  const r = ruleOf(s);
  assert.equal((await r.cycle()).status, 'init', 'before the first run');
  assert.equal((await r.cycle({ programOutput: 'ok 1\nok 2\n' })).status, 'ok');
  const bad = await r.cycle({ programOutput: 'ok 1\nbroker down\nok 3\nno route' });
  assert.deepEqual(
    [bad.status, bad.class, lines(bad.message)],
    ['failed', 'program-status', ['broker down', 'no route']],
  );
});

void test('a cycle reads at most 1 MB: the rest, and its matches, come next cycle', async () => {
  const { path, r } = await logWith('');
  await r.cycle();
  const filler = `${'.'.repeat(1023)}\n`.repeat(1024); // exactly 1 MB of lines
  await appendFile(path, `${filler}Error past the first megabyte\n`);
  const first = await r.cycle();
  assert.equal(first.status, 'ok');
  assert.match(first.message, /read 1048576 B, the rest next cycle/);
  assert.deepEqual(lines((await r.cycle()).message), ['Error past the first megabyte']);
});

void test('file syntax errors at file:line:col; content tests only in file and program checks', async () => {
  const bad = async (text: string): Promise<string[]> => {
    try {
      await parseRules(text, 'c.rc');
      return [];
    } catch (e) {
      assert.ok(e instanceof ConfigError, String(e));
      return e.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.pos.line}:${d.pos.col}: ${d.message}`);
    }
  };
  assert.deepEqual(await bad('check file f with path /tmp/x\n  if content = "(" then alert\n'), [
    '2:16: invalid regular expression "(": Invalid regular expression: /(/: Unterminated group',
  ]);
  assert.deepEqual(await bad('check file f with path /tmp/x\n  if content > "a" then alert\n'), [
    "2:14: expected '=' or '!=' after 'content', found '>'",
  ]);
  assert.deepEqual(await bad('check file f with path /tmp/x\n  if match /nonexistent/patterns then alert\n'), [
    '2:12: cannot read the regex match file /nonexistent/patterns: ENOENT',
  ]);
  assert.deepEqual(await bad('check process p with pidfile /tmp/p\n  if content = "a" then alert\n'), [
    "2:3: 'content' tests apply to 'check file' and 'check program' only, not to 'check process'",
  ]);
  assert.deepEqual(await bad('check process p with pidfile /tmp/p\n  ignore match "a"\n'), [
    "2:3: 'ignore match' applies to 'check file' and 'check program' only",
  ]);
});

void describe('what a content rule says each cycle', () => {
  void test('the first look names the offset; later looks say only what they found', async () => {
    const { path, r } = await logWith('old line\n', 'if content = "^" then alert');
    const first = await r.cycle();
    assert.deepEqual(
      [first.status, first.message],
      ['ok', `no matching lines (reading ${path} from its end, offset 9)`],
    );
    const idle = await r.cycle();
    assert.deepEqual([idle.status, idle.message, idle.metrics], ['ok', 'no matching lines', { bytesRead: 0 }]);
    await appendFile(path, 'new line\n');
    const hit = await r.cycle();
    assert.deepEqual([hit.status, hit.message, hit.metrics], ['failed', 'content match:\nnew line', { bytesRead: 9 }]);
  });

  void test('rotation and truncation are named in the message, once', async () => {
    const { path, r } = await logWith('');
    await r.cycle();
    await rename(path, `${path}.1`);
    await writeFile(path, 'an Error\n');
    assert.equal((await r.cycle()).message, `content match:\nan Error (${path} was rotated: read from its start)`);
    await truncate(path, 0);
    await appendFile(path, 'ok\n');
    assert.equal((await r.cycle()).message, `no matching lines (${path} was truncated: read from its start)`);
    assert.equal((await r.cycle()).message, 'no matching lines');
  });

  void test('a missing file is not measurable; it is read from its end once it appears', async () => {
    const path = join(dir.path, 'not-yet');
    const r = ruleOf(await serviceOf(path));
    const missing = await r.cycle();
    assert.deepEqual([missing.status, missing.message], ['init', `${path} does not exist`]);
    await writeFile(path, 'Error already there\n');
    assert.equal((await r.cycle()).message, `no matching lines (reading ${path} from its end, offset 20)`);
  });

  void test('a kept offset that is damaged or from other patterns is not trusted: start at the end', async () => {
    const { path, r } = await logWith('');
    await r.cycle();
    const kept = r.durable as { key: string; inode: number; offset: number };
    await appendFile(path, 'Error 1\n');
    const size = 8;
    const damaged: unknown[] = [
      { ...kept, inode: String(kept.inode) },
      { ...kept, offset: '0' },
      { ...kept, key: kept.key.replace('Error', 'Warning') },
      null,
    ];
    for (const d of damaged) {
      const again = ruleOf(await serviceOf(path));
      again.durable = d;
      const got = await again.cycle();
      assert.deepEqual(
        [got.status, got.message],
        ['ok', `no matching lines (reading ${path} from its end, offset ${size})`],
        JSON.stringify(d),
      );
    }
  });

  void test('an empty line is a line: what follows it is read the same cycle', async () => {
    const { path, r } = await logWith('', 'if content != "^ok" then alert');
    await r.cycle();
    await appendFile(path, '\nError after an empty line\nok\n');
    assert.deepEqual(lines((await r.cycle()).message), ['', 'Error after an empty line']);
  });

  void test('a line is listed on its first 511 bytes; a list that reaches 512 bytes ends with ...', async () => {
    const { path, r } = await logWith('', 'if content = "^x" then alert');
    await r.cycle();
    await appendFile(path, `${'x'.repeat(600)}\n`);
    assert.deepEqual(lines((await r.cycle()).message), ['x'.repeat(511), '...'], 'cut, and the 512 bytes are full');
    // Two lines of 255 bytes and their newlines fill the 512 bytes exactly: the third is left out.
    await appendFile(path, `${'x'.repeat(255)}\n`.repeat(3));
    assert.deepEqual(lines((await r.cycle()).message), ['x'.repeat(255), 'x'.repeat(255), '...']);
    await appendFile(path, `${'x'.repeat(254)}\n`.repeat(2));
    assert.deepEqual(lines((await r.cycle()).message), ['x'.repeat(254), 'x'.repeat(254)]);
  });

  void test('exactly 1 MB appended is read in one cycle; a line longer than that is taken cut', async () => {
    const { path, r } = await logWith('', 'if content = "^[.E]" then alert');
    await r.cycle();
    await appendFile(path, `${'.'.repeat(1023)}\n`.repeat(1024));
    const whole = await r.cycle();
    assert.equal(whole.metrics?.['bytesRead'], 1048576);
    assert.doesNotMatch(whole.message, /the rest next cycle/);
    assert.equal((await r.cycle()).message, 'no matching lines');
    await appendFile(path, `E${'.'.repeat(2 * 1048576)}\n`);
    const long = await r.cycle();
    assert.deepEqual(lines(long.message), [`E${'.'.repeat(510)}`, '...']);
    assert.match(long.message, / \(read 1048576 B, the rest next cycle\)$/);
  });

  void test('reading the file leaves no descriptor open', async () => {
    const { path, r } = await logWith('');
    await r.cycle();
    const open = async () => (await readdir('/proc/self/fd')).length;
    const before = await open();
    for (let i = 0; i < 5; i++) {
      await appendFile(path, `Error ${i}\n`);
      assert.equal((await r.cycle()).status, 'failed');
    }
    assert.equal(await open(), before);
  });
});

void describe("what a program's content rule says", () => {
  const programRule = async (rule: string) =>
    ruleOf(await parseService(`check program p with path "/bin/true"\n  ${rule} then alert\n`));

  void test('not run yet, nothing matching, and an empty line in the middle of the output', async () => {
    const r = await programRule('if content != "^ok"');
    assert.deepEqual(
      [await r.cycle(), await r.cycle({ programOutput: 'ok\n' })].map((x) => [x.status, x.message]),
      [
        ['init', 'program has not run yet'],
        ['ok', 'no matching output'],
      ],
    );
    assert.equal((await r.cycle({ programOutput: 'ok\n\nlast\n' })).message, 'content match:\n\nlast');
  });

  void test('the listed output is bounded by 512 bytes, or by programOutput of set limits', async () => {
    const r = await programRule('if content = "x"');
    const output = `${'x'.repeat(299)}\n`.repeat(3);
    assert.deepEqual(lines((await r.cycle({ programOutput: output })).message), [
      'x'.repeat(299),
      'x'.repeat(299),
      '...',
    ]);
    const wider = await r.cycle({ programOutput: output, limits: { programOutputBytes: 1024 } });
    assert.deepEqual(lines(wider.message), ['x'.repeat(299), 'x'.repeat(299), 'x'.repeat(299)]);
  });
});

void test("monit's POSIX classes in patterns: [[:digit:]] and the others mean what they do in monit", async () => {
  const classes: [string, string, string][] = [
    ['alnum', 'abc123', 'a-b'],
    ['alpha', 'abcXYZ', 'a1'],
    ['blank', ' \t ', ' x'],
    ['cntrl', '\x01\x1f\x7f', 'a'],
    ['digit', '0129', '12a'],
    ['graph', 'a!~', 'a b'],
    ['lower', 'abz', 'aBc'],
    ['print', 'a b~', 'a\x01'],
    ['punct', '!/:@[`{~', 'a'],
    ['space', ' \t', 'x'],
    ['upper', 'ABZ', 'AbC'],
    ['xdigit', '09afAF', '0g'],
  ];
  for (const [name, matching, other] of classes) {
    const r = ruleOf(
      await parseService(`check program p with path "/bin/true"\n  if content = "^<[[:${name}:]]+>$" then alert\n`),
    );
    const got = await r.cycle({ programOutput: `<${matching}>\n<${other}>\n` });
    assert.deepEqual([got.status, lines(got.message)], ['failed', [`<${matching}>`]], name);
  }
});
