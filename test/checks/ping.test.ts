// `if failed ping …` with the system's ping (iputils) against the loopback addresses, 127.0.0.1 and
// ::1 (when the host has it). No loopback address can be made to stay silent without a firewall
// rule, so the silence, unreachable, unknown host and privilege cases are read from iputils'
// outputs as it prints them (recorded here), through the same reader the check uses.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { PING_BIN } from '../../src/checks/ping/check.js';
import { readPing } from '../../src/checks/ping/output.js';
import { ConfigError, formatDiagnostic } from '../../src/config/diagnostics.js';
import { parseRules } from '../../src/config/loader.js';
import { printConfig } from '../../src/config/printer.js';
import { checkOf } from './parsed.js';

const LIMIT = { timeout: 30_000 };
const noPing = existsSync(PING_BIN) ? false : `${PING_BIN} is not installed (iputils-ping)`;
const ipv6Loopback = Object.values(networkInterfaces()).some((list) =>
  (list ?? []).some((a) => a.family === 'IPv6' && a.address === '::1'),
);

async function ping(address: string, line: string): Promise<ReturnType<Awaited<ReturnType<typeof checkOf>>['cycle']>> {
  const c = await checkOf(`check host lo with address ${address}\n  if failed ${line} then alert\n`);
  return c.cycle();
}

void describe('ping against loopback', { skip: noPing }, () => {
  void test('127.0.0.1 answers: ok with the round-trip time', LIMIT, async () => {
    const r = await ping('127.0.0.1', 'ping count 2 size 100 with timeout 2 seconds');
    assert.equal(r.status, 'ok', r.message);
    assert.match(r.message, /^127\.0\.0\.1: echo reply in \d+(\.\d+)? ms$/);
    assert.equal(typeof r.metrics?.responseMs, 'number');
    assert.ok((r.metrics?.responseMs ?? Infinity) < 1000);
    assert.equal(typeof r.metrics?.totalMs, 'number');
    const four = await ping('127.0.0.1', 'ping4 address 127.0.0.1');
    assert.equal(four.status, 'ok', four.message);
  });

  void test('::1 answers to ping6', { ...LIMIT, skip: ipv6Loopback ? false : 'no IPv6 loopback here' }, async () => {
    const r = await ping('::1', 'ping6 count 1');
    assert.equal(r.status, 'ok', r.message);
    assert.match(r.message, /^::1: echo reply in /);
  });

  void test('a name that does not resolve fails at once, without trying again', LIMIT, async () => {
    const t = performance.now();
    const r = await ping('brokerwatch-test.invalid', 'ping count 5 with timeout 5 seconds');
    assert.equal(r.class, 'port-closed');
    assert.match(r.message, /^brokerwatch-test\.invalid: cannot resolve host: /);
    assert.ok(performance.now() - t < 20_000, 'one run, not five waits');
  });

  void test(
    'IPv4 only for an IPv6 address, IPv6 only for an IPv4 one: a failed ping, as monit has it',
    LIMIT,
    async () => {
      const r = await ping('::1', 'ping4 count 3');
      assert.equal(r.status, 'failed');
      assert.equal(r.class, 'port-closed');
      assert.match(r.message, /^::1: no address of that IP version: ::1: Address family for hostname not supported$/);
      const six = await ping('127.0.0.1', 'ping6 count 3');
      assert.equal(six.class, 'port-closed', six.message);
    },
  );
});

void describe("iputils' outputs, read", () => {
  void test('a reply, its time', () => {
    assert.deepEqual(
      readPing(
        'PING 127.0.0.1 (127.0.0.1) 64(92) bytes of data.\n72 bytes from 127.0.0.1: icmp_seq=1 ttl=64 time=0.077 ms\n',
        '',
        0,
      ),
      { ok: true, rttMs: 0.077 },
    );
  });

  void test('silence: tried again; unreachable: tried again, with who said so', () => {
    const silent = readPing(
      'PING 10.9.9.9 (10.9.9.9) 56(84) bytes of data.\n\n--- 10.9.9.9 ping statistics ---\n1 packets transmitted, 0 received, 100% packet loss, time 0ms\n\n',
      '',
      1,
    );
    assert.deepEqual(silent, { ok: false, class: 'response-timeout', message: 'no echo reply', final: false });
    const unreachable = readPing(
      'PING 10.9.9.9 (10.9.9.9) 56(84) bytes of data.\nFrom 10.0.0.1 icmp_seq=1 Destination Host Unreachable\n\n--- 10.9.9.9 ping statistics ---\n1 packets transmitted, 0 received, +1 errors, 100% packet loss, time 0ms\n',
      '',
      1,
    );
    assert.deepEqual(unreachable, {
      ok: false,
      class: 'port-closed',
      message: 'Destination Host Unreachable (from 10.0.0.1)',
      final: false,
    });
  });

  void test('no privilege: the hint names both ways out', () => {
    const r = readPing('', 'ping: socket: Operation not permitted\n', 2);
    assert.equal(r.ok, false);
    assert.ok(!r.ok && r.final && r.class === 'internal');
    assert.equal(
      !r.ok && r.message,
      'socket: Operation not permitted; ping needs iputils-ping (apt-get install iputils-ping) or unprivileged ICMP sockets: net.ipv4.ping_group_range',
    );
  });
});

void describe("more of iputils' outputs", () => {
  void test('a reply timed without a space before ms, or under a millisecond', () => {
    assert.deepEqual(readPing('64 bytes from ::1: icmp_seq=1 ttl=64 time=12.5ms\n', '', 0), { ok: true, rttMs: 12.5 });
    assert.deepEqual(readPing('64 bytes from 127.0.0.1: icmp_seq=1 ttl=64 time<1 ms\n', '', 0), { ok: true, rttMs: 1 });
  });

  void test('who said the host is unreachable, with or without a sequence number', () => {
    const said = (stdout: string) => readPing(stdout, '', 1);
    assert.deepEqual(said('From 192.168.1.1 icmp_seq=12 Time to live exceeded\n'), {
      ok: false,
      class: 'port-closed',
      message: 'Time to live exceeded (from 192.168.1.1)',
      final: false,
    });
    assert.deepEqual(said('From 10.0.0.1: Destination Net Unreachable\n'), {
      ok: false,
      class: 'port-closed',
      message: 'Destination Net Unreachable (from 10.0.0.1)',
      final: false,
    });
  });

  void test('a name that does not resolve, a family the host lacks: final, the program named as it ran left out', () => {
    assert.deepEqual(readPing('', '/usr/bin/ping: nohost.invalid: Name or service not known\n', 2), {
      ok: false,
      class: 'port-closed',
      message: 'cannot resolve host: nohost.invalid: Name or service not known',
      final: true,
    });
    assert.deepEqual(readPing('', '  ping: ::1: Address family for hostname not supported\nmore\n', 2), {
      ok: false,
      class: 'port-closed',
      message: 'no address of that IP version: ::1: Address family for hostname not supported',
      final: true,
    });
  });

  void test("any other failure is brokerwatch's own, with what ping said or that it said nothing", () => {
    assert.deepEqual(readPing('', 'ping: sendmsg: No buffer space available\n', 2), {
      ok: false,
      class: 'internal',
      message: 'ping failed (status 2): sendmsg: No buffer space available',
      final: true,
    });
    assert.deepEqual(readPing('', '', null), {
      ok: false,
      class: 'internal',
      message: 'ping failed (status killed): no output',
      final: true,
    });
  });
});

void describe('ping in the rules language', () => {
  async function errors(text: string): Promise<string[]> {
    try {
      await parseRules(text, 'p.rc');
    } catch (e) {
      assert.ok(e instanceof ConfigError, String(e));
      return e.diagnostics.map(formatDiagnostic);
    }
    return assert.fail('loaded');
  }

  void test("monit's options into the model, printed by -t -v and read back the same", async () => {
    const text =
      'check host h with address 10.0.0.1\n  if failed ping6 count 4 size 32 with timeout 3 seconds address ::1 then alert\n  if failed ping then alert\n';
    const { config } = await parseRules(text, 'p.rc');
    const rules = config.services[0]?.rules.map((r) => r.condition);
    assert.deepEqual(rules, [
      { kind: 'ping', ipVersion: 6, count: 4, size: 32, timeoutMs: 3000, address: '::1' },
      { kind: 'ping', count: 3, size: 64, timeoutMs: 5000 },
    ]);
    const printed = printConfig(config);
    assert.match(printed, /if failed ping6 count 4 size 32 with timeout 3 s(econds)? address "?::1"? then alert/);
    const again = await parseRules(printed, 'printed.rc');
    assert.deepEqual(
      again.config.services[0]?.rules.map((r) => r.condition),
      rules,
    );
  });

  void test('errors name their token; ping is for check host', async () => {
    const HOST = 'check host h with address 10.0.0.1\n';
    assert.deepEqual(await errors(`${HOST}  if failed ping count 0 then alert\n`), [
      'p.rc:2:24: a count of echo requests 0 is out of range (1–100)',
    ]);
    assert.deepEqual(await errors(`${HOST}  if failed ping4 address ::1 then alert\n`), [
      "p.rc:2:27: 'ping4' sends IPv4: the address ::1 is IPv6",
    ]);
    assert.deepEqual(await errors(`${HOST}  if failed ping address eth0 then alert\n`), [
      'p.rc:2:26: expected an IP address after address, found "eth0"',
    ]);
    const process = await errors('check process p with pidfile /p.pid\n  start "/p"\n  if failed ping then alert\n');
    assert.match(process[0] ?? '', /'ping' tests apply to 'check host' only/);
  });
});
