// What every message of the rules front end shares, through the parser's cursor: how it names the
// token it found, where a value counts as missing, where the parser resumes after an error so that
// one run reports them all, and which service a diagnostic belongs to (`-t -v` prints it there).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, formatDiagnostic } from '../../src/config/diagnostics.js';
import { parseRules } from '../../src/config/loader.js';

/** Every diagnostic of TEXT that must fail to load, formatted, with the service it belongs to. */
async function failure(text: string): Promise<Array<[string, string | undefined]>> {
  try {
    await parseRules(text, 'c.rc');
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e.diagnostics.map((d) => [formatDiagnostic(d), d.service]);
  }
  return assert.fail('the rules loaded, but errors were expected');
}

/** The first error of TEXT, formatted. */
async function firstError(text: string): Promise<string | undefined> {
  return (await failure(text)).find(([line]) => !line.includes(': warning: '))?.[0];
}

void describe('what a message says it found', () => {
  void test('a word, a number and an operator in single quotes, a string in double quotes', async () => {
    assert.equal(
      await firstError('check file f with path /f\n  if size > 1 kB then exec frob\n'),
      "c.rc:2:28: expected a command after exec in quotes, found 'frob'",
    );
    assert.equal(
      await firstError('check file f with path /f\n  if size > 1 kB then exec 5\n'),
      "c.rc:2:28: expected a command after exec in quotes, found '5'",
    );
    assert.equal(await firstError('check file f with path >\n'), "c.rc:1:24: expected a file path, found '>'");
    assert.equal(
      await firstError('check file f with path /f\n  if size > 1 kB then "alert"\n'),
      'c.rc:2:23: expected an action (alert, restart, start, stop, unmonitor, exec), found "alert"',
    );
  });

  void test('the end of the file, and a mail-format block where none belongs', async () => {
    assert.equal(await firstError('set pidfile'), 'c.rc:1:12: expected a pidfile path, found end of file');
    assert.equal(
      await firstError('set mailserver m mail-format { x }\n'),
      "c.rc:1:30: expected 'set', 'check' or 'include', found a { … } block",
    );
  });

  void test('a number where a whole one is wanted, and a word where a number is', async () => {
    assert.equal(
      await firstError('check file f with path /f\n  if size > 1 kB 1.5 cycles then alert\n'),
      "c.rc:2:18: expected a number of cycles, found '1.5'",
    );
    assert.equal(
      await firstError('check file f with path /f\n  if size > x kB then alert\n'),
      "c.rc:2:13: expected a size for size, found 'x'",
    );
    const r = await parseRules('check file f with path /f\n  if size > 1.5 kB then alert\n', 'c.rc');
    assert.deepEqual(r.config.services[0]?.rules[0]?.condition, { kind: 'size', op: '>', bytes: 1536 });
  });
});

void describe('a missing value', () => {
  void test('set, check or if opening the next line means the value is missing', async () => {
    for (const next of ['check file f with path /f', 'set statefile /s', 'if'])
      assert.equal(
        await firstError(`set pidfile\n${next}\n`),
        `c.rc:2:1: expected a pidfile path, found '${next.split(' ')[0]}'`,
      );
  });

  void test('the same words inside a line, numbers and strings are values', async () => {
    const values = async (text: string): Promise<[string | undefined, string | undefined]> => {
      const r = await parseRules(text, 'c.rc');
      return [r.config.pidfile, r.config.statefile];
    };
    assert.deepEqual(await values('set pidfile check\nset statefile set\n'), ['check', 'set']);
    assert.deepEqual(await values('set pidfile if\nset statefile 123\n'), ['if', '123']);
    assert.deepEqual(await values('set pidfile "/run/a b.pid"\n'), ['/run/a b.pid', undefined]);
    // Quoted, a statement word is a value even where it opens a line.
    assert.deepEqual(await values('set pidfile\n"set"\n'), ['set', undefined]);
  });
});

void describe('after an error the parser resumes at the next statement', () => {
  void test('at set or check opening a line, not inside the line that failed', async () => {
    assert.deepEqual(await failure('set foo bar set check\nset pidfile\n'), [
      [
        "c.rc:1:5: unknown setting 'set foo': expected daemon, log, pidfile, statefile, idfile, limits, eventqueue, mailserver, mail-format, alert or httpd",
        undefined,
      ],
      ['c.rc:2:12: expected a pidfile path, found end of file', undefined],
    ]);
    assert.deepEqual(await failure('set foo\n  x y\ncheck file f with path /f\n  if frob then alert\n'), [
      [
        "c.rc:1:5: unknown setting 'set foo': expected daemon, log, pidfile, statefile, idfile, limits, eventqueue, mailserver, mail-format, alert or httpd",
        undefined,
      ],
      [
        "c.rc:4:6: unknown test 'frob': expected failed, not exist, changed, cpu, memory, children, threads, uptime, status, timestamp, size, sys, or 'N restarts within M cycles'",
        'f',
      ],
    ]);
  });

  void test('not at a quoted statement word opening a line', async () => {
    assert.deepEqual(await failure('set foo\n"set" x\nset pidfile\n'), [
      [
        "c.rc:1:5: unknown setting 'set foo': expected daemon, log, pidfile, statefile, idfile, limits, eventqueue, mailserver, mail-format, alert or httpd",
        undefined,
      ],
      ['c.rc:3:12: expected a pidfile path, found end of file', undefined],
    ]);
  });

  void test("an ignored setting's { … } is skipped whole, nested braces and statement words included", async () => {
    const r = await parseRules(
      'set heartbeat {\n  check { x }\nset y\n}\n  more words\ncheck file f with path /f\n',
      'c.rc',
    );
    assert.deepEqual(
      r.config.services.map((s) => s.name),
      ['f'],
    );
    assert.deepEqual(r.warnings.map(formatDiagnostic), [
      "c.rc:1:5: warning: 'set heartbeat' is not used by brokerwatch; ignored",
    ]);
    // An unclosed one runs to the end of the file.
    const open = await parseRules('set heartbeat { { a } b\ncheck file f with path /f\n', 'c.rc');
    assert.deepEqual(open.config.services, []);
  });
});

void describe('the service of a diagnostic', () => {
  void test('diagnostics inside a check name its service; those of set statements name none', async () => {
    assert.deepEqual(await failure('set pidfile\ncheck file f with path /f\n  if nlink > 1 then alert\nset fips\n'), [
      ["c.rc:2:1: expected a pidfile path, found 'check'", undefined],
      ["c.rc:3:6: warning: 'nlink' tests are not evaluated by brokerwatch; this rule is ignored", 'f'],
      ["c.rc:4:5: warning: 'set fips' is not used by brokerwatch; ignored", undefined],
    ]);
  });
});
