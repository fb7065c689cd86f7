// `if failed unixsocket PATH …` against real servers on unix sockets in a private temporary folder:
// a node:net line server (a bare connect, send/expect, redis's PING), node:http (HTTP over the
// socket, Host: localhost), and the failures: a missing socket, and one we may not reach (as root,
// that needs another user: a child process run as nobody probes a socket in a 0700 folder).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { join } from 'node:path';
import type { CheckResult } from '../../src/checks/result.js';
import { ConfigError, formatDiagnostic } from '../../src/config/diagnostics.js';
import { parseRules } from '../../src/config/loader.js';
import { printConfig } from '../../src/config/printer.js';
import { tempDir } from '../helpers/tmp.js';
import type { TempDir } from '../helpers/tmp.js';
import { noSocketsLeft, openSockets } from './fixtures.js';
import { checkOf } from './parsed.js';

const LIMIT = { timeout: 30_000 };
const PROCESS = 'check process db with pidfile /run/db.pid\n';

async function probe(line: string): Promise<CheckResult> {
  const c = await checkOf(`check host h with address 127.0.0.1\n  if failed ${line} then alert\n`);
  const baseline = openSockets();
  try {
    return await c.cycle();
  } finally {
    await noSocketsLeft(baseline);
  }
}

let dir: TempDir;
const closers: Array<() => Promise<void>> = [];
before(async () => {
  dir = await tempDir('bw-unix-');
});
after(async () => {
  for (const s of accepted) s.destroy();
  for (const c of closers.reverse()) await c();
  await dir.cleanup();
});

/** Listens on PATH with SERVER; closed (and the socket file removed) after the tests. */
async function listen(server: Server | ReturnType<typeof createHttpServer>, path: string): Promise<string> {
  await new Promise<void>((resolve) => server.listen(path, resolve));
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  return path;
}

/** Connections the line servers accepted: destroyed before the servers close. */
const accepted = new Set<Socket>();

/** A line server: greets "+OK ready", answers PING with +PONG. */
function lineServer(): Server {
  return createServer((s) => {
    accepted.add(s);
    s.on('error', () => undefined);
    s.once('close', () => accepted.delete(s));
    s.write('+OK ready\r\n');
    s.on('data', (b) => (b.toString().startsWith('PING') ? s.write('+PONG\r\n') : undefined));
  });
}

void describe('unixsocket', () => {
  void test('a connect, send/expect and redis over the socket, timed', LIMIT, async () => {
    const path = await listen(lineServer(), join(dir.path, 'line.sock'));
    const r = await probe(`unixsocket ${path}`);
    assert.equal(r.status, 'ok', r.message);
    assert.match(r.message, new RegExp(`^${path}: connection in \\d+ ms$`));
    assert.equal(typeof r.metrics?.connectMs, 'number');
    const x = await probe(`unixsocket ${path} expect "^\\\\+OK" send "PING\\r\\n" expect "PONG" timeout 2 s`);
    assert.equal(x.status, 'ok', x.message);
    const redis = await probe(`unix ${path} type tcp protocol redis`);
    // The greeting comes before the PONG: redis's probe reads one line, and it is not +PONG.
    assert.equal(redis.class, 'protocol-error');
    assert.match(redis.message, /PING answered "\+OK ready", not \+PONG$/);
  });

  void test('HTTP over the socket: Host is localhost, the status judged', LIMIT, async () => {
    let headers: IncomingHttpHeaders | undefined;
    const server = createHttpServer((req, res) => {
      headers = req.headers;
      res.writeHead(req.url === '/health' ? 200 : 503).end('ok');
    });
    const path = await listen(server, join(dir.path, 'http.sock'));
    closers.push(async () => server.closeAllConnections());
    const r = await probe(`unixsocket ${path} protocol http request "/health" content = "ok"`);
    assert.equal(r.status, 'ok', r.message);
    assert.equal(headers?.host, 'localhost');
    for (const k of ['connectMs', 'requestMs', 'firstByteMs', 'totalMs']) assert.equal(typeof r.metrics?.[k], 'number');
    const bad = await probe(`unixsocket ${path} protocol http`);
    assert.equal(bad.class, 'http-status');
  });

  void test('a missing socket, a folder in its place', LIMIT, async () => {
    const gone = join(dir.path, 'gone.sock');
    const r = await probe(`unixsocket ${gone}`);
    assert.equal(r.class, 'port-closed');
    assert.equal(r.message, `${gone}: no such socket (ENOENT)`);
    await mkdir(join(dir.path, 'adir'));
    const d = await probe(`unixsocket ${join(dir.path, 'adir')}`);
    assert.equal(d.class, 'port-closed');
    assert.match(d.message, /: connection refused \(nothing listens on the socket\) \(ECONNREFUSED\)$/);
  });

  void test('a socket we may not reach: permission denied', LIMIT, async () => {
    const path = await listen(lineServer(), join(dir.path, 'private.sock'));
    if (process.getuid?.() !== 0) {
      const { chmod } = await import('node:fs/promises');
      await chmod(dir.path, 0o000);
      try {
        const r = await probe(`unixsocket ${path}`);
        assert.equal(r.class, 'port-closed');
        assert.equal(r.message, `${path}: permission denied (EACCES)`);
      } finally {
        await chmod(dir.path, 0o700);
      }
      return;
    }
    // Root reaches every socket: the probe runs as nobody, outside the 0700 folder it cannot enter.
    const check = new URL('../../src/checks/port/check.js', import.meta.url).href;
    const script = `
      const { portCheck } = await import(${JSON.stringify(check)});
      const c = portCheck({ kind: 'port', host: 'localhost', port: 0, unixSocket: ${JSON.stringify(path)},
        transport: 'tcp', timeoutMs: 5000, retry: 0 });
      const r = await c.run({ rule: { id: 'r' }, signal: new AbortController().signal });
      process.stdout.write(JSON.stringify(r));`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      uid: 65534,
      gid: 65534,
      cwd: '/',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 0, err);
    const r = JSON.parse(out) as CheckResult;
    assert.equal(r.class, 'port-closed');
    assert.equal(r.message, `${path}: permission denied (EACCES)`);
  });
});

void describe('unixsocket in the rules language', () => {
  async function errors(line: string): Promise<string[]> {
    try {
      await parseRules(`${PROCESS}  if failed ${line} then alert\n`, 'p.rc');
    } catch (e) {
      assert.ok(e instanceof ConfigError, String(e));
      return e.diagnostics.map(formatDiagnostic);
    }
    return assert.fail(`'${line}' loaded`);
  }

  void test("monit's form into the model, printed by -t -v and read back the same", async () => {
    for (const service of [PROCESS, 'check host h with address 10.0.0.1\n']) {
      const text = `${service}  if failed unixsocket /run/mysqld/mysqld.sock protocol mysql for 3 times within 4 cycles then restart\n`;
      const { config } = await parseRules(text, 'p.rc');
      const cond = config.services[0]?.rules.find((r) => !r.implicit)?.condition;
      assert.deepEqual(cond, {
        kind: 'port',
        host: 'localhost',
        port: 0,
        unixSocket: '/run/mysqld/mysqld.sock',
        transport: 'tcp',
        protocol: 'mysql',
        timeoutMs: 5000,
        retry: 0,
      });
      const printed = printConfig(config);
      assert.match(printed, /if failed unixsocket \/run\/mysqld\/mysqld\.sock protocol mysql with timeout 5 s/);
      const again = await parseRules(printed, 'printed.rc');
      assert.deepEqual(again.config.services[0]?.rules.find((r) => !r.implicit)?.condition, cond);
    }
  });

  void test('errors name their token', async () => {
    assert.deepEqual(await errors('unixsocket run/x.sock'), [
      'p.rc:2:24: expected an absolute socket path after unixsocket, found "run/x.sock"',
    ]);
    assert.deepEqual(await errors('unixsocket /x.sock port 80'), [
      "p.rc:2:24: a test connects to 'unixsocket PATH' or to '[host H] port N', not both",
    ]);
    assert.deepEqual(await errors('unixsocket /x.sock type udp'), [
      "p.rc:2:24: a unix socket test speaks a stream: not 'type udp'",
    ]);
    assert.deepEqual(await errors('unixsocket /x.sock ssl'), [
      'p.rc:2:24: TLS over a unix socket is not supported by brokerwatch',
    ]);
    assert.deepEqual(await errors('unixsocket /x.sock protocol mqtt'), [
      "p.rc:2:41: protocol mqtt is probed over TCP: test the broker's TCP listener with 'port N'",
    ]);
  });
});
