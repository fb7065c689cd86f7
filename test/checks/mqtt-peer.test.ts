// Failures mosquitto 2.0 never produces, from a scripted MQTT peer: SUBACK refusals (0x80 in 3.1.1,
// reason codes in 5), PUBACK refusals and missing acknowledgements at every step of QoS 1 and 2,
// "no matching subscribers", and a message that never comes back.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Packet } from 'mqtt-packet';
import { portCheck } from '../../src/checks/port/check.js';
import type { CheckResult } from '../../src/checks/result.js';
import type { Clock } from '../../src/util/clock.js';
import { FakeClock } from '../helpers/fake-clock.js';
import {
  accept,
  context,
  fakeBroker,
  mqttPort,
  noSocketsLeft,
  openSockets,
  roundTrip,
  rule,
  service,
} from './fixtures.js';

const LIMIT = { timeout: 30_000 };
const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

type Answer = (p: Packet, reply: (p: Packet) => void) => void;

/** A round trip at QOS against a peer answering with ANSWER (after accepting the CONNECT). */
async function against(version: 4 | 5, qos: 0 | 1 | 2, answer: Answer, clock?: Clock): Promise<CheckResult> {
  const peer = await fakeBroker(version, (p, reply) => accept(p, reply) || answer(p, reply));
  cleanups.push(peer.close);
  const cond = mqttPort(peer.port, { timeoutMs: 400, mqtt: { version }, roundTrip: roundTrip(qos) });
  const r = rule(cond);
  const baseline = openSockets();
  const result = await portCheck(cond).run(context(service([r]), r, undefined, undefined, clock));
  await noSocketsLeft(baseline);
  return result;
}

/** SUBACK granting what was asked, with CODE instead when given. */
const suback = (p: Packet, reply: (p: Packet) => void, code?: number): void => {
  if (p.cmd === 'subscribe')
    reply({ cmd: 'suback', messageId: p.messageId ?? 0, granted: [code ?? p.subscriptions[0]?.qos ?? 0] });
};

void test('SUBACK 0x80 on 3.1.1 → subscribe-refused', LIMIT, async (t) => {
  const r = await against(4, 1, (p, reply) => suback(p, reply, 0x80));
  t.diagnostic(r.message);
  assert.equal(r.class, 'subscribe-refused');
  assert.match(r.message, /code 128 \(failure\).*denied by ACL\?/);
});

void test('SUBACK 135 on MQTT 5 → subscribe-refused, "not authorized"', LIMIT, async () => {
  const r = await against(5, 1, (p, reply) => suback(p, reply, 0x87));
  assert.equal(r.class, 'subscribe-refused');
  assert.match(r.message, /code 135 \(not authorized\)/);
});

for (const [qos, step] of [
  [1, 'PUBACK'],
  [2, 'PUBREC'],
  [2, 'PUBCOMP'],
] as const) {
  void test(`QoS ${qos}: no ${step} → publish-not-acked`, LIMIT, async () => {
    const r = await against(4, qos, (p, reply) => {
      suback(p, reply);
      if (step === 'PUBCOMP' && p.cmd === 'publish') reply({ cmd: 'pubrec', messageId: p.messageId ?? 0 });
    });
    assert.equal(r.class, 'publish-not-acked');
    assert.match(r.message, new RegExp(`no ${step} within 400 ms`));
  });
}

void test('PUBACK 135 on MQTT 5 → publish-not-acked, "not authorized"', LIMIT, async () => {
  const r = await against(5, 1, (p, reply) => {
    suback(p, reply);
    if (p.cmd === 'publish') reply({ cmd: 'puback', messageId: p.messageId ?? 0, reasonCode: 0x87 });
  });
  assert.equal(r.class, 'publish-not-acked');
  assert.match(r.message, /code 135 \(not authorized\)/);
});

void test('PUBACK 16 "no matching subscribers" on MQTT 5 → not-delivered at once', LIMIT, async () => {
  // On a clock that never moves: the answer comes from the PUBACK, not from a timeout.
  const r = await against(
    5,
    1,
    (p, reply) => {
      suback(p, reply);
      if (p.cmd === 'publish') reply({ cmd: 'puback', messageId: p.messageId ?? 0, reasonCode: 0x10 });
    },
    new FakeClock(),
  );
  assert.equal(r.class, 'not-delivered');
  assert.match(r.message, /no matching subscribers/);
});

void test('acknowledged but never delivered → not-delivered, "denied by ACL?"', LIMIT, async () => {
  const r = await against(4, 1, (p, reply) => {
    suback(p, reply);
    if (p.cmd === 'publish') reply({ cmd: 'puback', messageId: p.messageId ?? 0 });
  });
  assert.equal(r.class, 'not-delivered');
  assert.match(r.message, /denied by ACL\?/);
});

void test('silence after SUBACK at QoS 0 → not-delivered, with no ACL guess', LIMIT, async () => {
  const r = await against(4, 0, suback);
  assert.equal(r.class, 'not-delivered');
  assert.doesNotMatch(r.message, /ACL/);
});

void test('the message comes back → ok (the peer is a tiny broker)', LIMIT, async () => {
  const r = await against(4, 1, (p, reply) => {
    suback(p, reply);
    if (p.cmd === 'publish') {
      reply({ cmd: 'puback', messageId: p.messageId ?? 0 });
      reply({ cmd: 'publish', topic: p.topic, payload: p.payload, qos: 1, messageId: 9, retain: false, dup: false });
    }
  });
  assert.equal(r.status, 'ok', r.message);
});
