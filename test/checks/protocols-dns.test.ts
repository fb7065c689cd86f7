// The DNS probe against a real server: dnsmasq on a free loopback port (authoritative for the root
// zone: NOERROR; without upstream servers: REFUSED), over UDP and TCP, and small node:dgram peers
// for what dnsmasq will not do on demand: SERVFAIL, a foreign ID, a query echoed back, silence, and
// a closed UDP port (ICMP port unreachable).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createSocket, Socket as UdpSocket } from 'node:dgram';
import type { RemoteInfo } from 'node:dgram';
import { existsSync } from 'node:fs';
import type { CheckResult } from '../../src/checks/result.js';
import type { Diagnostic } from '../../src/config/diagnostics.js';
import { ConfigError, formatDiagnostic } from '../../src/config/diagnostics.js';
import { parseRules } from '../../src/config/loader.js';
import { printConfig } from '../../src/config/printer.js';
import { freePort } from '../helpers/ports.js';
import { waitFor } from '../helpers/wait.js';
import { noSocketsLeft, openSockets } from './fixtures.js';
import { checkOf } from './parsed.js';

const LIMIT = { timeout: 30_000 };
const DNSMASQ = '/usr/sbin/dnsmasq';

/** dgram sockets still open: the UDP probe must close its own. */
function openUdp(): number {
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  return handles.filter((h) => h instanceof UdpSocket).length;
}

async function probe(port: number, line: string): Promise<CheckResult> {
  const c = await checkOf(`check host ns with address 127.0.0.1\n  if failed port ${port} ${line} then alert\n`);
  const [tcp, udp] = [openSockets(), openUdp()];
  try {
    return await c.cycle();
  } finally {
    await noSocketsLeft(tcp);
    await waitFor(() => openUdp() <= udp, { timeoutMs: 3_000, message: 'a UDP socket left open' });
  }
}

const closers: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of closers.reverse()) await c();
});

/** dnsmasq in the foreground on 127.0.0.1:PORT (UDP and TCP) with ARGS; killed by its PID. */
async function dnsmasq(args: readonly string[]): Promise<number> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    DNSMASQ,
    [
      '--no-daemon',
      '--conf-file=/dev/null',
      '--no-resolv',
      '--no-hosts',
      '--bind-interfaces',
      '--listen-address=127.0.0.1',
      `--port=${port}`,
      // As root dnsmasq would switch to "nobody"; staying as we are needs no such user.
      `--user=${process.getuid?.() === 0 ? 'root' : (process.env.USER ?? 'nobody')}`,
      '--pid-file=',
      ...args,
    ],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  closers.push(async () => {
    if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGTERM');
    await exited;
  });
  // Ready once it answers over TCP (a refused connection until it listens).
  await waitFor(async () => (await probe(port, 'protocol dns timeout 1 s')).class !== 'port-closed', {
    timeoutMs: 10_000,
    message: 'dnsmasq did not start',
  });
  return port;
}

/** A UDP peer on 127.0.0.1 answering each datagram with ANSWER(query), or not at all. */
async function udpPeer(answer: (q: Buffer) => Buffer | undefined): Promise<number> {
  const s = createSocket('udp4');
  s.on('message', (q: Buffer, from: RemoteInfo) => {
    const a = answer(q);
    if (a) s.send(a, from.port, from.address);
  });
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => s.close(() => resolve())));
  return s.address().port;
}

/** The query turned into an answer: QR set, RCODE as given, the question kept. */
function reply(q: Buffer, rcode: number, id = q.readUInt16BE(0)): Buffer {
  const a = Buffer.from(q);
  a.writeUInt16BE(id, 0);
  a.writeUInt16BE(0x8180 | rcode, 2);
  return a;
}

void describe('dns', { skip: existsSync(DNSMASQ) ? false : `${DNSMASQ} is not installed` }, () => {
  let auth = 0;
  let refusing = 0;
  before(async () => {
    auth = await dnsmasq(['--auth-server=ns.test', '--auth-zone=.']);
    refusing = await dnsmasq([]);
  });

  void test('dnsmasq answers NOERROR over UDP and over TCP, timed', LIMIT, async () => {
    const u = await probe(auth, 'type udp protocol dns');
    assert.equal(u.status, 'ok', u.message);
    assert.match(u.message, /^127\.0\.0\.1:\d+: DNS answer NOERROR, \d+ answer records in \d+ ms$/);
    for (const k of ['requestMs', 'firstByteMs', 'totalMs']) assert.equal(typeof u.metrics?.[k], 'number', k);
    assert.equal(u.metrics?.connectMs, undefined, 'UDP connects nothing');
    const t = await probe(auth, 'protocol dns');
    assert.equal(t.status, 'ok', t.message);
    for (const k of ['connectMs', 'requestMs', 'firstByteMs', 'totalMs'])
      assert.equal(typeof t.metrics?.[k], 'number', k);
  });

  void test('a server without upstreams answers REFUSED: a protocol error naming the RCODE', LIMIT, async () => {
    for (const line of ['type udp protocol dns', 'protocol dns']) {
      const r = await probe(refusing, line);
      assert.equal(r.class, 'protocol-error', r.message);
      assert.match(r.message, /: DNS error REFUSED \(RCODE 5\)$/);
    }
  });

  void test('SERVFAIL, a foreign ID, a query sent back, silence', LIMIT, async () => {
    const servfail = await probe(await udpPeer((q) => reply(q, 2)), 'type udp protocol dns');
    assert.equal(servfail.class, 'protocol-error');
    assert.match(servfail.message, /DNS error SERVFAIL \(RCODE 2\)$/);
    const foreign = await probe(await udpPeer((q) => reply(q, 0, q.readUInt16BE(0) ^ 1)), 'type udp protocol dns');
    assert.equal(foreign.class, 'protocol-error');
    assert.match(foreign.message, /DNS answer ID \d+ does not match the query's \d+$/);
    const echo = await probe(await udpPeer((q) => q), 'type udp protocol dns');
    assert.equal(echo.class, 'protocol-error');
    assert.match(echo.message, /without the QR bit: not an answer$/);
    const short = await probe(await udpPeer(() => Buffer.from('no')), 'type udp protocol dns');
    assert.match(short.message, /DNS answer of 2 bytes, shorter than a header$/);
    const silent = await probe(await udpPeer(() => undefined), 'type udp protocol dns timeout 300 ms');
    assert.equal(silent.class, 'response-timeout');
    assert.match(silent.message, /no DNS answer within 300 ms$/);
  });

  void test('a closed port: refused over UDP (ICMP port unreachable) and over TCP', LIMIT, async () => {
    const s = createSocket('udp4');
    await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
    const port = s.address().port;
    await new Promise<void>((resolve) => s.close(() => resolve()));
    const u = await probe(port, 'type udp protocol dns');
    assert.equal(u.class, 'port-closed', u.message);
    assert.match(u.message, /connection refused \(ICMP port unreachable\)$/);
    const t = await probe(await freePort(), 'protocol dns');
    assert.equal(t.class, 'port-closed', t.message);
  });
});

void describe('dns in the rules language', () => {
  void test('printed by -t -v and read back; no TLS over UDP', async () => {
    const text = 'check host ns with address 127.0.0.1\n  if failed port 53 type udp protocol dns then alert\n';
    const { config } = await parseRules(text, 'p.rc');
    const printed = printConfig(config);
    assert.match(printed, /failed host "?127\.0\.0\.1"? port 53 type udp protocol dns with timeout 5 s/);
    const again = await parseRules(printed, 'printed.rc');
    assert.deepEqual(again.config.services[0]?.rules[0]?.condition, config.services[0]?.rules[0]?.condition);
    await assert.rejects(
      parseRules(
        'check host ns with address 127.0.0.1\n  if failed port 853 type udp ssl protocol dns then alert\n',
        'p.rc',
      ),
      (e: unknown) =>
        e instanceof ConfigError &&
        formatDiagnostic(e.diagnostics[0] as Diagnostic) ===
          "p.rc:2:13: DNS over UDP has no TLS: drop 'ssl' or 'type udp'",
    );
  });
});
