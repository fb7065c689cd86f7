// The per-cycle MQTT probe of a port rule: CONNECT → CONNACK (monit's meaning), or with `roundtrip`
// SUBSCRIBE to a private topic, PUBLISH a unique non-retained payload at the rule's QoS and wait for
// it to come back, optionally publishing on a second connection. One deadline (the rule's timeout)
// bounds the whole attempt; when it passes, the step that was running names the failure class.
import type { QoS } from 'mqtt-packet';
import { monotonicMs, type Clock, type Timer } from '../../util/clock.js';
import { systemClock } from '../../util/clock.js';
import type { RoundTrip } from '../port/syntax.js';
import type { FailureClass } from '../result.js';
import { asFailure, ProbeFailure } from './classify.js';
import { probeClientId, readTlsMaterial, token } from './endpoint.js';
import type { Endpoint, TlsMaterial } from './endpoint.js';
import { nextMessage, NO_MATCHING_SUBSCRIBERS, publish, subscribe } from './flow.js';
import type { PublishProgress } from './flow.js';
import { describeReason } from './reasons.js';
import { MqttSession } from './session.js';

/** One probe attempt: ok, or the class and message of the step that failed, with step timings. */
export interface ProbeOutcome {
  readonly ok: boolean;
  readonly class?: FailureClass;
  readonly message: string;
  /** connectMs, subscribeMs, publishAckMs, deliveryMs, totalMs: whatever steps were reached. */
  readonly metrics: Record<string, number>;
}

type Step = 'connect' | 'subscribe' | 'publish' | 'deliver';

/** Keep-alive announced by probe connections; they live for one timeout, so it never fires. */
const PROBE_KEEPALIVE_S = 60;
/** A QoS 0 message this late has the broker asked whether it is alive (see #brokerAnswered). */
const HINT_AFTER_MS = 100;

/** Runs one attempt against EP within TIMEOUTMS; never throws. */
export async function mqttProbe(
  ep: Endpoint,
  roundTrip: RoundTrip | undefined,
  timeoutMs: number,
  signal: AbortSignal,
  clock: Clock = systemClock,
): Promise<ProbeOutcome> {
  const a = new Attempt(ep, timeoutMs, signal, clock);
  try {
    const material = ep.tls ? await readTlsMaterial(ep.tls) : undefined;
    const message = roundTrip ? await a.roundTrip(roundTrip, material) : await a.connectOnly(material);
    return { ok: true, message, metrics: a.finish() };
  } catch (e) {
    const f = a.expired ?? asFailure(e);
    return { ok: false, class: f.class_, message: f.message, metrics: a.finish() };
  } finally {
    a.close();
  }
}

/** The state of one attempt: its sessions, its deadline, and which step is running. */
class Attempt {
  step: Step = 'connect';
  expired: ProbeFailure | undefined;
  readonly metrics: Record<string, number> = {};
  readonly #t0 = monotonicMs();
  readonly #sessions: MqttSession[] = [];
  readonly #timer: Timer;
  readonly #onAbort = (): void => this.#end(new ProbeFailure('internal', 'check aborted'));
  /** Set when the broker proved it processed our PUBLISH (ack, or a PINGRESP after it). */
  #brokerAnswered = false;
  readonly #progress: PublishProgress = { awaiting: undefined };
  #hint: Timer | undefined;

  constructor(
    readonly ep: Endpoint,
    readonly timeoutMs: number,
    readonly signal: AbortSignal,
    readonly clock: Clock,
  ) {
    this.#timer = clock.setTimeout(() => this.#end(this.#timeoutFailure()), timeoutMs);
    if (signal.aborted) this.#onAbort();
    else signal.addEventListener('abort', this.#onAbort, { once: true });
  }

  async connectOnly(material: TlsMaterial | undefined): Promise<string> {
    const s = this.#open('');
    await s.connect({ keepaliveS: PROBE_KEEPALIVE_S, ...(material ? { material } : {}) });
    this.metrics.connectMs = s.connectMs ?? 0;
    return 'CONNACK 0';
  }

  async roundTrip(rt: RoundTrip, material: TlsMaterial | undefined): Promise<string> {
    const unique = `${process.pid}-${token(6)}`;
    const topic = `${rt.topic}/${unique}`;
    const payload = Buffer.from(`brokerwatch ${unique} ${this.clock.now()}`);
    const qos = rt.qos as QoS;
    const opts = { keepaliveS: PROBE_KEEPALIVE_S, ...(material ? { material } : {}) };
    const sub = this.#open(rt.separateConnections ? 's' : '');
    const pub = rt.separateConnections ? this.#open('p') : sub;
    await Promise.all(sub === pub ? [sub.connect(opts)] : [sub.connect(opts), pub.connect(opts)]);
    this.metrics.connectMs = Math.max(sub.connectMs ?? 0, pub.connectMs ?? 0);

    this.step = 'subscribe';
    const tSub = monotonicMs();
    const granted = await subscribe(sub, topic, qos);
    this.metrics.subscribeMs = ms(tSub);

    // Registered before publishing: on one connection the message may overtake the PUBACK.
    this.step = 'publish';
    const delivered = nextMessage(sub, topic);
    delivered.catch(() => undefined); // a failure is seen by the await below, or was already thrown
    const tPub = monotonicMs();
    // mosquitto leaves Nagle on and our kernel delays its ACKs (~40 ms), so on an idle subscriber
    // connection the delivery would wait behind the last unacknowledged packet; a PINGREQ sent as
    // the broker can deliver carries that ACK at once.
    const reason = await publish(
      pub,
      topic,
      payload,
      qos,
      this.#progress,
      sub === pub ? undefined : () => sub.send({ cmd: 'pingreq' }),
    );
    if (qos > 0) {
      this.metrics.publishAckMs = ms(tPub);
      this.#brokerAnswered = true;
    } else {
      // A PINGRESP after a QoS 0 PUBLISH proves the broker read it, which tells a silent drop from a
      // hang. Asked only once the message is late: sent at once, the PINGRESP would go out first and
      // hold the delivery behind our delayed ACK on a broker with Nagle on (aedes: +40 ms).
      this.#hint = this.clock.setTimeout(
        () => {
          pub.expect('pingresp').then(
            () => (this.#brokerAnswered = true),
            () => undefined,
          );
          pub.send({ cmd: 'pingreq' });
        },
        Math.min(HINT_AFTER_MS, this.timeoutMs / 2),
      );
    }
    if (reason === NO_MATCHING_SUBSCRIBERS) {
      throw new ProbeFailure(
        'not-delivered',
        `the broker has no subscriber for ${topic} (${describeReason(reason)}): subscription denied by ACL?`,
      );
    }
    this.step = 'deliver';
    const got = await delivered;
    this.metrics.deliveryMs = ms(tPub);
    if (!payload.equals(Buffer.isBuffer(got.payload) ? got.payload : Buffer.from(got.payload))) {
      throw new ProbeFailure('protocol-error', `a different payload came back on the private topic ${topic}`);
    }
    return `round trip at QoS ${qos}${granted < qos ? ` (granted QoS ${granted})` : ''}${rt.separateConnections ? ' over two connections' : ''}`;
  }

  /** Metrics with the total; called once the outcome is known. */
  finish(): Record<string, number> {
    this.metrics.totalMs = ms(this.#t0);
    return this.metrics;
  }

  /** Clean DISCONNECTs, socket teardown, timer and listener released. */
  close(): void {
    this.#timer.cancel();
    this.#hint?.cancel();
    this.signal.removeEventListener('abort', this.#onAbort);
    for (const s of this.#sessions) s.disconnect();
  }

  #open(suffix: string): MqttSession {
    if (this.expired) throw this.expired;
    const s = new MqttSession(this.ep, probeClientId(`${this.ep.clientIdPrefix}${suffix}`, this.ep.version));
    this.#sessions.push(s);
    return s;
  }

  #end(f: ProbeFailure): void {
    if (this.expired) return;
    this.expired = f;
    for (const s of this.#sessions) s.fail(f);
  }

  #timeoutFailure(): ProbeFailure {
    const n = this.timeoutMs;
    switch (this.step) {
      case 'connect': {
        const phase = this.#sessions.find((s) => s.phase !== 'open')?.phase ?? 'tcp';
        const what =
          phase === 'tcp' ? 'no TCP connection' : phase === 'tls' ? 'TLS handshake not finished' : 'no CONNACK';
        return new ProbeFailure('connect-timeout', `${what} within ${n} ms`);
      }
      case 'subscribe':
        return new ProbeFailure('subscribe-timeout', `no SUBACK within ${n} ms`);
      case 'publish':
        return new ProbeFailure('publish-not-acked', `no ${this.#progress.awaiting ?? 'PUBACK'} within ${n} ms`);
      case 'deliver':
        return new ProbeFailure(
          'not-delivered',
          this.#brokerAnswered
            ? `message not delivered within ${n} ms although the broker answered (denied by ACL?)`
            : `message not delivered within ${n} ms`,
        );
    }
  }
}

function ms(since: number): number {
  return Math.round(monotonicMs() - since);
}
