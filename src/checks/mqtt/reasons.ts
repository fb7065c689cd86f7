// MQTT return and reason codes as words a user can act on: CONNACK refusals, SUBACK and PUBACK
// failures. 3.1/3.1.1 have their own small CONNACK table; MQTT 5 shares one table for every packet
// (OASIS MQTT 5.0 §2.4, "Reason Code").

/** MQTT 3.1 and 3.1.1 CONNACK return codes (3.1.1 §3.2.2.3). */
const CONNACK_V3: Readonly<Record<number, string>> = {
  0: 'accepted',
  1: 'unacceptable protocol version',
  2: 'client identifier rejected',
  3: 'server unavailable',
  4: 'bad user name or password',
  5: 'not authorized',
};

/** MQTT 5 reason codes, shared by CONNACK, SUBACK, PUBACK, PUBREC, PUBCOMP and DISCONNECT. */
const REASON_V5: Readonly<Record<number, string>> = {
  0: 'success',
  1: 'granted QoS 1',
  2: 'granted QoS 2',
  4: 'disconnect with will message',
  16: 'no matching subscribers',
  17: 'no subscription existed',
  24: 'continue authentication',
  25: 're-authenticate',
  128: 'unspecified error',
  129: 'malformed packet',
  130: 'protocol error',
  131: 'implementation specific error',
  132: 'unsupported protocol version',
  133: 'client identifier not valid',
  134: 'bad user name or password',
  135: 'not authorized',
  136: 'server unavailable',
  137: 'server busy',
  138: 'banned',
  139: 'server shutting down',
  140: 'bad authentication method',
  141: 'keep alive timeout',
  142: 'session taken over',
  143: 'topic filter invalid',
  144: 'topic name invalid',
  145: 'packet identifier in use',
  146: 'packet identifier not found',
  147: 'receive maximum exceeded',
  148: 'topic alias invalid',
  149: 'packet too large',
  150: 'message rate too high',
  151: 'quota exceeded',
  152: 'administrative action',
  153: 'payload format invalid',
  154: 'retain not supported',
  155: 'QoS not supported',
  156: 'use another server',
  157: 'server moved',
  158: 'shared subscriptions not supported',
  159: 'connection rate exceeded',
  160: 'maximum connect time',
  161: 'subscription identifiers not supported',
  162: 'wildcard subscriptions not supported',
};

export type MqttVersion = 3 | 4 | 5;

/** `code 5 (not authorized)`: a CONNACK return code (3.1/3.1.1) or reason code (5) in words. */
export function describeConnack(code: number, version: MqttVersion): string {
  // A 3.1.1-only broker answers an MQTT 5 CONNECT with a 3.1.1 code (1: unacceptable version).
  if (version === 5 && code < 0x80)
    return `code ${code} (${CONNACK_V3[code] ?? 'unknown'}; the broker answered in MQTT 3.1.1)`;
  const table = version === 5 ? REASON_V5 : CONNACK_V3;
  return `code ${code} (${table[code] ?? 'unknown'})`;
}

/** `code 135 (not authorized)`: an MQTT 5 reason code in words. */
export function describeReason(code: number): string {
  return `code ${code} (${REASON_V5[code] ?? 'unknown'})`;
}

/** True when a SUBACK entry refuses the subscription: 0x80 in 3.1.1, any code ≥ 0x80 in 5. */
export function isSubackFailure(code: number): boolean {
  return code >= 0x80;
}

/** `code 128 (failure)` for 3.1.1, the reason code in words for 5. */
export function describeSuback(code: number, version: MqttVersion): string {
  return version === 5 ? describeReason(code) : `code ${code} (failure)`;
}
