// Diagnostics as the loader hands them out: sorted by the order the files were read, then line and
// column; their messages fit for one line of a terminal; a ConfigError says what went wrong.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Diagnostic } from '../../src/config/diagnostics.js';
import { ConfigError, formatDiagnostic, safeDiagnostic, sortDiagnostics } from '../../src/config/diagnostics.js';

function at(file: string, line: number, col: number, message: string): Diagnostic {
  return { severity: 'error', pos: { file, line, col }, message };
}

void describe('sortDiagnostics', () => {
  void test('files in the order they were read, then line, then column', () => {
    const list = [
      at('b.rc', 1, 1, 'b1'),
      at('a.rc', 9, 3, 'a9c3'),
      at('a.rc', 2, 7, 'a2c7'),
      at('a.rc', 9, 1, 'a9c1'),
      at('a.rc', 2, 5, 'a2c5'),
    ];
    // b.rc was read first (it includes a.rc), so its diagnostics come first.
    const sorted = sortDiagnostics(list, ['b.rc', 'a.rc']);
    assert.deepEqual(
      sorted.map((d) => d.message),
      ['b1', 'a2c5', 'a2c7', 'a9c1', 'a9c3'],
    );
    assert.deepEqual(
      sortDiagnostics(list, ['a.rc', 'b.rc']).map((d) => d.message),
      ['a2c5', 'a2c7', 'a9c1', 'a9c3', 'b1'],
    );
  });

  void test('a file that was never read (a missing include) comes after every read one', () => {
    const list = [at('missing.rc', 1, 1, 'missing'), at('main.rc', 40, 2, 'main'), at('other.rc', 3, 1, 'other')];
    assert.deepEqual(
      sortDiagnostics(list, ['main.rc', 'other.rc']).map((d) => d.message),
      ['main', 'other', 'missing'],
    );
  });

  void test('diagnostics at the same position keep the order they were found in', () => {
    const list = [at('a.rc', 3, 4, 'first'), at('a.rc', 1, 1, 'top'), at('a.rc', 3, 4, 'second')];
    const same = ['first', 'second', 'third', 'fourth', 'fifth'].map((m) => at('a.rc', 2, 2, m));
    assert.deepEqual(
      sortDiagnostics(list, ['a.rc']).map((d) => d.message),
      ['top', 'first', 'second'],
    );
    assert.deepEqual(
      sortDiagnostics(same, ['a.rc']).map((d) => d.message),
      ['first', 'second', 'third', 'fourth', 'fifth'],
    );
    assert.deepEqual(
      sortDiagnostics([...same].reverse(), ['a.rc']).map((d) => d.message),
      ['fifth', 'fourth', 'third', 'second', 'first'],
    );
  });
});

void describe('messages fit for a terminal', () => {
  void test('safeDiagnostic escapes a line break and cuts a huge word; a sane diagnostic is returned as is', () => {
    const d = at('a.rc', 1, 2, `unknown word 'x\ny' then '${'z'.repeat(500)}'`);
    const safe = safeDiagnostic(d);
    assert.equal(safe.message, `unknown word 'x\\ny' then '${'z'.repeat(79)}…'`);
    assert.deepEqual(safe.pos, d.pos);
    assert.equal(safe.severity, 'error');
    const sane = at('a.rc', 1, 2, "unknown word 'x'");
    assert.equal(safeDiagnostic(sane), sane);
  });

  void test('formatDiagnostic: FILE:LINE:COL, a warning says so', () => {
    assert.equal(formatDiagnostic(at('/etc/m.rc', 3, 9, 'bad')), '/etc/m.rc:3:9: bad');
    assert.equal(
      formatDiagnostic({ severity: 'warning', pos: { file: 'm\n.rc', line: 1, col: 1 }, message: 'odd\u0007word' }),
      'm\\n.rc:1:1: warning: odd\\x07word',
    );
  });

  void test('a ConfigError is named, states its errors only, and keeps every diagnostic made safe', () => {
    const warning: Diagnostic = { severity: 'warning', pos: { file: 'a.rc', line: 1, col: 1 }, message: 'w' };
    const e = new ConfigError([warning, at('a.rc', 2, 3, 'first\u001b[31m'), at('a.rc', 4, 1, 'second')]);
    assert.equal(e.name, 'ConfigError');
    assert.ok(e instanceof Error);
    assert.equal(e.message, 'a.rc:2:3: first\\x1b[31m\na.rc:4:1: second');
    assert.deepEqual(
      e.diagnostics.map((d) => d.message),
      ['w', 'first\\x1b[31m', 'second'],
    );
    assert.ok(String(e).startsWith('ConfigError: a.rc:2:3: first'), String(e));
  });
});
