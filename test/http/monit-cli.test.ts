// monit's own CLI (/usr/bin/monit, 5.33) as a client of brokerwatch: it reads the same rules file,
// POSTs its forms to /_status, /_summary, /_report and /_doaction with a double-submit token, and
// prints what the server answers, or the message of its one-line HTML error with exit code 1.
import { execFile } from 'node:child_process';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { StatusDto } from '../../src/http/dto.js';
import { freePort } from '../helpers/ports.js';
import { waitFor } from '../helpers/wait.js';
import type { Fixture } from './fixture.js';
import { basic, sleeperBlock, startFixture } from './fixture.js';

const MONIT = '/usr/bin/monit';
const ADMIN = { user: 'admin', password: 'adminpw' };
const GUEST = { user: 'guest', password: 'guestpw' };

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `monit -c FILE ARGS…` with its home in DIR; resolves with its exit code and output. */
function monit(dir: string, file: string, args: readonly string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      MONIT,
      ['-c', file, ...args],
      { cwd: dir, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir }, timeout: 30_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

void describe("monit's CLI against brokerwatch", () => {
  let f: Fixture;
  let port: number;
  let rc: string;
  let readOnlyRc: string;
  let wrongRc: string;
  const auth = { authorization: basic(ADMIN.user, ADMIN.password) };
  const status = async (): Promise<StatusDto> =>
    (await f.inject({ url: '/api/v1/status', headers: auth })).json<StatusDto>();
  const pidOf = async (name: string): Promise<number | null> =>
    (await status()).services.find((s) => s.name === name)?.pid ?? null;

  before(async () => {
    port = await freePort();
    const httpd = (users: readonly string[]): string =>
      [`set httpd port ${port} address 127.0.0.1`, ...users.map((u) => `  allow ${u}`)].join('\n');
    f = await startFixture((dir) =>
      [
        // monit's CLI asks for a running daemon: the pidfile names this (test) process, which serves.
        `set pidfile ${join(dir, 'brokerwatch.pid')}`,
        `set idfile ${join(dir, 'monit.id')}`,
        httpd([`${ADMIN.user}:${ADMIN.password}`, `${GUEST.user}:${GUEST.password} read-only`]),
        sleeperBlock(dir, 'sleeper'),
        sleeperBlock(dir, 'other'),
      ].join('\n'),
    );
    await writeFile(join(f.dir, 'brokerwatch.pid'), `${process.pid}\n`);
    // Else monit's first run announces the id it made, on stdout.
    await writeFile(join(f.dir, 'monit.id'), '0123456789abcdef0123456789abcdef\n', { mode: 0o600 });
    await f.listen(port);
    rc = f.rulesFile;
    // The same file as other users would have it: monit's CLI logs in with the file's first user.
    const text = await readFile(rc, 'utf8');
    readOnlyRc = join(f.dir, 'guest.rc');
    wrongRc = join(f.dir, 'wrong.rc');
    await writeFile(readOnlyRc, text.replace(`  allow ${ADMIN.user}:${ADMIN.password}\n`, ''), { mode: 0o600 });
    await writeFile(wrongRc, text.replace(`${ADMIN.user}:${ADMIN.password}`, `${ADMIN.user}:not-the-password`), {
      mode: 0o600,
    });
    await chmod(readOnlyRc, 0o600);
    await chmod(wrongRc, 0o600);
    await waitFor(async () => (await status()).services.every((s) => s.status === 'ok' && s.pid !== null), {
      timeoutMs: 20_000,
      message: 'services never came up',
    });
  });
  after(() => f.close());

  void test('summary, status, report and report up print what the server says', async () => {
    const summary = await monit(f.dir, rc, ['summary']);
    assert.equal(summary.code, 0, summary.stderr);
    assert.match(summary.stdout, /^brokerwatch \d+\.\d+\.\d+ uptime:/);
    assert.match(summary.stdout, /sleeper +OK +Process/);
    assert.match(summary.stdout, /other +OK +Process/);

    const one = await monit(f.dir, rc, ['status', 'sleeper']);
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stdout, /^Process 'sleeper'$/m);
    assert.doesNotMatch(one.stdout, /Process 'other'/);
    assert.match(one.stdout, new RegExp(`^ {2}pid {26}${await pidOf('sleeper')}$`, 'm'));

    const all = await monit(f.dir, rc, ['-B', 'status']);
    assert.equal(all.code, 0, all.stderr);
    assert.match(all.stdout, /^Process 'other'$/m);

    const report = await monit(f.dir, rc, ['report']);
    assert.equal(report.code, 0, report.stderr);
    assert.match(report.stdout, /^up: +2 \(100\.0%\)$/m);
    assert.match(report.stdout, /^total: +2 services$/m);
    assert.equal((await monit(f.dir, rc, ['report', 'up'])).stdout, '2\n');
    assert.equal((await monit(f.dir, rc, ['report', 'down'])).stdout, '0\n');
  });

  void test("an unknown service: monit's words, exit code 1, and nothing acted on", async () => {
    const s = await monit(f.dir, rc, ['status', 'nosuch']);
    assert.equal(s.code, 1);
    assert.equal(s.stderr.trim(), "Service 'nosuch' not found");
    const sum = await monit(f.dir, rc, ['summary', 'nosuch']);
    assert.equal(sum.code, 1);
    assert.equal(sum.stderr.trim(), "Service 'nosuch' not found");
    const before = await pidOf('sleeper');
    for (const verb of ['start', 'stop', 'restart', 'monitor', 'unmonitor']) {
      const r = await monit(f.dir, rc, [verb, 'nosuch']);
      assert.equal(r.code, 1, verb);
      assert.equal(r.stderr.trim(), 'There is no service named "nosuch"', verb);
    }
    assert.equal(await pidOf('sleeper'), before);
    assert.ok((await status()).services.every((s) => s.monitor === 'monitored'));
  });

  void test('restart, stop, start, unmonitor and monitor act through the control path', async () => {
    const old = await pidOf('sleeper');
    const restart = await monit(f.dir, rc, ['restart', 'sleeper']);
    assert.equal(restart.code, 0, restart.stderr);
    assert.equal(restart.stdout, '');
    await waitFor(
      async () => {
        const pid = await pidOf('sleeper');
        return pid !== null && pid !== old;
      },
      { timeoutMs: 20_000, message: 'sleeper was not restarted' },
    );

    const stop = await monit(f.dir, rc, ['stop', 'other']);
    assert.equal(stop.code, 0, stop.stderr);
    await waitFor(async () => (await status()).services.find((s) => s.name === 'other')?.monitor === 'not-monitored', {
      timeoutMs: 20_000,
      message: 'other was not stopped',
    });
    assert.equal(await pidOf('other'), null);
    const start = await monit(f.dir, rc, ['start', 'other']);
    assert.equal(start.code, 0, start.stderr);
    await waitFor(async () => (await pidOf('other')) !== null, { timeoutMs: 20_000, message: 'other was not started' });

    // `all` is expanded by monit's CLI into every service of the file, the host's System service too.
    const un = await monit(f.dir, rc, ['unmonitor', 'all']);
    assert.equal(un.code, 0, un.stderr);
    await waitFor(async () => (await status()).services.every((s) => s.monitor === 'not-monitored'), {
      timeoutMs: 20_000,
      message: 'not all unmonitored',
    });
    const mon = await monit(f.dir, rc, ['monitor', 'all']);
    assert.equal(mon.code, 0, mon.stderr);
    await waitFor(async () => (await status()).services.every((s) => s.monitor !== 'not-monitored'), {
      timeoutMs: 20_000,
      message: 'not all monitored again',
    });
    assert.ok(f.logText.some((l) => l.includes('"via":"monit CLI"') && l.includes('"user":"admin"')));
  });

  void test('a read-only user may read but not act; a wrong password may do neither', async () => {
    const read = await monit(f.dir, readOnlyRc, ['summary']);
    assert.equal(read.code, 0, read.stderr);
    assert.match(read.stdout, /^ sleeper +\S.* Process +$/m);
    const before = await pidOf('sleeper');
    const act = await monit(f.dir, readOnlyRc, ['restart', 'sleeper']);
    assert.equal(act.code, 1);
    assert.equal(act.stderr.trim(), 'You do not have sufficient privileges to access this page');
    assert.equal(await pidOf('sleeper'), before);

    for (const args of [['summary'], ['restart', 'sleeper']]) {
      const r = await monit(f.dir, wrongRc, args);
      assert.equal(r.code, 1, args.join(' '));
      assert.match(
        r.stderr.trim(),
        /^You are not authorized to access monit\. Either you supplied the wrong credentials/,
      );
    }
    assert.equal(await pidOf('sleeper'), before);
  });

  void test('a form post needs the double-submit token, the form type, and no other site as Origin', async () => {
    const form = 'action=restart&service=sleeper&format=text&securitytoken=abc123';
    const post = (headers: Record<string, string>, payload = form) =>
      f.inject({
        method: 'POST',
        url: '/_doaction',
        headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded', ...headers },
        payload,
      });
    const before = await pidOf('sleeper');
    for (const [headers, status, text] of [
      [{}, 403, 'Invalid CSRF Token'],
      [{ cookie: 'securitytoken=other' }, 403, 'Invalid CSRF Token'],
      [{ cookie: 'securitytoken=abc123', origin: 'http://evil.example' }, 403, 'Invalid CSRF Token'],
      [{ cookie: 'securitytoken=abc123', 'content-type': 'text/plain' }, 415, 'application/x-www-form-urlencoded'],
    ] as const) {
      const res = await post(headers);
      assert.equal(res.statusCode, status, JSON.stringify(headers));
      assert.match(res.body, new RegExp(`^<html>.*<h2>[A-Za-z ]+</h2>[^<]*${text}[^<]*<hr>`));
      // monit's CLI finds the message only through a header spelt exactly `Content-Length`.
      assert.match(res.rawPayload.toString(), /<\/html>\r\n$/);
    }
    const bad = await post({ cookie: 'securitytoken=abc123' }, 'action=explode&service=sleeper&securitytoken=abc123');
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /Invalid action &quot;explode&quot;|Invalid action "explode"/);
    assert.equal(await pidOf('sleeper'), before);
  });
});

void describe("monit's /_doaction shares the API's rate limit", () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture((dir) => [httpdBlockFor(), sleeperBlock(dir, 'sleeper')].join('\n'), {
      limits: { actionsPerMinute: 2, failedLogins: 10_000 },
    });
  });
  after(() => f.close());

  void test('one budget per client for the JSON API and monit form posts; the 429 is monit-shaped', async () => {
    const auth = basic(ADMIN.user, ADMIN.password);
    const api = await f.inject({
      method: 'POST',
      url: '/api/v1/services/sleeper/monitor',
      headers: { authorization: auth, 'content-type': 'application/json' },
      payload: '{}',
    });
    assert.equal(api.statusCode, 202);
    const form = (n: number) =>
      f.inject({
        method: 'POST',
        url: '/_doaction',
        headers: {
          authorization: auth,
          'content-type': 'application/x-www-form-urlencoded',
          cookie: `securitytoken=t${n}`,
        },
        payload: `action=monitor&service=sleeper&format=text&securitytoken=t${n}`,
      });
    assert.equal((await form(1)).statusCode, 200);
    const limited = await form(2);
    assert.equal(limited.statusCode, 429);
    assert.ok(limited.headers['retry-after']);
    assert.match(limited.body, /<h2>Too Many Requests<\/h2>too many requests: at most 2 actions a minute[^<]*<hr>/);
  });
});

function httpdBlockFor(): string {
  return ['set httpd port 2812 address 127.0.0.1', `  allow ${ADMIN.user}:${ADMIN.password}`].join('\n');
}
