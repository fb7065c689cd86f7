// The between-cycles watch of an MQTT port rule: one persistent connection (unique id, clean
// session) asked for an answer every half timeout — a PINGREQ, or for round-trip rules a QoS 0
// message on a private topic — so a hung broker (SIGSTOP: the kernel still accepts TCP, nothing
// answers) is seen one timeout after its last answer instead of at the next cycle. Each cycle's probe
// asks too (askNow), in the wakeup that opens the cycle's own connection: a broker probed every
// second is asked once between cycles. A failure is reported once per episode; then the watch stays
// quiet and reconnects with backoff until a connection works again.
import { generate } from 'mqtt-packet';
import type { Clock, Timer } from '../../util/clock.js';
import { systemClock } from '../../util/clock.js';
import type { RoundTrip } from '../port/syntax.js';
import { asFailure, ProbeFailure } from './classify.js';
import { probeClientId, readTlsMaterial, token } from './endpoint.js';
import type { Endpoint } from './endpoint.js';
import { subscribe } from './flow.js';
import { MqttSession } from './session.js';

/**
 * How long after an answer the next one is asked for: half the timeout, between 100 ms and 1 s. A
 * hang is judged from the last answer ("silent for the whole timeout while asked"), so it is seen
 * between half a timeout and a timeout after the broker froze, and a healthy broker has half the
 * timeout to answer each ask. Each ask costs the daemon two wakeups (timer, answer), which is most
 * of an idle daemon's CPU: no more often than that.
 */
export function watchInterval(timeoutMs: number): number {
  return Math.max(100, Math.min(1_000, Math.round(timeoutMs / 2)));
}
const KEEPALIVE_S = 60;
const DROP_RECONNECT_MS = 100;
const PINGREQ = Buffer.from([0xc0, 0x00]);

/** Wait before reconnect attempt N (from 0): every second for ten seconds, then growing by half a
 *  second to 5 s while the broker stays unreachable. The first retry, and a refused connection (it
 *  costs nothing and means a broker being restarted, typically by us) for ten seconds, come after
 *  250 ms, so a restarted broker is watched again before it can hang unseen. */
export function reconnectDelay(n: number, refused = false): number {
  if (n === 0 || (refused && n < 40)) return 250;
  return n < 10 ? 1_000 : Math.min(1_000 + 500 * (n - 9), 5_000);
}

/** Where a watch is; `up` means a working connection being pinged. */
export type WatchState = 'connecting' | 'up' | 'waiting' | 'closed';

/** A persistent, pinged connection; see the file comment. */
export class MqttWatch {
  #state: WatchState = 'waiting';
  #session: MqttSession | undefined;
  /** A connection worked since the last report: the next failure opens an episode and is reported. */
  #armed = false;
  #connected = false;
  #attempts = 0;
  /** An ask is out and not yet answered. */
  #awaiting = false;
  /** The next ask while none is outstanding, the deadline while one is. */
  #timer: Timer | undefined;
  #retry: Timer | undefined;
  // Encoded once per connection: an answered ping allocates nothing of ours.
  #request: Buffer = PINGREQ;
  #topic: string | undefined;
  /** When the last answer came (or the connection came up), clock time. The timers decide when a
   *  broker is hung; this only says how long ago a cycle's ask follows an answer (clamped: a step of
   *  the wall clock cannot shorten a deadline below timeout − interval). */
  #lastAnswerAt = 0;
  readonly #interval: number;
  readonly #answered = (): void => {
    if (this.#state !== 'up') return;
    this.#awaiting = false;
    this.#lastAnswerAt = this.clock.now();
    this.#plan(this.#interval);
  };

  constructor(
    readonly ep: Endpoint,
    readonly timeoutMs: number,
    readonly report: (f: ProbeFailure) => void,
    readonly roundTrip?: RoundTrip,
    /** Told when the connection comes up or goes away: a drop is the kernel's instant news of a crash. */
    readonly onConnection?: (up: boolean) => void,
    /** Timers and answer times. */
    readonly clock: Clock = systemClock,
  ) {
    this.#interval = watchInterval(timeoutMs);
  }

  /** Where the watch is (for tests and status). */
  get state(): WatchState {
    return this.#state;
  }

  /** True while an ask is unanswered. */
  get awaiting(): boolean {
    return this.#awaiting;
  }

  /** Starts connecting; failures before the first working connection are not reported (the
   *  cycle's probe judges a broker that never answered). */
  start(): void {
    if (this.#state === 'waiting') void this.#connect();
  }

  /** Ends the watch with a clean DISCONNECT. */
  close(): void {
    this.#state = 'closed';
    this.#retry?.cancel();
    this.#teardown();
  }

  async #connect(): Promise<void> {
    this.#state = 'connecting';
    const s = new MqttSession(this.ep, probeClientId(`${this.ep.clientIdPrefix}w`, this.ep.version));
    this.#session = s;
    const limit = this.clock.setTimeout(() => s.fail(connectTimeout(s, this.timeoutMs)), this.timeoutMs).unref();
    try {
      const material = this.ep.tls ? await readTlsMaterial(this.ep.tls) : undefined;
      await s.connect({ keepaliveS: KEEPALIVE_S, ...(material ? { material } : {}) });
      if (this.roundTrip) {
        this.#topic = `${this.roundTrip.topic}/${process.pid}-${token(6)}`;
        await subscribe(s, this.#topic, 0);
        this.#request = generate(
          { cmd: 'publish', topic: this.#topic, payload: Buffer.from('w'), qos: 0, retain: false, dup: false },
          { protocolVersion: this.ep.version },
        );
      }
    } catch (e) {
      this.#session = undefined;
      s.disconnect();
      // Read through the getter: the await above may have seen close().
      if (this.state !== 'closed') this.#failed(asFailure(e));
      return;
    } finally {
      limit.cancel();
    }
    if (this.state === 'closed') return s.disconnect();
    this.#up(s);
  }

  #setConnected(up: boolean): void {
    if (this.#connected === up) return;
    this.#connected = up;
    this.onConnection?.(up);
  }

  #up(s: MqttSession): void {
    this.#state = 'up';
    this.#setConnected(true);
    this.#armed = true;
    this.#attempts = 0;
    this.#awaiting = false;
    const topic = this.#topic;
    if (topic === undefined) s.onPingresp = this.#answered;
    else
      s.onPublish = (p) => {
        if (p.topic === topic) this.#answered();
      };
    s.onEnd = (f) => this.#dropped(f);
    this.#lastAnswerAt = this.clock.now();
    this.#plan(this.#interval);
  }

  /** Asks the broker for an answer now unless a request is outstanding: a cycle's probe calls this
   *  as it opens its own connection, so that the ask shares its wakeup; the next ask between cycles
   *  is then planned from this answer. */
  askNow(): void {
    if (this.#state !== 'up' || this.#awaiting) return;
    const since = this.clock.now() - this.#lastAnswerAt;
    // Answered a moment ago (the watch's own ask fell on the cycle's millisecond): asked already.
    if (since >= 0 && since < this.#interval / 4) return;
    this.#ask(since);
  }

  /** The one timer: the next ask `ms` from now while none is outstanding, else the deadline. */
  #plan(ms: number): void {
    this.#timer?.cancel();
    this.#timer = this.#awaiting
      ? this.clock.setTimeout(() => this.#overdue(), ms).unref()
      : this.clock.setTimeout(() => this.#ask(this.#interval), ms).unref();
  }

  /** Asks, `sinceAnswer` ms after the last answer; the deadline is a timeout after that answer. An
   *  ask late by a stall of brokerwatch's own still gives the broker timeout − interval to answer. */
  #ask(sinceAnswer: number): void {
    if (!this.#session || this.#awaiting) return;
    this.#awaiting = true;
    this.#session.sendRaw(this.#request);
    this.#plan(this.timeoutMs - Math.min(Math.max(0, sinceAnswer), this.#interval));
  }

  #overdue(): void {
    this.#timer = undefined;
    if (!this.#awaiting || this.#state !== 'up') return;
    // Timers run before I/O in Node's loop: after a stall of our own, an answer may be sitting in
    // the socket unread. setImmediate runs after the poll phase has read it.
    setImmediate(() => {
      if (!this.#awaiting || this.#state !== 'up') return;
      const what = this.#topic === undefined ? 'PINGREQ unanswered' : 'round-trip message not delivered';
      const f = new ProbeFailure(
        this.#topic === undefined ? 'connect-timeout' : 'not-delivered',
        `no answer within ${this.timeoutMs} ms (${what}; broker hung?)`,
      );
      this.#teardown();
      this.#failed(f);
    });
  }

  /** The connection ended under us: a quick reconnect tells a dead broker (refused) from a blip,
   *  and its failure, not the drop, is what gets reported. */
  #dropped(_f: ProbeFailure): void {
    if (this.#state !== 'up') return;
    this.#teardown();
    this.#state = 'waiting';
    // A dying broker's sockets close one by one: right away, its listener may still accept and
    // then reset, which would read as a protocol error instead of "refused".
    this.#retry = this.clock.setTimeout(() => void this.#connect(), DROP_RECONNECT_MS).unref();
  }

  #failed(f: ProbeFailure): void {
    if (this.#armed) {
      this.#armed = false;
      this.report(f);
    }
    this.#state = 'waiting';
    this.#retry = this.clock
      .setTimeout(() => void this.#connect(), reconnectDelay(this.#attempts++, f.class_ === 'port-closed'))
      .unref();
  }

  #teardown(): void {
    this.#setConnected(false);
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#awaiting = false;
    const s = this.#session;
    this.#session = undefined;
    if (s) {
      s.onEnd = undefined;
      s.disconnect();
    }
  }
}

/** The failure of a (re)connection that did not finish in time, named by the step it was in. */
function connectTimeout(s: MqttSession, timeoutMs: number): ProbeFailure {
  const what = { tcp: 'no TCP connection', tls: 'TLS handshake not finished', mqtt: 'no CONNACK', open: 'no SUBACK' }[
    s.phase
  ];
  return new ProbeFailure(
    s.phase === 'open' ? 'subscribe-timeout' : 'connect-timeout',
    `no answer within ${timeoutMs} ms (${what})`,
  );
}
