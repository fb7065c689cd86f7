// monit's token rules as the lexer applies them: what is a separator, a comment, a noise word, an
// operator, a number with its unit, a string (escapes, lines, a missing quote), a mail-format block,
// and where each token stands (line, column, first on its line, glued to the one before).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDiagnostic } from '../../src/config/diagnostics.js';
import { lex, splitCommand } from '../../src/config/lexer.js';

/** `type:text` of each token. */
function tokens(text: string): string[] {
  return lex(text, 'l.rc').tokens.map((t) => `${t.type}:${t.text}`);
}

function errors(text: string): string[] {
  return lex(text, 'l.rc').diagnostics.map(formatDiagnostic);
}

void describe('lex', () => {
  void test('separators, comments and a backslash at the end of a line are not tokens', async () => {
    assert.deepEqual(tokens('set daemon 30, # every half minute\n;(start)\f\v\t delay \\\n 5\r\n'), [
      'word:set',
      'word:daemon',
      'number:30',
      'word:start',
      'word:delay',
      'number:5',
    ]);
  });

  void test('noise words are dropped, except as the name after `check TYPE`', async () => {
    assert.deepEqual(tokens('if cpu usage is greater than 80% for 3 cycles then alert'), [
      'word:if',
      'word:cpu',
      'word:greater',
      'number:80',
      'word:%',
      'number:3',
      'word:cycles',
      'word:then',
      'word:alert',
    ]);
    assert.deepEqual(tokens('check program last with path /x'), [
      'word:check',
      'word:program',
      'word:last',
      'word:path',
      'word:/x',
    ]);
    assert.deepEqual(tokens('check file on with path /on'), [
      'word:check',
      'word:file',
      'word:on',
      'word:path',
      'word:/on',
    ]);
  });

  void test('operators, with == read as = and <> as !=', async () => {
    assert.deepEqual(tokens('a >= 1 b <= 2 c == 3 d != 4 e <> 5 f = 6 g > 7 h < 8 i!=9'), [
      'word:a',
      'op:>=',
      'number:1',
      'word:b',
      'op:<=',
      'number:2',
      'word:c',
      'op:=',
      'number:3',
      'word:d',
      'op:!=',
      'number:4',
      'word:e',
      'op:!=',
      'number:5',
      'word:f',
      'op:=',
      'number:6',
      'word:g',
      'op:>',
      'number:7',
      'word:h',
      'op:<',
      'number:8',
      'word:i',
      'op:!=',
      'number:9',
    ]);
  });

  void test('a word keeps <, = and > where monit takes a word; after a keyword they stay operators', async () => {
    assert.deepEqual(tokens('password dGVzdA== allow admin:dGVzdA== PASSWORD <password> password s3cr>t'), [
      'word:password',
      'word:dGVzdA==',
      'word:allow',
      'word:admin:dGVzdA==',
      'word:PASSWORD',
      'word:<password>',
      'word:password',
      'word:s3cr>t',
    ]);
    assert.deepEqual(tokens('username a=b path /tmp/a=b x s3cr>t password = x'), [
      'word:username',
      'word:a=b',
      'word:path',
      'word:/tmp/a=b',
      'word:x',
      'word:s3cr>t',
      'word:password',
      'op:=',
      'word:x',
    ]);
    assert.deepEqual(tokens('if cpu>80% size>=10MB status!=0 x<5'), [
      'word:if',
      'word:cpu',
      'op:>',
      'number:80',
      'word:%',
      'word:size',
      'op:>=',
      'number:10',
      'word:MB',
      'word:status',
      'op:!=',
      'number:0',
      'word:x',
      'op:<',
      'number:5',
    ]);
  });

  void test('a number glued to its unit is two tokens; other words with digits stay whole', async () => {
    assert.deepEqual(tokens('5MB 1.5GB 80% 3 2.25 v2 10.0.0.1 1.2.3MB'), [
      'number:5',
      'word:MB',
      'number:1.5',
      'word:GB',
      'number:80',
      'word:%',
      'number:3',
      'number:2.25',
      'word:v2',
      'word:10.0.0.1',
      'word:1.2.3MB',
    ]);
    const [n, unit] = lex('x 5MB', 'l.rc').tokens.slice(1);
    assert.deepEqual([n?.pos.col, unit?.pos.col, n?.glued, unit?.glued], [3, 4, false, true]);
  });

  void test('keywords compare lower-cased; strings and numbers keep their text', async () => {
    const [w, s] = lex('CHECK "Mixed Case"', 'l.rc').tokens;
    assert.deepEqual([w?.text, w?.lower, s?.text, s?.lower], ['CHECK', 'check', 'Mixed Case', 'Mixed Case']);
  });

  void test('positions: line and column, the first token of each line, tokens glued together', async () => {
    const toks = lex('set httpd\n  allow admin:"pw"  x\n', 'l.rc').tokens;
    assert.deepEqual(
      toks.map((t) => [t.text, t.pos.line, t.pos.col, t.lineStart, t.glued]),
      [
        ['set', 1, 1, true, false],
        ['httpd', 1, 5, false, false],
        ['allow', 2, 3, true, false],
        ['admin:', 2, 9, false, false],
        ['pw', 2, 15, false, true],
        ['x', 2, 21, false, false],
      ],
    );
    assert.equal(toks[0]?.pos.file, 'l.rc');
  });

  void test('a byte-order mark before the first word is not part of it', async () => {
    assert.deepEqual(tokens('\ufeffset daemon 5'), ['word:set', 'word:daemon', 'number:5']);
  });

  void test('strings: either quote, escaped quotes and backslashes, other backslashes kept', async () => {
    const toks = lex(String.raw`"a \"b\" \\ c\d" 'it''s' 'x\'y'`, 'l.rc').tokens;
    assert.deepEqual(
      toks.map((t) => [t.text, t.quote]),
      [
        ['a "b" \\ c\\d', '"'],
        ['it', "'"],
        ['s', "'"],
        ["x'y", "'"],
      ],
    );
    assert.deepEqual(
      toks.map((t) => t.glued),
      [false, false, true, false],
    );
  });

  void test('a string may run over lines when it closes before the next statement', async () => {
    const toks = lex('start "/bin/sh -c \'a\n  b\'"\nstop "/x"\n', 'l.rc').tokens;
    assert.deepEqual(
      toks.map((t) => [t.text, t.pos.line, t.pos.col]),
      [
        ['start', 1, 1],
        ["/bin/sh -c 'a\n  b'", 1, 7],
        ['stop', 3, 1],
        ['/x', 3, 6],
      ],
    );
  });

  void test('a missing quote is reported where the string starts and ends at the line', async () => {
    const text = 'start "/a stop\r\nif failed port 1 then alert\n';
    assert.deepEqual(errors(text), ['l.rc:1:7: unterminated string: missing closing "']);
    assert.deepEqual(tokens(text).slice(0, 3), ['word:start', 'string:/a stop', 'word:if']);
    assert.equal(lex(text, 'l.rc').tokens[2]?.pos.line, 2);
    assert.deepEqual(errors("x 'abc"), ["l.rc:1:3: unterminated string: missing closing '"]);
    // An escaped quote on the next line does not close the string: it ends at its own line.
    assert.deepEqual(errors('a "x\n  \\" y\n'), [
      'l.rc:1:3: unterminated string: missing closing "',
      'l.rc:2:4: unterminated string: missing closing "',
    ]);
  });

  void test('braces are tokens; after mail-format, the text up to } is one raw block', async () => {
    const toks = lex('set mail-format\n {\n  subject: $SERVICE # not a comment\n}\nset daemon 5', 'l.rc').tokens;
    assert.deepEqual(
      toks.map((t) => [t.type, t.text, t.pos.line, t.pos.col]),
      [
        ['word', 'set', 1, 1],
        ['word', 'mail-format', 1, 5],
        ['block', '\n  subject: $SERVICE # not a comment\n', 2, 2],
        ['word', 'set', 5, 1],
        ['word', 'daemon', 5, 5],
        ['number', '5', 5, 12],
      ],
    );
    assert.deepEqual(tokens('ssl { verify: enable }'), ['word:ssl', '{:{', 'word:verify:', 'word:enable', '}:}']);
    assert.deepEqual(tokens('mail-format x'), ['word:mail-format', 'word:x']);
  });

  void test('an unclosed mail-format block runs to the end of the file, with an error', async () => {
    const r = lex('set mail-format {\n subject: x\n', 'l.rc');
    assert.deepEqual(r.diagnostics.map(formatDiagnostic), ["l.rc:1:17: unterminated mail-format block: missing '}'"]);
    assert.deepEqual(
      r.tokens.map((t) => t.text),
      ['set', 'mail-format', '\n subject: x\n'],
    );
  });

  void test('an unexpected character is a token of its own and does not stall', async () => {
    assert.deepEqual(tokens('a !b'), ['word:a', 'word:!b']);
    assert.deepEqual(tokens('x!'), ['word:x!']);
  });
});

void describe('splitCommand', () => {
  void test('splits on blanks; single quotes keep a part whole and may be empty', async () => {
    assert.deepEqual(splitCommand("  /bin/sh -c 'echo a  b'\t'' x'y'z  "), ['/bin/sh', '-c', 'echo a  b', '', 'xyz']);
    assert.deepEqual(splitCommand('   '), []);
    assert.deepEqual(splitCommand('"double" quotes'), ['"double"', 'quotes']);
  });
});
