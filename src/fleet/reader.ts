// The reading side of the fleet for `brokerwatch fleet` (src/cli/fleet-command.ts, which loads this
// module, and mqtt.js with it, when the command runs): connect, subscribe to PREFIX/#, take the
// retained messages until they stop coming for a moment; with --watch, stay and report changes.
import { connect } from 'mqtt';
import type { IClientOptions, MqttClient } from 'mqtt';

/** Retained messages come right after the SUBACK; this long without one means all have come. */
const QUIET_MS = 300;
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

/** A connection reading the fleet. */
export interface FleetReader {
  /** Resolves once the retained messages are in: true, or why the broker could not be used. */
  readonly collected: Promise<true | string>;
  /** Keeps reading, calls CHANGED after changes; resolves with why the broker refused us. */
  watch(changed: () => void, lost: (why: string) => void): Promise<string>;
  close(): Promise<void>;
}

/** Connects (reconnecting when WATCH) and starts collecting into SINK. */
export function openFleet(src: FleetSource, sink: FleetSink, watching: boolean): FleetReader {
  // writeCache off: mqtt-packet would otherwise build 65,536 buffers of encoded numbers at the first
  // packet, a tenth of this one-shot command's CPU time.
  const client = connect({ ...src.options, reconnectPeriod: watching ? 1_000 : 0, writeCache: false });
  return {
    collected: collect(client, src, sink),
    watch: (changed, lost) => watch(client, sink, changed, lost),
    close: async () => {
      await client.endAsync(!client.connected).catch(() => undefined);
    },
  };
}

/** Reports changes until the broker refuses us (CONNACK refused after a reconnect). */
function watch(client: MqttClient, sink: FleetSink, changed: () => void, lost: (why: string) => void): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  let down = false;
  let why = 'connection lost';
  client.on('message', (topic, payload) => {
    if (!sink.apply(topic, payload) || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      changed();
    }, SETTLE_MS);
  });
  client.on('offline', () => {
    if (!down) lost(why);
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

/** Connects, subscribes and takes the retained messages; true, or why the broker could not be used. */
function collect(client: MqttClient, args: FleetSource, view: FleetSink): Promise<true | string> {
  return new Promise((resolve) => {
    let quiet: NodeJS.Timeout | undefined;
    let subscribed = false;
    let lastError = 'no answer';
    const restartQuiet = (): void => {
      // One timer re-armed per retained message, not a new one each time (thousands of messages).
      if (quiet) quiet.refresh();
      else quiet = setTimeout(() => done(true), QUIET_MS);
    };
    const onMessage = (topic: string, payload: Buffer, packet: { retain: boolean }): void => {
      view.apply(topic, payload);
      if (packet.retain) restartQuiet();
    };
    const onError = (err: Error): void => {
      lastError = err.message;
      // Waiting does not help a refusal, nor a one-shot client that does not reconnect.
      if (refused(err) || !client.options.reconnectPeriod) done(err.message);
    };
    const done = (r: true | string): void => {
      clearTimeout(deadline);
      clearTimeout(quiet);
      client.off('message', onMessage);
      client.off('error', onError);
      resolve(r);
    };
    const deadline = setTimeout(
      () => done(subscribed ? true : `no connection within ${args.timeoutMs} ms (${lastError})`),
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
        if (err || denied) return done(`subscription to ${args.prefix}/# refused${err ? `: ${err.message}` : ''}`);
        subscribed = true;
        restartQuiet();
      });
    });
  });
}
