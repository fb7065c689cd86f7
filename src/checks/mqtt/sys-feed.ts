// One kept-open `$SYS` subscription per broker endpoint, shared by every `sys` rule that reads it.
// It keeps the latest value of each numeric topic the rules asked for, and follows
// `$SYS/broker/uptime` ("123 seconds") to learn mosquitto's sys_interval, when the uptime last
// advanced, and how often it went backwards (the broker restarted). The rules judge; this only reads.
import { asFailure, ProbeFailure } from './classify.js';
import type { Clock, Timer } from '../../util/clock.js';
import { systemClock } from '../../util/clock.js';
import { probeClientId, readTlsMaterial, where } from './endpoint.js';
import type { Endpoint } from './endpoint.js';
import { subscribeAll } from './flow.js';
import { describeSuback, isSubackFailure } from './reasons.js';
import { MqttSession } from './session.js';
import { reconnectDelay } from './watch.js';

export const UPTIME_TOPIC = '$SYS/broker/uptime';
/** A PINGREQ this often keeps the connection inside its keep-alive and finds a dead one. */
const PING_MS = 20_000;
const KEEPALIVE_S = 60;
/** Gaps between live uptime updates kept to learn the interval (their median). */
const GAPS_KEPT = 5;

/** The latest value of one topic. */
export interface SysValue {
  readonly value: number;
  readonly raw: string;
  /** Epoch ms of arrival. */
  readonly at: number;
}

const feeds = new Map<string, SysFeed>();

/** The shared feed of EP (created on first use), subscribed to TOPIC too; call release() when done. */
export function acquireSysFeed(ep: Endpoint, timeoutMs: number, topic?: string, clock: Clock = systemClock): SysFeed {
  const key = [ep.host, ep.port, ep.username ?? '', ep.tls ? 'tls' : 'tcp', ep.version].join('|');
  let feed = feeds.get(key);
  if (!feed) {
    feed = new SysFeed(key, ep, timeoutMs, clock);
    feeds.set(key, feed);
  }
  feed.refs++;
  if (topic !== undefined) feed.want(topic);
  return feed;
}

/** A kept-open `$SYS` subscription; see the file comment. */
export class SysFeed {
  refs = 0;
  /** Why the feed has no connection now, or undefined while it has one. */
  down: string | undefined = 'connecting';
  /** Latest uptime in seconds, and the epoch ms when it last grew. */
  uptime: number | undefined;
  advancedAt: number | undefined;
  /** Times the uptime went backwards since the feed started. */
  resets = 0;
  /** Topics the broker refused to let us read, with the SUBACK code in words. */
  readonly refused = new Map<string, string>();
  readonly #values = new Map<string, SysValue>();
  readonly #topics = new Set<string>([UPTIME_TOPIC]);
  readonly #gaps: number[] = [];
  #lastLiveAt: number | undefined;
  #session: MqttSession | undefined;
  #retry: Timer | undefined;
  #ping: Timer | undefined;
  #pingOutstanding = false;
  #attempts = 0;
  #closed = false;

  constructor(
    readonly key: string,
    readonly ep: Endpoint,
    readonly timeoutMs: number,
    /** Time and timers (shared by every rule reading this feed: the first one's). */
    readonly clock: Clock = systemClock,
  ) {
    void this.#connect();
  }

  /** `host:port` of the broker. */
  get where(): string {
    return where(this.ep);
  }

  /** The interval between `$SYS` updates, learned from live uptime messages (median of the last gaps). */
  get intervalMs(): number | undefined {
    if (this.#gaps.length === 0) return undefined;
    const sorted = [...this.#gaps].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
  }

  /** The latest value of TOPIC, if one arrived on the current connection. */
  value(topic: string): SysValue | undefined {
    return this.#values.get(topic);
  }

  /** Adds TOPIC to the subscription (at once when connected). */
  want(topic: string): void {
    if (this.#topics.has(topic)) return;
    this.#topics.add(topic);
    const s = this.#session;
    if (s && s.phase === 'open') void this.#subscribe(s, [topic]).catch((e: unknown) => s.fail(asFailure(e)));
  }

  /** Drops one user; the last one closes the connection with a clean DISCONNECT. */
  release(): void {
    if (--this.refs > 0) return;
    this.#closed = true;
    feeds.delete(this.key);
    this.#retry?.cancel();
    this.#ping?.cancel();
    this.#session?.disconnect();
    this.#session = undefined;
  }

  async #connect(): Promise<void> {
    if (this.#closed) return;
    const s = new MqttSession(this.ep, probeClientId(`${this.ep.clientIdPrefix}s`, this.ep.version));
    this.#session = s;
    const limit = this.clock
      .setTimeout(
        () => s.fail(new ProbeFailure('connect-timeout', `no answer within ${this.timeoutMs} ms`)),
        this.timeoutMs,
      )
      .unref();
    s.onPublish = (p) => this.#onMessage(p.topic, p.payload.toString(), p.retain);
    s.onPingresp = () => (this.#pingOutstanding = false);
    try {
      const material = this.ep.tls ? await readTlsMaterial(this.ep.tls) : undefined;
      await s.connect({ keepaliveS: KEEPALIVE_S, ...(material ? { material } : {}) });
      await this.#subscribe(s, [...this.#topics]);
    } catch (e) {
      s.disconnect();
      return this.#lost(asFailure(e));
    } finally {
      limit.cancel();
    }
    if (this.#closed) return s.disconnect();
    this.down = undefined;
    this.#attempts = 0;
    s.onEnd = (f) => this.#lost(f);
    this.#ping = this.clock
      .setInterval(() => {
        // The previous ping is still unanswered after PING_MS: the connection is dead or hung.
        if (this.#pingOutstanding)
          return s.fail(new ProbeFailure('connect-timeout', `no PINGRESP within ${PING_MS} ms`));
        this.#pingOutstanding = true;
        s.send({ cmd: 'pingreq' });
      }, PING_MS)
      .unref();
  }

  async #subscribe(s: MqttSession, topics: string[]): Promise<void> {
    const codes = await subscribeAll(s, topics, 0);
    codes.forEach((code, i) => {
      const topic = topics[i] ?? '';
      if (isSubackFailure(code)) this.refused.set(topic, describeSuback(code, s.version));
      else this.refused.delete(topic);
    });
  }

  #onMessage(topic: string, raw: string, retained: boolean): void {
    const now = this.clock.now();
    const value = Number.parseFloat(raw);
    this.#values.set(topic, { value, raw, at: now });
    if (topic !== UPTIME_TOPIC || Number.isNaN(value)) return;
    if (this.uptime !== undefined && value < this.uptime) this.resets++;
    if (this.uptime === undefined || value !== this.uptime) this.advancedAt = now;
    this.uptime = value;
    // Only live updates time the interval: a retained one arrives when we subscribe, not when published.
    if (retained) return;
    if (this.#lastLiveAt !== undefined) {
      this.#gaps.push(now - this.#lastLiveAt);
      if (this.#gaps.length > GAPS_KEPT) this.#gaps.shift();
    }
    this.#lastLiveAt = now;
  }

  #lost(f: ProbeFailure): void {
    this.#ping?.cancel();
    this.#ping = undefined;
    this.#pingOutstanding = false;
    this.#session = undefined;
    // Values of a broker we cannot see are not measurements; the uptime is kept to see a restart.
    this.#values.clear();
    this.#lastLiveAt = undefined;
    this.down = f.message;
    if (this.#closed) return;
    this.#retry = this.clock
      .setTimeout(() => void this.#connect(), reconnectDelay(this.#attempts++, f.class_ === 'port-closed'))
      .unref();
  }
}
