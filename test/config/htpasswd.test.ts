// `set httpd … allow md5|crypt|cleartext FILE [USER …]` and `unixsocket PATH …` in the rules language:
// htpasswd files written by real tools (openssl passwd -1 / -apr1, perl's crypt(), i.e. glibc's DES
// crypt) are read when the rules load, their problems reported at FILE:LINE:COL of the file's path
// without quoting a hash or a password, and the printer gives both forms back without the secrets.
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, formatDiagnostic } from '../../src/config/diagnostics.js';
import { parseRules } from '../../src/config/loader.js';
import type { LoadResult } from '../../src/config/loader.js';
import type { HtpasswdAllow } from '../../src/config/model.js';
import { parseHtpasswd } from '../../src/config/htpasswd.js';
import { printConfig } from '../../src/config/printer.js';
import type { TempDir } from '../helpers/tmp.js';
import { tempDir } from '../helpers/tmp.js';
import { DES_KNOWN_ANSWER, desCryptOf, opensslPasswd } from '../helpers/htpasswd.js';
import { stripPositions } from './arbitraries.js';

async function parse(text: string): Promise<LoadResult> {
  return parseRules(text, 'h.rc');
}

async function errorsOf(text: string): Promise<string[]> {
  try {
    await parse(text);
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e.diagnostics.map(formatDiagnostic);
  }
  return assert.fail('the rules loaded, but errors were expected');
}

const htpasswdOf = (r: LoadResult): HtpasswdAllow[] =>
  (r.config.httpd?.allow ?? []).flatMap((a) => (a.kind === 'htpasswd' ? [a] : []));

void describe('htpasswd files in allow', () => {
  let dir: TempDir;
  let md5File: string;
  let cryptFile: string;
  let clearFile: string;
  const md5Alice = opensslPasswd(['-1'], 'alice-pw');
  const aprBob = opensslPasswd(['-apr1'], 'bob-pw');
  const desCarol = desCryptOf('s3cret-des', 'ab');
  before(async () => {
    dir = await tempDir('brokerwatch-htpasswd-');
    md5File = join(dir.path, 'md5.htpasswd');
    cryptFile = join(dir.path, 'crypt.htpasswd');
    clearFile = join(dir.path, 'clear.htpasswd');
    // A comment, a blank line, trailing blanks and a shadow-style line: monit reads them all.
    await writeFile(md5File, `# users\nalice:${md5Alice}  \n\nbob:${aprBob}:19000:0:99999:7:::\n`, { mode: 0o600 });
    await writeFile(cryptFile, `carol:${desCarol}\n`, { mode: 0o600 });
    await writeFile(clearFile, 'dave:pass:with:colons\nerin:pw # a comment\n', { mode: 0o600 });
  });
  after(() => dir.cleanup());

  void test('each digest reads its file: users in file order, hashes as written', async () => {
    const r = await parse(
      [
        'set httpd port 2812',
        `  allow md5 ${md5File}`,
        `  allow crypt ${cryptFile} carol read-only`,
        `  allow cleartext ${clearFile}`,
        '',
      ].join('\n'),
    );
    assert.deepEqual(r.warnings.map(formatDiagnostic), []);
    const [md5, crypt, clear] = htpasswdOf(r);
    assert.deepEqual(stripPositions(md5), {
      kind: 'htpasswd',
      digest: 'md5',
      file: md5File,
      users: [],
      readOnly: false,
      entries: [
        { user: 'alice', hash: md5Alice },
        { user: 'bob', hash: aprBob },
      ],
    });
    assert.deepEqual(crypt?.entries, [{ user: 'carol', hash: desCarol }]);
    assert.equal(crypt?.readOnly, true);
    // Cleartext keeps a password's colons; a `#` begins a comment, as in monit.
    assert.deepEqual(clear?.entries, [
      { user: 'dave', hash: 'pass:with:colons' },
      { user: 'erin', hash: 'pw' },
    ]);
  });

  void test("monit's bare `allow /FILE` is a cleartext file; a user list keeps only those users", async () => {
    const r = await parse(`set httpd port 2812\n  allow ${clearFile} erin\n  allow md5 ${md5File} bob, alice\n`);
    const [clear, md5] = htpasswdOf(r);
    assert.equal(clear?.digest, 'cleartext');
    assert.deepEqual(clear?.entries, [{ user: 'erin', hash: 'pw' }]);
    assert.deepEqual(md5?.users, ['bob', 'alice']);
    assert.deepEqual(
      md5?.entries.map((e) => e.user),
      ['alice', 'bob'],
    );
  });

  void test('a user the file lacks, or a user defined already, is a warning (monit warns too)', async () => {
    const r = await parse(`set httpd port 2812\n  allow alice:other\n  allow md5 ${md5File} alice nobody\n`);
    assert.deepEqual(r.warnings.map(formatDiagnostic), [
      `h.rc:3:13: warning: the htpasswd file ${md5File} has no user 'nobody'`,
      `h.rc:3:13: warning: user 'alice' of ${md5File} is defined already; this entry is ignored`,
    ]);
    assert.deepEqual(htpasswdOf(r)[0]?.entries, []);
  });

  void test('a missing file, a folder, a relative path and sha1 are errors at the path', async () => {
    const missing = join(dir.path, 'nope');
    assert.deepEqual(await errorsOf(`set httpd port 2812\n  allow md5 ${missing}\n`), [
      `h.rc:2:13: cannot read the htpasswd file ${missing}: no such file`,
    ]);
    assert.deepEqual(await errorsOf(`set httpd port 2812\n  allow crypt ${dir.path}\n`), [
      `h.rc:2:15: the htpasswd file ${dir.path} is not a file`,
    ]);
    assert.deepEqual(await errorsOf('set httpd port 2812\n  allow md5 etc/htpasswd\n'), [
      "h.rc:2:13: expected the absolute path of an htpasswd file, found 'etc/htpasswd' (monit reads no relative one)",
    ]);
  });

  void test('a line that could log nobody in fails the file, naming its line and never its secret', async () => {
    const bad = join(dir.path, 'bad.htpasswd');
    // md5 given a DES file, a line with no colon, an empty password, a SHA-512 crypt hash.
    await writeFile(bad, `carol:${desCarol}\njustaname\nfrank:\ngina:$6$salt$abc\n`, { mode: 0o600 });
    const errors = await errorsOf(`set httpd port 2812\n  allow md5 ${bad}\n`);
    assert.deepEqual(errors, [
      `h.rc:2:13: ${bad} line 1: the password of user 'carol' is not an MD5-crypt hash ($1$… or $apr1$…)`,
      `h.rc:2:13: ${bad} line 2: no ':' between the user and the password`,
      `h.rc:2:13: ${bad} line 3: the password of user 'frank' is empty`,
      `h.rc:2:13: ${bad} line 4: the password of user 'gina' is not an MD5-crypt hash ($1$… or $apr1$…)`,
    ]);
    for (const e of errors) assert.ok(!e.includes(desCarol) && !e.includes('$6$salt'), e);
    assert.deepEqual(await errorsOf(`set httpd port 2812\n  allow crypt ${md5File}\n`), [
      `h.rc:2:15: ${md5File} line 2: the password of user 'alice' is not a DES crypt hash (13 characters of [./0-9A-Za-z])`,
      `h.rc:2:15: ${md5File} line 4: the password of user 'bob' is not a DES crypt hash (13 characters of [./0-9A-Za-z])`,
    ]);
  });

  void test('a file of 1 MiB is read, one byte more is refused; an empty one warns; a path through a file', async () => {
    const full = join(dir.path, 'full.htpasswd');
    const line = `erin:${desCarol}\n`;
    await writeFile(full, `${'#'.repeat(1024 * 1024 - line.length - 1)}\n${line}`, { mode: 0o600 });
    const r = await parse(`set httpd port 2812\n  allow crypt ${full}\n`);
    assert.deepEqual(
      htpasswdOf(r)[0]?.entries.map((e) => e.user),
      ['erin'],
    );
    await writeFile(full, `#${'#'.repeat(1024 * 1024 - line.length - 1)}\n${line}`, { mode: 0o600 });
    assert.deepEqual(await errorsOf(`set httpd port 2812\n  allow crypt ${full}\n`), [
      `h.rc:2:15: the htpasswd file ${full} is over 1 MiB (${1024 * 1024 + 1} bytes)`,
    ]);
    const empty = join(dir.path, 'empty.htpasswd');
    await writeFile(empty, '# nobody yet\n', { mode: 0o600 });
    const none = await parse(`set httpd port 2812\n  allow md5 ${empty}\n`);
    assert.deepEqual(none.warnings.map(formatDiagnostic), [
      `h.rc:2:13: warning: the htpasswd file ${empty} has no users`,
    ]);
    assert.deepEqual(await errorsOf(`set httpd port 2812\n  allow md5 ${md5File}/x\n`), [
      `h.rc:2:13: cannot read the htpasswd file ${md5File}/x: ENOTDIR`,
    ]);
  });

  void test('a hash is the whole password field: nothing before or after it', () => {
    const md5 = opensslPasswd(['-1'], 'pw');
    assert.deepEqual(parseHtpasswd(`u:${md5}\n`, 'md5').problems, []);
    for (const bad of [`x${md5}`, `${md5}x`])
      assert.deepEqual(parseHtpasswd(`u:${bad}\n`, 'md5').problems, [
        { line: 1, message: "the password of user 'u' is not an MD5-crypt hash ($1$… or $apr1$…)" },
      ]);
    assert.deepEqual(parseHtpasswd(`u:${desCarol}\n`, 'crypt').problems, []);
    assert.deepEqual(parseHtpasswd(`u:${desCarol}x\n`, 'crypt').problems, [
      { line: 1, message: "the password of user 'u' is not a DES crypt hash (13 characters of [./0-9A-Za-z])" },
    ]);
  });

  void test('the parser of a file: monit reading, problems by line', () => {
    assert.deepEqual(parseHtpasswd('a:x\r\n', 'cleartext').entries, [{ user: 'a', hash: 'x' }]);
    assert.deepEqual(parseHtpasswd(':x\n', 'cleartext').problems, [{ line: 1, message: 'the user name is empty' }]);
  });

  void test('print → parse gives the same model; the print holds no hash or password', async () => {
    const text = [
      'set httpd port 2812 address 127.0.0.1',
      `  allow md5 ${md5File} alice "read-only" bob`,
      `  allow crypt ${cryptFile} read-only`,
      `  allow cleartext ${clearFile}`,
      '',
    ].join('\n');
    const { config } = await parse(text);
    const printed = printConfig(config);
    assert.match(printed, new RegExp(`allow md5 ${md5File} alice "read-only" bob\\n`));
    assert.match(printed, new RegExp(`allow crypt ${cryptFile} read-only\\n`));
    for (const secret of [md5Alice, aprBob, desCarol, 'pass:with:colons'])
      assert.ok(!printed.includes(secret), `the print shows a secret:\n${printed}`);
    const back = await parse(printed);
    assert.deepEqual(stripPositions(back.config), stripPositions(config));
    assert.equal(printConfig(back.config), printed);
  });
});

void describe('set httpd unixsocket', () => {
  void test('alone: the socket and no TCP port; with a port: both', async () => {
    const alone = await parse('set httpd unixsocket /run/bw.sock allow admin:pw\n');
    assert.deepEqual(alone.config.httpd, {
      port: 2812,
      address: '127.0.0.1',
      allow: [{ kind: 'user', user: 'admin', password: 'pw', readOnly: false }],
      unixSocket: { path: '/run/bw.sock', readOnly: false },
      tcp: false,
    });
    const both = await parse('set httpd port 2900 read-only unixsocket /run/bw.sock permission 660 allow admin:pw\n');
    assert.deepEqual(both.config.httpd, {
      port: 2900,
      address: '127.0.0.1',
      // Beside a socket `port N read-only` is the port's own (monit's): the socket stays writable.
      allow: [{ kind: 'user', user: 'admin', password: 'pw', readOnly: false }],
      unixSocket: { path: '/run/bw.sock', permission: 0o660, readOnly: false },
      tcpReadOnly: true,
    });
  });

  void test('an address without a port is not used beside a socket, and says so', async () => {
    const r = await parse('set httpd address 0.0.0.0 unixsocket /run/bw.sock\n');
    assert.equal(r.config.httpd?.tcp, false);
    assert.deepEqual(r.warnings.map(formatDiagnostic), [
      "h.rc:1:11: warning: 'address' is not used: with 'unixsocket' and no 'port', brokerwatch listens on the socket only (as monit)",
    ]);
  });

  void test("monit's errors: a relative path, a mode that is not octal or over 7777; and sun_path's length", async () => {
    assert.deepEqual(await errorsOf('set httpd unixsocket run/bw.sock\n'), [
      'h.rc:1:22: expected an absolute socket path after unixsocket, found "run/bw.sock"',
    ]);
    assert.deepEqual(await errorsOf('set httpd unixsocket /run/bw.sock permission 888\n'), [
      "h.rc:1:46: permission must be an octal mode between 0 and 7777, found '888'",
    ]);
    assert.deepEqual(await errorsOf('set httpd unixsocket /run/bw.sock permission 10000\n'), [
      "h.rc:1:46: permission must be an octal mode between 0 and 7777, found '10000'",
    ]);
    const long = `/${'x'.repeat(107)}`;
    assert.deepEqual(await errorsOf(`set httpd unixsocket ${long}\n`), [
      'h.rc:1:22: a unix socket path has at most 107 bytes; this one has 108',
    ]);
  });

  void test('an unknown user or group of the socket is an error of -t (monit: of every load)', async () => {
    const r = await parseRules('set httpd unixsocket /run/bw.sock uid no-such-user gid 0\n', 'h.rc', {
      checkPermissions: false,
      checkEnvironment: true,
    }).catch((e: unknown) => e);
    assert.ok(r instanceof ConfigError);
    assert.deepEqual(r.diagnostics.map(formatDiagnostic), [
      "h.rc:1:39: unknown user 'no-such-user' (not in /etc/passwd)",
    ]);
  });

  void test('print → parse gives the same model, alone or beside a port', async () => {
    for (const text of [
      'set httpd unixsocket /run/bw.sock uid nobody gid 0 permission 0660 read-only allow admin:pw\n',
      'set httpd port 2900 read-only address 127.0.0.1 unixsocket "/run/b w.sock" allow admin:pw\n',
      'set httpd port 2900 unixsocket /run/bw.sock allow admin:pw read-only\n',
    ]) {
      const { config } = await parse(text);
      const printed = printConfig(config);
      const back = await parse(printed);
      assert.deepEqual(stripPositions(back.config), stripPositions(config), printed);
      assert.deepEqual(back.warnings.map(formatDiagnostic), [], printed);
      assert.equal(printConfig(back.config), printed);
    }
    const printed = printConfig((await parse('set httpd unixsocket /run/bw.sock permission 660 read-only\n')).config);
    assert.match(printed, /^set httpd\n {2}unixsocket \/run\/bw\.sock permission 0660 read-only\n/m);
  });

  void test('the DES known answer the tests fall back on is glibc crypt()', () => {
    assert.equal(desCryptOf('s3cret-des', 'ab'), DES_KNOWN_ANSWER);
  });

  void test('a file left readable by others is still read (its hashes are not the rules file)', async () => {
    const dir = await tempDir('brokerwatch-htpasswd-mode-');
    try {
      const f = join(dir.path, 'h');
      await writeFile(f, 'u:pw\n');
      await chmod(f, 0o644);
      const r = await parse(`set httpd port 2812 allow cleartext ${f}\n`);
      assert.deepEqual(htpasswdOf(r)[0]?.entries, [{ user: 'u', hash: 'pw' }]);
    } finally {
      await dir.cleanup();
    }
  });
});
