// `-t` looks at this machine as monit's does: programs exist and are executable, users and groups
// exist, certificate files exist. Severities as monit 5.33's `-t`: a missing start, stop or exec
// program is a warning (monit only fails when it runs it), a missing `check program`, user, group or
// certificate file is an error. Each at its FILE:LINE:COL.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, realpath, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkRules } from '../../src/cli/check-rules.js';
import { ConfigError, formatDiagnostic } from '../../src/config/diagnostics.js';
import { loadRules, parseRules } from '../../src/config/loader.js';
import type { TempDir } from '../helpers/tmp.js';
import { tempDir } from '../helpers/tmp.js';

let tmp: TempDir;
let root = '';
let seq = 0;

before(async () => {
  tmp = await tempDir('bw-env-');
  root = await realpath(tmp.path);
  await writeFile(join(root, 'noexec.sh'), '#!/bin/sh\n', { mode: 0o644 });
  await chmod(join(root, 'noexec.sh'), 0o644);
  await writeFile(join(root, 'run.sh'), '#!/bin/sh\n', { mode: 0o755 });
  await writeFile(join(root, 'ca.pem'), 'x\n', { mode: 0o644 });
});

after(async () => {
  await tmp.cleanup();
});

/** Writes the rules (mode 600) and returns the file and every diagnostic, loaded as -t loads. */
async function check(text: string): Promise<{ file: string; lines: string[] }> {
  const file = join(root, `r${++seq}.rc`);
  await writeFile(file, text.replaceAll('ROOT', root), { mode: 0o600 });
  try {
    const r = await loadRules(file, { checkEnvironment: true });
    return { file, lines: r.warnings.map(formatDiagnostic) };
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return { file, lines: e.diagnostics.map(formatDiagnostic) };
  }
}

void describe('-t: programs', () => {
  void test('a missing or non-executable start, stop, restart or exec program is a warning', async () => {
    const { file, lines } = await check(
      'check process x with pidfile /run/x.pid\n' +
        '  start program = "ROOT/noexec.sh start"\n' +
        '  stop program = "/nonexistent/stop"\n' +
        '  restart program = "ROOT/run.sh"\n' +
        '  if cpu > 80% then exec "/nonexistent/e" \n' +
        '  if cpu > 90% then exec "no-such-program-anywhere"\n' +
        '  if cpu > 95% then exec "sh -c true"\n',
    );
    assert.deepEqual(lines, [
      `${file}:2:19: warning: program '${root}/noexec.sh' is not executable`,
      `${file}:3:18: warning: program '/nonexistent/stop' does not exist`,
      `${file}:5:26: warning: program '/nonexistent/e' does not exist`,
      `${file}:6:26: warning: program 'no-such-program-anywhere' is not found in PATH`,
    ]);
  });

  void test("the program of 'check program' must exist and be executable (an error)", async () => {
    const { file, lines } = await check(
      'check program a with path "/nonexistent/p --flag"\n  if status != 0 then alert\n' +
        'check program b with path ROOT/noexec.sh\n  if status != 0 then alert\n' +
        'check program c with path "ROOT/run.sh"\n  if status != 0 then alert\n',
    );
    assert.deepEqual(lines, [
      `${file}:1:27: program '/nonexistent/p' does not exist: 'check program' has nothing to run`,
      `${file}:3:27: program '${root}/noexec.sh' is not executable: 'check program' has nothing to run`,
    ]);
  });
});

void describe('-t: users and groups', () => {
  void test('an unknown user or group of a program or an exec is an error; numbers and known names pass', async () => {
    const { file, lines } = await check(
      'check process x with pidfile /run/x.pid\n' +
        '  start program = "/bin/true" as uid nosuchuser-bw\n' +
        '  stop program = "/bin/true" as uid root and gid nosuchgroup-bw\n' +
        '  restart program = "/bin/true" as uid 4242 and gid 4242\n' +
        '  if cpu > 80% then exec "/bin/true" as uid nobody\n',
    );
    assert.deepEqual(lines, [
      `${file}:2:38: unknown user 'nosuchuser-bw' (not in /etc/passwd)`,
      `${file}:3:50: unknown group 'nosuchgroup-bw' (not in /etc/group)`,
    ]);
  });
});

void describe('-t: certificate files', () => {
  void test('a missing certificate, key or CA file is an error where it is named', async () => {
    const { file, lines } = await check(
      'set ssl { cacertificatefile: /nonexistent/global-ca.pem }\n' +
        'set httpd port 2812 ssl pemfile /nonexistent/server.pem\n  allow admin:pw\n' +
        'set mailserver localhost port 587 using tls { cacertificatefile: /nonexistent/mail-ca.pem }\n' +
        'check host h with address 127.0.0.1\n' +
        '  if failed port 8883 ssl cafile /nonexistent/probe-ca.pem then alert\n' +
        '  if failed port 8884 ssl cafile ROOT/ca.pem then alert\n' +
        '  alert mqtt "mqtts://127.0.0.1:8883/alerts" cafile /nonexistent/alert-ca.pem\n',
    );
    assert.deepEqual(lines, [
      `${file}:1:5: SSL CA certificates file '/nonexistent/global-ca.pem' does not exist`,
      `${file}:2:33: SSL server PEM file '/nonexistent/server.pem' does not exist`,
      `${file}:4:45: SSL CA certificates file '/nonexistent/mail-ca.pem' does not exist`,
      `${file}:6:3: SSL CA certificates file '/nonexistent/probe-ca.pem' does not exist`,
      `${file}:8:9: SSL CA certificates file '/nonexistent/alert-ca.pem' does not exist`,
    ]);
  });
});

void describe('-t: what else it looks at', () => {
  void test('the users and groups of the status socket: names of /etc/passwd and /etc/group, numbers, not a mix', async () => {
    const known = await check('set httpd unixsocket /run/bw.sock uid daemon gid tty\n  allow admin:pw\n');
    assert.deepEqual(known.lines, []);
    const users = await check('set httpd unixsocket /run/bw.sock uid "1x"\n  allow admin:pw\n');
    assert.deepEqual(users.lines, [`${users.file}:1:39: unknown user '1x' (not in /etc/passwd)`]);
    const groups = await check('set httpd unixsocket /run/bw.sock gid x1\n  allow admin:pw\n');
    assert.deepEqual(groups.lines, [`${groups.file}:1:39: unknown group 'x1' (not in /etc/group)`]);
    // tty is a group and no user; daemon is both.
    const swapped = await check('set httpd unixsocket /run/bw.sock uid tty gid daemon\n  allow admin:pw\n');
    assert.deepEqual(swapped.lines, [`${swapped.file}:1:39: unknown user 'tty' (not in /etc/passwd)`]);
  });

  void test("a port test's client certificate and key, a CA folder, a path through a file; alerts without TLS", async () => {
    const { file, lines } = await check(
      'check host h with address 127.0.0.1\n' +
        '  if failed port 8883 ssl certfile /nonexistent/c.pem keyfile /nonexistent/k.pem then alert\n' +
        '  if failed port 8884 ssl certfile ROOT/ca.pem then alert\n' +
        '  if failed port 1883 then alert\n' +
        '  if failed port 8887 ssl cafile /etc/hostname/ca.pem then alert\n' +
        '  alert root@localhost\n' +
        '  alert mqtt "mqtt://127.0.0.1:1883/alerts"\n',
    );
    assert.deepEqual(lines, [
      `${file}:2:3: SSL client certificate file '/nonexistent/c.pem' does not exist`,
      `${file}:2:3: SSL client key file '/nonexistent/k.pem' does not exist`,
      `${file}:5:3: SSL CA certificates file '/etc/hostname/ca.pem' is not readable`,
    ]);
    const folder = await check('set ssl { cacertificatepath: ROOT/ca.pem }\n');
    assert.deepEqual(folder.lines, [`${folder.file}:1:5: SSL CA certificates folder '${root}/ca.pem' is not a folder`]);
    assert.deepEqual((await check('set ssl { cacertificatepath: ROOT }\n')).lines, []);
  });

  void test('a program given by a relative path is not looked for: the folder it runs in decides', async () => {
    const { lines } = await check(
      'check process x with pidfile /run/x.pid\n  start program = "bin/start-broker"\n  stop program = "./stop"\n',
    );
    assert.deepEqual(lines, []);
  });
});

void describe('-t and the daemon look; parsing alone does not', () => {
  void test('parseRules and loadRules without checkEnvironment do not look at the machine', async () => {
    const text = 'check program a with path "/nonexistent/p"\n  if status != 0 then alert\n';
    const r = await parseRules(text, 's.rc');
    assert.deepEqual(r.warnings, []);
    const file = join(root, 'plain.rc');
    await writeFile(file, text, { mode: 0o600 });
    assert.deepEqual((await loadRules(file)).warnings, []);
  });

  void test('brokerwatch -t reports them and fails on an error', async () => {
    const file = join(root, 'cli.rc');
    await writeFile(
      file,
      'check process x with pidfile /run/x.pid\n  start program = "/nonexistent/start"\n' +
        'check program p with path "/nonexistent/p"\n  if status != 0 then alert\n',
      { mode: 0o600 },
    );
    const out = await checkRules(file);
    assert.equal(out.ok, false);
    assert.deepEqual(out.lines, [
      `${file}:2:19: warning: program '/nonexistent/start' does not exist`,
      `${file}:3:27: program '/nonexistent/p' does not exist: 'check program' has nothing to run`,
      `${file}: 1 error; nothing was started`,
    ]);
  });
});

void describe('brokerwatch -t -v: what each service watches, and what it does not', () => {
  void test('each service shows the rules monit implies and, under it, what is read but not watched', async () => {
    const file = join(root, 'verbose.rc');
    await writeFile(
      file,
      [
        'set fips',
        'check process broker with pidfile /run/broker.pid',
        '  if failed url http://127.0.0.1:8080/ then alert',
        '  if cpu > 90% then alert',
        'check filesystem data with path /var/lib/broker',
        '  if space usage > 90% then alert',
        'check network lan with interface eth0',
        '  if saturation > 90% then alert',
        'check file conf with path /etc/broker.conf',
        '  if failed checksum then alert',
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    const out = await checkRules(file, true);
    assert.equal(out.ok, true);
    const text = out.lines.join('\n');
    // A service's section: from `check TYPE NAME` to the next blank line.
    const section = (name: string): string => {
      const block = text.split('\n\n').find((b) => new RegExp(`^check \\w+ ${name}\\b`).test(b));
      assert.ok(block, `no section for ${name} in:\n${text}`);
      return block;
    };
    assert.deepEqual(section('broker').split('\n'), [
      'check process broker with pidfile /run/broker.pid',
      '  # implied, as in monit: if does not exist then restart',
      '  if cpu > 90% then alert',
      `  # not watched: ${file}:3:13: 'failed url' tests are not evaluated by brokerwatch; this rule is ignored`,
    ]);
    assert.match(section('data'), /^ {2}# implied, as in monit: if does not exist then alert$/m);
    assert.match(section('lan'), /^ {2}# implied, as in monit: if link down then alert$/m);
    assert.doesNotMatch(section('conf'), /#/);
    // A statement outside every service stays with the warnings at the top, not under a service.
    assert.equal(out.lines[0], `${file}:1:5: warning: 'set fips' is not used by brokerwatch; ignored`);
    assert.equal(text.match(/set fips/g)?.length, 1);
  });
});
