// Mail TLS as the rules say it: STARTTLS on a port that is neither 25 nor 587 (here, a free one),
// trusting a private CA named by `cacertificatefile` (per server, or globally by `set ssl`) or a
// `cacertificatepath` folder; implicit TLS where the rules ask for it; `selfsigned: allow`; the
// opportunistic STARTTLS of a server without `using`; and STARTTLS required but not offered. The
// CA and the server's certificate are made here with openssl; a real smtp-server receives.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startAlerts } from '../../src/alerts/index.js';
import type { Config } from '../../src/config/model.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';
import { Cleanup, FakeDaemon, SmtpPeer, crash, rules, selfSigned, stateDir, testLogger } from './fixtures.js';

const run = promisify(execFile);
const cleanup = new Cleanup();
after(() => cleanup.run());
const LIMIT = { timeout: 30_000 };
const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
const REST = 'set alert ops@example.com not on { instance }\ncheck process mosquitto with pidfile /run/mosquitto.pid\n';

/** A private CA, and a certificate for 127.0.0.1 signed by it (PEM texts and the CA's file). */
let pki: { caFile: string; caDir: string; key: string; cert: string };

before(async () => {
  const d = await tempDir('bw-mail-tls-');
  cleanup.add(d.cleanup);
  const p = (f: string): string => join(d.path, f);
  await run('openssl', [
    'req',
    '-x509',
    ...EC,
    '-keyout',
    p('ca.key'),
    '-out',
    p('ca.crt'),
    '-days',
    '2',
    '-subj',
    '/CN=brokerwatch test mail CA',
  ]);
  await run('openssl', ['req', ...EC, '-keyout', p('server.key'), '-out', p('server.csr'), '-subj', '/CN=127.0.0.1']);
  await writeFile(p('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    p('server.csr'),
    '-CA',
    p('ca.crt'),
    '-CAkey',
    p('ca.key'),
    '-CAcreateserial',
    '-out',
    p('server.crt'),
    '-days',
    '2',
    '-extfile',
    p('server.ext'),
  ]);
  // A cacertificatepath folder: the CA among other files, as in /etc/ssl/certs.
  const caDir = p('cas');
  await mkdir(caDir);
  await writeFile(join(caDir, 'README'), 'not a certificate\n');
  await writeFile(join(caDir, 'test-ca.pem'), await readFile(p('ca.crt')));
  pki = {
    caFile: p('ca.crt'),
    caDir,
    key: await readFile(p('server.key'), 'utf8'),
    cert: await readFile(p('server.crt'), 'utf8'),
  };
});

/** Starts the alert pipeline on CONFIG, publishes one crash, and returns what to wait on. */
async function sendOne(
  config: Config,
): Promise<{ alerts: Awaited<ReturnType<typeof startAlerts>>; lines: Array<Record<string, unknown>> }> {
  const daemon = new FakeDaemon();
  const { logger, lines } = testLogger();
  const alerts = await startAlerts(daemon, {
    config,
    logger,
    stateDir: await stateDir(cleanup),
    retry: { initialMs: 20, maxMs: 100 },
    closeGraceMs: 0,
  });
  cleanup.add(() => alerts.close());
  daemon.events.publish(crash());
  return { alerts, lines };
}

async function refusedTwice(lines: Array<Record<string, unknown>>): Promise<string> {
  await waitFor(() => lines.filter((l) => l.msg === 'alert not delivered; will retry').length >= 2, {
    message: 'two failed attempts',
  });
  return String(lines.find((l) => l.msg === 'alert not delivered; will retry')?.error);
}

void describe('mail over TLS with a private CA', () => {
  void test(
    'STARTTLS on another port than 25 or 587, the server certificate trusted through cacertificatefile',
    LIMIT,
    async () => {
      const smtp = await SmtpPeer.start(
        { tls: { key: pki.key, cert: pki.cert }, auth: { user: 'bw', pass: 's3cret' } },
        cleanup,
      );
      assert.ok(![25, 465, 587].includes(smtp.port));
      const config = await rules(
        `set mailserver 127.0.0.1 port ${smtp.port} username bw password s3cret using tls { cacertificatefile: ${pki.caFile} }\n${REST}`,
      );
      assert.deepEqual(config.mailServers[0]?.security, 'starttls');
      const { alerts } = await sendOne(config);
      await alerts.flush();
      assert.equal(smtp.mails.length, 1);
      assert.equal(smtp.mails[0]?.secure, true);
      assert.equal(smtp.mails[0]?.user, 'bw');
    },
  );

  void test(
    'without the CA the same server is refused (no silent fallback to plain text) and the alert is kept',
    LIMIT,
    async () => {
      const smtp = await SmtpPeer.start({ tls: { key: pki.key, cert: pki.cert } }, cleanup);
      const { alerts, lines } = await sendOne(
        await rules(`set mailserver 127.0.0.1 port ${smtp.port} using tls\n${REST}`),
      );
      assert.match(await refusedTwice(lines), /certificate/i);
      assert.equal(smtp.mails.length, 0);
      assert.equal(alerts.queued(), 1);
    },
  );

  void test(
    'the CA named once by `set ssl options { … }`, after the mail server, or by a cacertificatepath folder',
    LIMIT,
    async () => {
      const smtp = await SmtpPeer.start({ tls: { key: pki.key, cert: pki.cert } }, cleanup);
      const viaGlobal = await sendOne(
        await rules(
          `set mailserver 127.0.0.1 port ${smtp.port} using starttls\nset ssl options { CACertificateFile: "${pki.caFile}", verify: enable }\n${REST}`,
        ),
      );
      await viaGlobal.alerts.flush();
      const viaPath = await sendOne(
        await rules(
          `set mailserver 127.0.0.1 port ${smtp.port} using tls with options { cacertificatepath: ${pki.caDir} }\n${REST}`,
        ),
      );
      await viaPath.alerts.flush();
      assert.deepEqual(
        smtp.mails.map((m) => m.secure),
        [true, true],
      );
    },
  );

  void test('implicit TLS on another port than 465, with `using implicit tls`', LIMIT, async () => {
    const smtp = await SmtpPeer.start({ tls: { key: pki.key, cert: pki.cert, implicit: true } }, cleanup);
    const config = await rules(
      `set mailserver 127.0.0.1 port ${smtp.port} using implicit tls { cacertificatefile: ${pki.caFile} }\n${REST}`,
    );
    assert.equal(config.mailServers[0]?.security, 'tls');
    const { alerts } = await sendOne(config);
    await alerts.flush();
    assert.equal(smtp.mails[0]?.secure, true);
  });

  void test('a CA file that cannot be read is a failed attempt that names it, retried', LIMIT, async () => {
    const smtp = await SmtpPeer.start({ tls: { key: pki.key, cert: pki.cert } }, cleanup);
    const { lines } = await sendOne(
      await rules(
        `set mailserver 127.0.0.1 port ${smtp.port} using tls { cacertificatefile: /nonexistent/ca.pem }\n${REST}`,
      ),
    );
    assert.match(await refusedTwice(lines), /cannot read the CA file \/nonexistent\/ca\.pem: ENOENT/);
  });
});

void describe('mail TLS without a CA', () => {
  void test('`selfsigned: allow` and `verify: disable` accept a self-signed certificate', LIMIT, async () => {
    const self = await selfSigned(cleanup);
    const smtp = await SmtpPeer.start({ tls: self }, cleanup);
    for (const options of ['{ selfsigned: allow }', '{ verify: disable }']) {
      const { alerts } = await sendOne(
        await rules(`set mailserver 127.0.0.1 port ${smtp.port} using tls ${options}\n${REST}`),
      );
      await alerts.flush();
    }
    assert.deepEqual(
      smtp.mails.map((m) => m.secure),
      [true, true],
    );
  });

  void test(
    'without `using`, a server offering STARTTLS is used encrypted even with an untrusted certificate, as a relay does',
    LIMIT,
    async () => {
      const smtp = await SmtpPeer.start({ tls: await selfSigned(cleanup) }, cleanup);
      const { alerts } = await sendOne(await rules(`set mailserver 127.0.0.1 port ${smtp.port}\n${REST}`));
      await alerts.flush();
      assert.equal(smtp.mails[0]?.secure, true);
    },
  );

  void test('STARTTLS required but not offered: nothing is sent in plain text, the alert waits', LIMIT, async () => {
    const smtp = await SmtpPeer.start({}, cleanup);
    const { alerts, lines } = await sendOne(
      await rules(`set mailserver 127.0.0.1 port ${smtp.port} using starttls\n${REST}`),
    );
    assert.match(await refusedTwice(lines), /STARTTLS/i);
    assert.equal(smtp.mails.length, 0);
    assert.equal(alerts.queued(), 1);
  });
});
