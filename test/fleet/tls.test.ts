// The fleet over TLS: `set fleet mqtts://… cafile CERT` and `brokerwatch fleet --broker mqtts://…
// --cafile CERT --credentials FILE` against mosquitto's TLS listener; without the CA the command
// cannot use the broker (exit 2).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BROKERWATCH } from '../helpers/cli.js';
import { selfSignedCert } from '../helpers/certs.js';
import type { TestCert } from '../helpers/certs.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import type { RunningMosquitto } from '../helpers/mosquitto.js';
import { waitFor } from '../helpers/wait.js';
import { Cleanup, startInProcess, testDir } from '../daemon/harness.js';

function fleetCli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BROKERWATCH, 'fleet', ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

void describe('the fleet over TLS', { timeout: 60_000 }, () => {
  const cleanup = new Cleanup();
  let dir: string;
  let cert: TestCert;
  let broker: RunningMosquitto;
  let url: string;

  before(async () => {
    dir = await testDir(cleanup, 'brokerwatch-fleet-tls-');
    cert = await selfSignedCert(dir, 'fleet', 2);
    broker = await startMosquitto({ tls: { certFile: cert.file, keyFile: cert.keyFile } });
    cleanup.add(() => broker.stop());
    url = `mqtts://127.0.0.1:${broker.tlsPort ?? 0}`;
    await startInProcess(
      join(dir, 'tls.rc'),
      [
        'set daemon 1 second',
        `set statefile ${join(dir, 'state.json')}`,
        `set fleet "${url}" username bw password "fleet-pass-123" name "tls-d" cafile ${cert.file}`,
        'check program tick with path "/bin/true"',
        '  if status != 0 then alert',
        '',
      ].join('\n'),
      cleanup,
    );
  });
  after(() => cleanup.run());

  void test('the daemon publishes over TLS; the command reads with --cafile and --credentials', async () => {
    const credentials = join(dir, 'fleet.cred');
    await writeFile(credentials, 'username reader\npassword reader-pass\n', { mode: 0o600 });
    const r = await waitFor(
      async () => {
        const run = await fleetCli('--broker', url, '--cafile', cert.file, '--credentials', credentials, '--json');
        return run.code === 0 ? run : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 200, message: 'tls-d never listed as online and ok' },
    );
    const j = JSON.parse(r.stdout) as { daemons: Array<{ name: string; status: string }> };
    assert.deepEqual(
      j.daemons.map((d) => [d.name, d.status]),
      [['tls-d', 'online']],
    );
    assert.doesNotMatch(r.stdout, /fleet-pass-123/);
  });

  void test('without the CA the certificate is not trusted: exit 2', async () => {
    const r = await fleetCli('--broker', url, '--timeout', '3s');
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /cannot reach mqtts:\/\/127\.0\.0\.1:\d+: .*(self-signed|certificate)/i);
  });
});
