// A misspelt credential keyword must not leak its secret: `pasword "SECRET"` after a mail server
// was read as two more mail hosts (to DNS, the log and `-t -v`). The parse now stops at the
// misspelt word with a hint, and every value after a word like `password` is masked wherever rules
// text is shown, spelt right or not.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkRules } from '../../src/cli/check-rules.js';
import {
  announcesSecret,
  credentialValues,
  credentialValuesOf,
  editDistance,
  maskQuoted,
  misspeltCredential,
  rememberCredentialValues,
} from '../../src/config/credentials.js';
import { ConfigError, formatDiagnostic } from '../../src/config/diagnostics.js';
import { lex } from '../../src/config/lexer.js';
import { parseRules } from '../../src/config/loader.js';
import { Scrubber, collectSecrets } from '../../src/http/secrets.js';
import type { TempDir } from '../helpers/tmp.js';
import { tempDir } from '../helpers/tmp.js';

let tmp: TempDir;
before(async () => {
  tmp = await tempDir('bw-credentials-');
});
after(async () => {
  await tmp.cleanup();
});

async function errorsOf(text: string): Promise<string[]> {
  try {
    await parseRules(text);
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e.diagnostics.map(formatDiagnostic);
  }
  return assert.fail('the rules loaded');
}

void describe('a misspelt credential keyword', () => {
  void test('after a mail server, the parse stops at the word with a hint, and the secret is no host', async () => {
    const errors = await errorsOf('set mailserver 127.0.0.1 username "u" pasword "SECRET"\n');
    assert.deepEqual(errors, [
      "rules.rc:1:39: unknown word 'pasword' in 'set mailserver', read as a host: did you mean 'password'?",
    ]);
    for (const [typo, meant] of [
      ['passwrod', 'password'],
      ['passowrd', 'password'],
      ['usernme', 'username'],
    ] as const) {
      const [e] = await errorsOf(`set mailserver smtp.example.com ${typo} "SECRET"\n`);
      assert.match(e ?? '', new RegExp(`'${typo}' .*did you mean '${meant}'\\?$`));
    }
    const [pw] = await errorsOf('set mailserver smtp.example.com pw "SECRET"\n');
    assert.match(pw ?? '', /'pw' in 'set mailserver' is read as a host: write 'password' before a password$/);
  });

  void test('the right spelling still loads, and hosts that look like nothing secret are hosts', async () => {
    const { config } = await parseRules(
      'set mailserver a.example.com username "u" password "SECRET", localhost, passage.example.com\n',
    );
    assert.deepEqual(
      config.mailServers.map((m) => m.host),
      ['a.example.com', 'localhost', 'passage.example.com'],
    );
  });

  void test('-t -v masks a value written after a misspelt word (a start program here)', async () => {
    const file = join(tmp.path, 'typo.rc');
    await writeFile(
      file,
      [
        'set mailserver smtp.example.com username "u" password "MAIL-SECRET"',
        'check process b with pidfile /run/b.pid',
        '  start program = "/usr/bin/tool --pasword TOOL-SECRET token=TOKEN-SECRET"',
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    const out = await checkRules(file, true);
    assert.ok(out.ok, out.lines.join('\n'));
    const text = out.lines.join('\n');
    assert.ok(text.includes('/usr/bin/tool'), text);
    for (const s of ['MAIL-SECRET', 'TOOL-SECRET', 'TOKEN-SECRET']) assert.ok(!text.includes(s), `${s} in:\n${text}`);
  });

  void test('the HTTP scrubber masks them too', async () => {
    const { config } = await parseRules(
      'check process b with pidfile /run/b.pid\n  start program = "/usr/bin/tool --passwd TOOL-SECRET"\n',
    );
    const scrubber = new Scrubber(collectSecrets(config));
    assert.equal(
      scrubber.scrub('start failed: /usr/bin/tool --passwd TOOL-SECRET'),
      'start failed: /usr/bin/tool --passwd ********',
    );
  });

  void test('an error message never quotes a value written after such a word', async () => {
    const errors = await errorsOf('set eventqueue basedir /var/q slots pw HIDDEN-VALUE\n');
    assert.deepEqual(errors, ["rules.rc:1:37: expected a number of slots, found 'pw'"]);
    const quoted = await errorsOf('set eventqueue basedir /var/q slots "HIDDEN" pw "HIDDEN"\n');
    assert.deepEqual(quoted, ['rules.rc:1:37: expected a number of slots, found "********"']);
  });

  void test('a keyword after such a word is no value: messages keep it', async () => {
    const errors = await errorsOf(
      'check host h with address token\n  if failed port 1883 protocol mqtt password then alert\n',
    );
    for (const e of errors) assert.ok(!e.includes('********'), e);
  });
});

void describe('credential words', () => {
  void test('within two edits of password or username, or a secret word; not user names nor other keywords', () => {
    for (const w of ['password', 'passwd', 'pasword', 'passwrd', 'passwort', 'secret', 'token', 'usernam', 'pw'])
      assert.ok(announcesSecret(w), w);
    for (const w of ['username', 'user', 'hostname', 'port', 'timeout', 'using', 'ssl', 'localhost', 'passage'])
      assert.ok(!announcesSecret(w), w);
    assert.equal(misspeltCredential('pasword'), 'password');
    assert.equal(misspeltCredential('password'), undefined);
    assert.equal(editDistance('kitten', 'sitting', 5), 3);
    assert.equal(editDistance('a', 'abcdef', 2), 3);
  });

  void test('the values after them, in tokens and in command strings', () => {
    const { tokens } = lex('x pasword S1 y\nz "/bin/a --password S2 -t token=S3"\nusername U', 'f');
    assert.deepEqual(credentialValues(tokens).sort(), ['S1', 'S2', 'S3']);
  });
});

void describe('credential words, one by one', () => {
  void test('each word that always announces a secret is no misspelling of another', () => {
    const words = [
      'password',
      'passwd',
      'passphrase',
      'pass',
      'pwd',
      'pw',
      'secret',
      'token',
      'apikey',
      'api-key',
      'api_key',
    ];
    for (const w of words) {
      assert.ok(announcesSecret(w), w);
      assert.equal(misspeltCredential(w), undefined, w);
    }
    for (const w of ['username', 'user']) assert.equal(misspeltCredential(w), undefined, w);
    assert.equal(misspeltCredential('usrname'), 'username');
    assert.equal(misspeltCredential('passfrase'), 'passphrase');
    assert.equal(misspeltCredential('port'), undefined);
  });

  void test('edit distances: insertions, deletions, substitutions, and the cut-off', () => {
    assert.equal(editDistance('pasword', 'password', 2), 1);
    assert.equal(editDistance('password', 'pasword', 2), 1);
    assert.equal(editDistance('passwrod', 'password', 2), 2);
    assert.equal(editDistance('', 'pw', 2), 2);
    assert.equal(editDistance('pw', '', 2), 2);
    assert.equal(editDistance('same', 'same', 0), 0);
    assert.equal(editDistance('abcdef', 'uvwxyz', 2), 3);
    assert.equal(editDistance('abcdef', 'uvwxyz', 9), 6);
    assert.equal(editDistance('kitten', 'sitting', 2), 3);
  });
});

void describe('credential values', () => {
  const values = (text: string): string[] => credentialValues(lex(text, 'f').tokens);

  void test('a word of the language after the announcing word is no value, nor one on the next line', () => {
    assert.deepEqual(values('x password then alert'), []);
    assert.deepEqual(values('x pw if token else y'), []);
    assert.deepEqual(values('x token\ncheck file f with path /f'), []);
    assert.deepEqual(values('x password "" y'), []);
    assert.deepEqual(values('x password 1234 y'), ['1234']);
    assert.deepEqual(values('x secret "two words" y secret "two words"'), ['two words']);
  });

  void test('no value: a keyword of any statement, a word that starts a line, a brace, a quoted announcing word', () => {
    assert.deepEqual(values('x pw port 1883'), []);
    assert.deepEqual(values('x token group g'), []);
    assert.deepEqual(values('x token\nfoo bar'), []);
    assert.deepEqual(values('x password { y }'), []);
    assert.deepEqual(values('x "pw" S y'), []);
  });

  void test('in a command string: only leading dashes are dropped, only outer quotes', () => {
    assert.deepEqual(values('start "/bin/a my-password V"'), []);
    assert.deepEqual(values(`start "/bin/a --pw=it's"`), ["it's"]);
  });

  void test('in a command string: after dashes, `=` and `:`, without quotes; a last word announces nothing', () => {
    assert.deepEqual(values(`start "/bin/a --pw='Q1' -token:Q2 passphrase Q3 api_key=Q4"`), ['Q1', 'Q2', 'Q3', 'Q4']);
    assert.deepEqual(values('start "/bin/a --password"'), []);
    assert.deepEqual(values('start "/bin/a --password=\'\'"'), []);
    assert.deepEqual(values('start "/bin/a --user admin --verbose"'), []);
  });

  void test('maskQuoted masks a value where it stands quoted, every time, and nothing else', () => {
    assert.equal(
      maskQuoted(`found 'is' and "is", then 'is' again: this is`, ['is']),
      `found '********' and "********", then '********' again: this is`,
    );
    assert.equal(maskQuoted(`'ab' 'abc'`, ['abc', 'ab']), `'********' '********'`);
    assert.equal(maskQuoted('nothing quoted', ['quoted']), 'nothing quoted');
  });

  void test('the values of the rules a config was read from, longest first; none for any other object', async () => {
    const { config } = await parseRules(
      'set mailserver smtp.example.com username "u" password "S-1"\n' +
        'check process b with pidfile /run/b.pid\n  start program = "/bin/tool --token LONGER-SECRET"\n',
    );
    assert.deepEqual(credentialValuesOf(config), ['LONGER-SECRET', 'S-1']);
    assert.deepEqual(credentialValuesOf({}), []);
    const other = {};
    rememberCredentialValues(other, []);
    assert.deepEqual(credentialValuesOf(other), []);
    rememberCredentialValues(other, ['v']);
    assert.deepEqual(credentialValuesOf(other), ['v']);
  });
});
