// The daemon's one connection to the fleet broker: mqtt.js with a last will, and reconnects with a
// growing, jittered delay (mqtt.js's own retry is a fixed interval: a fleet of daemons would all
// knock on a restarted broker at once, every second, for as long as it is down). Nothing here
// waits for the broker: publishing while disconnected is refused, and the owner republishes on
// `up`. A new mqtt.js client per attempt keeps the state simple: one client, one session.
import { randomBytes } from 'node:crypto';
import { readFile } from '../util/fs-async.js';
import { connect } from 'mqtt';
import type { IClientOptions, MqttClient } from 'mqtt';
import type { Logger } from '../util/logger.js';
import type { Clock, Timer } from '../util/clock.js';
import type { FleetSettings } from './syntax.js';
import { fleetUrl } from './syntax.js';

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 30_000;

export interface FleetConnectionEvents {
  /** Connected (CONNACK 0), after a start or a reconnect. */
  up(): void;
  /** A message of a subscription made with subscribe(). */
  message?(topic: string, payload: Buffer, retained: boolean): void;
}

/** One publication. */
export interface Message {
  readonly topic: string;
  readonly payload: string;
  readonly retain: boolean;
}

export class FleetConnection {
  #client: MqttClient | undefined;
  #retry: Timer | undefined;
  #failures = 0;
  #closed = false;
  /** Why the last attempt failed, logged once per outage. */
  #down: string | undefined;

  constructor(
    private readonly settings: FleetSettings,
    private readonly will: Message,
    private readonly clientId: string,
    private readonly on: FleetConnectionEvents,
    private readonly log: Logger,
    private readonly clock: Clock,
  ) {}

  get connected(): boolean {
    return this.#client?.connected === true;
  }

  /** Starts the first attempt; never waits for it. */
  open(): void {
    void this.#attempt();
  }

  /** Publishes at QoS 1 when connected; false (nothing sent) otherwise. */
  publish(m: Message): boolean {
    const client = this.#client;
    if (!client?.connected) return false;
    client.publish(m.topic, m.payload, { qos: 1, retain: m.retain }, (err) => {
      if (err && !this.#closed) this.log.debug({ err, topic: m.topic }, 'fleet publish failed');
    });
    return true;
  }

  /** Subscribes (QoS 0) on the current connection; a reconnect forgets it. */
  subscribe(topic: string): void {
    this.#client?.subscribe(topic, { qos: 0 }, () => undefined);
  }

  unsubscribe(topic: string): void {
    if (this.#client?.connected) this.#client.unsubscribe(topic, () => undefined);
  }

  /** Sends LAST (the goodbye) if connected and waits for its PUBACK within the timeout, then disconnects. */
  async close(last?: Message): Promise<void> {
    this.#closed = true;
    this.#retry?.cancel();
    const client = this.#client;
    if (!client) return;
    if (last && client.connected) {
      const deadline = AbortSignal.timeout(this.settings.timeoutMs || 1_000);
      await Promise.race([
        client.publishAsync(last.topic, last.payload, { qos: 1, retain: last.retain }).catch(() => undefined),
        new Promise((resolve) => deadline.addEventListener('abort', resolve, { once: true })),
      ]);
    }
    await new Promise<void>((resolve) => client.end(!client.connected, {}, () => resolve()));
  }

  async #options(): Promise<IClientOptions> {
    const s = this.settings;
    const tls = s.tls;
    const file = async (path: string | undefined): Promise<Buffer | undefined> =>
      path === undefined ? undefined : readFile(path);
    const [ca, cert, key] = tls ? await Promise.all([file(tls.caFile), file(tls.certFile), file(tls.keyFile)]) : [];
    return {
      host: s.host,
      port: s.port,
      protocol: tls ? 'mqtts' : 'mqtt',
      clientId: this.clientId,
      clean: true,
      keepalive: Math.round(s.keepaliveMs / 1000),
      connectTimeout: s.timeoutMs || 1_000,
      // Our own reconnects, see the file comment.
      reconnectPeriod: 0,
      will: { topic: this.will.topic, payload: Buffer.from(this.will.payload), qos: 1, retain: this.will.retain },
      ...(s.username !== undefined ? { username: s.username } : {}),
      ...(s.password !== undefined ? { password: s.password } : {}),
      ...(tls
        ? {
            rejectUnauthorized: tls.verify,
            ...(ca ? { ca } : {}),
            ...(cert ? { cert } : {}),
            ...(key ? { key } : {}),
            ...(tls.serverName !== undefined ? { servername: tls.serverName } : {}),
          }
        : {}),
    };
  }

  async #attempt(): Promise<void> {
    this.#retry = undefined;
    if (this.#closed) return;
    let opts: IClientOptions;
    try {
      // Read per attempt, so that a renewed certificate is used at the next reconnect.
      opts = await this.#options();
    } catch (err) {
      this.#failed(`cannot read the TLS files: ${(err as Error).message}`);
      return;
    }
    if (this.#closed) return;
    const client = connect(opts);
    this.#client = client;
    let why: string | undefined;
    client.on('error', (err) => (why = err.message));
    client.on('message', (topic, payload, packet) => this.on.message?.(topic, payload, packet.retain));
    client.on('connect', () => {
      if (this.#down !== undefined || this.#failures > 0)
        this.log.info({ fleet: fleetUrl(this.settings) }, 'fleet broker connected again');
      else this.log.info({ fleet: fleetUrl(this.settings) }, 'fleet broker connected');
      this.#failures = 0;
      this.#down = undefined;
      this.on.up();
    });
    client.once('close', () => {
      client.removeAllListeners();
      // A late 'error' of a dead client must not crash the daemon.
      client.on('error', () => undefined);
      if (!this.#closed) this.#failed(why ?? 'connection closed');
    });
  }

  #failed(why: string): void {
    if (this.#down === undefined)
      this.log.warn(
        { fleet: fleetUrl(this.settings), err: why },
        'fleet broker unreachable; status is published again when it is back',
      );
    this.#down = why;
    const base = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** this.#failures);
    this.#failures++;
    // Up to a quarter more, at random: daemons that lost the broker together do not return together.
    const delay = base + Math.floor(((base / 4) * (randomBytes(1)[0] ?? 0)) / 256);
    this.#retry = this.clock.setTimeout(() => void this.#attempt(), delay);
  }
}
