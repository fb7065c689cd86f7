// monit's MQTT test as a function: CONNECT with a unique client id and a clean session (never
// taking over a real client's session), CONNACK 0 within the deadline, then a clean DISCONNECT.
// Kept for callers outside the port check; the probe itself lives in mqtt/.
import { endpointOf } from './mqtt/endpoint.js';
import type { PortCondition } from './mqtt/endpoint.js';
import { mqttProbe } from './mqtt/probe.js';
import type { ProbeOutcome } from './mqtt/probe.js';

export { probeClientId } from './mqtt/endpoint.js';

/** One CONNECT → CONNACK round against the rule's endpoint, classified; never throws. */
export function mqttConnectProbe(cond: PortCondition, signal: AbortSignal): Promise<ProbeOutcome> {
  return mqttProbe(endpointOf(cond), undefined, cond.timeoutMs, signal);
}
