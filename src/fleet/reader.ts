// The reading side of the fleet for `brokerwatch fleet` (src/cli/fleet-command.ts, which loads this
// module, and mqtt.js with it, when the command runs): connect, subscribe to PREFIX/#, take the
// retained messages until a marker published after the SUBACK comes back (or, when it does not, until
// they stop coming for a moment); with --watch, stay and report changes.
import { randomBytes } from 'node:crypto';
import { connect } from 'mqtt';
import type { IClientOptions, MqttClient } from 'mqtt';
import { systemClock } from '../util/clock.js';
import type { Clock, Timer } from '../util/clock.js';
import { syncTopic } from './topics.js';

/** Without the marker: this long without a retained message means all have come. */
export const QUIET_MS = 300;
/** --watch: changes this close together are reported once. */
const SETTLE_MS = 100;

/** Where the messages go: true when one changed what is shown. */
export interface FleetSink {
  apply(topic: string, payload: Buffer): boolean;
}

/** What to read. */
export interface FleetSource {
  readonly options: IClientOptions;
  readonly where: string;
  readonly prefix: string;
  readonly timeoutMs: number;
}

/** What ended the first view: the marker came back, QUIET_MS without a retained message, or --timeout. */
export type CollectEnd = 'marker' | 'quiet' | 'timeout';

/** The retained messages are in (and what said so), or why the broker could not be used. */
export type Collected = { readonly ok: true; readonly by: CollectEnd } | { readonly ok: false; readonly why: string };

/** A connection reading the fleet. */
export interface FleetReader {
  /** Resolves once the retained messages are in, or with why the broker could not be used. */
  readonly collected: Promise<Collected>;
  /** Keeps reading, calls CHANGED after changes; resolves with why the broker refused us. */
  watch(changed: () => void, lost: (why: string) => void): Promise<string>;
  close(): Promise<void>;
}

/** Connects (reconnecting when WATCH) and starts collecting into SINK. */
export function openFleet(
  src: FleetSource,
  sink: FleetSink,
  watching: boolean,
  clock: Clock = systemClock,
): FleetReader {
  // writeCache off: mqtt-packet would otherwise build 65,536 buffers of encoded numbers at the first
  // packet, a tenth of this one-shot command's CPU time.
  const client = connect({ ...src.options, reconnectPeriod: watching ? 1_000 : 0, writeCache: false });
  return {
    collected: collect(client, src, sink, clock),
    watch: (changed, lost) => watch(client, sink, clock, { changed, lost }),
    close: async () => {
      await client.endAsync(!client.connected).catch(() => undefined);
    },
  };
}

/** Reports changes until the broker refuses us (CONNACK refused after a reconnect). */
function watch(
  client: MqttClient,
  sink: FleetSink,
  clock: Clock,
  on: { changed: () => void; lost: (why: string) => void },
): Promise<string> {
  let timer: Timer | undefined;
  let down = false;
  let why = 'connection lost';
  client.on('message', (topic, payload) => {
    if (!sink.apply(topic, payload) || timer) return;
    timer = clock.setTimeout(() => {
      timer = undefined;
      on.changed();
    }, SETTLE_MS);
  });
  client.on('offline', () => {
    if (!down) on.lost(why);
    down = true;
  });
  client.on('connect', () => (down = false));
  return new Promise((resolve) => {
    client.on('error', (err) => {
      why = err.message;
      if (refused(err)) {
        client.end(true);
        resolve(err.message);
      }
    });
  });
}

/** A CONNACK refusal (bad credentials, not authorized): mqtt.js gives its reason code. */
function refused(err: Error): boolean {
  return typeof (err as { code?: unknown }).code === 'number';
}

/** Calls FN once QUIET_MS have passed since the last `touch()`: one timer, moved on only when it fires
 *  early (a retained burst is thousands of messages; a timer per message would cost more than they do). */
function quietTimer(clock: Clock, fn: () => void): { touch(): void; cancel(): void } {
  let last = 0;
  let timer: Timer | undefined;
  const fire = (): void => {
    // Capped at QUIET_MS: a wall clock set back must not stretch the wait (--timeout bounds it anyway).
    const left = Math.min(QUIET_MS, QUIET_MS - (clock.now() - last));
    timer = left > 0 ? clock.setTimeout(fire, left) : undefined;
    if (!timer) fn();
  };
  return {
    touch: () => {
      last = clock.now();
      timer ??= clock.setTimeout(fire, QUIET_MS);
    },
    cancel: () => timer?.cancel(),
  };
}

/** Connects, subscribes and takes the retained messages; what ended it, or why the broker could not be used. */
function collect(client: MqttClient, args: FleetSource, view: FleetSink, clock: Clock): Promise<Collected> {
  return new Promise((resolve) => {
    let subscribed = false;
    let lastError = 'no answer';
    // Our own marker, told apart from another reader's by its nonce; the view never sees it.
    const marker = syncTopic(args.prefix, randomBytes(8).toString('hex'));
    const quiet = quietTimer(clock, () => done({ ok: true, by: 'quiet' }));
    const onMessage = (topic: string, payload: Buffer, packet: { retain: boolean }): void => {
      if (topic === marker) return done({ ok: true, by: 'marker' });
      view.apply(topic, payload);
      if (packet.retain) quiet.touch();
    };
    const onError = (err: Error): void => {
      lastError = err.message;
      // Waiting does not help a refusal, nor a one-shot client that does not reconnect.
      if (refused(err) || !client.options.reconnectPeriod) done({ ok: false, why: err.message });
    };
    const done = (r: Collected): void => {
      deadline.cancel();
      quiet.cancel();
      client.off('message', onMessage);
      client.off('error', onError);
      resolve(r);
    };
    const deadline = clock.setTimeout(
      () =>
        done(
          subscribed
            ? { ok: true, by: 'timeout' }
            : { ok: false, why: `no connection within ${args.timeoutMs} ms (${lastError})` },
        ),
      args.timeoutMs,
    );
    client.on('message', onMessage);
    client.on('error', onError);
    client.once('connect', () => {
      // QoS 0: at QoS 1 mosquitto sends 20 messages in flight and queues 1,000 more (its default
      // max_inflight_messages and max_queued_messages), then drops the rest of the retained ones, so
      // a fleet of 250 daemons × 5 services printed as 170. A lost message needs a lost connection,
      // which a reconnect (with --watch) answers with every retained message again.
      client.subscribe(`${args.prefix}/#`, { qos: 0 }, (err, granted) => {
        const denied = granted?.some((g) => g.qos === 128);
        if (err || denied)
          return done({ ok: false, why: `subscription to ${args.prefix}/# refused${err ? `: ${err.message}` : ''}` });
        subscribed = true;
        quiet.touch();
        // mosquitto queues every retained message of a subscription for us while it handles the
        // SUBSCRIBE (handle_subscribe.c: retain__queue, then send__suback; 2.0.11 writes the SUBACK
        // after the first 64 kB of them), and sends what it queued for one client in order: a message
        // published now comes back after all of them (checked with 5,000). A broker whose ACL forbids
        // this publish drops it silently; the quiet timer then ends the wait.
        client.publish(marker, '', { qos: 0, retain: false }, () => undefined);
      });
    });
  });
}
