// The MQTT probe of src/checks/mqtt, behind the protocol contract; over a WebSocket, mqtt.js's
// (websocket.ts).
import { endpointOf } from '../../../mqtt/endpoint.js';
import { mqttProbe } from '../../../mqtt/probe.js';
import type { ProbeInput, ProbeOutcome } from '../types.js';
import { probeOverWebSocket } from './websocket.js';

export function probe(input: ProbeInput): Promise<ProbeOutcome> {
  if (input.cond.websocket) return probeOverWebSocket(input);
  const ep = { ...endpointOf(input.cond), host: input.target.host };
  return mqttProbe(ep, input.cond.mqtt?.roundTrip, input.timeoutMs, input.signal, input.clock);
}
