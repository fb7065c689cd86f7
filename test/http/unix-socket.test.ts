// `set httpd unixsocket PATH …` served for real: a socket file in a private temporary folder with
// the mode and owner the rules give (stat), the API over it with monit's rules for who may do what
// (users log in; no host entry applies; `read-only` holds for everyone), a stale socket file
// replaced, a file or a live socket at the path left alone, the file removed on close, and a TCP
// port beside it.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { lstat, readFile, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { HttpServer } from '../../src/http/listeners.js';
import { waitFor } from '../helpers/wait.js';
import type { Fixture } from './fixture.js';
import { ADMIN, GUEST, basic, sleeperBlock, startFixture } from './fixture.js';

interface Answer {
  status: number;
  body: string;
}

/** One HTTP request over the unix socket at PATH. */
function over(
  path: string,
  method: 'GET' | 'POST',
  url: string,
  who?: { user: string; password: string },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (who) headers.authorization = basic(who.user, who.password);
    const req = request({ socketPath: path, method, path: url, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(method === 'POST' ? '{}' : undefined);
  });
}

const modeOf = async (path: string): Promise<number> => (await stat(path)).mode & 0o7777;
const isRoot = process.getuid?.() === 0;

/** The id of NAME in /etc/passwd or /etc/group, if it has one. */
async function idIn(file: string, name: string): Promise<number | undefined> {
  const line = (await readFile(file, 'utf8')).split('\n').find((l) => l.startsWith(`${name}:`));
  return line === undefined ? undefined : Number(line.split(':')[2]);
}

void describe('the status server on a unix socket', () => {
  let f: Fixture;
  let sock: string;
  let server: HttpServer;
  before(async () => {
    f = await startFixture((dir) =>
      [
        `set httpd unixsocket ${join(dir, 'bw.sock')}`,
        `  allow ${ADMIN.user}:${ADMIN.password}`,
        `  allow ${GUEST.user}:${GUEST.password} read-only`,
        '  allow 10.9.8.7',
        sleeperBlock(dir, 'sleeper'),
      ].join('\n'),
    );
    sock = join(f.dir, 'bw.sock');
    server = await f.listen();
  });
  after(() => f.close());

  void test('a socket with mode 0600 and no TCP port (unixsocket alone, as monit)', async () => {
    assert.ok((await lstat(sock)).isSocket());
    assert.equal(await modeOf(sock), 0o600);
    assert.equal(server.socketPath, sock);
    assert.equal(server.port, 0);
    assert.ok(f.logText.some((l) => l.includes(`status API on unix socket ${sock} (mode 0600)`)));
  });

  void test('users log in over it; the host entries do not apply; read-only users only read', async () => {
    assert.equal((await over(sock, 'GET', '/api/v1/status')).status, 401);
    assert.equal((await over(sock, 'GET', '/api/v1/status', { user: ADMIN.user, password: 'wrong' })).status, 401);
    const ok = await over(sock, 'GET', '/api/v1/status', ADMIN);
    assert.equal(ok.status, 200);
    assert.equal((JSON.parse(ok.body) as { services: Array<{ name: string }> }).services[0]?.name, 'sleeper');
    assert.equal((await over(sock, 'POST', '/api/v1/services/sleeper/monitor', GUEST)).status, 403);
    assert.equal((await over(sock, 'POST', '/api/v1/services/sleeper/monitor', ADMIN)).status, 202);
    // The client's name in the action's log line: the socket, not an address it does not have.
    await waitFor(() => f.logText.some((l) => l.includes('"client":"unix-socket"')), {
      message: 'no action logged for the socket client',
    });
  });

  void test("monit's XML names the socket in <httpd>, not a port it does not listen on", async () => {
    const xml = (await over(sock, 'GET', '/_status?format=xml', ADMIN)).body;
    assert.ok(xml.includes(`<httpd><unixsocket>${sock}</unixsocket></httpd>`), xml.slice(0, 600));
    assert.doesNotMatch(xml, /<port>/);
  });

  void test('failed logins over the socket are limited like any client', async () => {
    // The fixture raises the limit to 10 000; the budget is per client: all socket clients share one.
    const before = f.logText.filter((l) => l.includes('login failed')).length;
    await over(sock, 'GET', '/api/v1/status', { user: ADMIN.user, password: 'nope' });
    const lines = f.logText.filter((l) => l.includes('login failed'));
    assert.equal(lines.length, before + 1);
    assert.match(lines.at(-1) ?? '', /"client":"unix-socket","user":"admin"/);
    assert.ok(!f.logText.some((l) => l.includes(ADMIN.password) || l.includes(GUEST.password)));
  });
});

void describe('unix socket: mode, owner, read-only, both listeners', () => {
  let f: Fixture;
  let sock: string;
  let server: HttpServer;
  before(async () => {
    f = await startFixture((dir) =>
      [
        `set httpd port 2812 address 127.0.0.1`,
        `  unixsocket ${join(dir, 'ro.sock')} ${isRoot ? 'uid nobody gid 0 ' : ''}permission 0660 read-only`,
        `  allow ${ADMIN.user}:${ADMIN.password}`,
        sleeperBlock(dir, 'sleeper'),
      ].join('\n'),
    );
    sock = join(f.dir, 'ro.sock');
    server = await f.listen();
  });
  after(() => f.close());

  void test('permission 0660 and, as root, the owner named by uid/gid', async () => {
    assert.equal(await modeOf(sock), 0o660);
    if (!isRoot) return;
    const st = await stat(sock);
    assert.equal(st.uid, await idIn('/etc/passwd', 'nobody'));
    assert.equal(st.gid, 0);
  });

  void test('`read-only` of the socket holds for an admin too; the TCP port beside it does not', async () => {
    assert.equal((await over(sock, 'GET', '/api/v1/status', ADMIN)).status, 200);
    const refused = await over(sock, 'POST', '/api/v1/services/sleeper/monitor', ADMIN);
    assert.equal(refused.status, 403);
    assert.equal(JSON.parse(refused.body).error.code, 'BW_FORBIDDEN');
    assert.ok(server.port > 0);
    const tcp = await fetch(`http://127.0.0.1:${server.port}/api/v1/services/sleeper/monitor`, {
      method: 'POST',
      headers: { authorization: basic(ADMIN.user, ADMIN.password), 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(tcp.status, 202);
  });
});

void describe('unix socket: what is at the path before, and after', () => {
  let f: Fixture;
  let sock: string;
  before(async () => {
    f = await startFixture((dir) =>
      [`set httpd unixsocket ${join(dir, 'x.sock')}`, `  allow ${ADMIN.user}:${ADMIN.password}`].join('\n'),
    );
    sock = join(f.dir, 'x.sock');
  });
  after(() => f.close());

  void test('a stale socket (its server was killed) is replaced; the file goes when the server closes', async () => {
    // A process that listens on the path and is killed leaves the socket file behind.
    const child = spawn(process.execPath, [
      '-e',
      `require('net').createServer().listen(${JSON.stringify(sock)}, () => process.kill(process.pid, 'SIGKILL'))`,
    ]);
    await new Promise((resolve) => child.once('exit', resolve));
    assert.ok((await lstat(sock)).isSocket(), 'no stale socket was left');
    const s = await f.listen();
    assert.equal((await over(sock, 'GET', '/api/v1/status', ADMIN)).status, 200);
    await s.close();
    assert.equal(existsSync(sock), false);
  });

  void test('a regular file at the path is left alone, and the socket is not served', async () => {
    await writeFile(sock, 'not a socket\n');
    await assert.rejects(f.listen(), new RegExp(`${sock} exists and is not a socket; it is left alone`));
    assert.equal(await readFile(sock, 'utf8'), 'not a socket\n');
    execFileSync('rm', [sock]);
  });

  void test('a socket something answers on is left alone', async () => {
    const other = createServer();
    await new Promise<void>((resolve) => other.listen(sock, resolve));
    try {
      await assert.rejects(f.listen(), new RegExp(`another server listens on ${sock}`));
      assert.ok((await lstat(sock)).isSocket());
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
  });
});
