// MQTT inside a WebSocket (`protocol mqtt over websocket`): mqtt.js's client, which speaks
// `ws://`/`wss://` itself (the `mqtt` subprotocol, binary frames), for CONNECT → CONNACK and the
// round trip, with the steps, timings and failure classes of the TCP probe (src/checks/mqtt/probe.ts).
// No reconnects: one attempt under the rule's deadline, every client ended whatever the outcome.
import { randomBytes } from 'node:crypto';
import type { IClientOptions, MqttClient } from 'mqtt';
import type { ClientOptions, WebSocket as WsSocket } from 'ws';
import { asFailure, ProbeFailure, socketFailure } from '../../../mqtt/classify.js';
import { probeClientId, readTlsMaterial } from '../../../mqtt/endpoint.js';
import { describeConnack } from '../../../mqtt/reasons.js';
import type { MqttVersion } from '../../../mqtt/reasons.js';
import type { RoundTrip } from '../../syntax.js';
import type { ProbeInput, ProbeOutcome } from '../types.js';
import { monotonicMs } from '../../../../util/clock.js';

type Step = 'connect' | 'subscribe' | 'publish' | 'deliver';

/** The class and words of a deadline passed during STEP. */
const TIMEOUTS: Readonly<Record<Step, readonly [ProbeFailure['class_'], string]>> = {
  connect: ['connect-timeout', 'no CONNACK over the WebSocket'],
  subscribe: ['subscribe-timeout', 'no SUBACK'],
  publish: ['publish-not-acked', 'no PUBACK'],
  deliver: ['not-delivered', 'message not delivered'],
};

/** What mqtt.js reports, classified: a refused CONNECT, socket errors. */
function classify(e: Error & { code?: unknown }, version: MqttVersion): ProbeFailure {
  if (typeof e.code === 'number')
    return new ProbeFailure('connack-refused', `CONNACK refused: ${describeConnack(e.code, version)}`);
  if (typeof e.code === 'string') return socketFailure(e as NodeJS.ErrnoException, 'open');
  return new ProbeFailure('protocol-error', `MQTT over WebSocket: ${e.message}`);
}

/** The URL and mqtt.js options of the rule. */
async function clientOptions(input: ProbeInput, suffix: string): Promise<{ url: string; opts: IClientOptions }> {
  const { cond, target } = input;
  const m = cond.mqtt;
  const version = m?.version ?? 4;
  const tls = target.tls;
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  const url = `${tls ? 'wss' : 'ws'}://${host}:${target.port}${cond.websocket?.request ?? '/'}`;
  const material = tls ? await readTlsMaterial(tls) : {};
  const opts: IClientOptions = {
    protocolVersion: version,
    ...(version === 3 ? { protocolId: 'MQIsdp' as const } : {}),
    clientId: probeClientId(`${m?.clientIdPrefix ?? 'brokerwatch'}${suffix}`, version),
    clean: true,
    keepalive: 60,
    reconnectPeriod: 0,
    connectTimeout: input.timeoutMs,
    ...(m?.username !== undefined ? { username: m.username } : {}),
    ...(m?.password !== undefined ? { password: m.password } : {}),
    wsOptions: {
      ...(target.family ? { family: target.family } : {}),
      ...(tls ? { rejectUnauthorized: tls.verify, ...material } : {}),
      ...(tls?.serverName !== undefined ? { servername: tls.serverName } : {}),
    },
  };
  return { url, opts };
}

/** One attempt's clients, step and deadline. */
class Attempt {
  step: Step = 'connect';
  readonly metrics: Record<string, number> = {};
  readonly clients: MqttClient[] = [];
  readonly failed: Promise<never>;
  #fail: (f: ProbeFailure) => void = () => undefined;

  constructor(readonly input: ProbeInput) {
    this.failed = new Promise<never>((_resolve, reject) => (this.#fail = reject));
    this.failed.catch(() => undefined);
  }

  fail(f: ProbeFailure): void {
    this.#fail(f);
  }

  timeout(): ProbeFailure {
    const [cls, what] = TIMEOUTS[this.step];
    return new ProbeFailure(cls, `${what} within ${this.input.timeoutMs} ms`);
  }

  /** P, or the attempt's failure if that comes first. */
  race<T>(p: Promise<T>): Promise<T> {
    return Promise.race([p, this.failed]);
  }

  async connect(suffix: string): Promise<MqttClient> {
    const [{ connect }, { WebSocket }] = await Promise.all([import('mqtt'), import('ws')]);
    const { url, opts } = await this.race(clientOptions(this.input, suffix));
    const version = (opts.protocolVersion ?? 4) as MqttVersion;
    const t = monotonicMs();
    // Our own WebSocket, for what mqtt.js does not pass on: the handshake's time and its answer
    // when it is not 101 (mqtt.js drops errors without a code, leaving a bare close).
    const createWebsocket = (u: string, protocols: string[], o: IClientOptions): WsSocket => {
      const sock = new WebSocket(u, protocols, o.wsOptions as ClientOptions);
      sock.once('upgrade', () => (this.metrics.firstByteMs ??= Math.round(monotonicMs() - t)));
      sock.once('unexpected-response', (req, res) => {
        this.fail(
          new ProbeFailure(
            'protocol-error',
            `WebSocket handshake answered HTTP ${res.statusCode ?? 0}, not 101 (not an MQTT WebSocket listener at this path?)`,
          ),
        );
        req.destroy();
      });
      sock.on('error', (e: Error & { code?: unknown }) => {
        if (e.code === undefined) this.fail(new ProbeFailure('protocol-error', `WebSocket: ${e.message}`));
      });
      return sock;
    };
    const client = connect(url, { ...opts, createWebsocket });
    this.clients.push(client);
    client.on('error', (e) => this.fail(classify(e, version)));
    client.on('close', () => this.fail(new ProbeFailure('port-closed', `connection closed during ${this.step}`)));
    await this.race(new Promise<void>((resolve) => client.once('connect', () => resolve())));
    return client;
  }

  /** Ends every client at once: the probe is over. */
  close(): void {
    for (const c of this.clients) {
      c.removeAllListeners('close');
      c.on('error', () => undefined);
      c.end(true);
    }
  }
}

async function roundTrip(a: Attempt, sub: MqttClient, pub: MqttClient, rt: RoundTrip): Promise<string> {
  const topic = `${rt.topic}/${process.pid}-${randomBytes(6).toString('hex')}`;
  const payload = Buffer.from(`brokerwatch ${topic} ${a.input.clock.now()}`);
  a.step = 'subscribe';
  const t = monotonicMs();
  const granted = await a.race(
    new Promise<number>((resolve, reject) =>
      sub.subscribe(topic, { qos: rt.qos }, (e, g) => (e ? reject(classify(e, 4)) : resolve(g?.[0]?.qos ?? 128))),
    ),
  );
  if (granted >= 128)
    throw new ProbeFailure('subscribe-refused', `SUBACK refused the subscription to ${topic} (code ${granted})`);
  a.metrics.subscribeMs = Math.round(monotonicMs() - t);
  a.step = 'publish';
  const delivered = new Promise<Buffer>((resolve) =>
    sub.on('message', (got, p: Buffer) => (got === topic ? resolve(p) : undefined)),
  );
  const tPub = monotonicMs();
  await a.race(
    new Promise<void>((resolve, reject) =>
      pub.publish(topic, payload, { qos: rt.qos }, (e) => (e ? reject(classify(e, 4)) : resolve())),
    ),
  );
  if (rt.qos > 0) a.metrics.publishAckMs = Math.round(monotonicMs() - tPub);
  a.step = 'deliver';
  const got = await a.race(delivered);
  a.metrics.deliveryMs = Math.round(monotonicMs() - tPub);
  if (!payload.equals(got)) throw new ProbeFailure('protocol-error', `a different payload came back on ${topic}`);
  return `round trip at QoS ${rt.qos} over WebSocket${granted < rt.qos ? ` (granted QoS ${granted})` : ''}${sub === pub ? '' : ' over two connections'}`;
}

/** One attempt over the WebSocket; never throws. */
export async function probeOverWebSocket(input: ProbeInput): Promise<ProbeOutcome> {
  const a = new Attempt(input);
  const t0 = monotonicMs();
  const timer = input.clock.setTimeout(() => a.fail(a.timeout()), input.timeoutMs);
  const onAbort = (): void => a.fail(new ProbeFailure('internal', 'check aborted'));
  input.signal.addEventListener('abort', onAbort, { once: true });
  try {
    if (input.signal.aborted) onAbort();
    const rt = input.cond.mqtt?.roundTrip;
    const two = rt?.separateConnections === true;
    const [sub, pub] = await Promise.all(two ? [a.connect('s'), a.connect('p')] : [a.connect('')]);
    a.metrics.connectMs = Math.round(monotonicMs() - t0);
    const message = rt && sub ? await roundTrip(a, sub, pub ?? sub, rt) : 'CONNACK 0 over WebSocket';
    return { ok: true, message, metrics: { ...a.metrics, totalMs: Math.round(monotonicMs() - t0) } };
  } catch (e) {
    const f = asFailure(e);
    return {
      ok: false,
      class: f.class_,
      message: f.message,
      metrics: { ...a.metrics, totalMs: Math.round(monotonicMs() - t0) },
    };
  } finally {
    timer.cancel();
    input.signal.removeEventListener('abort', onAbort);
    a.close();
  }
}
