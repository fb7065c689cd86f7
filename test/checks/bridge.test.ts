// `if failed bridge from mqtt://A to mqtt://B …` against real mosquitto brokers: A and B, and a third
// mosquitto (the bridge broker) whose two `connection`s carry brokerwatch/bridge/# from A to B. The
// probe passes through the bridge; with the bridge broker stopped A still accepts the message and B
// never delivers it (`bridge-broken`), which is told apart from either side being unreachable.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { BridgeCondition } from '../../src/checks/bridge/syntax.js';
import { bridgeCheck } from '../../src/checks/bridge/check.js';
import type { CheckResult } from '../../src/checks/result.js';
import { ConfigError, formatDiagnostic } from '../../src/config/diagnostics.js';
import { parseRules } from '../../src/config/loader.js';
import { printConfig } from '../../src/config/printer.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import type { RunningMosquitto } from '../helpers/mosquitto.js';
import { freePort } from '../helpers/ports.js';
import { waitFor } from '../helpers/wait.js';
import { context, noSocketsLeft, openSockets, rule, service } from './fixtures.js';

const LIMIT = { timeout: 60_000 };

/** mosquitto.conf lines of a bridge broker that pulls TOPIC/# from A and pushes it to B. */
function bridgeLines(a: number, b: number): string[] {
  const common = ['cleansession true', 'notifications false', 'restart_timeout 1', 'start_type automatic'];
  return [
    'connection from-a',
    `address 127.0.0.1:${a}`,
    'topic brokerwatch/bridge/# in 1',
    ...common,
    'connection to-b',
    `address 127.0.0.1:${b}`,
    'topic brokerwatch/bridge/# out 1',
    ...common,
  ];
}

function condition(fromPort: number, toPort: number, timeoutMs = 1_500): BridgeCondition {
  return {
    kind: 'bridge',
    from: { host: '127.0.0.1', port: fromPort },
    to: { host: '127.0.0.1', port: toPort },
    topic: 'brokerwatch/bridge',
    qos: 1,
    timeoutMs,
  };
}

async function probe(cond: BridgeCondition): Promise<CheckResult> {
  const r = rule(cond);
  return bridgeCheck(cond).run(context(service([r]), r));
}

async function parse(text: string): Promise<Awaited<ReturnType<typeof parseRules>>> {
  try {
    return await parseRules(text, 'bridge.rc');
  } catch (e) {
    if (e instanceof ConfigError) throw new Error(e.diagnostics.map(formatDiagnostic).join('\n'));
    throw e;
  }
}

void describe('the bridge rule: grammar', () => {
  void test('reads both sides, the topic, QoS and timeout; prints back; masks the passwords', async () => {
    const { config } = await parse(
      [
        'check host pair with address 10.0.0.1',
        '  if failed bridge from mqtt://10.0.0.1:1883 username a password "pw-of-a"',
        '     to mqtts://10.0.0.2 username b password pw-of-b cafile /etc/ssl/ca.pem',
        '     topic "site/bridge" qos 2 with timeout 3 seconds then alert',
        '',
      ].join('\n'),
    );
    const c = config.services[0]?.rules[0]?.condition;
    assert.deepEqual(c, {
      kind: 'bridge',
      from: { host: '10.0.0.1', port: 1883, username: 'a', password: 'pw-of-a' },
      to: {
        host: '10.0.0.2',
        port: 8883,
        tls: { enabled: true, verify: true, caFile: '/etc/ssl/ca.pem' },
        username: 'b',
        password: 'pw-of-b',
      },
      topic: 'site/bridge',
      qos: 2,
      timeoutMs: 3_000,
    });
    const printed = printConfig(config);
    assert.match(printed, /if failed bridge from "mqtt:\/\/10\.0\.0\.1:1883" username a password pw-of-a to "mqtts/);
    assert.deepEqual((await parse(printed)).config.services[0]?.rules[0]?.condition, c);
    const masked = printConfig(config, { maskSecrets: true });
    assert.doesNotMatch(masked, /pw-of-/);
  });

  void test('defaults: topic brokerwatch/bridge, QoS 1, 5 s', async () => {
    const { config } = await parse(
      'check host pair with address 127.0.0.1\n  if failed bridge from mqtt://a to mqtt://b:1884 then alert\n',
    );
    const c = config.services[0]?.rules[0]?.condition as BridgeCondition;
    assert.equal(c.from.port, 1883);
    assert.equal(c.to.port, 1884);
    assert.equal(c.topic, 'brokerwatch/bridge');
    assert.equal(c.qos, 1);
    assert.equal(c.timeoutMs, 5_000);
  });

  for (const [what, text, message] of [
    ['a wildcard topic', 'from mqtt://a to mqtt://b topic "x/#"', /no wildcards/],
    ['credentials in the URL', 'from mqtt://u:p@a to mqtt://b', /username U password P/],
    ['another scheme', 'from http://a to mqtt://b', /expected mqtt:\/\/HOST/],
    ['a missing second broker', 'from mqtt://a', /after 'to', found "then"/],
    ['TLS options on mqtt://', 'from mqtt://a cafile /x to mqtt://b', /must be mqtts/],
  ] as const) {
    void test(`refuses ${what}`, async () => {
      await assert.rejects(
        parseRules(`check host h with address a\n  if failed bridge ${text} then alert\n`, 'x.rc'),
        (e) => {
          assert.ok(e instanceof ConfigError);
          assert.match(e.diagnostics.map(formatDiagnostic).join('\n'), message);
          return true;
        },
      );
    });
  }
});

void describe('the bridge rule against mosquitto', LIMIT, () => {
  let a: RunningMosquitto;
  let b: RunningMosquitto;
  let bridge: RunningMosquitto | undefined;
  before(async () => {
    [a, b] = await Promise.all([startMosquitto(), startMosquitto()]);
    bridge = await startMosquitto({ extraConfig: bridgeLines(a.port, b.port) });
  });
  after(async () => {
    await bridge?.stop();
    await Promise.all([a?.stop(), b?.stop()]);
  });

  void test('a message published on A comes out of B through the bridge broker', async () => {
    const sockets = openSockets();
    // The bridge broker connects its two bridges in its own time: poll until the first pass.
    const ok = await waitFor(
      async () => {
        const r = await probe(condition(a.port, b.port));
        return r.status === 'ok' ? r : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 200, message: 'the bridge never carried a message' },
    );
    assert.match(ok.message, /delivered over the bridge/);
    assert.equal(typeof ok.metrics?.deliveryMs, 'number');
    assert.equal(typeof ok.metrics?.publishAckMs, 'number');
    await noSocketsLeft(sockets);
  });

  void test('B unreachable is port-closed on the receiving side, not bridge-broken', async () => {
    const closed = await freePort();
    const r = await probe(condition(a.port, closed));
    assert.equal(r.status, 'failed');
    assert.equal(r.class, 'port-closed');
    assert.match(r.message, new RegExp(`127\\.0\\.0\\.1:${closed} \\(receiving side\\)`));
  });

  void test('A unreachable is port-closed on the publishing side', async () => {
    const closed = await freePort();
    const r = await probe(condition(closed, b.port));
    assert.equal(r.class, 'port-closed');
    assert.match(r.message, /\(publishing side\)/);
  });

  void test('with the bridge broker stopped, A accepts the message and B never delivers it: bridge-broken', async () => {
    const sockets = openSockets();
    await bridge?.stop();
    bridge = undefined;
    const r = await probe(condition(a.port, b.port, 1_000));
    assert.equal(r.status, 'failed');
    assert.equal(r.class, 'bridge-broken');
    assert.match(r.message, new RegExp(`mqtt://127\\.0\\.0\\.1:${a.port} accepted the message \\(PUBACK\\)`));
    assert.equal(typeof r.metrics?.publishAckMs, 'number', 'A acknowledged the publish');
    await noSocketsLeft(sockets);
  });
});
