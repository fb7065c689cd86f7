// The CLIs over `set httpd unixsocket PATH` (no TCP port): `brokerwatch -c FILE VERB` finds the
// socket in the rules file and talks over it, and so does monit 5.33's own CLI (`monit -c FILE …`,
// /usr/bin/monit), against a real in-process daemon whose server listens on the socket only.
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execa } from 'execa';
import type { StatusDto } from '../../src/api/contract.js';
import { BROKERWATCH } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';
import type { Fixture } from '../http/fixture.js';
import { ADMIN, GUEST, basic, sleeperBlock, startFixture } from '../http/fixture.js';

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function brokerwatch(file: string, ...args: string[]): Promise<Run> {
  const r = await execa(process.execPath, [BROKERWATCH, '-c', file, ...args], {
    reject: false,
    timeout: 20_000,
    env: { BROKERWATCH_LOG_LEVEL: 'silent' },
  });
  return { code: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** `monit -c FILE ARGS…` with its home in DIR. */
function monit(dir: string, file: string, args: readonly string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      '/usr/bin/monit',
      ['-c', file, ...args],
      { cwd: dir, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir }, timeout: 30_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    );
  });
}

void describe('the CLIs over the unix socket', () => {
  let f: Fixture;
  let file: string;
  const sleeper = async (): Promise<StatusDto['services'][number] | undefined> => {
    const res = await f.inject({
      url: '/api/v1/status',
      headers: { authorization: basic(ADMIN.user, ADMIN.password) },
    });
    return res.json<StatusDto>().services.find((s) => s.name === 'sleeper');
  };
  const pidOf = async (): Promise<number | null> => (await sleeper())?.pid ?? null;
  before(async () => {
    f = await startFixture((dir) =>
      [
        // monit's CLI asks for a running daemon: the pidfile names this (test) process, which serves.
        `set pidfile ${join(dir, 'brokerwatch.pid')}`,
        `set idfile ${join(dir, 'monit.id')}`,
        `set httpd unixsocket ${join(dir, 'bw.sock')}`,
        `  allow ${ADMIN.user}:${ADMIN.password}`,
        `  allow ${GUEST.user}:${GUEST.password} read-only`,
        sleeperBlock(dir, 'sleeper'),
      ].join('\n'),
    );
    await writeFile(join(f.dir, 'brokerwatch.pid'), `${process.pid}\n`);
    await writeFile(join(f.dir, 'monit.id'), '0123456789abcdef0123456789abcdef\n', { mode: 0o600 });
    const server = await f.listen();
    assert.equal(server.port, 0, 'the server listens on a TCP port too');
    file = f.rulesFile;
    await waitFor(async () => (await sleeper())?.status === 'ok', {
      timeoutMs: 20_000,
      message: 'the sleeper never ran',
    });
  });
  after(() => f.close());

  void test('brokerwatch status, summary and --json over the socket', async () => {
    const summary = await brokerwatch(file, 'summary');
    assert.equal(summary.code, 0, summary.stderr);
    assert.match(summary.stdout, /│ sleeper +│ OK +│ Process +│/);
    const one = await brokerwatch(file, 'status', 'sleeper');
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stdout, /^Process 'sleeper'$/m);
    const json = JSON.parse((await brokerwatch(file, 'status', '--json')).stdout) as StatusDto;
    assert.equal(json.services[0]?.name, 'sleeper');
  });

  void test('brokerwatch restart over the socket acts as the admin of the rules file', async () => {
    const old = await pidOf();
    const r = await brokerwatch(file, 'restart', 'sleeper');
    assert.equal(r.code, 0, r.stderr);
    await waitFor(
      async () => {
        const pid = await pidOf();
        return pid !== null && pid !== old;
      },
      { timeoutMs: 20_000, message: 'not restarted' },
    );
    assert.ok(f.logText.some((l) => l.includes('"via":"api"') && l.includes('"client":"unix-socket"')));
  });

  void test('no socket at the path: exit 3, and the message names the socket', async () => {
    const gone = join(f.dir, 'gone.rc');
    await writeFile(gone, `set httpd unixsocket ${join(f.dir, 'none.sock')} allow a:b\n`, { mode: 0o600 });
    const r = await brokerwatch(gone, 'summary');
    assert.equal(r.code, 3);
    assert.equal(
      r.stderr.trim(),
      `brokerwatch: brokerwatch is not running at unix socket ${join(f.dir, 'none.sock')} (no such socket)`,
    );
  });

  void test("monit's own CLI: summary, status and restart over the socket", async () => {
    const summary = await monit(f.dir, file, ['summary']);
    assert.equal(summary.code, 0, summary.stderr);
    assert.match(summary.stdout, /sleeper +OK +Process/);
    const status = await monit(f.dir, file, ['status', 'sleeper']);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /^Process 'sleeper'$/m);
    const old = await pidOf();
    const restart = await monit(f.dir, file, ['restart', 'sleeper']);
    assert.equal(restart.code, 0, restart.stderr);
    await waitFor(
      async () => {
        const pid = await pidOf();
        return pid !== null && pid !== old;
      },
      { timeoutMs: 20_000, message: 'not restarted' },
    );
    assert.ok(f.logText.some((l) => l.includes('"via":"monit CLI"') && l.includes('"client":"unix-socket"')));
  });
});
