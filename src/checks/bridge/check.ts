// The bridge probe: subscribe on broker B to a unique topic under the rule's prefix, publish a unique
// payload on broker A, and wait for it on B. One deadline (the rule's timeout) bounds it all. Either
// side failing on its own (refused, timed out, CONNACK refused) keeps that step's class and names
// the side; A accepting the message (PUBACK) and B never delivering it is `bridge-broken`.
import type { QoS } from 'mqtt-packet';
import { monotonicMs, type Clock, type Timer } from '../../util/clock.js';
import { systemClock } from '../../util/clock.js';
import type { CheckFactory } from '../kind.js';
import { asFailure, ProbeFailure } from '../mqtt/classify.js';
import { probeClientId, readTlsMaterial, token } from '../mqtt/endpoint.js';
import type { Endpoint } from '../mqtt/endpoint.js';
import { nextMessage, publish, subscribe } from '../mqtt/flow.js';
import { MqttSession } from '../mqtt/session.js';
import type { CheckResult } from '../result.js';
import type { CheckContext, SampledCheck } from '../types.js';
import type { BridgeCondition, BridgeEnd } from './syntax.js';
import { endUrl } from './syntax.js';

/** Keep-alive announced by probe connections; they live for one timeout, so it never fires. */
const KEEPALIVE_S = 60;

export const check: CheckFactory<BridgeCondition> = (cond) => bridgeCheck(cond);

/** The check of one bridge rule. */
export function bridgeCheck(cond: BridgeCondition): SampledCheck {
  return { run: (ctx) => runBridge(cond, ctx) };
}

function endpoint(e: BridgeEnd): Endpoint {
  return {
    host: e.host,
    port: e.port,
    ...(e.tls ? { tls: e.tls } : {}),
    version: 4,
    clientIdPrefix: 'brokerwatch-bridge',
    ...(e.username !== undefined ? { username: e.username } : {}),
    ...(e.password !== undefined ? { password: e.password } : {}),
  };
}

type Step = 'connect' | 'subscribe' | 'publish' | 'deliver';

/** A failure of one side: its class, its message prefixed with the side. */
function onSide(side: 'from' | 'to', cond: BridgeCondition, e: unknown): ProbeFailure {
  const f = asFailure(e);
  const url = endUrl(side === 'from' ? cond.from : cond.to);
  const role = side === 'from' ? 'publishing side' : 'receiving side';
  return f.message.startsWith(`${url} `) ? f : new ProbeFailure(f.class_, `${url} (${role}): ${f.message}`);
}

/** One attempt; never throws. */
async function runBridge(cond: BridgeCondition, ctx: CheckContext): Promise<CheckResult> {
  const clock: Clock = ctx.clock ?? systemClock;
  const t0 = monotonicMs();
  const metrics: Record<string, number> = {};
  const sub = new MqttSession(endpoint(cond.to), probeClientId('brokerwatch-bridge-to'));
  const pub = new MqttSession(endpoint(cond.from), probeClientId('brokerwatch-bridge-from'));
  const state: { step: Step; expired?: ProbeFailure } = { step: 'connect' };
  const end = (f: ProbeFailure): void => {
    if (state.expired) return;
    state.expired = f;
    sub.fail(f);
    pub.fail(f);
  };
  const timer: Timer = clock.setTimeout(() => end(timeoutFailure(cond, state.step, sub)), cond.timeoutMs);
  const onAbort = (): void => end(new ProbeFailure('internal', 'check aborted'));
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  try {
    const message = await roundTrip(cond, sub, pub, state, metrics);
    return { ruleId: ctx.rule.id, status: 'ok', message, metrics: { ...metrics, totalMs: ms(t0) } };
  } catch (e) {
    const f = state.expired ?? asFailure(e);
    return {
      ruleId: ctx.rule.id,
      status: 'failed',
      class: f.class_,
      message: f.message,
      metrics: { ...metrics, totalMs: ms(t0) },
    };
  } finally {
    timer.cancel();
    ctx.signal.removeEventListener('abort', onAbort);
    sub.disconnect();
    pub.disconnect();
  }
}

async function connectSide(cond: BridgeCondition, side: 'from' | 'to', s: MqttSession): Promise<void> {
  try {
    const tls = (side === 'from' ? cond.from : cond.to).tls;
    const material = tls ? await readTlsMaterial(tls) : undefined;
    await s.connect({ keepaliveS: KEEPALIVE_S, ...(material ? { material } : {}) });
  } catch (e) {
    throw onSide(side, cond, e);
  }
}

async function roundTrip(
  cond: BridgeCondition,
  sub: MqttSession,
  pub: MqttSession,
  state: { step: Step },
  metrics: Record<string, number>,
): Promise<string> {
  const unique = `${process.pid}-${token(6)}`;
  const topic = `${cond.topic}/${unique}`;
  const payload = Buffer.from(`brokerwatch bridge ${unique}`);
  const qos = cond.qos as QoS;
  await Promise.all([connectSide(cond, 'to', sub), connectSide(cond, 'from', pub)]);
  metrics.connectMs = Math.max(sub.connectMs ?? 0, pub.connectMs ?? 0);

  state.step = 'subscribe';
  const tSub = monotonicMs();
  await subscribe(sub, topic, qos).catch((e: unknown) => Promise.reject(onSide('to', cond, e)));
  metrics.subscribeMs = ms(tSub);

  state.step = 'publish';
  const delivered = nextMessage(sub, topic);
  delivered.catch(() => undefined); // seen by the await below, or the publish failed first
  const tPub = monotonicMs();
  await publish(pub, topic, payload, qos).catch((e: unknown) => Promise.reject(onSide('from', cond, e)));
  if (qos > 0) metrics.publishAckMs = ms(tPub);

  state.step = 'deliver';
  const got = await delivered.catch((e: unknown) => Promise.reject(onSide('to', cond, e)));
  metrics.deliveryMs = ms(tPub);
  const body = Buffer.isBuffer(got.payload) ? got.payload : Buffer.from(got.payload);
  if (!payload.equals(body)) throw new ProbeFailure('protocol-error', `a different payload came back on ${topic}`);
  return `${endUrl(cond.from)} → ${endUrl(cond.to)}: delivered over the bridge at QoS ${qos}`;
}

/** The deadline passed: the running step names the class and the side. */
function timeoutFailure(cond: BridgeCondition, step: Step, sub: MqttSession): ProbeFailure {
  const n = cond.timeoutMs;
  const from = endUrl(cond.from);
  const to = endUrl(cond.to);
  switch (step) {
    case 'connect': {
      const late = sub.phase !== 'open' ? `${to} (receiving side)` : `${from} (publishing side)`;
      return new ProbeFailure('connect-timeout', `${late}: no CONNACK within ${n} ms`);
    }
    case 'subscribe':
      return new ProbeFailure('subscribe-timeout', `${to} (receiving side): no SUBACK within ${n} ms`);
    case 'publish':
      return new ProbeFailure('publish-not-acked', `${from} (publishing side): no PUBACK within ${n} ms`);
    case 'deliver':
      return new ProbeFailure(
        'bridge-broken',
        `${from} accepted the message${cond.qos > 0 ? ' (PUBACK)' : ''} but ${to} did not deliver it within ${n} ms: is the bridge connected, and does it forward ${cond.topic}/#?`,
      );
  }
}

function ms(since: number): number {
  return Math.round(monotonicMs() - since);
}
