// Port-test protocols in the rules language: each protocol's option words read into its part of the
// model and printed back, a protocol name that is neither brokerwatch's nor monit's an error at the
// name, options of another protocol errors at their word, monit's other protocols a warning.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, formatDiagnostic } from '../../src/config/diagnostics.js';
import { parseRules } from '../../src/config/loader.js';
import type { Condition } from '../../src/config/model.js';
import { printConfig } from '../../src/config/printer.js';

const HOST = 'check host web with address 127.0.0.1\n';

type Port = Extract<Condition, { kind: 'port' }>;

/** The port condition of `if failed LINE then alert`, and the warnings. */
async function port(line: string): Promise<{ cond: Port; warnings: string[] }> {
  const r = await parseRules(`${HOST}  if failed ${line} then alert\n`, 'p.rc');
  const cond = r.config.services[0]?.rules[0]?.condition;
  assert.ok(cond?.kind === 'port', 'a port rule');
  return { cond, warnings: r.warnings.map(formatDiagnostic) };
}

async function errorsOf(line: string): Promise<string[]> {
  try {
    await parseRules(`${HOST}  if failed ${line} then alert\n`, 'p.rc');
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);
  }
  assert.fail(`'${line}' loaded, but errors were expected`);
}

/** The rule as `-t -v` prints it, read back: the same condition. */
async function roundTrip(line: string): Promise<string> {
  const r = await parseRules(`${HOST}  if failed ${line} then alert\n`, 'p.rc');
  const printed = printConfig(r.config);
  const again = await parseRules(printed, 'printed.rc');
  assert.deepEqual(again.config.services[0]?.rules[0]?.condition, r.config.services[0]?.rules[0]?.condition, printed);
  return printed;
}

void describe('protocol names', () => {
  void test('a name neither brokerwatch nor monit knows is an error at the name, not a bare port test', async () => {
    const [e] = await errorsOf('port 1883 protocol mqttx');
    assert.match(
      e ?? '',
      /^p\.rc:2:32: unknown protocol 'mqttx': expected default, tcp, mqtt, http, https, smtp, smtps, ssh/,
    );
  });

  void test("monit's protocols brokerwatch does not speak load with a warning at the name: a TCP connect", async () => {
    for (const name of ['memcache', 'mysqls', 'ntp3', 'apache-status', 'imaps', 'ldap3', 'sip']) {
      const { cond, warnings } = await port(`port 80 protocol ${name}`);
      assert.equal(cond.protocol, name);
      assert.deepEqual(warnings, [
        `p.rc:2:30: warning: protocol '${name}' is not spoken by brokerwatch; the test only checks that the port accepts a connection`,
      ]);
    }
  });

  void test("monit's login options of a protocol not spoken load with a warning", async () => {
    const { warnings } = await port('port 3306 protocol mysqls username "foo" password "bar"');
    assert.deepEqual(warnings, [
      "p.rc:2:32: warning: protocol 'mysqls' is not spoken by brokerwatch; the test only checks that the port accepts a connection",
      "p.rc:2:32: warning: 'username' and 'password' are not used for protocol 'mysqls'; ignored",
    ]);
  });

  void test('https, smtps mean TLS from the start; names are case-insensitive', async () => {
    assert.deepEqual((await port('port 443 protocol HTTPS')).cond.tls, { enabled: true, verify: true });
    assert.deepEqual((await port('port 465 protocol smtps')).cond.tls, { enabled: true, verify: true });
    assert.equal((await port('port 80 protocol http')).cond.tls, undefined);
  });

  void test('options of another protocol are errors at their word', async () => {
    assert.deepEqual(await errorsOf('port 1883 protocol mqtt request "/x"'), [
      "p.rc:2:37: 'request' is an option of protocol http; this test has protocol 'mqtt'",
    ]);
    assert.deepEqual(await errorsOf('port 80 status = 200'), [
      "p.rc:2:21: 'status' is an option of protocol http; this test names no protocol",
    ]);
    assert.deepEqual(await errorsOf('port 80 protocol http roundtrip qos 1'), [
      "p.rc:2:35: 'roundtrip' is an option of protocol mqtt; this test has protocol 'http'",
    ]);
    assert.deepEqual(await errorsOf('port 22 protocol ssh username "u" password "p"'), [
      "p.rc:2:13: 'username' and 'password' are not used by protocol 'ssh'",
    ]);
    assert.deepEqual(await errorsOf('port 80 protocol http send "x"'), [
      "p.rc:2:35: 'send' (send/expect) replaces a protocol: not with protocol 'http'",
    ]);
  });
});

void describe('http', () => {
  void test("every option of monit's HTTP test, into the model", async () => {
    const { cond, warnings } = await port(
      'port 8080 protocol http username "u" password "p w" with http headers [Host: "a.example:8080", Cache-Control: no-cache] ' +
        'hostheader "vhost.example" method head request "/data/show?a=b&c=d" status != 500 ' +
        'content != "error [0-9]+" checksum 8F7F419955CEFA0B33A2BA316CBA3659',
    );
    assert.deepEqual(warnings, []);
    assert.deepEqual(cond.http, {
      method: 'HEAD',
      request: '/data/show?a=b&c=d',
      headers: [
        ['Host', 'a.example:8080'],
        ['Cache-Control', 'no-cache'],
      ],
      status: { op: '!=', code: 500 },
      content: { match: false, regex: 'error [0-9]+' },
      checksum: '8f7f419955cefa0b33a2ba316cba3659',
      hostHeader: 'vhost.example',
      username: 'u',
      password: 'p w',
    });
  });

  void test("monit's manual example: headers with and without `with`, a glued cookie value", async () => {
    const { cond } = await port(
      'port 80 protocol http http headers [Host: mmonit.com, Cache-Control: no-cache,\n' +
        '         Cookie: csrftoken=nj1bI3CnMCaiNv4beqo8ZaCfAQQvpgLH]\n       and request /monit/ with content = "Monit [0-9.]+"',
    );
    assert.deepEqual(cond.http?.headers, [
      ['Host', 'mmonit.com'],
      ['Cache-Control', 'no-cache'],
      ['Cookie', 'csrftoken=nj1bI3CnMCaiNv4beqo8ZaCfAQQvpgLH'],
    ]);
    assert.equal(cond.http?.request, '/monit/');
    assert.deepEqual(cond.http?.content, { match: true, regex: 'Monit [0-9.]+' });
  });

  void test("monit's username forms: a mail address, a quoted string", async () => {
    const { cond } = await port('port 80 protocol http username admin@example.com password "x y"');
    assert.deepEqual([cond.http?.username, cond.http?.password], ['admin@example.com', 'x y']);
    assert.equal((await port('port 80 protocol http user "a b" password p')).cond.http?.username, 'a b');
  });

  void test('defaults: GET /, no status test (monit: < 400)', async () => {
    assert.deepEqual((await port('port 80 protocol http')).cond.http, { method: 'GET', request: '/', headers: [] });
  });

  void test('errors name their token', async () => {
    assert.deepEqual(await errorsOf('port 80 protocol http content = "(unclosed"'), [
      'p.rc:2:45: invalid regular expression "(unclosed": Invalid regular expression: /(unclosed/: Unterminated group',
    ]);
    assert.deepEqual(await errorsOf('port 80 protocol http content "x"'), [
      "p.rc:2:43: expected '=' or '!=' after content",
    ]);
    assert.deepEqual(await errorsOf('port 80 protocol http checksum abc'), [
      'p.rc:2:44: expected an MD5 (32 hex digits) or SHA1 (40) checksum, found "abc"',
    ]);
    assert.deepEqual(await errorsOf('port 80 protocol http request "no-slash"'), [
      `p.rc:2:43: the request must be a path starting with '/' and without blanks, found "no-slash"`,
    ]);
    assert.deepEqual(await errorsOf('port 80 protocol http http headers [Bad Name: x]'), [
      "p.rc:2:48: expected a header 'Name:' in 'http headers', found 'Bad'",
    ]);
    assert.deepEqual(await errorsOf('port 80 protocol http username "u"'), [
      'p.rc:2:13: HTTP basic authentication needs both username and password',
    ]);
    assert.deepEqual(await errorsOf('port 80 protocol http status = 42'), [
      'p.rc:2:44: an HTTP status code 42 is out of range (100–999)',
    ]);
  });

  void test('printed by -t -v and read back the same', async () => {
    const printed = await roundTrip(
      'port 443 protocol https username "u" password "p w" http headers [X-A: "1:2", X-B: ""] hostheader h method POST ' +
        'request "/ab?c" status = 201 content = "ok\\"x" checksum 8f7f419955cefa0b33a2ba316cba3659',
    );
    assert.match(printed, /ssl protocol https username "u" password "p w" http headers \[X-A: "1:2", X-B: ""\]/);
  });
});

void describe('TLS, certificates, SMTP, SSH, send/expect', () => {
  void test('certificate valid and checksum: into the test; TLS asked for; errors', async () => {
    const sha256 = 'AB'.repeat(32);
    const { cond } = await port(
      `port 8883 type tcpssl certificate valid > 30 days certificate checksum sha256 ${sha256}`,
    );
    assert.deepEqual(cond.certificate, { validDays: 30, checksum: { algo: 'sha256', hash: sha256.toLowerCase() } });
    assert.deepEqual((await port('port 443 ssl certmd5 "' + 'ab:'.repeat(15) + 'ab"')).cond.certificate, {
      checksum: { algo: 'md5', hash: 'ab'.repeat(16) },
    });
    assert.deepEqual(await errorsOf('port 443 certificate valid > 30 days'), [
      "p.rc:2:13: 'certificate valid' and 'certificate checksum' test a TLS certificate: add 'ssl' to this test",
    ]);
    assert.deepEqual(await errorsOf('port 443 ssl certificate checksum md5 ' + 'ab'.repeat(20)), [
      `p.rc:2:51: expected an MD5, SHA1 or SHA256 certificate checksum in hex, found "${'ab'.repeat(20)}"`,
    ]);
    assert.deepEqual(await errorsOf('port 443 ssl certificate valid < 30 days'), [
      "p.rc:2:44: expected '>' in 'certificate valid > N days', found '<'",
    ]);
    await roundTrip(
      `port 8883 ssl { verify: disable } certificate valid > 30 days certificate checksum sha256 ${sha256}`,
    );
  });

  void test('smtp starttls: TLS options for the upgrade; not with smtps', async () => {
    const { cond } = await port('port 587 protocol smtp starttls cafile /ca.pem');
    assert.equal(cond.starttls, true);
    assert.deepEqual(cond.tls, { enabled: true, verify: true, caFile: '/ca.pem' });
    assert.deepEqual(await errorsOf('port 465 protocol smtps starttls'), [
      "p.rc:2:13: 'starttls' upgrades a plain connection: not with 'smtps', which is TLS from the start",
    ]);
    await roundTrip('port 587 protocol smtp starttls certificate valid > 7 days');
  });

  void test('send/expect: in order, with or without protocol generic... a string each', async () => {
    const { cond } = await port(
      'port 25 expect "^220.*" send "HELO localhost.localdomain\\r\\n" expect "^250.*" send "QUIT\\r\\n"',
    );
    assert.equal(cond.protocol, undefined);
    assert.deepEqual(cond.exchange, [
      { expect: '^220.*' },
      { send: 'HELO localhost.localdomain\\r\\n' },
      { expect: '^250.*' },
      { send: 'QUIT\\r\\n' },
    ]);
    await roundTrip('port 25 expect "^220" send "Q\\\\0xFF\\"" timeout 2 seconds');
    assert.deepEqual(await errorsOf('port 25 send QUIT'), [
      "p.rc:2:26: expected the string to send in quotes, found 'QUIT'",
    ]);
    assert.deepEqual(await errorsOf('port 25 expect "[x"'), [
      'p.rc:2:28: invalid regular expression "[x": Invalid regular expression: /[x/: Unterminated character class',
    ]);
  });

  void test('ssh: no options', async () => {
    const { cond, warnings } = await port('port 22 protocol ssh');
    assert.equal(cond.protocol, 'ssh');
    assert.deepEqual(warnings, []);
  });
});
