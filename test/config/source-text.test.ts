// A rules file must be UTF-8: the first byte of each line that starts no valid UTF-8 sequence is an
// error at its line and column (in characters), at most ten of them, and the text is still decoded
// (with replacement characters) so that the rest of the file can be reported on.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDiagnostic } from '../../src/config/diagnostics.js';
import { decodeRules } from '../../src/config/source-text.js';

const HINT = "rules files are UTF-8 (convert with 'iconv -f latin1 -t utf-8')";

function bytes(...parts: Array<string | number[]>): Uint8Array {
  const chunks = parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p)));
  return new Uint8Array(Buffer.concat(chunks));
}

function errors(b: Uint8Array): string[] {
  return decodeRules(b, 'r.rc').diagnostics.map(formatDiagnostic);
}

void describe('decodeRules', () => {
  void test('valid UTF-8 of every length is the text, with no diagnostic', () => {
    const text = 'check file caf\u00e9 with path /var/lib/\u20ac/\u{1f600}\n';
    assert.deepEqual(decodeRules(bytes(text), 'r.rc'), { text, diagnostics: [] });
  });

  void test('a Latin-1 byte is an error at its line and column; the text keeps a replacement character', () => {
    const r = decodeRules(bytes('set daemon 30\ncheck file caf', [0xe9], ' with path /x\n'), 'r.rc');
    assert.deepEqual(r.diagnostics.map(formatDiagnostic), [`r.rc:2:15: invalid UTF-8 byte 0xE9: ${HINT}`]);
    assert.equal(r.diagnostics[0]?.severity, 'error');
    assert.equal(r.text, 'set daemon 30\ncheck file caf\ufffd with path /x\n');
  });

  void test('the column counts characters, not bytes', () => {
    assert.deepEqual(errors(bytes('\u00e9\u20ac\u{1f600}x', [0xff])), [`r.rc:1:6: invalid UTF-8 byte 0xFF: ${HINT}`]);
  });

  void test("only a line's first bad byte is reported; each line with one is", () => {
    assert.deepEqual(errors(bytes([0xe9, 0x41, 0xe8], '\nok\n\nab', [0xc0, 0xaf], '\n', [0x80])), [
      `r.rc:1:1: invalid UTF-8 byte 0xE9: ${HINT}`,
      `r.rc:4:3: invalid UTF-8 byte 0xC0: ${HINT}`,
      `r.rc:5:1: invalid UTF-8 byte 0x80: ${HINT}`,
    ]);
  });

  void test('a file that starts with a line break: the bad byte is on line 2', () => {
    assert.deepEqual(errors(bytes('\n', [0xff])), [`r.rc:2:1: invalid UTF-8 byte 0xFF: ${HINT}`]);
  });

  void test('continuation bytes without a lead are each invalid, however many follow', () => {
    for (const run of [
      [0x80, 0x80, 0x80],
      [0x80, 0x80, 0x80, 0x80],
      [0xc1, 0x80, 0x80, 0x80],
    ])
      assert.deepEqual(errors(bytes('ab', run, '\nc', [0xff])), [
        `r.rc:1:3: invalid UTF-8 byte 0x${(run[0] as number).toString(16).toUpperCase()}: ${HINT}`,
        `r.rc:2:2: invalid UTF-8 byte 0xFF: ${HINT}`,
      ]);
  });

  void test('at most ten are reported', () => {
    const lines: Array<string | number[]> = [];
    for (let i = 0; i < 12; i++) lines.push('x', [0xa0 + i], '\n');
    const found = errors(bytes(...lines));
    assert.equal(found.length, 10);
    assert.equal(found[9], `r.rc:10:2: invalid UTF-8 byte 0xA9: ${HINT}`);
    assert.deepEqual(
      errors(bytes(...lines.slice(0, 30))).map((e) => e.split(':')[1]),
      ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10'],
    );
  });

  // Each valid sequence at its limits is followed by a bad byte: the bad byte's column shows that
  // the sequence before it was taken whole.
  const valid: Array<[string, number[]]> = [
    ['DEL', [0x7f]],
    ['the lowest 2-byte form', [0xc2, 0x80]],
    ['the highest 2-byte form', [0xdf, 0xbf]],
    ['the lowest 3-byte form after E0', [0xe0, 0xa0, 0x80]],
    ['a 3-byte form after E1', [0xe1, 0x80, 0x80]],
    ['the highest 3-byte form before the surrogates', [0xed, 0x9f, 0xbf]],
    ['the highest 3-byte form', [0xef, 0xbf, 0xbf]],
    ['the lowest 4-byte form', [0xf0, 0x90, 0x80, 0x80]],
    ['a 4-byte form after F1', [0xf1, 0x80, 0x80, 0x80]],
    ['the highest code point', [0xf4, 0x8f, 0xbf, 0xbf]],
  ];
  for (const [name, seq] of valid) {
    void test(`${name} is one character`, () => {
      const col = Buffer.from(seq).toString('utf8').length + 2;
      assert.deepEqual(errors(bytes([...seq], 'x', [0xfe])), [`r.rc:1:${col}: invalid UTF-8 byte 0xFE: ${HINT}`]);
    });
  }

  // Each invalid sequence stands after two letters: the error is at its first byte.
  const invalid: Array<[string, number[], string]> = [
    ['a lone continuation byte', [0xbf], 'BF'],
    ['an overlong 2-byte lead', [0xc1, 0xbf], 'C1'],
    ['a 2-byte lead without its continuation', [0xc2, 0x41], 'C2'],
    ['a 2-byte lead with a byte above the continuations', [0xdf, 0xc0], 'DF'],
    ['an overlong 3-byte form', [0xe0, 0x9f, 0xbf], 'E0'],
    ['a surrogate', [0xed, 0xa0, 0x80], 'ED'],
    ['a 3-byte form with a bad last byte', [0xe1, 0x80, 0x41], 'E1'],
    ['a 3-byte form with a bad middle byte', [0xef, 0x7f, 0x80], 'EF'],
    ['an overlong 4-byte form', [0xf0, 0x8f, 0xbf, 0xbf], 'F0'],
    ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80], 'F4'],
    ['a 4-byte form with a bad last byte', [0xf1, 0x80, 0x80, 0x41], 'F1'],
    ['a 4-byte form with a bad third byte', [0xf3, 0x80, 0xc0, 0x80], 'F3'],
    ['a lead byte above F4', [0xf5, 0x80, 0x80, 0x80], 'F5'],
    ['a 3-byte form cut by the end of the file', [0xe2, 0x82], 'E2'],
    ['a 4-byte form cut by the end of the file', [0xf0, 0x9f, 0x98], 'F0'],
  ];
  for (const [name, seq, hex] of invalid) {
    void test(`${name} is an error at its first byte`, () => {
      assert.deepEqual(errors(bytes('ab', [...seq])), [`r.rc:1:3: invalid UTF-8 byte 0x${hex}: ${HINT}`]);
    });
  }
});
