// monit's SSL options block, `{ key: value, … }`, as `set ssl`, `set mailserver … using ssl` and
// `set httpd … ssl` take it: every key and brokerwatch's other names for some, the ways a key and its
// value are written, the TLS version words, the errors inside a block, and the files `-t` looks at.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, formatDiagnostic } from '../../src/config/diagnostics.js';
import { parseRules } from '../../src/config/loader.js';
import type { LoadResult } from '../../src/config/loader.js';
import type { MailServer } from '../../src/config/model.js';

async function parse(text: string): Promise<LoadResult> {
  return parseRules(text, 's.rc');
}

async function errorsOf(text: string, opts = { checkEnvironment: false }): Promise<string[]> {
  try {
    await parseRules(text, 's.rc', { checkPermissions: false, ...opts });
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);
  }
  return assert.fail('the rules loaded, but errors were expected');
}

/** The TLS settings of a mail server on port 465 with this SSL options block. */
async function mailTls(block: string): Promise<MailServer['tls']> {
  const r = await parse(`set mailserver m port 465 using ssl ${block}\n`);
  return r.config.mailServers[0]?.tls;
}

const HTTPD = 'set httpd port 2812 ssl ';

void describe('keys and values', () => {
  void test('key: value, key value, key : value and key:value, in any case, dashes dropped from keys', async () => {
    assert.deepEqual(
      await mailTls('{ verify: enable, selfsigned: allow, cacertificatefile: /a, cacertificatepath: /b }'),
      {
        verify: true,
        allowSelfSigned: true,
        caFile: '/a',
        caPath: '/b',
      },
    );
    assert.deepEqual(await mailTls('{ verify disable selfsigned : reject cafile /a cacertificatepath:/b }'), {
      verify: false,
      allowSelfSigned: false,
      caFile: '/a',
      caPath: '/b',
    });
    assert.deepEqual(await mailTls('{ verify:ENABLE, self-signed:Reject, ca-certificate-file: /a }'), {
      verify: true,
      allowSelfSigned: false,
      caFile: '/a',
    });
  });

  void test("httpd's certificate: pemfile, or pemchain and pemkey by any of their names", async () => {
    const tls = async (block: string): Promise<unknown> =>
      (await parse(`${HTTPD}${block}\n  allow localhost\n`)).config.httpd?.tls;
    assert.deepEqual(await tls('{ pemfile:/p }'), { pemFile: '/p' });
    for (const [chain, key] of [
      ['pemchain', 'pemkey'],
      ['certificatefile', 'certificatekey'],
      ['certfile', 'keyfile'],
    ])
      assert.deepEqual(await tls(`{ ${chain}: /c ${key} /k }`), { certFile: '/c', keyFile: '/k' });
  });

  void test('version words and ciphers are read and warned about, the keys after them still apply', async () => {
    const r = await parse(
      'set ssl { version: sslv2 sslv3 tlsv1 tlsv11 tlsv12 tlsv13 auto sslauto -tlsv1 verify: enable cipher: HIGH }\n' +
        'set mailserver m port 465 using ssl\n',
    );
    assert.deepEqual(r.config.mailServers[0]?.tls, { verify: true });
    assert.deepEqual(r.warnings.map(formatDiagnostic), [
      "s.rc:1:11: warning: 'version' in the SSL options of 'set ssl' is not used by brokerwatch (Node's TLS defaults apply); ignored",
      "s.rc:1:94: warning: 'ciphers' in the SSL options of 'set ssl' is not used by brokerwatch (Node's TLS defaults apply); ignored",
    ]);
  });

  void test('a word that only resembles a version is no version', async () => {
    for (const word of ['tlsv12x', 'xtlsv12', 'sslv4'])
      assert.deepEqual(await errorsOf(`set ssl { version: ${word} }\n`), [
        `s.rc:1:20: unknown SSL option '${word}': expected verify, selfsigned, version, ciphers, pemfile, pemchain, pemkey, clientpemfile, cacertificatefile, cacertificatepath`,
      ]);
  });
});

void describe('errors inside a block', () => {
  void test('a choice that is neither, a key that is not a word, a block left open', async () => {
    assert.deepEqual(await errorsOf('set ssl { verify: "enable" }\n'), [
      `s.rc:1:19: expected 'enable' or 'disable' after 'verify:', found "enable"`,
    ]);
    assert.deepEqual(await errorsOf('set ssl { verify:maybe }\n'), [
      "s.rc:1:11: expected 'enable' or 'disable' after 'verify:', found 'maybe'",
    ]);
    assert.deepEqual(await errorsOf('set ssl { "verify" }\n'), [
      's.rc:1:11: expected an SSL option (verify, selfsigned, version, ciphers, pemfile, pemchain, pemkey, clientpemfile, cacertificatefile, cacertificatepath), found "verify"',
    ]);
    assert.deepEqual(await errorsOf('set ssl {\n  cafile: /x\n'), [
      "s.rc:2:13: expected '}' to close the SSL options opened at line 1, found end of file",
    ]);
  });

  void test('a key without its value names what it wanted', async () => {
    const wanted: Array<[string, string]> = [
      ['cacertificatefile', 'a CA certificates file'],
      ['cacertificatepath', 'a folder of CA certificates'],
      ['clientpemfile', 'a client PEM file'],
      ['pemfile', 'a PEM file'],
      ['pemchain', 'a certificate chain PEM file'],
      ['pemkey', 'a private key PEM file'],
      ['ciphers', 'a cipher list'],
    ];
    for (const [key, what] of wanted) {
      const col = 13 + key.length;
      assert.deepEqual(await errorsOf(`set ssl { ${key}: }\n`), [
        `s.rc:1:${col}: expected ${what} after '${key}:', found '}'`,
      ]);
    }
  });
});

void describe('-t looks at the files a block names', () => {
  void test('each by what it is, at the block', async () => {
    const block = '{ cafile: /, cacertificatepath: /etc/passwd, clientpemfile: /, pemfile: /, pemchain: /, pemkey: / }';
    assert.deepEqual(await errorsOf(`set mailserver m port 465 using ssl ${block}\n`, { checkEnvironment: true }), [
      "s.rc:1:37: SSL CA certificates file '/' is not a file",
      "s.rc:1:37: SSL CA certificates folder '/etc/passwd' is not a folder",
      "s.rc:1:37: SSL client PEM file '/' is not a file",
      "s.rc:1:37: SSL server PEM file '/' is not a file",
      "s.rc:1:37: SSL certificate chain file '/' is not a file",
      "s.rc:1:37: SSL private key file '/' is not a file",
    ]);
  });
});
