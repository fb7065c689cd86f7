// The MQTT probe over TLS against a real mosquitto whose CA and server certificate are made here
// with openssl: a trusted certificate works; an unknown CA is 'tls-untrusted'; a name mismatch, or
// TLS spoken to a plain port, are 'tls' failures that say which; plain MQTT spoken to a TLS port is a
// protocol error.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { startMosquitto } from '../helpers/mosquitto.js';
import type { RunningMosquitto } from '../helpers/mosquitto.js';
import { tempDir } from '../helpers/tmp.js';
import { mqttPort, probeOnce, roundTrip } from './fixtures.js';

const LIMIT = { timeout: 30_000 };
const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** A CA (self-signed) in DIR named NAME: NAME.crt and NAME.key. */
async function makeCa(dir: string, name: string): Promise<string> {
  await execa('openssl', [
    'req',
    '-x509',
    ...EC,
    '-keyout',
    join(dir, `${name}.key`),
    '-out',
    join(dir, `${name}.crt`),
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
  ]);
  return join(dir, `${name}.crt`);
}

/** A certificate NAME.crt/NAME.key signed by CA: for 127.0.0.1 and localhost, or a client's. */
async function makeCert(dir: string, ca: string, name = 'server'): Promise<{ certFile: string; keyFile: string }> {
  const keyFile = join(dir, `${name}.key`);
  const certFile = join(dir, `${name}.crt`);
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  await writeFile(
    ext,
    name === 'server' ? 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' : 'extendedKeyUsage=clientAuth\n',
  );
  await execa('openssl', [
    'req',
    ...EC,
    '-keyout',
    keyFile,
    '-out',
    csr,
    '-subj',
    name === 'server' ? '/CN=127.0.0.1' : `/CN=${name}`,
  ]);
  await execa('openssl', [
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca,
    '-CAkey',
    ca.replace(/\.crt$/, '.key'),
    '-CAcreateserial',
    '-out',
    certFile,
    '-days',
    '2',
    '-extfile',
    ext,
  ]);
  return { certFile, keyFile };
}

const probe = probeOnce;

void describe('TLS', () => {
  let b: RunningMosquitto;
  let tlsPort: number;
  let caFile: string;
  let otherCa: string;

  void test('a broker with a certificate from our own CA starts', LIMIT, async () => {
    const dir = await tempDir('bw-tls-');
    cleanups.push(dir.cleanup);
    caFile = await makeCa(dir.path, 'bw-test-ca');
    otherCa = await makeCa(dir.path, 'bw-other-ca');
    b = await startMosquitto({ tls: await makeCert(dir.path, caFile) });
    cleanups.push(b.stop);
    assert.ok(b.tlsPort);
    tlsPort = b.tlsPort;
  });

  void test('trusted CA: CONNACK and a QoS 2 round trip over two connections', LIMIT, async () => {
    const r = await probe(mqttPort(tlsPort, { tls: { caFile } }));
    assert.equal(r.status, 'ok', r.message);
    const rt = await probe(mqttPort(tlsPort, { tls: { caFile }, roundTrip: roundTrip(2, true), mqtt: { version: 5 } }));
    assert.equal(rt.status, 'ok', rt.message);
  });

  void test('a TLS connect test (no protocol) works too', LIMIT, async () => {
    const r = await probe(mqttPort(tlsPort, { tls: { caFile }, protocol: 'tcp' }));
    assert.equal(r.status, 'ok', r.message);
  });

  void test(
    'unknown CA → tls-untrusted, "unknown CA", and the option that turns verification off',
    LIMIT,
    async (t) => {
      const r = await probe(mqttPort(tlsPort, { tls: { caFile: otherCa } }));
      t.diagnostic(r.message);
      assert.equal(r.class, 'tls-untrusted');
      assert.match(r.message, /unknown CA/);
      assert.match(r.message, /ssl \{ verify: disable \}/);
      const tcp = await probe(mqttPort(tlsPort, { tls: { caFile: otherCa }, protocol: 'tcp' }));
      assert.equal(tcp.class, 'tls-untrusted');
    },
  );

  void test('no CA given: the system store does not know ours → tls-untrusted', LIMIT, async (t) => {
    const r = await probe(mqttPort(tlsPort, { tls: {} }));
    t.diagnostic(r.message);
    assert.equal(r.class, 'tls-untrusted');
  });

  void test('name mismatch → tls, "name mismatch"', LIMIT, async (t) => {
    const r = await probe(mqttPort(tlsPort, { tls: { caFile, serverName: 'broker.example' } }));
    t.diagnostic(r.message);
    assert.equal(r.class, 'tls');
    assert.match(r.message, /name mismatch/);
  });

  void test('verify off accepts the unknown CA', LIMIT, async () => {
    const r = await probe(mqttPort(tlsPort, { tls: { caFile: otherCa, verify: false } }));
    assert.equal(r.status, 'ok', r.message);
  });

  void test('a missing CA file → tls, naming the file', LIMIT, async (t) => {
    const r = await probe(mqttPort(tlsPort, { tls: { caFile: '/nonexistent/ca.crt' } }));
    t.diagnostic(r.message);
    assert.equal(r.class, 'tls');
    assert.match(r.message, /\/nonexistent\/ca\.crt/);
  });

  void test('a key file that is not a key → tls, not a crash', LIMIT, async (t) => {
    const r = await probe(mqttPort(tlsPort, { tls: { caFile, certFile: caFile, keyFile: caFile } }));
    t.diagnostic(r.message);
    assert.equal(r.class, 'tls');
  });

  void test('TLS spoken to the plain port → tls', LIMIT, async (t) => {
    const r = await probe(mqttPort(b.port, { tls: { caFile } }));
    t.diagnostic(r.message);
    assert.equal(r.class, 'tls', r.message);
    assert.match(r.message, /TLS handshake/);
  });

  void test('plain MQTT spoken to the TLS port → protocol-error, "a TLS port?"', LIMIT, async (t) => {
    // OpenSSL in mosquitto resets the connection on a CONNECT where a ClientHello belongs.
    const r = await probe(mqttPort(tlsPort, { timeoutMs: 1_000 }));
    t.diagnostic(r.message);
    assert.equal(r.class, 'protocol-error', r.message);
    assert.match(r.message, /a TLS port\?/);
  });

  void test('a broker requiring client certificates: ours works, none is a tls failure', LIMIT, async (t) => {
    const dir = await tempDir('bw-mtls-');
    cleanups.push(dir.cleanup);
    const ca = await makeCa(dir.path, 'bw-mtls-ca');
    const mtls = await startMosquitto({
      tls: { ...(await makeCert(dir.path, ca)), caFile: ca, requireCertificate: true },
    });
    cleanups.push(mtls.stop);
    const client = await makeCert(dir.path, ca, 'probe');
    const port = mtls.tlsPort ?? 0;
    const ok = await probe(mqttPort(port, { tls: { caFile: ca, ...client }, roundTrip: roundTrip(1) }));
    assert.equal(ok.status, 'ok', ok.message);
    const r = await probe(mqttPort(port, { tls: { caFile: ca } }));
    t.diagnostic(r.message);
    assert.equal(r.class, 'tls');
    assert.match(r.message, /certificate required/);
  });
});
