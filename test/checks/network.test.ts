// `check network`: its rules read the loopback interface from /sys/class/net, with real traffic the
// test sends over it between two cycles at virtual times given to the observer.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { CheckResult } from '../../src/checks/result.js';
import { ConfigError, formatDiagnostic } from '../../src/config/diagnostics.js';
import { parseRules } from '../../src/config/loader.js';
import { observedService } from './parsed.js';

const MB = 1024 * 1024;

function netRules(header: string, rules: readonly string[]) {
  return observedService(`check network net ${header}\n${rules.map((r) => `  ${r}\n`).join('')}`);
}

const statuses = (rs: readonly CheckResult[]): string[] => rs.map((r) => r.status);

/** Sends BYTES over loopback to a server of the test's own, and waits until all arrived. */
async function sendOverLoopback(bytes: number): Promise<void> {
  let got = 0;
  let done: () => void = () => undefined;
  const all = new Promise<void>((r) => (done = r));
  const server = createServer((s) =>
    s.on('data', (d: Buffer) => {
      got += d.length;
      if (got >= bytes) done();
    }),
  ).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const sock = connect((server.address() as AddressInfo).port, '127.0.0.1');
  await once(sock, 'connect');
  sock.end(Buffer.alloc(bytes, 1));
  await all;
  sock.destroy();
  server.close();
}

void describe('check network against lo', () => {
  void test('link, traffic rates and totals, saturation on a link without a speed', async () => {
    const net = await netRules('with interface lo', [
      'if link down then alert',
      'if link up then alert',
      'if download > 512 kB/s then alert',
      'if upload > 1000 GB/s then alert',
      'if download > 10 packets/s then alert',
      'if total download > 512 kB in last 1 hour then alert',
      'if total upload > 1000 GB in last day then alert',
      'if saturation > 90% then alert',
      'if changed link then alert',
    ]);
    const t0 = Date.UTC(2026, 0, 1);
    const first = await net.cycle(t0);
    assert.deepEqual(statuses(first.results), ['ok', 'failed', 'init', 'init', 'init', 'init', 'init', 'init', 'ok']);
    assert.equal(first.results[1]?.message, 'link up (unknown)');
    await sendOverLoopback(MB);
    const second = await net.cycle(t0 + 1000);
    assert.deepEqual(statuses(second.results), [
      'ok',
      'failed',
      'failed',
      'ok',
      'failed',
      'failed',
      'ok',
      'init',
      'ok',
    ]);
    assert.ok(first.observed.ok && second.observed.ok);
    const delta = Number(second.observed.facts['downloadBytes']) - Number(first.observed.facts['downloadBytes']);
    assert.ok(delta >= MB, `${delta} bytes`);
    // Over one virtual second, the rate is the counter's delta.
    assert.equal(second.results[2]?.metrics?.['downloadBytesPerSecond'], delta);
    assert.equal(second.results[5]?.metrics?.['downloadBytesTotal'], delta);
    assert.match(second.results[7]?.message ?? '', /without a speed/);
  });

  void test('with address finds the interface; a missing interface is down', async () => {
    const byAddress = await netRules('with address 127.0.0.1', ['if link down then alert']);
    const r = await byAddress.cycle(0);
    assert.ok(r.observed.ok);
    assert.equal(r.observed.facts['interface'], 'lo');
    const missing = await netRules('with interface bw-no-such0', [
      'if link down then alert',
      'if upload > 1 B/s then alert',
    ]);
    const m = await missing.cycle(0);
    // The link rule reads the absence as a link down; a threshold has nothing to judge.
    assert.deepEqual(statuses(m.results), ['failed', 'init']);
    assert.equal(m.results[0]?.message, 'network interface bw-no-such0 does not exist');
    assert.equal(m.implicit, undefined, 'a link rule written: none added');
    // Without a link rule, monit's own "link down" alert is implied.
    const bare = await netRules('with interface bw-no-such0', ['if upload > 1 B/s then alert']);
    const b = await bare.cycle(0);
    assert.deepEqual(statuses(b.results), ['init']);
    assert.equal(b.implicit?.status, 'failed');
    assert.equal(b.implicit?.message, 'network interface bw-no-such0 does not exist');
    assert.deepEqual(
      bare.service.rules.map((r) => [r.condition.kind, r.action.kind, r.implicit === true]),
      [
        ['link', 'alert', true],
        ['traffic', 'alert', false],
      ],
    );
  });
});

void describe('check network in the rules language', () => {
  void test('its tests elsewhere and wrong units are errors at file:line:col', async () => {
    let errors: string[] = [];
    try {
      await parseRules(
        [
          'check file f with path /f',
          '  if link down then alert',
          '  if changed link then alert',
          'check network n with interface eth0',
          '  if upload > 10 parsecs/s then alert',
          '  if total download > 1 GB in last fortnight then alert',
          '  if saturation > 120% then alert',
          '',
        ].join('\n'),
        'n.rc',
      );
    } catch (e) {
      assert.ok(e instanceof ConfigError);
      errors = e.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);
    }
    assert.deepEqual(errors, [
      "n.rc:2:3: 'link' tests apply to 'check network' only",
      "n.rc:3:3: 'changed link' tests apply to 'check network' only",
      "n.rc:5:18: expected B/s, kB/s, MB/s, GB/s or packets/s after 10, found 'parsecs/s'",
      "n.rc:6:36: expected a time window after the amount (2 hours, day), found 'fortnight'",
      'n.rc:7:19: saturation 120% is out of range (0–100%)',
    ]);
  });
});
