// Idle connections to the status port cannot exhaust brokerwatch's descriptors: beyond 64 from one
// address or 256 in all they are closed at once, idle ones and dribblers are closed after their
// deadlines, and meanwhile the daemon goes on supervising a real broker without restarting it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import pino from 'pino';
import { DEFAULT_CONNECTION_LIMITS } from '../../src/http/connection-guard.js';
import type { HttpServer, HttpServerOptions } from '../../src/http/listeners.js';
import { startHttpServer } from '../../src/http/listeners.js';
import { buildApp } from '../../src/http/server.js';
import { waitFor } from '../helpers/wait.js';
import type { BrokerSpec, InProcess } from '../daemon/harness.js';
import { Cleanup, brokerRules, brokerSpec, startInProcess, supervisedPid, testDir } from '../daemon/harness.js';

const cleanup = new Cleanup();
after(() => cleanup.run());

let d: InProcess;
let b: BrokerSpec;
let dir: string;
let brokerPid: number;
const USER = 'admin:adm1n-Secret-pw';

before(async () => {
  dir = await testDir(cleanup);
  b = await brokerSpec(dir, 'mosquitto', cleanup);
  const rules = [
    'set daemon 1',
    `set statefile ${join(dir, 'state.json')}`,
    'set httpd port 2812 address 127.0.0.1',
    `  allow ${USER}`,
    brokerRules(b, [`if failed host 127.0.0.1 port ${b.port} protocol mqtt with timeout 2 seconds then restart`]),
  ].join('\n');
  d = await startInProcess(join(dir, 'brokerwatch.rc'), rules, cleanup);
  brokerPid = await supervisedPid(d, b, { timeoutMs: 20_000 });
});

/** Starts a status server on a free port with `connections` limits; its reload takes `reloadMs`. */
async function server(connections: HttpServerOptions['limits'] = {}, reloadMs = 0): Promise<HttpServer> {
  const s = await startHttpServer(d.daemon, {
    config: d.daemon.config,
    logger: pino({ level: 'silent' }),
    rulesFile: join(dir, 'brokerwatch.rc'),
    reload: () => new Promise((done) => setTimeout(() => done({ ok: true }), reloadMs)),
    quit: () => undefined,
    port: 0,
    limits: connections,
  });
  cleanup.add(() => s.close());
  return s;
}

/** An idle client socket from `from` (127.0.0.x); `closed` turns true when the server closes it. */
function idle(s: HttpServer, from: string, sockets: Array<{ socket: Socket; closed: boolean }>): void {
  const entry = { socket: connect({ host: '127.0.0.1', port: s.port, localAddress: from }), closed: false };
  entry.socket.on('error', () => undefined);
  entry.socket.on('close', () => (entry.closed = true));
  sockets.push(entry);
}

function closeAll(sockets: Array<{ socket: Socket }>): void {
  for (const { socket } of sockets) socket.destroy();
}

/** GET /_ping from `from`: the text, or the error's code. */
async function ping(s: HttpServer, from: string): Promise<string> {
  return new Promise((done) => {
    const socket = connect({ host: '127.0.0.1', port: s.port, localAddress: from });
    let text = '';
    const auth = `Authorization: Basic ${Buffer.from(USER).toString('base64')}`;
    socket.on('connect', () =>
      socket.write(`GET /_ping HTTP/1.1\r\nHost: 127.0.0.1\r\n${auth}\r\nConnection: close\r\n\r\n`),
    );
    socket.on('data', (c: Buffer) => (text += c.toString()));
    socket.on('error', (e: NodeJS.ErrnoException) => done(e.code ?? 'error'));
    socket.on('close', () => done(text.endsWith('pong') ? 'pong' : `closed: ${text.slice(0, 40)}`));
  });
}

void describe('connections to the status port', () => {
  void test('the application is built at the first connection; the first requests, all at once, are all answered', async () => {
    const s = await server();
    assert.equal(s.built, false, 'listening, nothing built');
    const answers = await Promise.all(Array.from({ length: 8 }, () => ping(s, '127.0.0.1')));
    assert.deepEqual(answers, Array(8).fill('pong'));
    assert.equal(s.built, true);
    assert.equal(await ping(s, '127.0.0.1'), 'pong');
  });

  void test('a build that fails is logged and answered 503; requests meanwhile get 503 too; one tries again 10 s later', async () => {
    let now = 0;
    let builds = 0;
    const lines: string[] = [];
    const s = await startHttpServer(
      d.daemon,
      {
        config: d.daemon.config,
        logger: pino({ level: 'error' }, { write: (l: string) => void lines.push(l) }),
        rulesFile: join(dir, 'brokerwatch.rc'),
        reload: () => Promise.resolve({ ok: true }),
        quit: () => undefined,
        port: 0,
      },
      {
        clock: { now: () => now },
        build: async (daemon, opts, base) => {
          if (++builds === 1) throw new Error('no fastify here');
          return buildApp(daemon, opts, base);
        },
      },
    );
    cleanup.add(() => s.close());
    const first = await ping(s, '127.0.0.1');
    assert.match(first, /^closed: HTTP\/1\.1 503 /);
    assert.equal(lines.filter((l) => l.includes('cannot build the status API')).length, 1);
    now += 9_000;
    assert.match(await ping(s, '127.0.0.1'), /^closed: HTTP\/1\.1 503 /);
    assert.equal(builds, 1, 'no second build within 10 s');
    now += 1_000;
    assert.equal(await ping(s, '127.0.0.1'), 'pong');
    assert.equal(builds, 2);
    assert.equal(s.built, true);
  });

  void test('a connection that sends nothing still has the application built, and a malformed request is answered 400', async () => {
    const s = await server();
    const socket = connect({ host: '127.0.0.1', port: s.port });
    socket.on('error', () => undefined);
    cleanup.add(() => socket.destroy());
    await waitFor(() => s.built, { message: 'not built after a connection' });
    let text = '';
    socket.on('data', (c: Buffer) => (text += c.toString()));
    socket.write('NOT HTTP\r\n\r\n');
    await waitFor(() => /^HTTP\/1\.1 400 /.test(text) && text.includes('BW_BAD_REQUEST'), {
      message: `no 400 in the API's shape: ${text}`,
    });
  });

  void test('beyond 64 per address and 256 in all they are closed at once; the broker is not restarted', async () => {
    assert.equal(DEFAULT_CONNECTION_LIMITS.perClient, 64);
    assert.equal(DEFAULT_CONNECTION_LIMITS.total, 256);
    const s = await server();
    const sockets: Array<{ socket: Socket; closed: boolean }> = [];
    cleanup.add(() => closeAll(sockets));
    const eventsBefore = d.events.length;
    for (let i = 0; i < 80; i++) idle(s, '127.0.0.1', sockets);
    await waitFor(() => s.connections().open + s.connections().refused === 80, { timeoutMs: 20_000 });
    assert.deepEqual(s.connections(), { open: 64, refused: 16 });
    await waitFor(() => sockets.filter((x) => x.closed).length === 16, { timeoutMs: 20_000 });
    // Another address still gets in, one of the same does not.
    assert.equal(await ping(s, '127.0.0.2'), 'pong');
    assert.notEqual(await ping(s, '127.0.0.1'), 'pong');

    // 4 more addresses, 64 each: 64 + 256 connections, 256 kept.
    for (let a = 3; a < 7; a++) for (let i = 0; i < 64; i++) idle(s, `127.0.0.${a}`, sockets);
    await waitFor(() => sockets.filter((x) => !x.closed).length <= 256 && s.connections().open === 256, {
      timeoutMs: 30_000,
      message: `open ${JSON.stringify(s.connections())}`,
    });
    assert.notEqual(await ping(s, '127.0.0.30'), 'pong');

    // Meanwhile the daemon supervises: two more cycles, the same broker, no restart.
    const runner = d.daemon.runner('mosquitto');
    assert.ok(runner);
    const cycle = runner.state.cycle;
    await waitFor(() => runner.state.cycle >= cycle + 2, { timeoutMs: 20_000 });
    assert.equal(runner.identity?.pid, brokerPid);
    assert.deepEqual(
      d.events
        .slice(eventsBefore)
        .filter((e) => e.state === 'failed' || ['restart', 'start', 'stop'].includes(e.action)),
      [],
    );

    closeAll(sockets);
    await waitFor(() => s.connections().open === 0, { timeoutMs: 20_000 });
    assert.equal(await ping(s, '127.0.0.1'), 'pong');
  });

  void test('an idle socket is closed when it idles, a dribbling one when its headers are late', async () => {
    // Each server has one deadline short: which one closed the socket is then known.
    const idleServer = await server({ connections: { idleMs: 300, headersMs: 60_000, requestMs: 60_000 } });
    const slowServer = await server({ connections: { idleMs: 60_000, headersMs: 600, requestMs: 60_000 } });
    const sockets: Array<{ socket: Socket; closed: boolean }> = [];
    cleanup.add(() => closeAll(sockets));
    idle(idleServer, '127.0.0.1', sockets);
    idle(slowServer, '127.0.0.1', sockets);
    const [silent, dribbler] = sockets as [(typeof sockets)[0], (typeof sockets)[0]];
    // One header byte every 100 ms: the headers never end. Neither client reads: the server must
    // close the socket itself, not merely end its side and wait for the client to.
    const header = 'GET /_ping HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ';
    let at = 0;
    const drip = setInterval(() => {
      if (!dribbler.closed) dribbler.socket.write(header[at++] ?? 'a');
    }, 100);
    cleanup.add(() => clearInterval(drip));
    await waitFor(() => silent.closed, { timeoutMs: 20_000, message: 'the idle socket stays open' });
    await waitFor(() => dribbler.closed, { timeoutMs: 20_000, message: 'the dribbling socket stays open' });
    clearInterval(drip);
    assert.equal(idleServer.connections().open, 0);
    assert.equal(slowServer.connections().open, 0);
  });

  void test('a request being answered is not cut by the idle deadline (a reload waits for starts)', async () => {
    const s = await server({ connections: { idleMs: 200, keepAliveMs: 200 } }, 1_000);
    const auth = `Basic ${Buffer.from(USER).toString('base64')}`;
    const res = await fetch(`http://127.0.0.1:${s.port}/api/v1/reload`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(res.status, 200, await res.text());
    await waitFor(() => s.connections().open === 0, { timeoutMs: 20_000, message: 'kept alive for good' });
  });
});
