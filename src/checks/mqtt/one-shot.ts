// One probe outside the daemon, for `brokerwatch probe URL`: the same attempt a port rule's
// `protocol mqtt [roundtrip]` runs each cycle (probe.ts), from a target the command line described.
import { mqttProbe } from './probe.js';
import type { ProbeOutcome } from './probe.js';
import { monotonicMs } from '../../util/clock.js';

/** What to probe and how; built by the CLI from a URL and its options. */
export interface OneShotTarget {
  readonly host: string;
  readonly port: number;
  /** mqtts:// and wss://; `verify: false` is --insecure. */
  readonly tls?: { readonly verify: boolean; readonly caFile?: string };
  /** ws:// and wss://: the HTTP path of the upgrade. */
  readonly websocketPath?: string;
  readonly username?: string;
  readonly password?: string;
  /** With a round trip at this QoS; without, CONNECT → CONNACK only. */
  readonly roundTripQos?: 0 | 1 | 2;
  readonly timeoutMs: number;
}

/** Topic prefix of the round trip; each run adds a unique suffix (no retained message can answer). */
const TOPIC = 'brokerwatch/probe';

/** Runs the probe once; never throws. `totalMs` has a tenth of a millisecond (a local broker answers
 *  in about one), the other steps whole milliseconds, as the daemon keeps them. */
export async function probeOnce(t: OneShotTarget): Promise<ProbeOutcome> {
  const endpoint = {
    host: t.host,
    port: t.port,
    version: 4 as const,
    clientIdPrefix: 'brokerwatch-probe',
    ...(t.tls ? { tls: { enabled: true, ...t.tls } } : {}),
    ...(t.websocketPath !== undefined ? { websocket: { path: t.websocketPath } } : {}),
    ...(t.username !== undefined ? { username: t.username } : {}),
    ...(t.password !== undefined ? { password: t.password } : {}),
  };
  const roundTrip =
    t.roundTripQos !== undefined ? { qos: t.roundTripQos, topic: TOPIC, separateConnections: false } : undefined;
  const t0 = monotonicMs();
  const outcome = await mqttProbe(endpoint, roundTrip, t.timeoutMs, new AbortController().signal);
  const totalMs = Math.round((monotonicMs() - t0) * 10) / 10;
  return { ...outcome, metrics: { ...outcome.metrics, totalMs } };
}
