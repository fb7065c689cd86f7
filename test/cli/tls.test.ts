// `set httpd … ssl enable pemfile FILE` serves the API over HTTPS with a self-signed certificate made
// here with openssl; the CLI, talking to a loopback address, accepts it (as monit's CLI does).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { execa } from 'execa';
import { freePort } from '../helpers/ports.js';
import { selfSignedCert } from '../helpers/certs.js';
import { tempDir } from '../helpers/tmp.js';
import type { TempDir } from '../helpers/tmp.js';
import type { Fixture } from '../http/fixture.js';
import { ADMIN, basic, sleeperBlock, startFixture } from '../http/fixture.js';
import { BROKERWATCH as MAIN } from '../helpers/cli.js';

void describe('HTTPS', () => {
  let f: Fixture;
  let certs: TempDir;
  let port: number;
  let cert: Buffer;
  before(async () => {
    certs = await tempDir('brokerwatch-tls-');
    const made = await selfSignedCert(certs.path, 'brokerwatch', 2);
    cert = made.cert;
    const pem = join(certs.path, 'brokerwatch.pem');
    await writeFile(pem, Buffer.concat([made.key, cert]), { mode: 0o600 });
    port = await freePort();
    f = await startFixture((dir) =>
      [
        `set httpd port ${port} address 127.0.0.1`,
        '  ssl enable',
        `  pemfile ${pem}`,
        `  allow ${ADMIN.user}:${ADMIN.password}`,
        sleeperBlock(dir, 'sleeper'),
      ].join('\n'),
    );
    await f.listen(port);
  });
  after(async () => {
    await f.close();
    await certs.cleanup();
  });

  void test('the API answers over TLS with the configured certificate', async () => {
    const body = await new Promise<string>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: '/_ping',
          ca: cert,
          headers: { authorization: basic(ADMIN.user, ADMIN.password) },
        },
        (res) => {
          let b = '';
          res
            .setEncoding('utf8')
            .on('data', (c: string) => (b += c))
            .on('end', () => resolve(b));
        },
      );
      req.on('error', reject);
      req.end();
    });
    assert.equal(body, 'pong');
  });

  void test('the CLI finds https in the rules file', async () => {
    const r = await execa(process.execPath, [MAIN, '-c', f.rulesFile, 'summary'], { reject: false, timeout: 20_000 });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, /│ sleeper +│/);
  });
});
