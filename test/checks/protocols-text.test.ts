// The SMTP, SSH and send/expect probes against real servers on 127.0.0.1: the smtp-server package
// for SMTP (plain, STARTTLS with a certificate made here by openssl, implicit TLS), and small net
// servers that greet as sshd does (a faithful banner server: the first line an OpenSSH server sends)
// and as a line protocol does for send/expect.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { SMTPServer } from 'smtp-server';
import type { CheckResult } from '../../src/checks/result.js';
import { selfSignedCert } from '../helpers/certs.js';
import type { TestCert } from '../helpers/certs.js';
import { tempDir } from '../helpers/tmp.js';
import type { TempDir } from '../helpers/tmp.js';
import { noSocketsLeft, openSockets } from './fixtures.js';
import { checkOf, parseService, ruleOf } from './parsed.js';
import type { Clock, Timer } from '../../src/util/clock.js';
import { systemClock } from '../../src/util/clock.js';

const LIMIT = { timeout: 30_000 };

async function probe(port: number, line: string): Promise<CheckResult> {
  const c = await checkOf(`check host mail with address 127.0.0.1\n  if failed port ${port} ${line} then alert\n`);
  const baseline = openSockets();
  try {
    return await c.cycle();
  } finally {
    c.check.close?.();
    // A probe closes what it opened, whatever the outcome.
    await noSocketsLeft(baseline);
  }
}

/** A net server on 127.0.0.1 running ON for each connection; closes every socket it accepted. */
async function peer(on: (sock: Socket) => void): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((sock) => {
    sockets.add(sock);
    sock.on('error', () => undefined);
    sock.once('close', () => sockets.delete(sock));
    on(sock);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

const closers: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of closers.reverse()) await c();
});

function smtp(opts: ConstructorParameters<typeof SMTPServer>[0]): Promise<number> {
  const server = new SMTPServer({ authOptional: true, logger: false, closeTimeout: 100, ...opts });
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.server.address() as AddressInfo).port)),
  );
}

void describe('smtp', () => {
  let dir: TempDir;
  let tls: TestCert;
  before(async () => {
    dir = await tempDir('bw-smtp-');
    closers.push(() => dir.cleanup());
    tls = await selfSignedCert(dir.path, 'mail', 30);
  });

  void test('plain: greeting 220, EHLO 250, QUIT 221', LIMIT, async () => {
    const port = await smtp({ disabledCommands: ['STARTTLS', 'AUTH'] });
    const r = await probe(port, 'protocol smtp');
    assert.equal(r.status, 'ok', r.message);
    assert.match(r.message, /^127\.0\.0\.1:\d+: SMTP \(/);
    assert.equal(typeof r.metrics?.firstByteMs, 'number');
    const s = await probe(port, 'protocol smtp starttls');
    assert.equal(s.class, 'protocol-error');
    assert.match(s.message, /does not offer STARTTLS/);
  });

  void test('STARTTLS: the upgrade verified against the CA file, timed; untrusted without it', LIMIT, async () => {
    const port = await smtp({ key: tls.key, cert: tls.cert, disabledCommands: ['AUTH'] });
    const r = await probe(port, `protocol smtp starttls cafile ${tls.file} certificate valid > 7 days`);
    assert.equal(r.status, 'ok', r.message);
    assert.match(r.message, /with STARTTLS/);
    assert.equal(typeof r.metrics?.tlsMs, 'number');
    const u = await probe(port, 'protocol smtp starttls');
    assert.equal(u.class, 'tls-untrusted', u.message);
    const e = await probe(port, `protocol smtp starttls cafile ${tls.file} certificate valid > 60 days`);
    assert.equal(e.class, 'certificate-expiring', e.message);
  });

  void test('smtps: TLS from the start', LIMIT, async () => {
    const port = await smtp({ secure: true, key: tls.key, cert: tls.cert, disabledCommands: ['AUTH'] });
    const r = await probe(port, `protocol smtps cafile ${tls.file}`);
    assert.equal(r.status, 'ok', r.message);
    assert.equal(typeof r.metrics?.tlsMs, 'number');
  });

  void test('a refusing greeting (554) is a protocol error with the reply', LIMIT, async () => {
    const p = await peer((s) => s.end('554 5.3.2 no service here\r\n'));
    closers.push(p.close);
    const r = await probe(p.port, 'protocol smtp');
    assert.equal(r.class, 'protocol-error');
    assert.match(r.message, /the greeting answered 554 5\.3\.2 no service here, not 220/);
  });
});

void describe('ssh', () => {
  void test('an SSH 2 banner, answered with ours', LIMIT, async () => {
    let answer = '';
    const p = await peer((s) => {
      s.write('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n');
      s.on('data', (b) => (answer += b.toString('latin1')));
    });
    closers.push(p.close);
    const r = await probe(p.port, 'protocol ssh');
    assert.equal(r.status, 'ok', r.message);
    assert.match(r.message, /SSH-2\.0-OpenSSH_9\.2p1/);
    await waitUntil(() => answer.startsWith('SSH-2.0-brokerwatch\r\n'));
  });

  void test('SSH 1 only, and a silent server', LIMIT, async () => {
    const old = await peer((s) => s.write('SSH-1.5-ancient\r\n'));
    closers.push(old.close);
    const r = await probe(old.port, 'protocol ssh');
    assert.equal(r.class, 'protocol-error');
    assert.match(r.message, /SSH version not 2\.0: "SSH-1\.5-ancient"/);
    const hangup = await peer((s) => s.end());
    closers.push(hangup.close);
    const h = await probe(hangup.port, 'protocol ssh');
    assert.equal(h.class, 'protocol-error');
    assert.match(h.message, /connection closed by the peer before SSH version banner/);
    const silent = await peer(() => undefined);
    closers.push(silent.close);
    const t = await probe(silent.port, 'protocol ssh timeout 200 ms');
    assert.equal(t.class, 'response-timeout');
    assert.match(t.message, /no SSH version banner within 200 ms/);
  });
});

void describe('send/expect', () => {
  /** A line server: greets 220, answers HELO with 250 and QUIT with 221 and a close. */
  async function lineServer(): Promise<number> {
    const p = await peer((s) => {
      s.write('220 ready\r\n');
      let buf = '';
      s.on('data', (b) => {
        buf += b.toString('latin1');
        if (buf.includes('HELO localhost\r\n')) {
          buf = '';
          s.write('250 hello\r\n');
        } else if (buf.includes('QUIT\r\n')) {
          s.end('221 bye\r\n');
        }
      });
    });
    closers.push(p.close);
    return p.port;
  }

  void test("monit's SMTP example: expect, send with \\r\\n, expect, in order", LIMIT, async () => {
    const port = await lineServer();
    const r = await probe(
      port,
      'expect "^220.*" send "HELO localhost\\r\\n" expect "^250.*" send "QUIT\\r\\n" expect "^221"',
    );
    assert.equal(r.status, 'ok', r.message);
    assert.match(r.message, /send\/expect \(5 steps\)/);
  });

  void test('an answer that does not match: content-mismatch with what came', LIMIT, async () => {
    const port = await lineServer();
    const r = await probe(port, 'expect "^220" send "QUIT\\r\\n" expect "^250"');
    assert.equal(r.class, 'content-mismatch');
    assert.match(r.message, /expected "\^250", received "221 bye\\r\\n"/);
  });

  void test('hex escapes are sent as bytes', LIMIT, async () => {
    let got = Buffer.alloc(0);
    const p = await peer((s) =>
      s.on('data', (b) => {
        got = Buffer.concat([got, b]);
        if (got.length >= 5) s.end('ok');
      }),
    );
    closers.push(p.close);
    const r = await probe(p.port, 'send "\\0xFF\\0x00ab\\n" expect "ok"');
    assert.equal(r.status, 'ok', r.message);
    assert.deepEqual([...got], [0xff, 0x00, 0x61, 0x62, 0x0a]);
  });
});

async function waitUntil(fn: () => boolean): Promise<void> {
  const { waitFor } = await import('../helpers/wait.js');
  await waitFor(fn, { timeoutMs: 5_000, message: 'the peer did not receive our banner' });
}

void describe('redis, pgsql, mysql: the first exchange each server has with any client', () => {
  void test('redis: PING → +PONG; -NOAUTH serves too; anything else is a protocol error', LIMIT, async () => {
    const answers = ['+PONG\r\n', '-NOAUTH Authentication required.\r\n', '-ERR unknown command\r\n'];
    const p = await peer((s) => {
      const answer = answers.shift() ?? '';
      s.once('data', (b) => {
        if (b.toString('latin1') === 'PING\r\n') s.write(answer);
      });
    });
    closers.push(p.close);
    const ok = await probe(p.port, 'protocol redis');
    assert.equal(ok.status, 'ok', ok.message);
    assert.match(ok.message, /PONG/);
    assert.equal((await probe(p.port, 'protocol redis')).status, 'ok');
    const bad = await probe(p.port, 'protocol redis');
    assert.equal(bad.class, 'protocol-error');
    assert.match(bad.message, /PING answered "-ERR unknown command", not \+PONG/);
  });

  void test("pgsql: SSLRequest answered 'N' or 'S'; monit's login options load with a warning", LIMIT, async () => {
    const request = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);
    const p = await peer((s) => s.once('data', (b) => void s.write(Buffer.from(b).equals(request) ? 'N' : 'E')));
    closers.push(p.close);
    const ok = await probe(p.port, 'protocol pgsql');
    assert.equal(ok.status, 'ok', ok.message);
    assert.match(ok.message, /SSLRequest answered N/);
    const { parseRules } = await import('../../src/config/loader.js');
    const r = await parseRules(
      'check host db with address 127.0.0.1\n  if failed port 5432 protocol pgsql username "monit" password "123456" database "test" then alert\n',
      'db.rc',
    );
    assert.deepEqual(
      r.warnings.map((w) => w.message),
      [
        "'username' and 'password' are not used by brokerwatch's pgsql test (no login is made); ignored",
        "port test option 'database' is not evaluated by brokerwatch; ignored",
      ],
    );
  });

  void test('mysql: a protocol 10 handshake, or the error packet a refusing server sends', LIMIT, async () => {
    const packet = (payload: Buffer, seq = 0): Buffer => {
      const head = Buffer.alloc(4);
      head.writeUIntLE(payload.length, 0, 3);
      head[3] = seq;
      return Buffer.concat([head, payload]);
    };
    const handshake = packet(
      Buffer.concat([
        Buffer.from([0x0a]),
        Buffer.from('8.0.36-test\0', 'latin1'),
        Buffer.from([1, 0, 0, 0]),
        Buffer.from('abcdefgh\0', 'latin1'),
        Buffer.from([0xff, 0xf7, 0x21, 0x02, 0x00]),
      ]),
    );
    const refusal = packet(
      Buffer.concat([
        Buffer.from([0xff, 0x6a, 0x04]),
        Buffer.from("Host '127.0.0.1' is not allowed to connect to this MySQL server", 'utf8'),
      ]),
    );
    const greetings = [handshake, refusal];
    const p = await peer((s) => void s.write(greetings.shift() ?? Buffer.alloc(0)));
    closers.push(p.close);
    const ok = await probe(p.port, 'protocol mysql');
    assert.equal(ok.status, 'ok', ok.message);
    assert.match(ok.message, /MySQL 8\.0\.36-test/);
    const no = await probe(p.port, 'protocol mysql');
    assert.equal(no.class, 'protocol-error');
    assert.match(no.message, /error 1130: Host '127\.0\.0\.1' is not allowed/);
  });
});

void test("a silent peer's deadline is the clock's: it passes when the clock says so", LIMIT, async () => {
  const pending = new Set<() => void>();
  const clock: Clock = {
    ...systemClock,
    setTimeout: (fn) => {
      pending.add(fn);
      const t: Timer = { cancel: () => pending.delete(fn), unref: () => t };
      return t;
    },
  };
  let heard = '';
  const p = await peer((s) => s.on('data', (b) => (heard += b.toString('latin1'))));
  closers.push(p.close);
  const svc = await parseService(
    `check host h with address 127.0.0.1\n  if failed port ${p.port} send "hello\\r\\n" expect "^never" timeout 1 hour then alert\n`,
  );
  const c = ruleOf(svc);
  const running = c.check.run({
    service: svc,
    rule: c.rule,
    signal: new AbortController().signal,
    memo: new Map(),
    now: Date.now(),
    clock,
  });
  // The peer has our line: the probe is connected and waits for the answer, on the clock's timer.
  const { waitFor } = await import('../helpers/wait.js');
  await waitFor(() => heard === 'hello\r\n' && pending.size > 0, { message: 'the probe sent its line' });
  for (const fn of [...pending]) fn();
  const r = await running;
  assert.equal(r?.class, 'response-timeout');
  assert.match(r?.message ?? '', /no answer matching "\^never" within 3600000 ms/);
  c.check.close?.();
});
